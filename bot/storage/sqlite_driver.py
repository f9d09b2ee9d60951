"""SQLAlchemy's aiosqlite adapter, with one trip to the database thread per statement.

aiosqlite runs every sqlite3 call in its own thread; SQLAlchemy's adapter makes four such calls for
each statement (open a cursor, execute, fetch all rows, close the cursor). Every trip costs a thread
hand-over, a wake-up of the event loop and a greenlet switch, which under load is more than SQLite
itself spends on our small statements. Here the four calls run as one function in that thread; the
rows and the cursor's description, rowcount and lastrowid come back together. Commit and rollback
skip the trip when no transaction is open (the pool's reset-on-return after a commit, for one).

Everything else (server-side cursors, isolation level, connect, close) is SQLAlchemy's own code.
Passed to `create_async_engine(..., module=ONE_TRIP_AIOSQLITE)` by `bot.storage.db`.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any] | None, int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In aiosqlite's thread: the whole statement, from cursor to closed cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in one call to the database thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor: the sqlite3 cursor lives only inside `_run`.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        return None  # nothing is open in the database thread after a statement

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run_async(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._run_async(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run_async(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            description, rows, rowcount, lastrowid = await connection._execute(
                _run, connection._conn, operation, parameters, many
            )
        self._description = description
        self._rows = collections.deque(rows) if rows is not None else collections.deque()
        self._rowcount = rowcount
        self._lastrowid = lastrowid


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def _in_transaction(self) -> bool:
        # sqlite3 reads this flag without touching the database; the connection is idle here
        # (statements on it are awaited one at a time), so reading it from this thread is safe.
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return bool(connection._connection is not None and connection.in_transaction)


class OneTripAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


ONE_TRIP_AIOSQLITE = OneTripAiosqlite(aiosqlite, sqlite3)
