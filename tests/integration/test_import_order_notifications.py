"""`import orders` detects status changes of existing orders and tells their customers, like an order
event does; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import Catalog
from bot.services.imports import ImportOptions, import_customers, import_orders
from bot.services.order_updates import OrderNotifier
from bot.storage.models import ChannelAccount, OutboxMessage, OutboxPriority, OutboxPurpose
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
