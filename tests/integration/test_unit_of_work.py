"""The unit of work commits all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage.models import Customer
from bot.storage.uow import UnitOfWorkFactory


async def test_rolls_back_unless_committed(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Nguyễn Văn A", phone="+84912000001"))
        await uow.flush()
    async with uow_factory() as uow:
        assert await uow.customers.by_phone("+84912000001") is None


async def test_commit_makes_changes_visible(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Trần Thị B", phone="+84912000002", email="b@example.com"))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.customers.by_email("b@example.com")
        assert found is not None and found.full_name == "Trần Thị B"
        assert found.created_at.tzinfo is not None


async def test_an_error_mid_way_loses_the_whole_unit(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Lê C", phone="+84912000003"))
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            uow.customers.add(Customer(full_name="Phạm D", phone="+84912000004"))
            uow.customers.add(Customer(full_name="Trùng số", phone="+84912000003"))
            await uow.commit()
    async with uow_factory() as uow:
        assert await uow.customers.by_phone("+84912000004") is None
        assert await uow.customers.count() == 1


# One transaction for every kind of statement (bot.storage.transaction) -------------------------------
# A turn claims its event with a direct statement (SQLite) or a Core one (PostgreSQL), and only then,
# for some flows, makes the ORM session. Whichever began the transaction, all of it commits or none.

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _claimed(uow_factory: UnitOfWorkFactory, key: str) -> bool:
    async with uow_factory() as uow:
        return not await uow.processed_events.claim("telegram", key, NOW)


async def _customer_exists(uow_factory: UnitOfWorkFactory, phone: str) -> bool:
    async with uow_factory() as uow:
        return await uow.customers.by_phone(phone) is not None


@pytest.mark.parametrize("commit", [True, False], ids=["committed", "not-committed"])
async def test_a_statement_then_the_orm_are_all_or_nothing(
    uow_factory: UnitOfWorkFactory, commit: bool
) -> None:
    async with uow_factory() as uow:
        assert await uow.processed_events.claim("telegram", "update:1", NOW)
        uow.customers.add(Customer(full_name="Võ E", phone="+84912000005"))
        await uow.flush()
        if commit:
            await uow.commit()
    assert await _claimed(uow_factory, "update:1") is commit
    assert await _customer_exists(uow_factory, "+84912000005") is commit


async def test_orm_changes_are_flushed_before_a_later_statement(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.customers.add(Customer(full_name="Hồ G", phone="+84912000007"))  # pending, not flushed
        assert await uow.processed_events.claim("telegram", "update:3", NOW)
        assert not uow.session.new, "the pending customer is written before the statement runs"
        await uow.commit()
    assert await _claimed(uow_factory, "update:3")
    assert await _customer_exists(uow_factory, "+84912000007")


async def test_an_explicit_rollback_ends_both_and_the_unit_can_go_on(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.processed_events.claim("telegram", "update:4", NOW)
        uow.customers.add(Customer(full_name="Mai H", phone="+84912000008"))
        await uow.flush()
        await uow.rollback()
        assert await uow.processed_events.claim("telegram", "update:5", NOW)
        await uow.commit()
    assert not await _claimed(uow_factory, "update:4")
    assert await _claimed(uow_factory, "update:5")
    assert not await _customer_exists(uow_factory, "+84912000008")


async def test_a_unit_that_only_reads_makes_no_orm_session(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.dialogue_states.for_turn("telegram", "42")
        assert not uow.transaction.has_session
        await uow.commit()
