"""Importing orders, on SQLite and PostgreSQL: upsert by code, customers by phone/email, status history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.domain.order_status import OrderStatus
from bot.services.imports import ImportOptions, import_customers, import_orders
from bot.storage.models import Order, OrderStatusEvent
from bot.storage.uow import UnitOfWorkFactory

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def customers(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_customers(uow_factory, DATA / "customers.csv", clock=clock)
    assert report.written


async def _order(uow_factory: UnitOfWorkFactory, code: str) -> Order:
    async with uow_factory() as uow:
        order = (await uow.orders.by_codes([code]))[code]
        uow.session.expunge(order)  # keep the loaded state (and history) readable after the unit of work
        return order


async def _events(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(OrderStatusEvent)) or 0)


@pytest.mark.usefixtures("customers")
async def test_sample_orders_import_and_reimport_changes_nothing(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    report = await import_orders(uow_factory, DATA / "orders.csv", clock=clock)
    assert report.summary() == "orders: 4 rows, 4 created, 0 updated, 0 unchanged, 0 invalid"

    delivered = await _order(uow_factory, "RG-2026-000101")
    assert delivered.status == OrderStatus.DELIVERED
    assert delivered.total_vnd == 408_000
    assert delivered.placed_at == datetime(2026, 11, 2, 2, 15, tzinfo=UTC)  # 09:15 in Hà Nội
    assert delivered.expected_delivery == date(2026, 11, 5)
    assert delivered.items == [{"name": "Son kem lì Rosee Velvet", "quantity": 2, "price_vnd": 189_000}]
    assert [(e.status, e.occurred_at) for e in delivered.history] == [("delivered", delivered.placed_at)]

    delivering = await _order(uow_factory, "RG-2026-000102")  # customer by email, history given
    assert delivering.status == "delivering"
    assert [e.status for e in delivering.history] == ["pending", "confirmed", "shipped", "delivering"]
    assert delivering.history[-1].note == "Shipper đang giao"
    async with uow_factory() as uow:
        bao = await uow.customers.by_email("bao.pham@example.com")
        assert bao is not None and delivering.customer_id == bao.id

    events = await _events(uow_factory)
    clock.advance(timedelta(hours=2))
    again = await import_orders(uow_factory, DATA / "orders.csv", clock=clock)
    assert again.summary() == "orders: 4 rows, 0 created, 0 updated, 4 unchanged, 0 invalid"
    assert await _events(uow_factory) == events


@pytest.mark.usefixtures("customers")
async def test_json_orders(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_orders(uow_factory, DATA / "orders.json", clock=clock)
    assert report.summary() == "orders: 2 rows, 2 created, 0 updated, 0 unchanged, 0 invalid"
    order = await _order(uow_factory, "RG-2026-000201")  # written lower-case in the file
    assert [e.status for e in order.history] == ["pending", "confirmed", "shipped", "delivered"]
    packing = await _order(uow_factory, "RG-2026-000202")
    assert packing.items == [{"name": "Kẹp tóc ngọc trai Rosee Pearl", "quantity": 3, "price_vnd": 89_000}]
    assert packing.total_vnd == 267_000  # from the items
    assert (await import_orders(uow_factory, DATA / "orders.json", clock=clock)).unchanged == 2


@pytest.mark.usefixtures("customers")
async def test_a_status_change_appends_one_history_event(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "code,customer_phone,status,placed_at\nRG-9,0912345678,chờ xác nhận,2026-11-24 10:00\n",
        encoding="utf-8",
    )
    await import_orders(uow_factory, path, clock=clock)
    clock.advance(timedelta(hours=3))
    path.write_text(
        "code,customer_phone,status,placed_at,carrier\nRG-9,0912345678,đang giao,2026-11-24 10:00,GHN\n",
        encoding="utf-8",
    )
    report = await import_orders(uow_factory, path, clock=clock)
    assert (report.updated, report.unchanged) == (1, 0)
    order = await _order(uow_factory, "RG-9")
    assert (order.status, order.carrier) == ("delivering", "GHN")
    assert [(e.status, e.occurred_at) for e in order.history] == [
        ("pending", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ("delivering", NOW + timedelta(hours=3)),
    ]
    assert (await import_orders(uow_factory, path, clock=clock)).unchanged == 1


@pytest.mark.usefixtures("customers")
async def test_history_given_on_update_adds_only_new_events(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "orders.json"
    path.write_text(
        '[{"code": "RG-8", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00",'
        ' "history": [{"status": "pending", "at": "2026-11-20T10:00"}]}]',
        encoding="utf-8",
    )
    await import_orders(uow_factory, path, clock=clock)
    path.write_text(
        '[{"code": "RG-8", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00",'
        ' "history": [{"status": "pending", "at": "2026-11-20T10:00"},'
        ' {"status": "shipped", "at": "2026-11-21T09:00"}]}]',
        encoding="utf-8",
    )
    report = await import_orders(uow_factory, path, clock=clock)
    assert report.updated == 1
    order = await _order(uow_factory, "RG-8")
    assert order.status == "shipped"
    assert [e.status for e in order.history] == ["pending", "shipped"]


@pytest.mark.usefixtures("customers")
async def test_a_bad_orders_file_imports_nothing(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_orders(uow_factory, DATA / "orders_bad.csv", clock=clock)
    assert report.error_lines() == [
        "orders_bad.csv line 2: status: unknown order status 'sent' (allowed: pending, confirmed, packing, "
        "shipped, delivering, delivered, cancelled, returned); Vietnamese labels such as 'đang giao' or "
        "'đã huỷ' are accepted too",
        "orders_bad.csv line 3: customer_phone: no customer with phone +84900000001; "
        "import the customers first",
        "orders_bad.csv line 4: placed_at: not a valid date and time: '31/02/2026' "
        "(day is out of range for month)",
        "orders_bad.csv line 4: total_vnd: not an amount in whole đồng: '1.5' "
        "(write e.g. 1250000 or 1.250.000)",
        "orders_bad.csv line 5: code: duplicate order code RG-2026-000301, also on line 2",
    ]
    assert report.summary() == "orders: 5 rows, 1 created, 0 updated, 0 unchanged, 4 invalid"
    assert not report.written
    async with uow_factory() as uow:
        assert await uow.orders.count() == 0
    skipped = await import_orders(
        uow_factory, DATA / "orders_bad.csv", clock=clock, options=ImportOptions(skip_invalid=True)
    )
    assert skipped.written and skipped.ok
    async with uow_factory() as uow:
        assert await uow.orders.count() == 1


async def test_orders_need_their_customers_first(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_orders(uow_factory, DATA / "orders.json", clock=clock)
    assert report.error_lines() == [
        "orders.json item 1: customer_phone: no customer with phone +84912345678; import the customers first",
        "orders.json item 2: customer_email: no customer with email bao.pham@example.com; "
        "import the customers first",
    ]
    assert not report.ok


@pytest.mark.usefixtures("customers")
async def test_many_orders_in_batches(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    lines = "".join(
        f'RG-2026-{n:06d},0912345678,đã giao,"1.250.000",2026-10-{1 + n % 28:02d} 10:00\n'
        for n in range(1100)
    )
    path = tmp_path / "orders.csv"
    path.write_text("code,customer_phone,status,total_vnd,placed_at\n" + lines, encoding="utf-8")
    report = await import_orders(uow_factory, path, clock=clock, options=ImportOptions(batch_size=300))
    assert (report.created, report.invalid) == (1100, 0)
    assert await _events(uow_factory) == 1100
    assert (await import_orders(uow_factory, path, clock=clock)).unchanged == 1100
