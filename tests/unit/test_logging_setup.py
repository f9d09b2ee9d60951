"""What `configure_logging` writes to stderr: masked records, and no line a second from the scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.logging_setup import QUIETED_LOGGERS, configure_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture
def configured() -> Iterator[None]:
    """configure_logging changes the root logger: put it back for the tests after this one."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in QUIETED_LOGGERS}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def test_the_stderr_handler_masks_every_record(configured: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("aiogram.dispatcher").warning("Failed to fetch updates: .../bot%s/getUpdates", TOKEN)
    logging.getLogger("bot.anything").info("contact %s", "0912345678")
    err = capsys.readouterr().err
    assert TOKEN.split(":")[1] not in err and "0912345678" not in err
    assert "[token hidden]" in err


async def test_scheduled_jobs_do_not_log_each_run(
    configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The WAL checkpoint runs every second: APScheduler's two INFO lines per run were 170,000 a day."""
    configure_logging("INFO")
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)

    async def failing_job() -> None:
        raise RuntimeError("the sweep broke")

    scheduler = AsyncIOScheduler()
    scheduler.add_job(job, IntervalTrigger(seconds=0.1), id="often")
    scheduler.add_job(failing_job, IntervalTrigger(seconds=0.3), id="broken")
    scheduler.start()
    try:
        await asyncio.sleep(0.75)
    finally:
        scheduler.shutdown(wait=False)
    err = capsys.readouterr().err
    assert len(runs) >= 3
    assert "Running job" not in err and "executed successfully" not in err
    assert "raised an exception" in err and "the sweep broke" in err  # failures are still told
