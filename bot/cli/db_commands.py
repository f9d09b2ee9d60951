"""`rosee-support db upgrade|current`: schema migrations."""

from __future__ import annotations

import argparse

from bot.cli.common import settings_from
from bot.storage.db import create_engine
from bot.storage.schema import current_revision, head_revision, upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.set_defaults(func=_upgrade)
    cur = db_sub.add_parser("current", help="show the schema revision of the database")
    cur.set_defaults(func=_current)


async def _upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    engine = create_engine(settings.database_url)
    try:
        before, after = await upgrade(engine)
    finally:
        await engine.dispose()
    print(f"database schema: {before or 'empty'} -> {after}")
    return 0


async def _current(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    engine = create_engine(settings.database_url)
    try:
        current = await current_revision(engine)
    finally:
        await engine.dispose()
    head = head_revision()
    print(f"database schema: {current or 'empty'} (newest: {head})")
    return 0 if current == head else 1
