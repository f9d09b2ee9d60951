"""The in-process scheduler: APScheduler 3 only triggers idempotent sweeps; the data lives in tables.

`start_scheduler(app)` starts an AsyncIOScheduler (inside the running event loop) with the ticket
deadline sweep and the privacy requests' sweep (bot.services.privacy_requests.sweep) every
SLA_SWEEP_INTERVAL_SECONDS, the release of staff albums that waited for a caption (every 2 s), the
retention of personal data (hourly, bot.services.retention), the retention of processed update ids
and, on SQLite,
the WAL checkpoint every second (bot.storage.wal_checkpoints); `stop_scheduler(app)` stops it.
Several instances may run it at once: the sweep claims due tickets with row locks (see
`bot.services.sla`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.services.retention import run_retention
from bot.storage.wal_checkpoints import CHECKPOINT_INTERVAL_SECONDS, run_checkpoint

if TYPE_CHECKING:
    from bot.bootstrap import App

log = logging.getLogger(__name__)

SCHEDULER_KEY = "scheduler"
SWEEP_JOB_ID = "ticket-deadlines"
REQUEST_SWEEP_JOB_ID = "privacy-request-deadlines"
RETENTION_JOB_ID = "processed-events-retention"
CHECKPOINT_JOB_ID = "sqlite-wal-checkpoint"
ALBUM_JOB_ID = "staff-albums"
PERSONAL_DATA_JOB_ID = "personal-data-retention"
#: How long the items of a staff album that came without a caption wait for one that says "!" (an
#: album's items may be handled out of order on several instances); then they are relayed.
ALBUM_WAIT = timedelta(seconds=3)
ALBUM_INTERVAL_SECONDS = 2
FIRST_RUN_DELAY = timedelta(seconds=2)
#: Telegram retries a webhook delivery for at most about a day; keys older than this guard nothing.
PROCESSED_EVENTS_KEPT = timedelta(days=7)


async def run_ticket_sweep(app: App) -> None:
    try:
        await app.deadline_sweep.run()
    except Exception:  # one failed pass must not stop the next
        log.exception("ticket deadline sweep failed; will try again at the next interval")


async def run_request_sweep(app: App) -> None:
    try:
        await app.request_sweep.run()
    except Exception:  # one failed pass must not stop the next
        log.exception("privacy request sweep failed; will try again at the next interval")


async def forget_old_processed_events(app: App) -> int:
    """Drop dedupe keys of long-handled deliveries; idempotent, safe on several instances."""
    try:
        async with app.uow_factory() as uow:
            removed = await uow.processed_events.forget_before(app.clock.now() - PROCESSED_EVENTS_KEPT)
            await uow.commit()
    except Exception:
        log.exception("processed-events retention failed; will try again at the next run")
        return 0
    if removed:
        log.info("forgot %s processed event keys", removed)
    return removed


async def release_staff_albums(app: App) -> int:
    """Relay staff albums that waited `ALBUM_WAIT` for a caption and got none with "!", and send the
    customers' burst digests whose wait is over (`TicketRouter.release_digests`)."""
    released = 0
    try:
        async with app.uow_factory() as uow:
            released += await app.tickets.release_albums(uow, older_than=app.clock.now() - ALBUM_WAIT)
            released += await app.tickets.router.release_digests(uow)
            await uow.commit()
    except Exception:
        log.exception("releasing staff albums and digests failed; will try again at the next run")
        return 0
    if released:
        app.dispatcher.nudge()
    return released


async def run_retention_job(app: App) -> int:
    """Erase personal data past its retention (bot.services.retention); phone proofs past their age."""
    try:
        async with app.uow_factory() as uow:
            report = await run_retention(uow, app.clock, app.settings)
            await uow.commit()
    except Exception:
        log.exception("retention failed; will try again at the next run")
        return 0
    if report.total:
        log.info("retention erased %s", report)
    return report.total


@dataclass(frozen=True, slots=True)
class Job:
    """One sweep: what runs, how often, and how soon after start (None: one interval after start)."""

    id: str
    run: Callable[..., Awaitable[object]]
    every: timedelta
    first_after: timedelta | None = None
    catch_up: bool = False  # a run missed by up to an interval still runs (the deadline sweeps)


def jobs(app: App) -> tuple[Job, ...]:
    """The sweeps, the scheduler's only configuration (the SQLite WAL checkpoint is added beside them).

    | job                        | what                                     | every        | first run |
    |----------------------------|------------------------------------------|--------------|-----------|
    | ticket-deadlines           | ticket SLA reminders and escalations     | SLA interval | 2 s       |
    | privacy-request-deadlines  | privacy requests' reminders, escalations | SLA interval | 2 s       |
    | processed-events-retention | update ids older than 7 days forgotten   | 6 h          | 6 h       |
    | personal-data-retention    | personal data past its retention erased  | 1 h          | 1 min     |
    | staff-albums               | staff albums that waited for a caption   | 2 s          | 2 s       |
    """
    sweep = timedelta(seconds=app.settings.sla_sweep_interval_seconds)
    table = [
        Job(SWEEP_JOB_ID, run_ticket_sweep, sweep, FIRST_RUN_DELAY, catch_up=True),
        Job(REQUEST_SWEEP_JOB_ID, run_request_sweep, sweep, FIRST_RUN_DELAY, catch_up=True),
        Job(RETENTION_JOB_ID, forget_old_processed_events, timedelta(hours=6)),
        Job(PERSONAL_DATA_JOB_ID, run_retention_job, timedelta(hours=1), timedelta(minutes=1)),
        Job(ALBUM_JOB_ID, release_staff_albums, timedelta(seconds=ALBUM_INTERVAL_SECONDS)),
    ]
    return tuple(table)


def start_scheduler(app: App) -> AsyncIOScheduler:
    """Start the sweeps; call from inside the running event loop. Idempotent per app."""
    existing = app.extras.get(SCHEDULER_KEY)
    if isinstance(existing, AsyncIOScheduler) and existing.running:
        return existing
    zone = app.settings.zone
    scheduler = AsyncIOScheduler(timezone=zone)
    for job in jobs(app):
        extra: dict[str, Any] = {}
        if job.first_after is not None:  # soon, not an interval later
            extra["next_run_time"] = datetime.now(zone) + job.first_after
        if job.catch_up:
            extra["misfire_grace_time"] = int(job.every.total_seconds())
        scheduler.add_job(job.run, IntervalTrigger(seconds=job.every.total_seconds(), timezone=zone),
                          args=[app], id=job.id, max_instances=1, coalesce=True, replace_existing=True,
                          **extra)
    if app.checkpointer is not None:  # SQLite: WAL checkpoints out of the commits, in a worker thread
        scheduler.add_job(run_checkpoint, IntervalTrigger(seconds=CHECKPOINT_INTERVAL_SECONDS, timezone=zone),
                          args=[app.checkpointer], id=CHECKPOINT_JOB_ID, max_instances=1, coalesce=True,
                          replace_existing=True)
    scheduler.start()
    app.extras[SCHEDULER_KEY] = scheduler
    log.info("scheduler started: ticket sweep every %ss", app.settings.sla_sweep_interval_seconds)
    return scheduler


def stop_scheduler(app: App) -> None:
    scheduler = app.extras.pop(SCHEDULER_KEY, None)
    if isinstance(scheduler, AsyncIOScheduler) and scheduler.running:
        scheduler.shutdown(wait=False)

