"""The unit of work's one database transaction, shared by Core statements, direct SQLite statements
and, only when a repository needs one, an ORM session.

Most inbound messages (a policy question, a greeting) touch the database with two statements: the
claim of the update id and the read of the user's state. An ORM session per message made each of
them pay for the session's own transaction bookkeeping, begin, commit and close (measured: more
than half of the turn's database time, several times SQLite's own work). So the transaction belongs
to the connection, and the session is created on first use, bound to that same connection:

    Core statement ── core()    ─┐
    direct SQLite  ── direct()  ─┼── one connection, one transaction ── commit() / rollback()
    ORM            ── session   ─┘   (the session is made on first use)

On SQLite, a direct statement begins the transaction itself with BEGIN IMMEDIATE (awaiting pauses
while another writer holds the lock, as SQLAlchemy's begin does, see sqlite_driver); when
SQLAlchemy later begins on the same connection, `bot.storage.db` sees the transaction already open
and adopts it. Whatever began it, `commit` ends it once for everything.

Pending ORM changes are flushed before a Core or direct statement runs, as the session's autoflush
would before its own queries, so statements see the unit of work's earlier changes in order.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.storage.direct_sqlite import sqlite_connection
from bot.storage.sqlite_driver import begin_immediate_when_free


class Transaction:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._sqlite = sqlite_connection(connection)
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The ORM session on this transaction, made on first use."""
        if self._session is None:
            self._session = AsyncSession(bind=self.connection, expire_on_commit=False, autoflush=True)
        return self._session

    @property
    def has_session(self) -> bool:
        """Whether a repository has asked for the ORM session yet (most turns never do)."""
        return self._session is not None

    async def core(self) -> AsyncConnection:
        """The connection, for Core statements; it begins the transaction itself if need be."""
        await self._flush_pending()
        return self.connection

    async def direct(self) -> sqlite3.Connection | None:
        """The sqlite3 connection with the transaction begun, for `DirectStatement`s; None unless SQLite.

        Callers run the same statement through `core()` when this is None (PostgreSQL).
        """
        if self._sqlite is None:
            return None
        await self._flush_pending()
        if not self._sqlite.in_transaction:
            try:
                await begin_immediate_when_free(self._sqlite)
            except sqlite3.Error as error:  # raised as SQLAlchemy would raise it from its own BEGIN
                raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error
        return self._sqlite

    async def flush(self) -> None:
        if self._session is not None:
            await self._session.flush()

    async def commit(self) -> None:
        if self._session is not None:
            # Flushes; commits too when the session began the transaction. When a Core statement
            # began it, the session only joined it (SQLAlchemy's default), and the connection commits.
            await self._session.commit()
        if self.connection.in_transaction():
            await self.connection.commit()
        elif self._sqlite is not None and self._sqlite.in_transaction:
            self._sqlite.commit()  # begun by a direct statement; SQLAlchemy never saw it

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
        if self.connection.in_transaction():
            await self.connection.rollback()
        elif self._sqlite is not None and self._sqlite.in_transaction:
            self._sqlite.rollback()

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back to the pool."""
        try:
            if self._session is not None:
                await self._session.close()
            sqlite = self._sqlite
            if sqlite is not None and sqlite.in_transaction and not self.connection.in_transaction():
                sqlite.rollback()
        finally:
            await self.connection.close()  # rolls back a transaction SQLAlchemy began and left open

    async def _flush_pending(self) -> None:
        session = self._session
        if session is not None and (session.new or session.dirty or session.deleted):
            await session.flush()
