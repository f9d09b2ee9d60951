"""Migration 0010's indexes, on SQLite and PostgreSQL, and the plans of the owner's order queries: one
order by code through the unique index on code (never upper(code)), the latest orders through
(customer_id, placed_at DESC) without a sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.models import Customer, Order
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory


async def _indexes(engine: AsyncEngine, table: str) -> dict[str, list[str | None]]:
    async with engine.connect() as connection:
        found = await connection.run_sync(lambda sync: inspect(sync).get_indexes(table))
    return {index["name"]: list(index["column_names"]) for index in found if index["name"]}


async def test_the_migration_makes_the_order_indexes_and_its_downgrade_undoes_them(
    database_url: str,
) -> None:
    from alembic.script import ScriptDirectory

    from bot.storage.db import create_engine
    from bot.storage.schema import alembic_config

    previous = ScriptDirectory.from_config(alembic_config()).get_revision("0010_order_indexes").down_revision
    assert isinstance(previous, str)
    engine = create_engine(database_url)
    try:
        await upgrade(engine, previous)
        assert "ix_orders_customer_id" in await _indexes(engine, "orders")
        assert "ix_order_status_events_order_id" in await _indexes(engine, "order_status_events")
        await upgrade(engine)
        orders = await _indexes(engine, "orders")
        assert orders["ix_orders_customer_placed"] == ["customer_id", "placed_at"]
        assert "ix_orders_customer_id" not in orders  # the new index's leading column serves its uses
        assert "ix_order_status_events_order_id" not in await _indexes(engine, "order_status_events")
        accounts = await _indexes(engine, "channel_accounts")
        assert accounts["ix_channel_accounts_chat"] == ["channel", "chat_id"]  # 0003 made it
        await _downgrade(engine, previous)
        orders = await _indexes(engine, "orders")
        assert "ix_orders_customer_id" in orders and "ix_orders_customer_placed" not in orders
        assert "ix_order_status_events_order_id" in await _indexes(engine, "order_status_events")
    finally:
        await engine.dispose()


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    from bot.storage.schema import alembic_config

    config = alembic_config(str(engine.url))

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _plan_of(engine: AsyncEngine, uow_factory: UnitOfWorkFactory, call: Any) -> str:
    """The plan of the statement the repository call runs first, with its own parameters."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with uow_factory() as uow:
            await call(uow)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = next(s for s in statements if s[0].lstrip().upper().startswith("SELECT"))
    postgres = engine.dialect.name == "postgresql"
    async with engine.connect() as connection:
        if postgres:
            await connection.exec_driver_sql("ANALYZE orders")
            await connection.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: plans as if large
        explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        rows = (await connection.exec_driver_sql(explain + statement, parameters)).all()
        await connection.rollback()
    return "\n".join(str(row[-1]) for row in rows)


async def test_one_order_uses_the_code_index_and_the_list_needs_no_sort(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory
) -> None:
    placed = datetime(2026, 11, 1, tzinfo=UTC)
    async with uow_factory() as uow:
        customer = Customer(full_name="Nguyễn Thị Lan", phone="+84912345678")
        uow.session.add(customer)
        await uow.flush()
        for n in range(30):
            uow.orders.add(Order(code=f"RG-2026-{n:06d}", customer_id=customer.id, status="pending",
                                 placed_at=placed + timedelta(days=n)))  # fmt: skip
        await uow.commit()
        customer_id = customer.id

    async def one(uow: Any) -> None:
        order = await uow.orders.owned_by(customer_id, " rg-2026-000007 ")  # typed in another case
        assert order is not None and order.code == "RG-2026-000007"

    async def latest(uow: Any) -> None:
        orders = await uow.orders.for_customer(customer_id, limit=5)
        assert [o.code for o in orders] == [f"RG-2026-{n:06d}" for n in (29, 28, 27, 26, 25)]

    one_plan = await _plan_of(engine, uow_factory, one)
    latest_plan = await _plan_of(engine, uow_factory, latest)
    if engine.dialect.name == "postgresql":
        assert "Index Scan using uq_orders_code on orders" in one_plan, one_plan
        assert "Index Scan using ix_orders_customer_placed on orders" in latest_plan, latest_plan
        assert "Sort" not in latest_plan, latest_plan
    else:
        assert "USING INDEX sqlite_autoindex_orders_1 (code=?)" in one_plan, one_plan
        assert "USING INDEX ix_orders_customer_placed (customer_id=?)" in latest_plan, latest_plan
        assert "TEMP B-TREE" not in latest_plan, latest_plan
