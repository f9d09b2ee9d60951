"""Forged, stale and malformed button data is answered as a stale button, on SQLite and PostgreSQL.

Anyone can send any callback data. Before the button classes, a letter where an id belongs reached
the flows as a string ("rate:1:99" was a rating of 99, "desk:take:abc" a refusal to a ticket-less
press), and an id past the 32-bit column made PostgreSQL raise: the customer got an apology with an
incident number and the operator a traceback.
"""

from __future__ import annotations

import logging

import pytest

from bot.messages.buttons import MAX_ID
from tests.support.harness import ChatHarness

STAFF_CHAT = "-1001234567890"
STAFF_ADMIN = 4242
STAFF_MEMBERS = (777, 778)  # STAFF_USER_IDS holds in the staff chat too
HUGE = "9" * 11  # an id no 32-bit column holds

FORGED = [
    "desk:take:abc", f"desk:take:{HUGE}", f"desk:resolve:{MAX_ID + 1}", "desk:explode:1",
    "rate:1:99", "rate:abc:5", f"rate:{HUGE}:5", "rate:1:0",
    "complaint:status:abc", f"complaint:status:{HUGE}", "complaint:cat:bogus", "complaint:submit:now",
    "policy:abc", f"policy:{HUGE}", "order:" + "A" * 50, "menu:nowhere", "lang:fr", "intent:../..",
    "x" * 200,
]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_user_ids": (STAFF_ADMIN, *STAFF_MEMBERS)}


@pytest.mark.parametrize("data", FORGED)
async def test_a_customer_pressing_forged_data_gets_the_stale_button_answer(
    harness: ChatHarness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    customer = harness.user("1001")
    await customer.says("/start")
    with caplog.at_level(logging.ERROR):
        reply = await customer.presses(data)
    assert reply.keys == ["core.stale_button"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("data", ["desk:take:abc", f"desk:take:{HUGE}", "desk:explode:1", "rate:1:99"])
async def test_staff_user_ids_pressing_forged_data_from_a_private_chat_get_the_same(
    harness: ChatHarness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        reply = await harness.user(str(STAFF_ADMIN), name="Quản lý").presses(data)
    assert reply.keys == ["core.stale_button"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("data", ["desk:take:abc", f"desk:take:{HUGE}", f"desk:reopen:{MAX_ID + 1}",
                                  "desk:explode:1"])
async def test_forged_desk_data_in_the_staff_chat_names_no_ticket(
    harness: ChatHarness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    member = harness.member_of(STAFF_CHAT, "777", "Hà")
    with caplog.at_level(logging.ERROR):
        reply = await member.presses(data)
    assert reply.keys == ["staff.unknown_ticket"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_other_families_pressed_in_the_staff_chat_are_ignored(harness: ChatHarness) -> None:
    member = harness.member_of(STAFF_CHAT, "777", "Hà")
    assert (await member.presses("rate:1:5")).actions == []
    assert (await member.presses("nothing-of-ours")).actions == []
