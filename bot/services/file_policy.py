"""Which customer files are passed on to staff: an allow-list of kinds and document types, and a size cap.

A customer's file reaches the staff group by the file id Telegram gave us; staff open it on their
phones. So the shop decides what it accepts (`RELAY_FILE_KINDS`, `RELAY_DOCUMENT_TYPES`) and how big
(`RELAY_MAX_FILE_MB`): an `.exe`, an `.apk` or an `.html` page sent as a document, or a 200 MB video,
is not relayed, and the customer is told politely what is accepted (`complaints.file_refused`).
Stickers are never passed on; a location carries no file and passes as words. Pure: settings and
attachments in, the verdict out.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.messages.events import Attachment

MEGABYTE = 1024 * 1024
#: Kinds that carry no file: nothing to check (a location is passed on as words).
WORDS_ONLY = frozenset({"location", "other"})


@dataclass(frozen=True)
class FileVerdict:
    accepted: tuple[Attachment, ...]
    #: files refused because of their kind or type, and because of their size
    wrong_type: tuple[Attachment, ...] = ()
    too_big: tuple[Attachment, ...] = ()

    @property
    def refused(self) -> bool:
        return bool(self.wrong_type or self.too_big)


def judge_files(settings: Settings, attachments: Sequence[Attachment]) -> FileVerdict:
    """Split a message's attachments into those passed on and those refused (and why)."""
    accepted: list[Attachment] = []
    wrong_type: list[Attachment] = []
    too_big: list[Attachment] = []
    cap = settings.relay_max_file_mb * MEGABYTE
    for attachment in attachments:
        if attachment.kind == "sticker":
            continue
        if attachment.kind in WORDS_ONLY:
            accepted.append(attachment)
        elif not _allowed_type(settings, attachment):
            wrong_type.append(attachment)
        elif attachment.size is not None and attachment.size > cap:
            too_big.append(attachment)
        else:
            accepted.append(attachment)
    return FileVerdict(tuple(accepted), tuple(wrong_type), tuple(too_big))


def _allowed_type(settings: Settings, attachment: Attachment) -> bool:
    if attachment.kind not in settings.relay_file_kinds:
        return False
    if attachment.kind != "document":
        return True
    mime = (attachment.mime_type or "").split(";", 1)[0].strip().lower()
    if not mime and attachment.file_name:  # a client that sent no type: the name's extension says it
        mime = (mimetypes.guess_type(attachment.file_name, strict=False)[0] or "").lower()
    return mime in settings.relay_document_types


def max_megabytes(settings: Settings) -> str:
    """The cap as the refusal says it ("20")."""
    value = settings.relay_max_file_mb
    return str(int(value)) if value == int(value) else f"{value:g}"
