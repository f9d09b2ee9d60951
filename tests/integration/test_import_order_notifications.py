"""`import orders` detects status changes of existing orders and tells their customers, like an order
event does; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import Catalog
from bot.messages.actions import Address, SendText
from bot.services.imports import ImportOptions, import_customers, import_orders
from bot.services.order_updates import OrderNotifier
from bot.services.outbox import queued_row
from bot.storage.models import ChannelAccount, OutboxMessage, OutboxPriority, OutboxPurpose, OutboxStatus
from bot.storage.uow import UnitOfWorkFactory
from tests.support.wording import markup, rendered

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "import"
NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 12:00 in Hanoi
HEADER = "code,customer_phone,status,placed_at\n"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def notifier(settings: Settings, clock: ManualClock) -> OrderNotifier:
    return OrderNotifier(Catalog.load(), settings, clock)


async def notices(uow_factory: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with uow_factory() as uow:
        query = select(OutboxMessage).where(OutboxMessage.purpose == OutboxPurpose.ORDER_UPDATE)
        return list((await uow.session.scalars(query)).all())


async def test_a_changed_status_is_told_to_the_linked_chat_once(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, notifier: OrderNotifier, tmp_path: Path
) -> None:
    assert (await import_customers(uow_factory, DATA / "customers.csv", clock=clock)).written
    async with uow_factory() as uow:
        lan = (await uow.customers.by_phones(["+84912345678"]))["+84912345678"]
        uow.session.add(ChannelAccount(channel="telegram", channel_user_id="1001", chat_id="1001",
                                       customer_id=lan.id))
        await uow.commit()
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "RG-9,0912345678,chờ xác nhận,2026-11-24 10:00\n"
                    "RG-10,0987654321,đã xác nhận,2026-11-24 10:00\n", encoding="utf-8")
    created = await import_orders(uow_factory, path, clock=clock, notifier=notifier)
    assert (created.created, created.status_changes, created.notifications) == (2, 0, 0)  # new orders: no one
    assert await notices(uow_factory) == []

    clock.advance(timedelta(hours=1))
    path.write_text(HEADER + "RG-9,0912345678,đang giao,2026-11-24 10:00\n"
                    "RG-10,0987654321,đã giao,2026-11-24 10:00\n", encoding="utf-8")
    dry = await import_orders(uow_factory, path, clock=clock, options=ImportOptions(dry_run=True),
                              notifier=notifier)
    assert dry.status_changes == 2 and await notices(uow_factory) == []  # a dry run writes nothing
    report = await import_orders(uow_factory, path, clock=clock, notifier=notifier)
    # Both statuses changed; only Lan's chat is linked (Minh has no chat account).
    assert (report.updated, report.status_changes, report.notifications) == (2, 2, 1)
    assert report.status_line() == "status changes: 2, notifications: 1 (to be sent)"
    [notice] = await notices(uow_factory)
    assert (notice.chat_id, notice.priority) == ("1001", OutboxPriority.BULK)
    status = rendered("core.order_status.delivering")
    assert notice.payload["text"] == markup("orders_notify.status_changed", code="RG-9", status=status)

    again = await import_orders(uow_factory, path, clock=clock, notifier=notifier)
    assert (again.unchanged, again.status_changes) == (2, 0)
    assert len(await notices(uow_factory)) == 1


def test_the_command_reports_the_status_changes(tmp_path: Path) -> None:
    database = tmp_path / "rosee.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PYTHONPATH": str(ROOT)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"), *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert cli("import", "customers", str(DATA / "customers.csv")).returncode == 0
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "RG-9,0912345678,chờ xác nhận,2026-11-24 10:00\n", encoding="utf-8")
    first = cli("import", "orders", str(path))
    assert first.returncode == 0, first.stderr
    assert "status changes" not in first.stdout
    path.write_text(HEADER + "RG-9,0912345678,đang đóng gói,2026-11-24 10:00\n", encoding="utf-8")
    second = cli("import", "orders", str(path))
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "status changes: 1, notifications: 0 (to be sent)"


class StatementCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        self.count += 1


def _many_orders(path: Path, status: str, orders: int, *, bad_last: bool = False) -> Path:
    phones = ("0912345678", "0987654321")
    lines = "".join(f"RG-2026-{n:06d},{phones[n % 2]},{status},2026-11-20 10:00\n" for n in range(orders))
    path.write_text(HEADER + lines + ("RG-BAD,0912345678,no such status,2026-11-20 10:00\n" if bad_last
                                      else ""), encoding="utf-8")  # fmt: skip
    return path


async def test_the_notices_of_a_batch_are_written_together_and_only_with_the_import(
    uow_factory: UnitOfWorkFactory, engine: AsyncEngine, clock: ManualClock, notifier: OrderNotifier,
    tmp_path: Path,
) -> None:
    """1,000 status changes to two customers' chats: one lookup of the chats and one bulk write of the
    notices per batch (COPY on PostgreSQL), not a statement per order; an import that is not written
    (a bad row at the end of the file) leaves none of the notices its earlier batches wrote."""
    assert (await import_customers(uow_factory, DATA / "customers.csv", clock=clock)).written
    async with uow_factory() as uow:
        found = await uow.customers.by_phones(["+84912345678", "+84987654321"])
        lan, minh = found["+84912345678"].id, found["+84987654321"].id
        uow.session.add_all([
            ChannelAccount(channel="telegram", channel_user_id="1001", chat_id="1001", customer_id=lan),
            ChannelAccount(channel="telegram", channel_user_id="1002", chat_id="1002", customer_id=lan,
                           order_notifications=False),
            ChannelAccount(channel="telegram", channel_user_id="1003", chat_id="1003", customer_id=minh,
                           unreachable_since=NOW),
            ChannelAccount(channel="telegram", channel_user_id="1004", chat_id="1004", customer_id=minh),
        ])  # fmt: skip
        await uow.commit()
    options = ImportOptions(batch_size=100)
    created = await import_orders(uow_factory, _many_orders(tmp_path / "a.csv", "đang giao", 1000),
                                  clock=clock, options=options, notifier=notifier)  # fmt: skip
    assert created.created == 1000 and await notices(uow_factory) == []

    clock.advance(timedelta(hours=1))
    bad = _many_orders(tmp_path / "b.csv", "đã giao", 1000, bad_last=True)
    failed = await import_orders(uow_factory, bad, clock=clock, options=options, notifier=notifier)
    assert (failed.status_changes, failed.notifications, failed.written) == (1000, 1000, False)
    assert await notices(uow_factory) == []  # written in the import's transaction, gone with it
    async with uow_factory() as uow:
        assert {o.status for o in (await uow.orders.by_codes(["RG-2026-000000"])).values()} == {"delivering"}

    counter = StatementCounter(engine)
    report = await import_orders(uow_factory, _many_orders(tmp_path / "c.csv", "đã giao", 1000),
                                 clock=clock, options=options, notifier=notifier)  # fmt: skip
    assert (report.updated, report.status_changes, report.notifications) == (1000, 1000, 1000)
    # Ten batches of a handful of statements each (orders, customers, staged history and changes,
    # audit rows, the chats and the notices); a statement per notice would be over a thousand.
    assert counter.count < 150, counter.count
    written = await notices(uow_factory)
    assert sorted({n.chat_id for n in written}) == ["1001", "1004"]  # off and blocked chats are skipped
    assert len(written) == 1000 and {n.priority for n in written} == {OutboxPriority.BULK}
    assert {(n.status, n.attempts, n.purpose) for n in written} == {
        (OutboxStatus.PENDING, 0, OutboxPurpose.ORDER_UPDATE)}
    by_chat = {n.payload["text"] for n in written if n.chat_id == "1001"}
    status = rendered("core.order_status.delivered")
    assert markup("orders_notify.status_changed", code="RG-2026-000000", status=status) in by_chat
    assert markup("orders_notify.status_changed", code="RG-2026-000001", status=status) not in by_chat
    assert {n.next_attempt_at for n in written} == {NOW + timedelta(hours=1)}  # 13:00 in Hanoi: now

    clock.advance(timedelta(hours=9))  # 22:00 in Hanoi: quiet hours (21:00-08:00), due in the morning
    night = await import_orders(uow_factory, _many_orders(tmp_path / "d.csv", "returned", 1000),
                                clock=clock, options=options, notifier=notifier)  # fmt: skip
    assert night.notifications == 1000
    held = [n for n in await notices(uow_factory) if n.created_at == clock.now()]
    assert {n.next_attempt_at for n in held} == {datetime(2026, 11, 26, 1, 0, tzinfo=UTC)}


async def test_bulk_rows_as_a_unit_of_works_first_statement_roll_back_with_it(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    """The bulk path (COPY on PostgreSQL, through the raw connection) inside the unit of work's
    transaction even when nothing ran before it: not committed, not there."""
    address = Address("telegram", "1001")
    row = queued_row(NOW, address, SendText("a"), purpose=OutboxPurpose.ORDER_UPDATE)
    async with uow_factory() as uow:
        await uow.outbox.add_many([row])
    assert await notices(uow_factory) == []
    async with uow_factory() as uow:
        await uow.outbox.add_many([row, {**row, "chat_id": "1002"}])
        await uow.commit()
    assert sorted(n.chat_id for n in await notices(uow_factory)) == ["1001", "1002"]
