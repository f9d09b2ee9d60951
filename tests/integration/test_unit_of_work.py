"""The unit of work commits all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

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
