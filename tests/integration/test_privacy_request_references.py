"""Request references are a counter per year that holds under concurrency, on SQLite and PostgreSQL.

Eight customers open requests at once, each in its own unit of work, each transaction held open a
moment after taking its number so that they overlap. On PostgreSQL the counter's UPDATE … RETURNING
holds the year's row lock until commit, so the next one waits and reads the committed value; on
SQLite BEGIN IMMEDIATE lets one writer in at a time. Either way: eight distinct, consecutive numbers.
A new year starts again at 1.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import load_settings
from bot.domain.privacy_request import RequestKind
from bot.i18n import Catalog
from bot.messages.events import ChatUser
from bot.services.privacy_requests import NewRequest, PrivacyRequests, RequestNotices
from bot.storage.models import ChannelAccount, PrivacyRequest, PrivacyRequestEvent
from bot.storage.uow import UnitOfWorkFactory

CUSTOMERS = 8


def service(database_url: str, clock: ManualClock) -> PrivacyRequests:
    settings = load_settings(None, database_url=database_url)
    notices = RequestNotices(Catalog.load(), settings, clock)
    return PrivacyRequests(clock=clock, settings=settings, notices=notices)


async def accounts(uow_factory: UnitOfWorkFactory, count: int) -> list[ChatUser]:
    users = [ChatUser("telegram", str(9000 + n)) for n in range(count)]
    async with uow_factory() as uow:
        for user in users:
            uow.session.add(ChannelAccount(channel=user.channel, channel_user_id=user.user_id,
                                           chat_id=user.user_id))
        await uow.commit()
    return users


async def test_references_are_unique_and_consecutive_under_concurrency(
    uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    requests = service(database_url, clock)
    users = await accounts(uow_factory, CUSTOMERS)

    async def open_one(user: ChatUser) -> str:
        async with uow_factory() as uow:
            view = await requests.open_request(uow, user, NewRequest(RequestKind.MARKETING_OPT_OUT))
            await asyncio.sleep(0.05)  # the transaction stays open while the others try
            await uow.commit()
            return view.reference

    references = await asyncio.gather(*(open_one(user) for user in users))
    assert sorted(references) == [f"YC-2026-{n:06d}" for n in range(1, CUSTOMERS + 1)]

    clock.set(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    async with uow_factory() as uow:
        view = await requests.open_request(uow, users[0], NewRequest(RequestKind.MARKETING_OPT_OUT))
        await uow.commit()
    assert view.reference == "YC-2027-000001"

    async with uow_factory() as uow:
        rows = list(await uow.session.scalars(select(PrivacyRequest)))
        events = list(await uow.session.scalars(select(PrivacyRequestEvent)))
    assert len(rows) == CUSTOMERS + 1 and all(row.status == "received" for row in rows)
    assert len(events) == CUSTOMERS + 1  # one history row each: (opened) -> received
