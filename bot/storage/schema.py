"""Schema migrations through Alembic, callable from the CLI and at start.

Decision (documented in the README): starting the bot migrates the database to the newest schema when
`DB_AUTO_MIGRATE` is true (the default), under a PostgreSQL advisory lock so that several instances
starting together migrate once; with `DB_AUTO_MIGRATE=false`, an out-of-date schema stops the start
with a message telling the operator to run `rosee-support db upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ADVISORY_LOCK_KEY = 0x526F736565  # "Rosee"


class SchemaOutOfDate(RuntimeError):
    """The database is behind the code and may not be migrated automatically."""


def alembic_config(database_url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def upgrade(engine: AsyncEngine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate to the newest schema (or to `revision`: the migrations' own tests); returns (revision
    before, revision after)."""
    before = await current_revision(engine)
    config = alembic_config(str(engine.url))

    def run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    return before, head_revision() if revision == "head" else revision


async def ensure_schema(engine: AsyncEngine, *, auto_migrate: bool) -> None:
    current = await current_revision(engine)
    if current == head_revision():
        return
    if not auto_migrate:
        raise SchemaOutOfDate(
            f"The database schema is at {current or 'nothing'}, this version needs {head_revision()}: "
            "run `rosee-support db upgrade` (or set DB_AUTO_MIGRATE=true)."
        )
    await upgrade(engine)
