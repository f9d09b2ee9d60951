"""Core events and actions: commands parsed, text cleaned, actions survive the outbox unchanged."""

from __future__ import annotations

import pytest

from bot.messages.actions import (
    Button,
    CloseTopic,
    OpenTopic,
    ReopenTopic,
    RequestContact,
    SendAttachment,
    SendDocument,
    SendEmail,
    SendText,
    action_from_payload,
    action_to_payload,
)
from bot.messages.events import MAX_TEXT_CHARS, Attachment, InboundEvent


def event(text: str) -> InboundEvent:
    return InboundEvent(channel="test", user_id="1", chat_id="1", text=text)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/start", ("/start", "")),
        ("/start privacy", ("/start", "privacy")),
        ("/HELP@rosee_support_bot", ("/help", "")),
        ("/lang  en ", ("/lang", "en")),
        ("/", None),
        ("/ hello", None),
        ("hello /start", None),
        ("//", None),
    ],
)
def test_commands(text: str, command: tuple[str, str] | None) -> None:
    assert event(text).command == command


def test_clean_text_drops_control_characters_and_caps_length() -> None:
    assert event("\x00\x07 xin\u200b chào \x1b").clean_text == "xin chào"
    assert len(event("a" * 20_000).clean_text) == MAX_TEXT_CHARS
    assert event("dòng 1\ndòng 2").clean_text == "dòng 1\ndòng 2"


def test_button_data_is_limited_to_64_bytes() -> None:
    Button("ok", "x" * 64)
    with pytest.raises(ValueError):
        Button("too long", "đ" * 33)  # 66 bytes
    with pytest.raises(ValueError):
        Button("empty", "")


@pytest.mark.parametrize(
    "action",
    [
        SendText(
            "<b>xin chào</b>", ((Button("A", "menu:a"), Button("B", "menu:b")), (Button("C", "c"),)), True
        ),
        RequestContact("share", "📱", "Huỷ"),
        SendDocument("data.json", b"\x00\xffbytes", "caption"),
        SendAttachment(Attachment("photo", "file-1", None, "image/jpeg", 10), "ảnh"),
        OpenTopic("KN-2026-000001 · Giao hàng", 1),
        CloseTopic(1),
        ReopenTopic(1),
        SendEmail("cskh@roseeorder.com", "Khiếu nại", "Nội dung"),
    ],
)
def test_actions_round_trip_through_the_outbox(action: object) -> None:
    payload = action_to_payload(action)  # type: ignore[arg-type]
    import json

    assert action_from_payload(json.loads(json.dumps(payload))) == action


def test_topic_actions_keep_their_kind_through_the_outbox() -> None:
    """Closing and reopening carry the same data; only the payload's kind tells them apart."""
    assert action_to_payload(CloseTopic(7)) == {"kind": "close_topic", "ticket_id": 7}
    assert action_to_payload(ReopenTopic(7)) == {"kind": "reopen_topic", "ticket_id": 7}
    assert action_from_payload({"kind": "reopen_topic", "ticket_id": "7"}) == ReopenTopic(7)


def test_unknown_payload_is_refused() -> None:
    with pytest.raises(ValueError):
        action_from_payload({"kind": "teleport"})
