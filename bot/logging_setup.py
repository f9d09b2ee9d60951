"""Logging to stderr with personal data masked and secrets removed in every record, whoever logs it.

Quieted loggers, and why:
- `aiosqlite`, `sqlalchemy.engine`: a line per statement at INFO/DEBUG (and SQL parameters, which
  the engine hides anyway: `bot.storage.db`).
- `apscheduler.executors`: "Running job …" and "… executed successfully" at INFO for every run, and the
  WAL checkpoint job runs every second (two lines a second, 170,000 a day). A job's failure is still
  logged, at ERROR, and a missed run at WARNING. The scheduler's own start and job list stay at INFO.
- `alembic.runtime.migration`, `faker`: chatter at start and in the demo data.
"""

from __future__ import annotations

import logging
import sys

from bot.domain.masking import LogMaskingFilter

QUIETED_LOGGERS = (
    "aiosqlite", "sqlalchemy.engine", "apscheduler.executors", "alembic.runtime.migration", "faker",
)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LogMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in QUIETED_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
