"""What most commands do first: read settings, set up logging, open the application."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.bootstrap import App, build_app
from bot.cli.errors import CliError
from bot.config import Settings, SettingsError, load_settings
from bot.logging_setup import configure_logging
from bot.storage.schema import SchemaOutOfDate


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        settings = load_settings(getattr(args, "env_file", ".env"))
    except SettingsError as exc:
        raise CliError(str(exc), exit_code=2) from None
    configure_logging(settings.log_level)
    return settings


@asynccontextmanager
async def open_app(settings: Settings, **options: object) -> AsyncIterator[App]:
    try:
        app = await build_app(settings, **options)  # type: ignore[arg-type]
    except SchemaOutOfDate as exc:
        raise CliError(str(exc), exit_code=3) from None
    except OSError as exc:
        raise CliError(f"cannot open the database ({settings.database_url.split('@')[-1]}): {exc}") from None
    try:
        yield app
    finally:
        await app.close()
