"""The parts of a message: social openers, follow-ups, anger, other services."""

from __future__ import annotations

import pytest

from intents.discourse import about_another_service, clauses, follow_up, sounds_angry, strip_social
from intents.text import normalise


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("Hello, where is my order?", "where is my order?"),
        ("xin chào shop, shop có bán thông tin của khách không", "shop có bán thông tin của khách không"),
        ("ok cảm ơn, vậy còn thanh toán thì sao", "vậy còn thanh toán thì sao"),
        ("hi ad, e muốn hủy đơn", "e muốn hủy đơn"),
        ("chao shop a cho e hoi don hang", "don hang"),
        ("xin chào", ""),
        ("đơn hàng của tôi đâu", "đơn hàng của tôi đâu"),
        ("history of my orders", "history of my orders"),  # "hi" only as a word of its own
    ],
)
def test_strip_social(text: str, rest: str) -> None:
    assert strip_social(text) == rest


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("vậy còn thanh toán thì sao", "thanh toán"),
        ("còn đơn kia?", "đơn kia"),
        ("vay con thanh toan thi sao", "thanh toan"),
        ("what about SMS?", "SMS"),
        ("and what about my address?", "my address"),
        ("thế còn email nữa", "email"),
        ("con meo nha minh bi om", None),  # "con" without its accent and no closing: not a follow-up
        ("đơn hàng của tôi đâu", None),
    ],
)
def test_follow_up(text: str, topic: str | None) -> None:
    assert follow_up(text) == topic


def test_clauses() -> None:
    assert clauses("ok cảm ơn, vậy còn thanh toán thì sao?!") == ["ok cảm ơn", "vậy còn thanh toán thì sao"]


@pytest.mark.parametrize(
    ("text", "angry"),
    [("😡😡😡", True), ("bot ngu quá", True), ("this is ridiculous", True), ("bực mình ghê", True),
     ("👍", False), ("tiếp tục đi", False), ("làm sao để ngủ ngon", False)],
)
def test_sounds_angry(text: str, angry: bool) -> None:
    assert sounds_angry(text, normalise(text).tokens) is angry


def test_about_another_service() -> None:
    assert about_another_service(normalise("how to delete facebook account").folded)
    assert about_another_service(normalise("bảo mật wifi nhà mình thế nào").folded)
    assert not about_another_service(normalise("shop có chia sẻ dữ liệu cho facebook không").folded)
    assert not about_another_service(normalise("xóa tài khoản của tôi").folded)
