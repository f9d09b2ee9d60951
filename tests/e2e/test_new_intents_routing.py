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
        ("tôi không muốn chia sẻ số điện thoại, có cách khác không?", "nhân viên"),
    ],
)
async def test_answer_intents_say_the_understood_answer_and_offer_a_person(
    harness: ChatHarness, message: str, fragment: str
) -> None:
    reply = await harness.user().says(message)
    assert fragment in reply.text.lower()
    assert "chưa chắc mình hiểu" not in reply.text  # not the "not sure" fallback
    assert "Theo mục" not in reply.text  # no passage the question did not ask about
    assert STAFF_BUTTON in reply.buttons.values()


@pytest.mark.parametrize(
    ("message", "fragment"),
    [("xoa het du lieu cua toi di", "xóa dữ liệu"), ("please delete my account and all my data", "delete")],
)
async def test_erasure_is_not_access_and_promises_no_record(
    harness: ChatHarness, message: str, fragment: str
) -> None:
    reply = await harness.user().says(message)
    assert fragment in reply.text
    assert "xem dữ liệu" not in reply.text and "see your personal data" not in reply.text
    assert STAFF_BUTTON in reply.buttons.values()


@pytest.mark.parametrize("message", ["hủy đơn RG-2026-900003 giúp tôi", "tôi muốn trả hàng và hoàn tiền"])
async def test_what_only_staff_can_do_goes_to_a_person(harness: ChatHarness, message: str) -> None:
    reply = await harness.user().says(message)
    assert "nhân viên" in reply.text and "chưa chắc mình hiểu" not in reply.text
    cancelled = await harness.user().says("/cancel")
    assert "không có phiếu nào được tạo" in cancelled.text  # it was the hand-off's intake


async def test_request_status_lists_the_customers_tickets(harness: ChatHarness) -> None:
    reply = await harness.user().says("trạng thái yêu cầu của tôi")
    assert "chưa có phiếu" in reply.text
