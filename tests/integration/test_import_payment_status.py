"""The `payment_status` column of the orders import (issue 18), on SQLite and PostgreSQL: read in the
shop's words, kept when a later file leaves it blank, and a wrong value refused with its line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.services.imports import import_customers, import_orders
from bot.storage.uow import UnitOfWorkFactory

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
HEADER = "code,customer_phone,status,placed_at,payment_status\n"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 25, 5, 0, tzinfo=UTC))


async def payment_of(uow_factory: UnitOfWorkFactory, code: str) -> str | None:
    async with uow_factory() as uow:
        return (await uow.orders.by_codes([code]))[code].payment_status


async def test_payment_status_is_imported_kept_and_checked(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    assert (await import_customers(uow_factory, DATA / "customers.csv", clock=clock)).written
    path = tmp_path / "orders.csv"
    path.write_text(
        HEADER + "RG-1,0912345678,đang giao,2026-11-24 10:00,Đã thanh toán\n"
        "RG-2,0912345678,chờ xác nhận,2026-11-24 11:00,\n",
        encoding="utf-8",
    )
    assert (await import_orders(uow_factory, path, clock=clock)).created == 2
    assert await payment_of(uow_factory, "RG-1") == "paid"
    assert await payment_of(uow_factory, "RG-2") is None  # not said: nothing is told about payment

    path.write_text(
        HEADER + "RG-1,0912345678,đang giao,2026-11-24 10:00,\n"
        "RG-2,0912345678,chờ xác nhận,2026-11-24 11:00,cod\n",
        encoding="utf-8",
    )
    await import_orders(uow_factory, path, clock=clock)
    assert await payment_of(uow_factory, "RG-1") == "paid"  # blank keeps what is stored
    assert await payment_of(uow_factory, "RG-2") == "cod"

    path.write_text(HEADER + "RG-3,0912345678,đang giao,2026-11-24 10:00,trả góp\n", encoding="utf-8")
    report = await import_orders(uow_factory, path, clock=clock)
    assert not report.written
    assert report.error_lines() == [
        "orders.csv line 2: payment_status: unknown payment status 'trả góp' "
        "(allowed: unpaid, paid, cod, refunded)"
    ]
