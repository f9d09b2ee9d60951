"""The scheduler's table of sweeps: its docstring lists exactly the jobs it schedules, each id once."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from bot.config import Settings
from bot.scheduling import FIRST_RUN_DELAY, REQUEST_SWEEP_JOB_ID, SWEEP_JOB_ID, jobs


def _jobs() -> tuple[Any, ...]:
    settings = Settings(_env_file=None, sla_sweep_interval_seconds=45)  # type: ignore[call-arg]
    return jobs(cast(Any, SimpleNamespace(settings=settings)))


def test_the_docstring_table_names_every_job_and_only_those() -> None:
    documented = re.findall(r"^\s*\| ([a-z-]+)\s+\|", jobs.__doc__ or "", flags=re.M)
    scheduled = [job.id for job in _jobs()]
    assert documented[1:] == scheduled  # the first row is the header
    assert len(set(scheduled)) == len(scheduled)


def test_the_deadline_sweeps_run_soon_after_start_and_catch_up_a_missed_run() -> None:
    deadlines = (SWEEP_JOB_ID, REQUEST_SWEEP_JOB_ID)
    by_id = {job.id: job for job in _jobs()}
    for job_id in deadlines:
        job = by_id[job_id]
        assert job.every == timedelta(seconds=45) and job.first_after == FIRST_RUN_DELAY and job.catch_up
    assert not any(job.catch_up for job in by_id.values() if job.id not in deadlines)
