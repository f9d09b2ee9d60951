"""`rosee-support demo-data`: seed a reproducible Vietnamese demo data set (see bot/demo_data.py)."""

from __future__ import annotations

import argparse

from bot import demo_data
from bot.cli.common import open_storage, settings_from
from bot.cli.errors import CliError
from bot.clock import SystemClock
from bot.services.imports import import_records


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "demo-data",
        help="seed a realistic demo data set (customers, orders); running it again changes nothing",
        description="Seed generated customers and orders plus the fixed demo customers (e.g. Nguyễn Thị Lan, "
        "0912345678). The same seed gives the same data; dates are relative to the seed's date.",
    )
    command.add_argument(
        "--customers",
        type=_count,
        default=demo_data.DEFAULT_CUSTOMERS,
        help=f"generated customers (default {demo_data.DEFAULT_CUSTOMERS})",
    )
    command.add_argument(
        "--orders",
        type=_count,
        default=demo_data.DEFAULT_ORDERS,
        help=f"generated orders (default {demo_data.DEFAULT_ORDERS})",
    )
    command.add_argument(
        "--seed",
        type=int,
        default=demo_data.DEFAULT_SEED,
        help=f"random seed; a YYYYMMDD seed is also the data set's 'today' "
        f"(default {demo_data.DEFAULT_SEED})",
    )
    command.set_defaults(func=_demo_data)


def _count(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 0 and 1000000")
    return value


async def _demo_data(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    data = demo_data.generate(args.seed, args.customers, args.orders)
    async with open_storage(settings) as uow_factory:
        try:
            reports = await import_records(
                uow_factory, data.customers, data.orders, clock=SystemClock(), actor="system:demo-data"
            )
        except ValueError as exc:
            raise CliError(f"demo data not written: {exc}") from None
    for report in reports:
        print(report.summary())
    print(f"anchor date {data.anchor:%Y-%m-%d}; try: rosee-support chat --phone 0912345678 (Nguyễn Thị Lan)")
    return 0
