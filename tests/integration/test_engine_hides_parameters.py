"""A database error quotes its statement but never its parameters: a customer's phone number and
address must not reach the log line or the traceback that reports the error."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.masking import LogMaskingFilter
from bot.storage.models import Customer
from bot.storage.uow import UnitOfWorkFactory

PHONE = "+84912345678"
ADDRESS = "12 Hàng Bạc, Hoàn Kiếm"


async def test_an_integrity_error_shows_no_parameters(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.session.add(Customer(full_name="Nguyễn Thị Lan", phone=PHONE, address=ADDRESS))
        await uow.commit()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LogMaskingFilter())
    logger = logging.getLogger("test.engine.parameters")
    logger.addHandler(handler)
    try:
        with pytest.raises(IntegrityError) as caught:
            async with uow_factory() as uow:
                uow.session.add(Customer(full_name="Lan again", phone=PHONE, address=ADDRESS))
                await uow.commit()
        logger.error("incident", exc_info=caught.value)
    finally:
        logger.removeHandler(handler)
    assert "INSERT INTO customers" in str(caught.value)  # the statement is still there to read
    for shown in (str(caught.value), stream.getvalue()):
        assert PHONE not in shown and ADDRESS not in shown and "Lan again" not in shown
