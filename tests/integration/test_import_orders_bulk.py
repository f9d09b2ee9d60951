"""The orders import's bulk path, on SQLite and PostgreSQL: a change in 1,000 orders is recorded once,
with its history and audit rows, in a handful of statements (staged by COPY on PostgreSQL), and the
report stays exact when a batch mixes new, changed, unchanged and bad rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.services.imports import ImportOptions, import_customers, import_orders
from bot.storage.models import AuditEntry, Order, OrderStatusEvent
from bot.storage.uow import UnitOfWorkFactory

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
ORDERS = 1000
HEADER = "code,customer_phone,status,total_vnd,placed_at,carrier\n"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def customers(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    assert (await import_customers(uow_factory, DATA / "customers.csv", clock=clock)).written


class StatementCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


def _orders_file(path: Path, status: str, carrier: str = "GHN") -> Path:
    phones = ("0912345678", "0987654321")
    lines = "".join(
        f"RG-2026-{n:06d},{phones[n % 2]},{status},250000,2026-10-{1 + n % 28:02d} 10:00,{carrier}\n"
        for n in range(ORDERS)
    )
    path.write_text(HEADER + lines, encoding="utf-8")
    return path


async def _count(uow_factory: UnitOfWorkFactory, model: Any, *where: Any) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.usefixtures("customers")
async def test_a_change_in_1000_orders_is_recorded_once_with_history_and_audit(
    uow_factory: UnitOfWorkFactory, engine: AsyncEngine, clock: ManualClock, tmp_path: Path
) -> None:
    created = await import_orders(uow_factory, _orders_file(tmp_path / "a.csv", "đang giao"), clock=clock)
    assert created.summary() == f"orders: {ORDERS} rows, {ORDERS} created, 0 updated, 0 unchanged, 0 invalid"
    assert await _count(uow_factory, OrderStatusEvent) == ORDERS

    clock.advance(timedelta(hours=5))
    changed = _orders_file(tmp_path / "b.csv", "đã giao", carrier="J&T Express")
    counter = StatementCounter(engine)
    report = await import_orders(uow_factory, changed, clock=clock)
    assert report.summary() == f"orders: {ORDERS} rows, 0 created, {ORDERS} updated, 0 unchanged, 0 invalid"
    # Batches of 2,000: per batch a lookup of orders and of customers, the staged history and its
    # INSERT ... SELECT, the staged changes and their UPDATE ... FROM, the audit rows; not one per row.
    assert counter.count < 40, counter.count

    later = NOW + timedelta(hours=5)
    assert await _count(uow_factory, Order, Order.status == "delivered", Order.carrier == "J&T Express",
                        Order.updated_at == later) == ORDERS  # fmt: skip
    assert await _count(uow_factory, OrderStatusEvent) == 2 * ORDERS
    assert await _count(
        uow_factory, OrderStatusEvent, OrderStatusEvent.status == "delivered",
        OrderStatusEvent.occurred_at == later, OrderStatusEvent.note == "status changed by import",
    ) == ORDERS  # fmt: skip
    async with uow_factory() as uow:
        updates = (
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "order.import_update"))
        ).all()
    assert len(updates) == ORDERS
    assert {tuple(entry.details["fields"]) for entry in updates} == {("status", "carrier", "history")}
    assert {entry.details["code"] for entry in updates} == {f"RG-2026-{n:06d}" for n in range(ORDERS)}

    clock.advance(timedelta(hours=1))
    again = await import_orders(uow_factory, changed, clock=clock)
    assert again.summary() == f"orders: {ORDERS} rows, 0 created, 0 updated, {ORDERS} unchanged, 0 invalid"
    assert await _count(uow_factory, OrderStatusEvent) == 2 * ORDERS
    assert await _count(uow_factory, AuditEntry, AuditEntry.action == "order.import_update") == ORDERS


@pytest.mark.usefixtures("customers")
async def test_one_batch_of_new_changed_unchanged_history_and_bad_rows(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    first = tmp_path / "first.json"
    first.write_text(
        '[{"code": "RG-1", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00"},'
        ' {"code": "RG-2", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00"},'
        ' {"code": "RG-3", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00",'
        '  "history": [{"status": "pending", "at": "2026-11-20T10:00"}]}]',
        encoding="utf-8",
    )
    assert (await import_orders(uow_factory, first, clock=clock)).created == 3
    clock.advance(timedelta(days=1))
    second = tmp_path / "second.json"
    second.write_text(
        '[{"code": "RG-1", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00"},'
        ' {"code": "RG-2", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00",'
        '  "status": "cancelled"},'
        ' {"code": "RG-3", "customer_phone": "0912345678", "placed_at": "2026-11-20T10:00",'
        '  "history": [{"status": "pending", "at": "2026-11-20T10:00", "note": "another note"},'
        '              {"status": "shipped", "at": "2026-11-21T09:00"}]},'
        ' {"code": "RG-4", "customer_email": "minh.tran@example.com", "placed_at": "2026-11-21T10:00"},'
        ' {"code": "RG-5", "customer_phone": "0900000001", "placed_at": "2026-11-21T10:00"},'
        ' {"code": "RG-6", "customer_phone": "0912345678", "customer_email": "minh.tran@example.com",'
        '  "placed_at": "2026-11-21T10:00"}]',
        encoding="utf-8",
    )
    report = await import_orders(
        uow_factory, second, clock=clock, options=ImportOptions(skip_invalid=True, batch_size=10)
    )
    assert report.summary() == "orders: 6 rows, 1 created, 2 updated, 1 unchanged, 2 invalid"
    assert report.error_lines() == [
        "second.json item 5: customer_phone: no customer with phone +84900000001; import the customers first",
        "second.json item 6: customer_email: minh.tran@example.com belongs to another customer than "
        "+84912345678",
    ]
    assert report.written
    async with uow_factory() as uow:
        orders = await uow.orders.by_codes(["RG-2", "RG-3", "RG-4"])
        histories = {code: [(e.status, e.note) for e in order.history] for code, order in orders.items()}
        statuses = {code: order.status for code, order in orders.items()}
        fields = {
            entry.details["code"]: entry.details.get("fields")
            for entry in (await uow.audit.recent(10))
            if entry.created_at == NOW + timedelta(days=1)
        }
    assert statuses == {"RG-2": "cancelled", "RG-3": "shipped", "RG-4": "pending"}
    assert histories == {
        "RG-2": [("pending", None), ("cancelled", "status changed by import")],
        "RG-3": [("pending", None), ("shipped", None)],  # the known event is not added again
        "RG-4": [("pending", None)],
    }
    assert fields == {"RG-2": ["status", "history"], "RG-3": ["status", "history"], "RG-4": None}
