"""SQLAlchemy's aiosqlite adapter, with statements run on the event loop's own thread.

aiosqlite runs every sqlite3 call in a thread of its own and hands the result back to the event
loop. Our statements are small (a turn is a handful of single-row reads and writes on an embedded
database, tens of microseconds each in SQLite), so the hand-over is the expensive part: a thread
wake-up, a wake-up of the event loop and a tug of war over the GIL with whatever else the loop is
doing. Measured under load, it cost more than SQLite itself. Here statements, commit and rollback
run as plain calls on the loop's thread; aiosqlite still opens and closes the connections.

What makes that safe is that nothing here ever waits on SQLite's locks while holding the loop:
- Every transaction starts with BEGIN IMMEDIATE (`bot.storage.db`), the only statement that can
  meet another writer in WAL mode. The connection's busy timeout is zero, so a busy database fails
  at once, and BEGIN is retried by *awaiting* a short, growing pause: the loop serves everyone else
  meanwhile. After `BUSY_PATIENCE` seconds it gives up with SQLite's own "database is locked".
- Once BEGIN IMMEDIATE holds the write lock, WAL mode lets the transaction's statements and its
  commit through without waiting: readers never block a writer.
What remains on the loop's thread is SQLite's own work: microseconds per statement, and an
occasional WAL checkpoint on commit (one fsync every thousand pages written).

SQLAlchemy's async engine requires each operation to await something; each call here is wrapped in
a coroutine that completes without suspending (two greenlet switches, no event-loop round trip).
Passed to `create_async_engine(..., module=LOOP_THREAD_AIOSQLITE)` by `bot.storage.db`.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BUSY_PATIENCE = 30.0  # seconds BEGIN IMMEDIATE keeps retrying a database another writer holds
FIRST_PAUSE = 0.001
LONGEST_PAUSE = 0.05

_Outcome = tuple[Any, list[Any] | None, int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """The whole statement, from cursor to closed cursor."""
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


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return "locked" in str(error)


async def begin_immediate_when_free(connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, retried with awaited pauses while another connection holds the write lock."""
    deadline = time.monotonic() + BUSY_PATIENCE
    pause = FIRST_PAUSE
    while True:
        try:
            _run(connection, "BEGIN IMMEDIATE", None, False)
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


class LoopThreadCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements run on the event loop's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "_sqlite")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor: a sqlite3 cursor lives only for the length of one statement.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._sqlite = cast(LoopThreadConnection, adapt_connection).sqlite
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
        return None  # nothing stays open after a statement

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._statement(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            await_(self._statement(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _statement(self, operation: Any, parameters: Any, *, many: bool) -> None:
        description, rows, self._rowcount, self._lastrowid = _run(self._sqlite, operation, parameters, many)
        self._description = description
        self._rows = collections.deque(rows) if rows is not None else collections.deque()


async def _call(function: Callable[[], None]) -> None:
    function()


class LoopThreadConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = LoopThreadCursor  # type: ignore[assignment]

    def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, awaiting pauses while another writer holds the lock (see the module doc).

        Called by `bot.storage.db` when a transaction begins: straight to the driver, since a
        constant statement gains nothing from SQLAlchemy's execution machinery, and every unit of
        work begins one.
        """
        try:
            await_(begin_immediate_when_free(self.sqlite))
        except Exception as error:
            self._handle_exception(error)

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run without SQLAlchemy (see direct_sqlite)."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._conn

    def rollback(self) -> None:
        self._finish(rollback=True)

    def commit(self) -> None:
        self._finish(rollback=False)

    def _finish(self, *, rollback: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        if connection._connection is None:
            return  # closed
        sqlite = connection._conn
        if not sqlite.in_transaction:
            return  # nothing to end (the pool's reset after a commit, for one)
        try:
            await_(_call(sqlite.rollback if rollback else sqlite.commit))
        except Exception as error:
            self._handle_exception(error)


class LoopThreadAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> LoopThreadConnection:
        # The loop's thread uses connections aiosqlite opened in its own; never at the same time.
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        return LoopThreadConnection(self, adapted._connection)


LOOP_THREAD_AIOSQLITE = LoopThreadAiosqlite(aiosqlite, sqlite3)
