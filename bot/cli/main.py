"""The `rosee-support` command line: one entry point, one module per group of commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import (
    audit_commands,
    chat_command,
    db_commands,
    demo_command,
    desk_command,
    export_commands,
    import_commands,
    run_command,
    shop_api_command,
    understanding_commands,
)
from bot.cli.errors import CliError

COMMAND_MODULES = [
    run_command,
    shop_api_command,
    chat_command,
    desk_command,
    understanding_commands,
    import_commands,
    export_commands,
    demo_command,
    db_commands,
    audit_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rosee-support",
        description="Rosee Support: the customer-support assistant of Roseeorder.com.",
    )
    parser.add_argument("--version", action="version", version=f"rosee-support {__version__}")
    parser.add_argument("--env-file", default=".env", help="settings file to read (default: .env)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        result = handler(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except CliError as exc:
        print(f"rosee-support: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
