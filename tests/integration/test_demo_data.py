"""The demo data set: reproducible, valid, realistic, written through the import upsert (twice = no-op)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot import demo_data
from bot.clock import ManualClock
from bot.domain.email import normalize_email
from bot.domain.order_status import OrderStatus
from bot.domain.phone import normalize_phone
from bot.services.imports import import_records
from bot.storage.uow import UnitOfWorkFactory

CLOCK = ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = demo_data.generate(seed=7, customers=50, orders=120)
    assert first == demo_data.generate(seed=7, customers=50, orders=120)
    assert first.customers != demo_data.generate(seed=8, customers=50, orders=120).customers


def test_anchor_comes_from_the_seed_not_from_today() -> None:
    assert demo_data.anchor_for(20261125) == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # noon in Hà Nội
    assert demo_data.anchor_for(42) == demo_data.anchor_for(42)
    assert demo_data.anchor_for(20261301).year in range(2026, 2036)  # not a date: still fixed


def test_generated_data_is_valid_and_realistic() -> None:
    data = demo_data.generate(customers=300, orders=1500)
    people = data.customers
    assert len(people) == 300 + len(demo_data.fixed_data(data.anchor)[0])
    phones = [c.phone for c in people if c.phone]
    emails = [c.email for c in people if c.email]
    assert all(normalize_phone(phone) == phone for phone in phones)
    assert all(normalize_email(email) == email for email in emails)
    assert len(set(phones)) == len(phones) and len(set(emails)) == len(emails)
    assert 0.6 < len(emails) / len(people) < 0.9  # some customers have no email
    assert all(email.rsplit("@", 1)[1].startswith("example.") for email in emails)

    orders = data.orders
    assert len(orders) == 1500 + 7
    assert len({o.code for o in orders}) == len(orders)
    assert all(o.code.startswith("RG-20") for o in orders)
    assert all(data.anchor - timedelta(days=366) <= o.placed_at <= data.anchor for o in orders)
    statuses = Counter(o.status for o in orders)
    assert statuses[OrderStatus.DELIVERED] > len(orders) / 2
    assert statuses[OrderStatus.CANCELLED] and statuses[OrderStatus.RETURNED]
    for order in orders:
        history = order.history or ()
        assert history[0].status is OrderStatus.PENDING and history[0].at == order.placed_at
        assert history[-1].status is order.status
        assert [e.at for e in history] == sorted(e.at for e in history)
        assert all(e.at <= data.anchor for e in history)
        assert order.items and order.total_vnd >= sum((i.price_vnd or 0) * i.quantity for i in order.items)
        if OrderStatus.SHIPPED in {e.status for e in history}:
            assert order.carrier in demo_data.CARRIERS and order.tracking_code


async def test_seeding_twice_changes_nothing_and_lan_has_her_orders(uow_factory: UnitOfWorkFactory) -> None:
    data = demo_data.generate(customers=200, orders=1000)
    customers, orders = await import_records(
        uow_factory, data.customers, data.orders, clock=CLOCK, actor="system:demo-data"
    )
    assert (customers.created, orders.created) == (204, 1007)
    customers, orders = await import_records(
        uow_factory, data.customers, data.orders, clock=CLOCK, actor="system:demo-data"
    )
    assert (customers.unchanged, orders.unchanged) == (204, 1007)
    assert customers.created + customers.updated + orders.created + orders.updated == 0

    async with uow_factory() as uow:
        lan = await uow.customers.by_phone(normalize_phone("0912345678"))
        assert lan is not None and lan.full_name == "Nguyễn Thị Lan" and lan.email == "lan.nguyen@example.com"
        lan_orders = await uow.orders.for_customer(lan.id)
        assert sorted(o.status for o in lan_orders) == ["delivered", "delivering", "pending"]
        assert all(o.history for o in lan_orders)
        consent = await uow.consents.current(lan.id, "marketing")
        assert consent is not None and consent.granted
        bao = await uow.customers.by_email("bao.pham@example.com")
        assert bao is not None and bao.phone is None
