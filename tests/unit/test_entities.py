"""Entities in chat messages: found, typed, canonical, masked, and never changing the intent."""

from __future__ import annotations

import random

import pytest

from bot.understanding import Understander
from intents.entities import ENTITY_KINDS, extract
from intents.order_codes import ORDER_CODE, canonical_order_code, find_order_codes, is_order_code
from intents.text import normalise


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


def _values(text: str, kind: str) -> list[object]:
    return [e.value for e in extract(text).entities if e.kind == kind]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("đơn hàng RG-2026-900002 của tôi đâu", "RG-2026-900002"),
        ("rg2026900006 giao chưa shop", "RG-2026-900006"),
        ("kiểm tra giúp e đơn RG 2026 900001", "RG-2026-900001"),
        ("where is order rg-2026-900004?", "RG-2026-900004"),
        ("đơn Rg.2026.900003 bị trễ", "RG-2026-900003"),
        ("mã đơn DH12345 nhé", "DH12345"),
        ("order ORD-88231 please", "ORD-88231"),
        ("đơn hàng #12345 đang ở đâu", "12345"),
        ("what's the status of order 1234", "1234"),
    ],
)
def test_order_codes_in_any_case_with_or_without_separators(text: str, code: str) -> None:
    assert _values(text, "order_code") == [code]


@pytest.mark.parametrize(
    "text",
    [
        "chính sách bảo mật chia sẻ cho ai?",  # the words of a question are never a code
        "chinh sach bao mat chia se",
        "bị trừ tiền 2 lần",
        "e đặt hàng 3 hôm r",
        "giá 500k",  # an amount
        "ticket KN-2026-000123 sao rồi",  # a ticket number
        "iphone15 còn không",
        "0912345678",  # a phone
    ],
)
def test_no_order_code_where_there_is_none(text: str) -> None:
    assert _values(text, "order_code") == []


def test_ticket_numbers_are_their_own_kind() -> None:
    assert _values("ticket kn-2026-000123 sao rồi", "ticket_number") == ["KN-2026-000123"]
    assert _values("phiếu HT 2026 000045", "ticket_number") == ["HT-2026-000045"]


def test_the_importer_and_the_chat_share_one_order_code_rule() -> None:
    from bot.importing import orders

    assert orders.ORDER_CODE is ORDER_CODE
    assert is_order_code("rg-2026-900002") and not is_order_code("RG 2026") and not is_order_code("")
    for found in find_order_codes("đơn rg 2026 900002, DH12345 và #77777"):
        assert ORDER_CODE.match(found.code)  # every code found in chat is one the importer accepts
    assert canonical_order_code("chính") is None


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("số điện thoại mới của em là 0912 345 678, cập nhật giúp e", "+84912345678"),
        ("sdt 0987654321 có bị shop chia sẻ cho ai không", "+84987654321"),
        ("gọi mình số +84 912.345.678 nhé", "+84912345678"),
        ("(+84) 0912-345-678", "+84912345678"),
        ("số bàn 024 3825 1234", "+842438251234"),
    ],
)
def test_vietnamese_phone_numbers_in_e164(text: str, phone: str) -> None:
    assert _values(text, "phone") == [phone]


def test_an_order_codes_digits_are_not_a_phone() -> None:
    assert _values("đơn RG-2026-900002", "phone") == []


def test_emails_are_validated_and_lower_cased() -> None:
    assert _values("email mới của mình là Lan.Nguyen@Example.COM nhé.", "email") == ["lan.nguyen@example.com"]
    assert _values("gửi về a@b", "email") == []  # no domain: not an address


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("đơn đặt ngày 15/03/2026 mà giờ chưa tới", "2026-03-15"),
        ("giao hôm 2026-03-05", "2026-03-05"),
        ("hẹn ngày 5 tháng 3 năm 2026", "2026-03-05"),
        ("giao 15/3 nhé", "--03-15"),
        ("ordered on March 15, 2026", "2026-03-15"),
        ("arrived 2nd of May", "--05-02"),
    ],
)
def test_dates(text: str, value: str) -> None:
    assert _values(text, "date") == [value]


@pytest.mark.parametrize("text", ["giao 2-3 ngày", "giảm 1.5 lần", "31/02/2026 không có", "trễ 5 ngày"])
def test_not_dates(text: str) -> None:
    assert _values(text, "date") == []


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("i paid 1.250.000đ for it", 1_250_000),
        ("hàng 500k mà giao vỡ hết", 500_000),
        ("giá 1tr2", 1_200_000),
        ("tổng 1,5 triệu", 1_500_000),
        ("hoàn 350 nghìn", 350_000),
        ("chuyển 1,250,000 VND", 1_250_000),
        ("trả 2 củ", 2_000_000),
        ("phí 30.000 ₫", 30_000),
    ],
)
def test_amounts_in_whole_dong(text: str, amount: int) -> None:
    assert _values(text, "amount") == [amount]


@pytest.mark.parametrize("text", ["bị trừ tiền 2 lần", "được k shop", "trễ 3d rồi", "$20"])
def test_not_amounts(text: str) -> None:
    assert _values(text, "amount") == []


def test_masking_replaces_each_entity_with_its_placeholder() -> None:
    extraction = extract("đơn RG-2026-900002, sđt 0912345678, email a.b@example.com, 500k, 15/03/2026")
    assert [e.kind for e in extraction.entities] == ["order_code", "phone", "email", "amount", "date"]
    for kind in ("order_code", "phone", "email", "amount", "date"):
        assert f"⟨{kind}⟩" in extraction.masked
    assert "0912345678" not in extraction.masked and "@" not in extraction.masked  # safe to log
    assert normalise(extraction.masked).tokens == normalise("đơn sđt email").tokens


@pytest.mark.parametrize(
    ("with_entity", "without"),
    [
        ("đơn hàng RG-2026-900002 của tôi đâu", "đơn hàng của tôi đâu"),
        ("where is order RG-2026-900004", "where is order"),
        ("bị trừ tiền 2 lần cho đơn RG-2026-900003", "bị trừ tiền 2 lần cho đơn"),
        ("sđt mới của em là 0912 345 678, cập nhật giúp e", "sđt mới của em là, cập nhật giúp e"),
        ("hàng 500k mà giao vỡ hết", "hàng mà giao vỡ hết"),
    ],
)
def test_entities_never_change_the_intent(understander: Understander, with_entity: str, without: str) -> None:
    assert understander.understand(with_entity).intent == understander.understand(without).intent


def test_issue_examples_with_order_codes(understander: Understander) -> None:
    result = understander.understand("đơn hàng RG-2026-900002 của tôi đâu")
    assert result.intent == "order_status"
    assert [(e.kind, e.value) for e in result.entities] == [("order_code", "RG-2026-900002")]
    assert understander.understand("bị trừ tiền 2 lần cho đơn RG-2026-900003").intent == "complaint"
    assert understander.understand("where is order RG-2026-900004").intent == "order_status"
    assert understander.understand("RG-2026-900003").intent == "order_status"  # a bare code


def test_extraction_never_raises_and_spans_index_the_text() -> None:
    rng = random.Random(16)
    alphabet = [*"0123456789 .,-/+@#đkrg", "tr", "triệu", "tháng", "ngày", "RG", "😡", "\x00"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        extraction = extract(text)
        for entity in extraction.entities:
            assert entity.kind in ENTITY_KINDS
            assert text[entity.start : entity.end] == entity.text
    assert extract("x" * 10_000).entities == ()
