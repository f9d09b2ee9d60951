"""What most commands do first: read settings, set up logging, open the database or the application.

Heavy modules (the conversation core, the classifier) are imported inside the functions that need
them, so that data commands such as `import` start quickly.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from bot.cli.errors import CliError
from bot.config import Settings, SettingsError, load_settings
from bot.logging_setup import configure_logging
from bot.storage.db import create_engine
from bot.storage.schema import SchemaOutOfDate, ensure_schema
from bot.storage.uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from bot.bootstrap import App


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        settings = load_settings(getattr(args, "env_file", ".env"))
    except SettingsError as exc:
        raise CliError(str(exc), exit_code=2) from None
    configure_logging(settings.log_level)
    return settings


@contextmanager
def _database_errors_as_one_line(settings: Settings) -> Iterator[None]:
    try:
        yield
    except SchemaOutOfDate as exc:
        raise CliError(str(exc), exit_code=3) from None
    except OSError as exc:
        where = settings.database_url.split("@")[-1]
        raise CliError(f"cannot open the database ({where}): {exc}") from None


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[UnitOfWorkFactory]:
    """The database only (no conversation core): what data commands need. Migrates like the bot does."""
    engine = create_engine(settings.database_url)
    try:
        with _database_errors_as_one_line(settings):
            await ensure_schema(engine, auto_migrate=settings.db_auto_migrate)
        yield UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_app(settings: Settings, **options: Any) -> AsyncIterator[App]:
    from bot.bootstrap import build_app

    with _database_errors_as_one_line(settings):
        app = await build_app(settings, **options)
    try:
        yield app
    finally:
        await app.close()
