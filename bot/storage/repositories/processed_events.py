"""Inbound events already handled, for at-most-once processing of retried deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import ProcessedEvent
from bot.storage.repositories.base import Repository


def _claim_statement(dialect: Any) -> Any:
    # On the table, not the mapped class: a Core insert skips the ORM's bulk-insert machinery.
    table = ProcessedEvent.__table__
    column = table.c
    return (
        dialect.insert(table)
        .values(
            channel=bindparam("channel", type_=column.channel.type),
            event_key=bindparam("event_key", type_=column.event_key.type),
            processed_at=bindparam("processed_at", type_=column.processed_at.type),
        )
        .on_conflict_do_nothing(index_elements=["channel", "event_key"])
    )


# Built once per dialect: reused statement objects keep their compiled form and cache key.
_CLAIM = {"postgresql": _claim_statement(postgresql), "sqlite": _claim_statement(sqlite)}


class ProcessedEventRepository(Repository):
    async def claim(self, channel: str, event_key: str, now: datetime) -> bool:
        """Record the event as handled; False if it already was. One statement, race-free.

        Done in the event's own transaction, so a crash before commit lets the retried delivery in.
        """
        parameters = {"channel": channel, "event_key": event_key, "processed_at": now}
        # The row count, not RETURNING: no result rows to build for the one statement every event runs.
        dialect = self._session.get_bind().dialect.name
        statement = _CLAIM["postgresql" if dialect == "postgresql" else "sqlite"]
        result = await self._session.execute(statement, parameters)
        return int(getattr(result, "rowcount", 0)) == 1

    async def forget_before(self, moment: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.processed_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)
