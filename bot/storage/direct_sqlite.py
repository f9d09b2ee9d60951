"""Core statements run straight on SQLite's own connection, for the two that every message runs.

Each inbound message claims its event id and reads its user's state. Through SQLAlchemy's
execution layer (execution context, compiled-cache lookup, result metadata, type processing, a
greenlet hop per call, and the garbage all that leaves) these two statements cost many times
SQLite's own work. Measured in the Telegram benchmark (50 users x 20 messages, six paired runs in
one process, alternating): median CPU per message 4.87 ms with them here, 5.85 ms without.

A `DirectStatement` is still a Core statement, compiled by SQLAlchemy once for the engine's dialect,
and its values pass through the column types' own bind and result processors: what is written and
read is exactly what SQLAlchemy would write and read. It runs on the unit of work's connection,
inside its one transaction (begun with BEGIN IMMEDIATE by whichever statement came first), and
commits or rolls back with the rest; `bot.storage.transaction` hands out the connection and
flushes pending ORM changes first.

Only SQLite on our loop-thread driver has such a connection (`sqlite_connection` returns None
otherwise); callers then execute the same statement through SQLAlchemy, as on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Delete, Insert, Select, Update

from bot.storage.sqlite_driver import LoopThreadConnection

Processor = Callable[[Any], Any] | None
_REQUIRED = object()


def sqlite_connection(connection: AsyncConnection) -> sqlite3.Connection | None:
    """The sqlite3 connection under the unit of work's connection, when it is one of ours."""
    dbapi_connection = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    if isinstance(dbapi_connection, LoopThreadConnection):
        return dbapi_connection.sqlite
    return None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Any, Processor], ...]  # in placeholder order: name, preset value, processor
    results: tuple[Processor, ...]


class DirectStatement:
    """A Core statement to run on a sqlite3 connection: compiled on first use for the given dialect."""

    def __init__(self, statement: Select[Any] | Insert | Update | Delete) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def first(
        self, sqlite: sqlite3.Connection, dialect: Dialect, parameters: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        compiled = self._for(dialect)
        cursor = self._execute(sqlite, compiled, parameters)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()  # no statement left open in the transaction
        if row is None:
            return None
        pairs = zip(row, compiled.results, strict=True)
        return tuple(value if process is None else process(value) for value, process in pairs)

    def rowcount(self, sqlite: sqlite3.Connection, dialect: Dialect, parameters: Mapping[str, Any]) -> int:
        cursor = self._execute(sqlite, self._for(dialect), parameters)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def _execute(
        self, sqlite: sqlite3.Connection, compiled: _Compiled, parameters: Mapping[str, Any]
    ) -> sqlite3.Cursor:
        values: list[Any] = []
        for name, preset, process in compiled.binds:
            value = parameters[name] if preset is _REQUIRED else preset
            values.append(value if process is None else process(value))
        try:
            return sqlite.execute(compiled.sql, values)
        except sqlite3.Error as error:  # the same exceptions SQLAlchemy would raise (IntegrityError, ...)
            raise DBAPIError.instance(compiled.sql, values, error, sqlite3.Error) from error

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled


def _compile(statement: Select[Any] | Insert | Update | Delete, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    order: Sequence[str] = compiled.positiontup or ()
    binds = []
    for name in order:
        bind = compiled.binds[name]
        if bind.callable is not None:
            raise ValueError(f"bind parameter {name!r} takes its value from a callable: not supported here")
        preset = _REQUIRED if bind.required else bind.value
        binds.append((name, preset, bind.type.dialect_impl(dialect).bind_processor(dialect)))
    results: tuple[Processor, ...] = ()
    if isinstance(statement, Select):
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
    return _Compiled(compiled.string, tuple(binds), results)
