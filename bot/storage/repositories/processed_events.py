"""Inbound events already handled, for at-most-once processing of retried deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ProcessedEvent


class ProcessedEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, channel: str, event_key: str) -> bool:
        found = await self._session.scalar(
            select(ProcessedEvent.id).where(
                ProcessedEvent.channel == channel, ProcessedEvent.event_key == event_key
            )
        )
        return found is not None

    async def claim(self, channel: str, event_key: str, now: datetime) -> bool:
        """Record the event as handled; False if it already was. One statement, race-free.

        Done in the event's own transaction, so a crash before commit lets the retried delivery in.
        """
        bind = self._session.bind
        dialect = postgresql if bind is not None and bind.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(ProcessedEvent)
            .values(channel=channel, event_key=event_key, processed_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "event_key"])
            .returning(ProcessedEvent.id)
        )
        return (await self._session.execute(statement)).first() is not None

    def mark(self, channel: str, event_key: str) -> None:
        """Recorded in the event's own transaction, so a crash before commit lets the retry through."""
        self._session.add(ProcessedEvent(channel=channel, event_key=event_key))

    async def forget_before(self, moment: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.processed_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)
