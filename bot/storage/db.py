"""The engine for SQLite (embedded) and PostgreSQL (production) with the same code.

SQLite goes through SQLAlchemy's stock aiosqlite dialect, set up with the documented events only
(SQLAlchemy's SQLite docs, "Enabling Non-Legacy SQLite Transactional Modes"): the `connect` event
turns off the driver's own BEGIN (`isolation_level = None`) and sets the pragmas, and the `begin`
event starts every transaction with BEGIN IMMEDIATE. Taking the write lock up front is what makes
units of work queue behind another writer: a deferred transaction that reads and then writes can
fail with "database is locked" at once, with no waiting, when another writer got there first.

While another connection holds the write lock (another process, such as an import run from the
command line, or a second unit of work in this one), BEGIN IMMEDIATE waits in SQLite's busy handler
for up to `BUSY_TIMEOUT_SECONDS`. aiosqlite runs every statement in a thread of its own, so the wait
blocks that connection's thread, never the event loop (tests/integration/test_unit_of_work.py).

Every engine hides statement parameters (`hide_parameters=True`): a database error's text quotes the
statement, and with its parameters it would quote a customer's phone number or address into the log
line and traceback that reports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.wal_checkpoints import SAFETY_NET_PAGES

#: How long a transaction waits for another writer's lock before failing with "database is locked".
#: The bot's own transactions hold it for milliseconds; the longest writers are a whole import file
#: or the demo data in one transaction (seconds). Thirty seconds covers those with room to spare and
#: is still short enough that a stuck writer shows up as an error in the log rather than a silent bot.
BUSY_TIMEOUT_SECONDS = 30.0


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the engine; for SQLite, make the folder and set up WAL, foreign keys and BEGIN IMMEDIATE."""
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    sqlite = database_url.startswith("sqlite")
    if sqlite:
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": BUSY_TIMEOUT_SECONDS}  # sqlite3's busy timeout, in seconds
    else:
        options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(database_url, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def sqlite_database_file(engine: AsyncEngine) -> Path | None:
    """The database file of a SQLite engine; None for PostgreSQL or an in-memory database."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own: _sqlite_begin does
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints are the running bot's scheduled job, on a connection of its own (wal_checkpoints).
    cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
