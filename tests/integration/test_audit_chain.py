"""The audit log's hash chain on SQLite and PostgreSQL: single and bulk rows make one chain, an edit
made in SQL is found at its row, a deleted row is found, two engines appending at once still make one
chain, migration 0016 chains the rows already there (and its downgrade works), and an erasure's
pseudonymisation keeps the chain valid."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.domain.audit_chain import ERASED_VALUES, ChainRow
from bot.services.audit import pseudonymise_customer, record_access, verify_chain
from bot.storage import audit_chain
from bot.storage.audit_chain import AuditAppendOnly, audit_table
from bot.storage.db import create_engine
from bot.storage.models import AuditEntry, Customer
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory

AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _bulk(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"actor": "import:orders.csv", "action": "import.order_updated", "customer_id": None,
             "purpose": "import (import:orders.csv)", "details": {"code": f"RG-2026-{start + i:06d}"},
             "created_at": AT} for i in range(n)]


async def _write(uow_factory: UnitOfWorkFactory, clock: ManualClock, *, singles: int = 1, bulk: int = 0,
                 customer_id: int | None = None, actor: str = "staff:777") -> None:
    async with uow_factory() as uow:
        for i in range(singles):
            record_access(uow, clock, actor=actor, action="orders.viewed", customer_id=customer_id,
                          purpose="answer the customer", n=i, email="lan@example.com")
        if bulk:
            await uow.audit.add_many(_bulk(bulk))
        await uow.commit()


async def _seqs(engine: AsyncEngine) -> list[tuple[int, int | None]]:
    async with engine.connect() as connection:
        return [(r.id, r.seq) for r in await connection.execute(
            select(audit_table.c.id, audit_table.c.seq).order_by(audit_table.c.id))]


async def _change(engine: AsyncEngine, seq: int, **values: Any) -> int:
    """An edit made in SQL, past the application (a Core UPDATE on a plain connection); the row's id."""
    async with engine.begin() as connection:
        await connection.execute(update(audit_table).where(audit_table.c.seq == seq).values(**values))
        found = await connection.execute(select(audit_table.c.id).where(audit_table.c.seq == seq))
        return int(found.scalar_one())


async def _customer(uow_factory: UnitOfWorkFactory, phone: str = "+84912345678") -> int:
    async with uow_factory() as uow:
        customer = Customer(full_name="Nguyễn Thị Lan", phone=phone)
        uow.customers.add(customer)
        await uow.flush()
        await uow.commit()
        return customer.id


async def test_single_and_bulk_rows_form_one_chain_that_verifies(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_chain, "CHAIN_BATCH", 7)  # the commit chains in several batches
    await _write(uow_factory, clock, singles=2)
    await _write(uow_factory, clock, singles=1, bulk=20)  # one unit of work, both paths, in order
    async with uow_factory() as uow:  # rolled back: leaves no gap
        record_access(uow, clock, actor="staff:777", action="orders.viewed", customer_id=None, purpose="x")
        await uow.flush()
    await _write(uow_factory, clock, singles=0, bulk=3)
    seqs = await _seqs(engine)
    assert [seq for _, seq in seqs] == list(range(1, 27))  # id order within and across commits
    report = await verify_chain(uow_factory, batch=4)
    assert report.ok and report.count == 26 and report.head_seq == 26
    async with uow_factory() as uow:
        assert (await uow.audit.chain_head())[1] == report.head_hash


@pytest.mark.parametrize("change", [
    {"purpose": "edited purpose"},
    {"action": "orders.listed"},
    {"actor": "staff:778"},
    {"details": {"n": 0, "email": "someone.else@example.com"}},
    {"created_at": AT + timedelta(seconds=1)},
    {"row_hash": "0" * 64},
    {"body_hash": "0" * 64},
    {"salts": {}},
])
async def test_a_field_edited_in_sql_is_caught_at_that_row(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, clock: ManualClock, change: dict[str, Any]
) -> None:
    for _ in range(5):
        await _write(uow_factory, clock)
    row_id = await _change(engine, 3, **change)
    report = await verify_chain(uow_factory, batch=2)
    assert not report.ok and report.broken is not None
    assert (report.broken.kind, report.broken.seq, report.broken.id) == ("altered", 3, row_id)
    assert report.count == 2


async def test_an_edit_with_its_hash_recomputed_is_caught_at_that_row(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    for _ in range(4):
        await _write(uow_factory, clock)
    async with engine.begin() as connection:
        values = (await connection.execute(
            select(*audit_chain.CHAIN_COLUMNS).where(audit_table.c.seq == 2))).mappings().one()
        row = ChainRow(**{**values, "purpose": "rewritten"})
        rehashed = row.expected_hash(str(row.prev_hash), 2)
        await connection.execute(update(audit_table).where(audit_table.c.id == row.id)
                                 .values(purpose="rewritten", body_hash=row.expected_body(),
                                         row_hash=rehashed))
    report = await verify_chain(uow_factory)
    assert report.broken is not None and (report.broken.kind, report.broken.seq, report.broken.id) == (
        "altered", 2, row.id)


async def test_a_deleted_row_is_caught_in_the_middle_and_at_the_end(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    for _ in range(6):
        await _write(uow_factory, clock)
    async with engine.begin() as connection:
        await connection.execute(delete(audit_table).where(audit_table.c.seq == 6))
    report = await verify_chain(uow_factory, batch=2)
    assert report.broken is not None and (report.broken.kind, report.broken.seq) == ("removed", 6)
    assert "missing at the end" in report.broken.describe()
    async with engine.begin() as connection:
        await connection.execute(delete(audit_table).where(audit_table.c.seq == 3))
    report = await verify_chain(uow_factory, batch=2)
    assert report.broken is not None and (report.broken.kind, report.broken.seq) == ("removed", 3)
    assert report.count == 2


async def test_two_engines_appending_at_once_make_one_chain(database_url: str, engine: AsyncEngine) -> None:
    """Two instances (two engines, two pools), 40 units of work interleaved: each writes, waits with its
    transaction open, writes in bulk, then commits; the chain has every row, once, in commit order."""
    clock = ManualClock(AT)
    other = create_engine(database_url)
    try:
        factories = [UnitOfWorkFactory(engine), UnitOfWorkFactory(other)]

        async def writer(number: int) -> None:
            async with factories[number % 2]() as uow:
                record_access(uow, clock, actor=f"staff:{number}", action="orders.viewed", customer_id=None,
                              purpose="answer the customer", n=number)
                await uow.flush()
                await asyncio.sleep(0.01 * (number % 3))  # hold the transaction open, overlapping others
                await uow.audit.add_many(_bulk(1 + number % 4, start=number * 10))
                await uow.commit()

        await asyncio.gather(*(writer(n) for n in range(40)))
        total = sum(1 + 1 + n % 4 for n in range(40))
        seqs = sorted(seq or 0 for _, seq in await _seqs(engine))
        assert seqs == list(range(1, total + 1))
        report = await verify_chain(factories[1], batch=25)
        assert report.ok and report.count == total
    finally:
        await other.dispose()


async def test_the_migration_chains_the_rows_already_there_and_its_downgrade_works(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0008_order_lookup")
        async with engine.begin() as connection:
            customer_id = (await connection.execute(text(
                "INSERT INTO customers (full_name, phone, created_at, updated_at) "
                "VALUES ('Lan', '+84912345678', :at, :at) RETURNING id"), {"at": AT})).scalar_one()
            old = [{"actor": "telegram:4001" if i % 2 else "staff:777", "action": "orders.viewed",
                    "customer_id": customer_id if i % 3 else None, "purpose": "answer the customer",
                    "details": {"n": i, "name": "Lê Thị Lan"}, "created_at": AT + timedelta(minutes=i)}
                   for i in range(12)]
            await connection.execute(insert(_old_audit_table()), old)
        await upgrade(engine)
        assert [seq for _, seq in await _seqs(engine)] == list(range(1, 13))  # id order
        factory = UnitOfWorkFactory(engine)
        report = await verify_chain(factory, batch=5)
        assert report.ok and report.count == 12
        await _write(factory, ManualClock(AT), singles=2)  # the chain goes on from the history
        assert (await verify_chain(factory)).count == 14

        await _downgrade(engine, "0008_order_lookup")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: (
                {c["name"] for c in inspect(sync).get_columns("audit_log")}, inspect(sync).get_table_names()))
        assert "seq" not in names[0] and "salts" not in names[0] and "audit_chain_head" not in names[1]
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM audit_log"))).scalar_one() == 14
        await upgrade(engine)
        assert (await verify_chain(factory)).count == 14  # re-chained from scratch
    finally:
        await engine.dispose()


def _old_audit_table() -> Any:
    from sqlalchemy import JSON, Integer, String, column, table

    from bot.storage.models import UtcDateTime

    return table("audit_log", column("actor", String()), column("action", String()),
                 column("customer_id", Integer()), column("purpose", String()), column("details", JSON()),
                 column("created_at", UtcDateTime()))


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    from bot.storage.schema import alembic_config

    config = alembic_config(str(engine.url))

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def test_erasure_pseudonymises_the_rows_and_the_chain_still_verifies(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    lan = await _customer(uow_factory)
    other = await _customer(uow_factory, "+84987654321")
    await _write(uow_factory, clock, customer_id=lan)  # staff read Lan's data
    await _write(uow_factory, clock, customer_id=lan, actor="telegram:4001")  # Lan herself
    await _write(uow_factory, clock, customer_id=None, actor="telegram:4001")  # before she was linked
    async with uow_factory() as uow:
        record_access(uow, clock, actor="telegram:4001", action="privacy_requests.opened", customer_id=lan,
                      purpose="record the customer's data-rights request", reference="YC-2026-000001")
        await uow.commit()
    await _write(uow_factory, clock, customer_id=other)  # someone else: untouched

    async with uow_factory() as uow:
        changed = await pseudonymise_customer(uow, clock, customer_id=lan, own_actors=["telegram:4001"],
                                              actor="staff:777", reference="YC-2026-000001")
        await uow.commit()
    assert changed == 4
    report = await verify_chain(uow_factory)
    assert report.ok and report.count == 6

    async with uow_factory() as uow:
        rows = {row.seq: row for row in await uow.session.scalars(select(AuditEntry))}
    staff_read, own, unlinked, request, elsewhere, pseudonymised = (rows[n] for n in range(1, 7))
    assert staff_read.actor == "staff:777" and staff_read.details == {} and staff_read.customer_id == lan
    assert "details" in staff_read.erased and "details" not in staff_read.salts
    assert own.actor == ERASED_VALUES["actor"] and set(own.erased) == {"actor", "details"}
    assert unlinked.actor == "erased" and unlinked.details == {}
    assert request.details == {"reference": "YC-2026-000001"} and request.actor == "erased"  # the proof kept
    assert elsewhere.details["email"] == "lan@example.com" and elsewhere.erased == {}
    assert pseudonymised.action == "audit.pseudonymised" and pseudonymised.details["rows"] == 4

    # What an erasure left is covered too: a value written back into an erased field is caught.
    row_id = await _change(engine, 2, details={"n": 0, "email": "lan@example.com"})
    broken = (await verify_chain(uow_factory)).broken
    assert broken is not None and (broken.kind, broken.seq, broken.id) == ("altered", 2, row_id)


async def test_unlinking_the_customer_keeps_the_chain_valid(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    lan = await _customer(uow_factory)
    await _write(uow_factory, clock, singles=3, customer_id=lan)
    async with uow_factory() as uow:
        await pseudonymise_customer(uow, clock, customer_id=lan, own_actors=[], actor="staff:777",
                                    unlink_customer=True)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.session.scalar(select(func.count()).where(AuditEntry.customer_id == lan)) == 0
        await uow.session.execute(delete(Customer).where(Customer.id == lan))  # nothing refers to her
        await uow.commit()
    assert (await verify_chain(uow_factory)).ok


async def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    await _write(uow_factory, clock)
    async with uow_factory() as uow:
        entry = (await uow.audit.recent(1))[0]
        entry.purpose = "changed"
        with pytest.raises(AuditAppendOnly):
            await uow.commit()
    async with uow_factory() as uow:
        await uow.session.delete((await uow.audit.recent(1))[0])
        with pytest.raises(AuditAppendOnly):
            await uow.commit()
    assert (await verify_chain(uow_factory)).ok


async def test_a_row_written_past_the_application_is_reported_until_the_next_commit_chains_it(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    await _write(uow_factory, clock)
    async with engine.begin() as connection:  # a plain connection: no unit of work, no chaining
        await connection.execute(insert(audit_table).values(
            actor="system", action="x", customer_id=None, purpose="p", details={}, created_at=AT, salts={},
            erased={}))
    report = await verify_chain(uow_factory)
    assert not report.ok and report.broken is None and report.unchained == 1
    await _write(uow_factory, clock)
    report = await verify_chain(uow_factory)
    assert report.ok and report.count == 3


