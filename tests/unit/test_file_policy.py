"""Which customer files reach staff (issue 15, part 10): kinds, document types, a size cap."""

from __future__ import annotations

from bot.config import load_settings
from bot.messages.events import Attachment
from bot.services.file_policy import MEGABYTE, judge_files, max_megabytes

SETTINGS = load_settings(None)


def test_photos_videos_voice_and_office_documents_pass() -> None:
    files = [Attachment("photo", "p", size=2 * MEGABYTE), Attachment("voice", "v"),
             Attachment("document", "d", "hoa-don.pdf", "application/pdf"),
             Attachment("document", "x", "bang-ke.xlsx"), Attachment("location")]
    verdict = judge_files(SETTINGS, files)
    assert verdict.accepted == tuple(files) and not verdict.refused


def test_programs_pages_and_unknown_documents_are_refused() -> None:
    files = [Attachment("document", "e", "setup.exe", "application/x-msdownload"),
             Attachment("document", "a", "app.apk", "application/vnd.android.package-archive"),
             Attachment("document", "h", "login.html", "text/html"), Attachment("document", "n")]
    verdict = judge_files(SETTINGS, files)
    assert verdict.accepted == () and verdict.wrong_type == tuple(files)


def test_files_over_the_cap_are_refused_and_stickers_dropped() -> None:
    big = Attachment("video", "big", size=21 * MEGABYTE)
    verdict = judge_files(SETTINGS, [big, Attachment("sticker", "s")])
    assert verdict.accepted == () and verdict.too_big == (big,) and verdict.refused
    assert max_megabytes(SETTINGS) == "20"


def test_the_lists_are_settings() -> None:
    narrow = load_settings(None, relay_file_kinds="photo", relay_max_file_mb=1.5)
    verdict = judge_files(narrow, [Attachment("photo", "p", size=MEGABYTE), Attachment("voice", "v")])
    assert [a.kind for a in verdict.accepted] == ["photo"]
    assert [a.kind for a in verdict.wrong_type] == ["voice"]
    assert max_megabytes(narrow) == "1.5"
