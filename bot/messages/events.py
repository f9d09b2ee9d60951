"""What reaches the conversation core from any channel, free of any transport's types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# One kind per Telegram media type that has its own send method: a file id is sent on by the method
# of its kind (a GIF by sendAnimation, a round video by sendVideoNote), never by a look-alike's.
AttachmentKind = Literal[
    "photo", "document", "voice", "video", "animation", "video_note", "audio", "sticker", "location", "other"
]
#: Telegram's limit for a message's text (4,096 UTF-16 units, so never more characters): nothing a
#: Telegram user sends is cut. Longer input (the console, another channel) is cut to this before
#: anything looks at it, and the customer is told so (`text_was_cut`, bot.dialogue.engine). What the
#: bot sends on, with a name or a ticket number before it, is split into messages by the channel.
MAX_TEXT_CHARS = 4096


@dataclass(frozen=True)
class SharedContact:
    """A phone contact sent by the user; `user_id` is whose contact it is, if the channel knows.

    `forwarded`: the message carrying it was forwarded from elsewhere, so it proves nothing about the
    sender, whoever's contact it is.
    """

    phone: str
    user_id: str | None = None
    first_name: str | None = None
    forwarded: bool = False


@dataclass(frozen=True)
class Attachment:
    kind: AttachmentKind
    file_id: str | None = None  # the channel's own reference, usable to send the file on
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file_id": self.file_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Attachment:
        size = data.get("size")
        return cls(
            kind=str(data.get("kind") or "other"),  # type: ignore[arg-type]
            file_id=_opt_str(data.get("file_id")),
            file_name=_opt_str(data.get("file_name")),
            mime_type=_opt_str(data.get("mime_type")),
            size=int(size) if isinstance(size, int) else None,
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ChatUser:
    """Who wrote: a user of a channel, as the channel identifies them.

    The dialogue hands this to services, which load what they need of the person (their chat account,
    the customer they proved to be) and check every id a button names against it.
    """

    channel: str
    user_id: str

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True)
class InboundEvent:
    """One thing a user did: sent text, shared a contact, pressed a button or sent a file.

    `user_id` and `chat_id` are the channel's ids as strings. `event_key` identifies the delivery
    (Telegram's update_id) so that a retried delivery is processed once. `display_name` is already
    cleaned of control and format characters (`bot.domain.names.clean_name`).
    """

    channel: str
    user_id: str
    chat_id: str
    text: str | None = None
    contact: SharedContact | None = None
    button: str | None = None
    attachments: tuple[Attachment, ...] = ()
    thread_id: int | None = None
    message_id: int | None = None
    reply_to_message_id: int | None = None
    language_hint: str | None = None
    display_name: str | None = None
    event_key: str | None = None
    chat_kind: Literal["private", "group"] = "private"
    is_edit: bool = False
    #: the album (Telegram media group) the message is one item of; only its first item has a caption
    media_group_id: str | None = None
    #: the message was forwarded from elsewhere: its words are someone else's
    forwarded: bool = False
    #: posted by an administrator of the group anonymously, as the group itself (`user_id` is the chat)
    anonymous_admin: bool = False

    @property
    def sender(self) -> ChatUser:
        return ChatUser(self.channel, self.user_id)

    @property
    def command(self) -> tuple[str, str] | None:
        """('/start', 'payload') for a slash command, else None; '@botname' suffixes are dropped."""
        if not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text.strip().partition(" ")
        name = head.split("@", 1)[0].lower()
        if len(name) < 2 or not name[1:].replace("_", "").isalnum():
            return None
        return name, rest.strip()

    @property
    def clean_text(self) -> str:
        """The text with control characters removed, cut to `MAX_TEXT_CHARS`."""
        return self._printable_text()[:MAX_TEXT_CHARS]

    @property
    def text_was_cut(self) -> bool:
        """Whether `clean_text` lost the end of a text longer than `MAX_TEXT_CHARS`."""
        return self.text is not None and len(self.text) > MAX_TEXT_CHARS and (
            len(self._printable_text()) > MAX_TEXT_CHARS
        )

    def _printable_text(self) -> str:
        if not self.text:
            return ""
        text = self.text
        if not text.isprintable():  # one C-level scan; most messages have nothing to remove
            text = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
        return text.strip()
