"""The shop's rules for requests about an order, lateness, tracking links, payment labels, settings."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import SettingsError, load_settings
from bot.dialogue.order_details import money
from bot.domain.order_rules import REASONS, Decision, OrderRequest, OrderRules, is_late
from bot.domain.order_status import OrderStatus
from bot.domain.payment_status import PaymentStatus
from bot.domain.tracking import check_template, tracking_url

RULES = load_settings(None).order_rules
TODAY = date(2026, 12, 2)


def decide(
    request: OrderRequest,
    status: OrderStatus,
    *,
    delivered_on: date | None = None,
    payment: PaymentStatus | None = None,
    rules: OrderRules = RULES,
) -> Decision:
    return rules.decide(request, status, delivered_on=delivered_on, payment=payment, today=TODAY)


@pytest.mark.parametrize(
    ("status", "allowed", "reason"),
    [
        (OrderStatus.PENDING, True, "cancel_allowed"),
        (OrderStatus.CONFIRMED, True, "cancel_allowed"),
        (OrderStatus.PACKING, True, "cancel_allowed"),
        (OrderStatus.SHIPPED, False, "cancel_shipped"),  # no cancellation once shipped
        (OrderStatus.DELIVERING, False, "cancel_shipped"),
        (OrderStatus.DELIVERED, False, "cancel_shipped"),
        (OrderStatus.CANCELLED, False, "cancel_already_cancelled"),
        (OrderStatus.RETURNED, False, "cancel_returned"),
    ],
)
def test_cancelling_by_default(status: OrderStatus, allowed: bool, reason: str) -> None:
    assert decide(OrderRequest.CANCEL, status) == Decision(allowed, reason)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (OrderStatus.PENDING, "change_allowed"),
        (OrderStatus.CONFIRMED, "change_allowed"),
        (OrderStatus.PACKING, "change_too_late"),
        (OrderStatus.DELIVERING, "change_too_late"),
        (OrderStatus.DELIVERED, "change_final"),
        (OrderStatus.CANCELLED, "change_final"),
    ],
)
def test_changing_the_delivery_details_by_default(status: OrderStatus, reason: str) -> None:
    assert decide(OrderRequest.CHANGE, status).reason == reason


def test_returns_within_the_window_counted_from_the_delivery_day() -> None:
    on_the_last_day = decide(OrderRequest.RETURN, OrderStatus.DELIVERED, delivered_on=date(2026, 11, 25))
    assert on_the_last_day == Decision(True, "return_allowed", date(2026, 12, 2))
    a_day_late = decide(OrderRequest.RETURN, OrderStatus.DELIVERED, delivered_on=date(2026, 11, 24))
    assert a_day_late == Decision(False, "return_window_passed", date(2026, 12, 1))
    unknown_day = decide(OrderRequest.RETURN, OrderStatus.DELIVERED)
    assert unknown_day.allowed and unknown_day.reason == "return_allowed_no_date"
    assert decide(OrderRequest.RETURN, OrderStatus.DELIVERING).reason == "return_not_delivered"


def test_a_refund_of_a_cancelled_order_depends_on_whether_it_was_paid() -> None:
    assert decide(OrderRequest.RETURN, OrderStatus.CANCELLED, payment=PaymentStatus.PAID).allowed
    unpaid = decide(OrderRequest.RETURN, OrderStatus.CANCELLED, payment=PaymentStatus.COD)
    assert unpaid == Decision(False, "refund_cancelled_unpaid")
    assert decide(OrderRequest.RETURN, OrderStatus.RETURNED).reason == "refund_returned"


def test_every_reason_given_is_listed() -> None:
    strict = OrderRules(frozenset({OrderStatus.PENDING}), frozenset(), 7)
    given = {
        decide(request, status, delivered_on=delivered, payment=payment, rules=rules).reason
        for rules in (RULES, strict)
        for request in OrderRequest
        for status in OrderStatus
        for delivered in (None, date(2026, 11, 30), date(2026, 1, 1))
        for payment in (None, PaymentStatus.PAID)
    }
    assert given | {"unknown_status"} == set(REASONS)


def test_the_rules_come_from_the_settings() -> None:
    strict = load_settings(
        None,
        order_cancel_statuses="pending",
        order_change_statuses="pending, confirmed",
        return_window_days=0,
    ).order_rules
    assert not decide(OrderRequest.CANCEL, OrderStatus.CONFIRMED, rules=strict).allowed
    assert decide(OrderRequest.CHANGE, OrderStatus.CONFIRMED, rules=strict).allowed
    assert decide(OrderRequest.RETURN, OrderStatus.DELIVERED, delivered_on=TODAY, rules=strict).allowed
    with pytest.raises(SettingsError, match="ORDER_CANCEL_STATUSES"):
        load_settings(None, order_cancel_statuses="pending, lost")
    with pytest.raises(SettingsError, match="RETURN_WINDOW_DAYS"):
        load_settings(None, return_window_days=-1)


@pytest.mark.parametrize(
    ("status", "expected", "late"),
    [
        (OrderStatus.DELIVERING, date(2026, 11, 26), True),  # due 26/11, still on its way on 02/12
        (OrderStatus.PACKING, date(2026, 12, 1), True),
        (OrderStatus.DELIVERING, TODAY, False),  # due today: not late yet
        (OrderStatus.DELIVERED, date(2026, 11, 26), False),
        (OrderStatus.CANCELLED, date(2026, 11, 26), False),
        (OrderStatus.SHIPPED, None, False),  # no date promised
    ],
)
def test_late(status: OrderStatus, expected: date | None, late: bool) -> None:
    assert is_late(status, expected, TODAY) is late


def test_tracking_links_by_carrier_whatever_its_spelling() -> None:
    templates = load_settings(None).carrier_tracking_urls
    assert tracking_url(templates, "GHN", "GY12") == "https://donhang.ghn.vn/?order_code=GY12"
    assert tracking_url(templates, "j&t  EXPRESS", "85 1") == (
        "https://jtexpress.vn/vi/tracking?type=track&billcode=85%201"
    )
    assert tracking_url(templates, "viettel post", "1866") is not None
    assert tracking_url(templates, "Ninja Van", "NV1") is None  # no template: no guessed address
    assert tracking_url(templates, "GHN", None) is None and tracking_url(templates, None, "X") is None


@pytest.mark.parametrize(
    "template",
    [
        "ftp://x.vn/{code}",
        "https://x.vn/track",
        "https://x.vn/{code}/{id}",
        "https://x.vn/{code",
        "x.vn/{code}",
    ],
)
def test_a_bad_tracking_template_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match="tracking link"):
        check_template(template)
    with pytest.raises(SettingsError, match="CARRIER_TRACKING_URLS"):
        load_settings(None, carrier_tracking_urls={"GHN": template})


def test_tracking_templates_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRIER_TRACKING_URLS", '{"Ahamove": "https://ahamove.com/t/{code}"}')
    assert load_settings(None).carrier_tracking_urls == {"Ahamove": "https://ahamove.com/t/{code}"}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("paid", PaymentStatus.PAID),
        ("Đã thanh toán", PaymentStatus.PAID),
        ("da thanh toan", PaymentStatus.PAID),
        ("COD", PaymentStatus.COD),
        ("thanh toán khi nhận hàng", PaymentStatus.COD),
        ("chưa thanh toán", PaymentStatus.UNPAID),
        ("Đã hoàn tiền", PaymentStatus.REFUNDED),
    ],
)
def test_payment_statuses_as_the_shop_writes_them(raw: str, status: PaymentStatus) -> None:
    assert PaymentStatus.parse(raw) is status


def test_an_unknown_payment_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown payment status"):
        PaymentStatus.parse("trả góp")


def test_money_in_dong() -> None:
    assert money(1_019_000) == "1.019.000" and money(0) == "0" and money(999) == "999"
