"""The terminal desk's command line: what staff type, as commands or as one precise mistake."""

from __future__ import annotations

import pytest

from bot.channels.console_desk import DeskCommand, DeskError, parse_command
from bot.services.ticket_views import is_ticket_reference, looks_like_ticket_number


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("list", DeskCommand("list")),
        ("  LS ", DeskCommand("list")),
        ("open KN-2026-000001", DeskCommand("open", "KN-2026-000001")),
        ("show 7", DeskCommand("open", "7")),
        ("open", DeskCommand("open")),
        ("take", DeskCommand("take")),
        ("resolve ht-2026-000002", DeskCommand("resolve", "ht-2026-000002")),
        ("reopen 000003", DeskCommand("reopen", "000003")),
        ("reply Dạ, đã gửi lại hàng ạ", DeskCommand("reply", None, "Dạ, đã gửi lại hàng ạ")),
        ("reply KN-2026-000001 Dạ vâng", DeskCommand("reply", "KN-2026-000001", "Dạ vâng")),
        # A reply that starts with a figure is a reply, not a ticket id.
        ("reply 2 ngày nữa hàng tới ạ", DeskCommand("reply", None, "2 ngày nữa hàng tới ạ")),
        ("note khách gọi lại lúc 3h", DeskCommand("note", None, "khách gọi lại lúc 3h")),
        ("help", DeskCommand("help")),
        ("?", DeskCommand("help")),
        ("exit", DeskCommand("quit")),
    ],
)
def test_commands(line: str, command: DeskCommand) -> None:
    assert parse_command(line) == command


@pytest.mark.parametrize("line", ["", "   ", "\t"])
def test_blank_lines_are_no_command(line: str) -> None:
    assert parse_command(line) is None


@pytest.mark.parametrize(
    ("line", "key", "params"),
    [
        ("frobnicate 1", "unknown_command", {"command": "frobnicate"}),
        ("open abc", "not_a_reference", {"reference": "abc"}),
        ("take KN-2026-1 KN-2026-2", "one_reference", {"command": "take"}),
        ("list all", "no_argument", {"command": "list"}),
        ("reply", "text_needed", {"command": "reply"}),
        ("note KN-2026-000001", "text_needed", {"command": "note"}),
        ("\x1b[31mrm", "unknown_command", {"command": "[31mrm"}),  # no control sequence echoed back
    ],
)
def test_mistakes_are_named(line: str, key: str, params: dict[str, str]) -> None:
    with pytest.raises(DeskError) as caught:
        parse_command(line)
    assert (caught.value.key, caught.value.params) == (key, params)


def test_ticket_references() -> None:
    assert all(map(is_ticket_reference, ["KN-2026-000123", "hT-2025-9", "12"]))
    assert not any(map(is_ticket_reference, ["KN-26-1", "#12", "", "KN-2026-000123 x"]))
    assert looks_like_ticket_number("KN-2026-000123") and not looks_like_ticket_number("123")
