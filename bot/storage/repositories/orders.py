"""Orders, always read through their owner: there is deliberately no 'get any order by code' for chat.

Codes are stored upper-cased (the importer does it), so a lookup upper-cases what it is given and
compares the column as it is: `upper(code)` on the column would keep the unique index on `code` out
(a scan of 10 M orders instead of one index probe). The latest orders of a customer come from the
index on (customer_id, placed_at DESC) in its order (migration 0010).

The imports' bulk writes (`current_by_codes`, `add_status_events_new`, `update_many`) are Core
statements on staged rows (bot.storage.bulk): a batch of thousands of orders costs a handful of
statements, not one per row, and loads no ORM entities or histories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from bot.storage import bulk
from bot.storage.models import Order, OrderStatusEvent, UtcDateTime
from bot.storage.repositories.base import Repository

_ORDERS = cast(Table, Order.__table__)
_EVENTS = cast(Table, OrderStatusEvent.__table__)
#: What an import compares a record with: every column it may set, no history.
STORED_COLUMNS = (
    "id", "code", "customer_id", "status", "total_vnd", "placed_at", "shipping_address", "carrier",
    "tracking_code", "expected_delivery", "items", "payment_status",
)  # fmt: skip
#: The columns an import may change on an existing order; NULL in a staged row keeps what is stored.
UPDATABLE_COLUMNS = (
    "customer_id", "status", "total_vnd", "placed_at", "shipping_address", "carrier", "tracking_code",
    "expected_delivery", "items", "payment_status",
)  # fmt: skip

_STAGING = MetaData()
_TEMPORARY: dict[str, Any] = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}
_ORDER_CHANGES = Table(
    "import_order_changes", _STAGING,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer),
    Column("status", String(20)),
    Column("total_vnd", BigInteger),
    Column("placed_at", UtcDateTime()),
    Column("shipping_address", Text),
    Column("carrier", String(80)),
    Column("tracking_code", String(80)),
    Column("expected_delivery", Date),
    Column("items", JSON(none_as_null=True)),
    Column("payment_status", String(20)),
    Column("updated_at", UtcDateTime()),
    **_TEMPORARY,
)  # fmt: skip
_NEW_EVENTS = Table(
    "import_status_events", _STAGING,
    Column("order_id", Integer),
    Column("status", String(20)),
    Column("occurred_at", UtcDateTime()),
    Column("note", Text),
    **_TEMPORARY,
)  # fmt: skip


class OrderRepository(Repository):
    async def for_customer(self, customer_id: int, *, limit: int = 10) -> Sequence[Order]:
        rows = await self._session.scalars(
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(selectinload(Order.history))
            .order_by(Order.placed_at.desc())
            .limit(limit)
        )
        return rows.all()

    async def owned_by(self, customer_id: int, code: str) -> Order | None:
        return await self._session.scalar(
            select(Order)
            .where(Order.code == stored_code(code), Order.customer_id == customer_id)
            .options(selectinload(Order.history))
        )

    async def current_by_codes(self, codes: list[str]) -> dict[str, Row[Any]]:
        """For imports: the stored columns of the orders with these codes, by code (no history)."""
        if not codes:
            return {}
        columns = [_ORDERS.c[name] for name in STORED_COLUMNS]
        matching = await bulk.one_of(self._session, _ORDERS.c.code, codes)
        rows = await self._session.execute(select(*columns).where(matching))
        return {row.code: row for row in rows}

    async def add_status_events_new(self, rows: list[dict[str, Any]]) -> set[int]:
        """For imports: add the history rows (order_id, status, occurred_at, note) not stored yet, in
        one INSERT ... SELECT from staged rows; returns the ids of the orders that got one. An event
        already recorded (same order, status and time: the unique constraint) is skipped, whatever
        its note, as re-importing the same history must change nothing."""
        if not rows:
            return set()
        await bulk.stage(self._session, _NEW_EVENTS, rows)
        dialect = (await self._session.connection()).dialect.name
        make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        names = ("order_id", "status", "occurred_at", "note")
        statement = (
            make_insert(_EVENTS)
            .from_select(names, select(*(_NEW_EVENTS.c[n] for n in names)).where(true()))
            .on_conflict_do_nothing(index_elements=["order_id", "status", "occurred_at"])
            .returning(_EVENTS.c.order_id)
        )
        added = set((await self._session.execute(statement)).scalars())
        await bulk.clear(self._session, _NEW_EVENTS)
        return added

    async def update_many(self, rows: list[dict[str, Any]]) -> None:
        """For imports: change existing orders in one UPDATE ... FROM staged rows. Each row has `id`,
        `updated_at` and the UPDATABLE_COLUMNS; None keeps the stored value (as an import's blank
        field does)."""
        if not rows:
            return
        await bulk.stage(self._session, _ORDER_CHANGES, rows)
        staged = _ORDER_CHANGES.c
        values: dict[str, Any] = {
            name: func.coalesce(staged[name], _ORDERS.c[name]) for name in UPDATABLE_COLUMNS
        }
        values["updated_at"] = staged.updated_at
        await self._session.execute(update(_ORDERS).where(_ORDERS.c.id == staged.id).values(values))
        await bulk.clear(self._session, _ORDER_CHANGES)

    async def by_codes(self, codes: list[str]) -> dict[str, Order]:
        """Entities with their whole history, by code: for tools and tests, never for chat (imports
        compare `current_by_codes`, which loads no history)."""
        if not codes:
            return {}
        rows = await self._session.scalars(
            select(Order).where(Order.code.in_(codes)).options(selectinload(Order.history))
        )
        return {row.code: row for row in rows}

    async def exists(self, code: str) -> bool:
        found = await self._session.scalar(select(Order.id).where(Order.code == stored_code(code)))
        return found is not None

    async def insert_many(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """For imports: new orders in multi-row INSERTs; returns the id of each by code."""
        if not rows:
            return {}
        result = await self._session.execute(
            insert(Order).returning(Order.id, Order.code), rows, execution_options={"render_nulls": True}
        )
        return {row.code: row.id for row in result}

    def add(self, order: Order) -> None:
        self._session.add(order)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Order)) or 0)


def stored_code(code: str) -> str:
    """An order code as the database holds it: upper-case, as the importer stores every code."""
    return code.strip().upper()
