"""Where the intents the understanding layer learned for issue 16 lead, until their own flows exist.

Each gets an honest answer with a person offered, or goes to a person: never "I did not understand"
for a message that was understood, and never a passage the question did not ask about.
"""

from __future__ import annotations

import pytest

from tests.support.harness import ChatHarness

STAFF_BUTTON = "menu:human"


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("web có dùng cookie không?", "không đề cập đến cookie"),
        ("😡😡😡", "xin lỗi"),
    ],  # identity_help has its flow now: tests/e2e/test_identity_flows.py
)
async def test_answer_intents_say_the_understood_answer_and_offer_a_person(
    harness: ChatHarness, message: str, fragment: str
) -> None:
    reply = await harness.user().says(message)
    # The answer is the understanding layer's own wording (knowledge/, intents/), not the catalogue's.
    assert reply.said("core.understood_answer") and fragment in reply.text.lower()
    assert not reply.said("core.not_sure")  # not the "not sure" fallback
    assert "Theo mục" not in reply.text  # no passage the question did not ask about
    assert STAFF_BUTTON in reply.buttons.values()


@pytest.mark.parametrize(
    ("message", "language"),
    [("xoa het du lieu cua toi di", "vi"), ("please delete my account and all my data", "en")],
)
async def test_erasure_is_not_access_and_promises_no_record(
    harness: ChatHarness, message: str, language: str
) -> None:
    reply = await harness.user().says(message)
    assert reply.said_in(language, "core.rights.erasure")
    assert not reply.said("core.rights.access")
    assert STAFF_BUTTON in reply.buttons.values()


@pytest.mark.parametrize("message", ["hủy đơn RG-2026-900003 giúp tôi", "tôi muốn trả hàng và hoàn tiền"])
async def test_what_only_staff_can_do_goes_to_the_order_flow(harness: ChatHarness, message: str) -> None:
    # Issue 18: the order flow says what the rules allow and makes the ticket; first, who is asking.
    reply = await harness.user().says(message)
    assert reply.keys == ["core.orders.need_verification", "core.verify.ask_contact"]  # not "not sure"


async def test_request_status_with_nothing_yet_says_so_for_requests_and_tickets(harness: ChatHarness) -> None:
    reply = await harness.user().says("trạng thái yêu cầu của tôi")
    assert reply.keys == ["privacy.none_at_all"]  # not "no tickets" alone to a question about requests
