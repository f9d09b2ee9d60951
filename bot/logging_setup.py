"""Logging to stderr with personal data masked in every record, whoever logs it."""

from __future__ import annotations

import logging
import sys

from bot.domain.masking import PersonalDataMaskingFilter


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiosqlite", "sqlalchemy.engine", "alembic.runtime.migration", "faker"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
