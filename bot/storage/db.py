"""The engine for SQLite (embedded) and PostgreSQL (production) with the same code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.sqlite_driver import LOOP_THREAD_AIOSQLITE, LoopThreadConnection
from bot.storage.wal_checkpoints import SAFETY_NET_PAGES


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the engine; for SQLite, make the folder and turn on WAL and foreign keys."""
    options: dict[str, Any] = {"echo": echo}
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # No waiting inside SQLite for another writer: the driver awaits a pause and retries BEGIN
        # instead, so the event loop is never held by a lock (see sqlite_driver).
        options["connect_args"] = {"timeout": 0}
        options["module"] = LOOP_THREAD_AIOSQLITE
    else:
        options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(database_url, **options)
    if database_url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def sqlite_database_file(engine: AsyncEngine) -> Path | None:
    """The database file of a SQLite engine; None for PostgreSQL or an in-memory database."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads and then writes can fail with "database is locked" when
    # another writer got there first; taking the write lock up front makes units of work queue instead.
    driver = connection.connection.dbapi_connection
    if not isinstance(driver, LoopThreadConnection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    if driver.sqlite.in_transaction:
        return  # begun by a direct statement of the unit of work (bot.storage.transaction): adopted
    # Straight to the driver; its errors are wrapped as SQLAlchemy wraps a statement's.
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        driver.begin_immediate()
    except dbapi_error as error:
        raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, dbapi_error) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin_immediate
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=0")
    # Checkpoints are the running bot's scheduled job, off the event loop's thread (wal_checkpoints).
    cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
    cursor.close()
