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

PostgreSQL connections are not pinged before every unit of work. SQLAlchemy's `pool_pre_ping`
costs a BEGIN, ";" and ROLLBACK round trip on every checkout, about 0.5 ms on each of the bot's units
of work (issue 18: more than the order queries themselves once indexed). What it guards against is a
connection that died while it sat in the pool: the server restarted, or a firewall, proxy or
`idle_session_timeout` dropped it while idle. Instead:
- a connection idle in the pool for more than `IDLE_PING_SECONDS` is pinged at checkout (the same
  ping), and replaced if it is dead (the pool's own retry of a `DisconnectionError`); one used a
  moment ago, as every connection of a busy bot is, is taken as it is;
- `pool_recycle` replaces connections older than `RECYCLE_SECONDS`, before the usual idle limits of
  proxies and load balancers;
- a connection that dies between two units of work anyway (a server restart under load) fails that
  one unit of work with a disconnect error; SQLAlchemy then invalidates every pooled connection
  older than the failure, so the next units of work reconnect. The failed one is not retried here:
  it is rolled back whole, and its source retries it as after any database error (Telegram's
  update is not confirmed before the commit, an outbox message keeps its next attempt, a scheduled
  job runs again), which a transparent replay of half a unit of work could not do soundly.
tests/integration/test_connection_pool.py kills the server's connections to show each case.

Every engine hides statement parameters (`hide_parameters=True`): a database error's text quotes the
statement, and with its parameters it would quote a customer's phone number or address into the log
line and traceback that reports it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.wal_checkpoints import SAFETY_NET_PAGES

#: How long a transaction waits for another writer's lock before failing with "database is locked".
#: The bot's own transactions hold it for milliseconds; the longest writers are a whole import file
#: or the demo data in one transaction (seconds). Thirty seconds covers those with room to spare and
#: is still short enough that a stuck writer shows up as an error in the log rather than a silent bot.
BUSY_TIMEOUT_SECONDS = 30.0

#: A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 30.0
#: PostgreSQL connections are replaced after this long, used or not.
RECYCLE_SECONDS = 1800


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
        options.update(pool_size=10, max_overflow=10, pool_pre_ping=False, pool_recycle=RECYCLE_SECONDS)
    engine = create_async_engine(database_url, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    else:
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a connection at checkout only when it sat in the pool for over IDLE_PING_SECONDS."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at <= IDLE_PING_SECONDS:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and hands out a fresh one.
            raise exc.DisconnectionError("pooled connection found dead after idling") from error

    event.listen(pool, "checkin", checkin)
    event.listen(pool, "checkout", checkout)


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
