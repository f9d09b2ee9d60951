"""`rosee-support import customers|orders FILE`: bring the shop's data in from CSV or JSON.

The handler only wires: it opens the database, calls `bot.services.imports`, prints the report.
Exit status: 0 when every row was valid (or, with --skip-invalid, when at least one row was valid);
1 when rows were invalid (nothing is imported without --skip-invalid) or the file cannot be read.
Formats: docs/import-formats.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import open_storage, settings_from
from bot.cli.errors import CliError
from bot.clock import SystemClock
from bot.i18n import Catalog
from bot.importing.report import ImportFileError, ImportReport
from bot.services.imports import ImportOptions, import_customers, import_orders
from bot.services.order_updates import OrderNotifier

_WHAT = {
    "customers": "columns full_name, phone and/or email, address, marketing_consent",
    "orders": "columns code, customer_phone or customer_email, status, total_vnd, placed_at, items, …",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "import",
        help="import customers or orders from a CSV or JSON file",
        description="Import customers or orders from a CSV or JSON file (see docs/import-formats.md). "
        "Rows are matched by phone/email (customers) or order code (orders), so importing "
        "the same file again changes nothing.",
    )
    kinds = command.add_subparsers(dest="import_kind", metavar="WHAT", required=True)
    for kind, columns in _WHAT.items():
        sub = kinds.add_parser(kind, help=f"import {kind} ({columns})")
        sub.add_argument("file", metavar="FILE", type=Path, help=".csv or .json (other names: detected)")
        sub.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the invalid ones (default: import nothing "
            "if any row is invalid)",
        )
        sub.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        sub.add_argument(
            "--ignore-extra-columns",
            action="store_true",
            help="ignore unknown columns instead of refusing the file",
        )
        sub.set_defaults(func=_import)


async def _import(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    options = ImportOptions(
        skip_invalid=args.skip_invalid, dry_run=args.dry_run, ignore_extra_columns=args.ignore_extra_columns
    )
    clock = SystemClock()
    async with open_storage(settings) as uow_factory:
        try:
            if args.import_kind == "customers":
                report = await import_customers(uow_factory, args.file, clock=clock, options=options)
            else:  # status changes are told to the customers (bot.services.order_updates)
                notifier = OrderNotifier(Catalog.load(), settings, clock)
                report = await import_orders(uow_factory, args.file, clock=clock, options=options,
                                             notifier=notifier)
        except ImportFileError as exc:
            raise CliError(str(exc)) from None
    print_report(report)
    return 0 if report.ok else 1


def print_report(report: ImportReport) -> None:
    for line in report.error_lines():
        print(line, file=sys.stderr)
    print(report.summary())
    if (status := report.status_line()) is not None:
        print(status)
    outcome = report.outcome_line()
    if outcome:
        print(outcome, file=sys.stdout if report.ok else sys.stderr)


