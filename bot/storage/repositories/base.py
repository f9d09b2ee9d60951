"""What every repository stands on: the unit of work's transaction (see bot.storage.transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.transaction import Transaction


class Repository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    @property
    def _session(self) -> AsyncSession:
        """The unit of work's ORM session; asking for it is what makes it (most turns never do)."""
        return self._transaction.session
