"""A code named in the message overrules an unsure reading it contradicts (bot/understanding.py).

"đơn rg 2026-900003 giờ ra sao" was read as a policy question and "I am asking about my order
RG-2026-900002" as a wish for order notifications, both unsure; the code says they ask about that
order. A sure reading stays what it is: a privacy question that names an order is still one, and so is
turning notifications on for a named order.
"""

from __future__ import annotations

import pytest

from bot.understanding import CODE_OVERRULES_BELOW, Understander


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


@pytest.mark.parametrize(("message", "intent"), [
    ("đơn rg 2026-900003 giờ ra sao", "order_status"),
    ("don RG2026900003 gio sao roi", "order_status"),
    ("I am asking about my order RG-2026-900002", "order_status"),
    ("KN-2026-000012 giờ sao rồi", "request_status"),
])
def test_an_unsure_reading_gives_way_to_the_code(
    understander: Understander, message: str, intent: str
) -> None:
    assert understander.understand(message).intent == intent


@pytest.mark.parametrize(("message", "intent"), [
    ("shop có chia sẻ thông tin đơn RG-2026-900002 của tôi cho ai không", "policy_question"),
    ("bật thông báo cho đơn RG-2026-900002", "order_notifications_on"),
])
def test_a_sure_reading_keeps_its_intent(understander: Understander, message: str, intent: str) -> None:
    result = understander.understand(message)
    assert result.intent == intent and result.confidence >= CODE_OVERRULES_BELOW
