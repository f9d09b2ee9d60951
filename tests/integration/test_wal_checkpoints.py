"""SQLite's WAL checkpoints run in a worker thread, on a connection of their own, not inside a commit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App
from bot.scheduling import CHECKPOINT_JOB_ID, start_scheduler, stop_scheduler
from bot.storage import wal_checkpoints
from bot.storage.db import create_engine, sqlite_database_file
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory
from bot.storage.wal_checkpoints import SAFETY_NET_PAGES, WalCheckpointer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def claim_events(engine: AsyncEngine, first: int, count: int) -> None:
    factory = UnitOfWorkFactory(engine)
    for key in range(first, first + count):
        async with factory() as uow:
            assert await uow.processed_events.claim("telegram", str(key), NOW)
            await uow.commit()


def wal_frames(database: Path) -> int:
    """Frames in the log, as a PASSIVE checkpoint from another connection reports them (-1: none)."""
    with sqlite3.connect(database) as connection:
        return int(connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


async def test_commits_leave_checkpoints_to_the_checkpointer_below_the_safety_net(
    sqlite_engine: AsyncEngine,
) -> None:
    async with sqlite_engine.connect() as connection:
        pages = (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar()
    assert pages == SAFETY_NET_PAGES
    database = sqlite_database_file(sqlite_engine)
    assert database is not None
    checkpointer = WalCheckpointer(database)
    try:
        await claim_events(sqlite_engine, 0, 400)  # with SQLite's default, commits checkpoint ~every 300
        first = await checkpointer.checkpoint()
        assert not first.busy
        assert first.log_frames > 1000, "no commit checkpointed by itself"
        assert first.checkpointed_frames == first.log_frames
        # Once everything is copied, the next writer starts the log over.
        await claim_events(sqlite_engine, 400, 5)
        again = await checkpointer.checkpoint()
        assert again.log_frames < 100
    finally:
        await checkpointer.close()
    factory = UnitOfWorkFactory(sqlite_engine)
    async with factory() as uow:  # nothing lost on the way
        assert not await uow.processed_events.claim("telegram", "0", NOW)
        assert not await uow.processed_events.claim("telegram", "404", NOW)


async def test_the_checkpoint_runs_in_a_worker_thread(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = sqlite_database_file(sqlite_engine)
    assert database is not None
    checkpointer = WalCheckpointer(database)
    threads: list[int] = []
    real = checkpointer._checkpoint

    def recording() -> wal_checkpoints.CheckpointResult:
        threads.append(threading.get_ident())
        return real()

    monkeypatch.setattr(checkpointer, "_checkpoint", recording)
    await claim_events(sqlite_engine, 0, 3)
    await checkpointer.checkpoint()
    await checkpointer.close()
    assert threads and threads[0] != threading.get_ident()


async def test_a_failed_checkpoint_is_logged_and_the_next_one_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = WalCheckpointer(tmp_path / "no-such-folder" / "x.db")
    await wal_checkpoints.run_checkpoint(missing)  # cannot open the file: logged, not raised
    assert "WAL checkpoint failed" in caplog.text
    await missing.close()


def test_only_a_sqlite_file_has_a_database_file() -> None:
    assert sqlite_database_file(create_engine("sqlite+aiosqlite:///./data/x.db")) == Path("./data/x.db")
    assert sqlite_database_file(create_engine("sqlite+aiosqlite:///:memory:")) is None
    assert sqlite_database_file(create_engine("postgresql+asyncpg://u:p@localhost/db")) is None


async def test_the_running_bot_checkpoints_every_second_on_sqlite(app: App) -> None:
    database = sqlite_database_file(app.engine)
    if database is None:  # PostgreSQL: nothing of the kind
        assert app.checkpointer is None
        scheduler = start_scheduler(app)
        try:
            assert scheduler.get_job(CHECKPOINT_JOB_ID) is None
        finally:
            stop_scheduler(app)
        return
    assert app.checkpointer is not None
    await claim_events(app.engine, 0, 50)
    assert wal_frames(database) > 0
    scheduler = start_scheduler(app)
    try:
        assert scheduler.get_job(CHECKPOINT_JOB_ID) is not None
        await claim_events(app.engine, 50, 20)
        for _ in range(40):  # the job runs within a second
            await asyncio.sleep(0.1)
            await claim_events(app.engine, 1000 + _, 1)  # a writer restarts a fully copied log
            if wal_frames(database) <= 10:
                break
        assert wal_frames(database) <= 10
    finally:
        stop_scheduler(app)
