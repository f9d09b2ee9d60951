"""Shared fixtures: databases (SQLite and a real PostgreSQL), migrated schemas, units of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.dialogue.ports import TextUnderstander
from bot.storage.db import create_engine
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory
from tests.support.harness import ChatHarness

pytest_plugins = ["tests.fakes.bot_api.fixtures"]

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'rosee-test.db'}"


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind: the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    from tests.support.postgres import fresh_database_url

    return fresh_database_url(request)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests about one channel or flow where the database kind does not matter."""
    return _sqlite_url(tmp_path)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(engine)


# Application -------------------------------------------------------------------------------------------
# A Monday at 09:00 in Hanoi: inside business hours, far from public holidays.
START_OF_TEST_TIME = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def understander() -> TextUnderstander:
    from bot.understanding import Understander

    return Understander.load()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_OF_TEST_TIME)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Tests override settings by redefining this fixture."""
    return {}


@pytest.fixture
def settings(database_url: str, settings_overrides: dict[str, object]) -> Settings:
    return load_settings(None, database_url=database_url, **settings_overrides)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock, understander: TextUnderstander) -> AsyncIterator[App]:
    application = await build_app(settings, clock=clock, understander=understander)
    yield application
    await application.close()


@pytest.fixture
def harness(app: App) -> ChatHarness:
    return ChatHarness(app)
