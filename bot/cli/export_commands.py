"""`rosee-support export suppression`: the marketing suppression list as CSV, for the shop's mailer.

Columns `channel,kind,address,since`: the channel (email, sms, call, telegram), what the address is
(email, phone, telegram), the address normalised (an email lower-cased, a phone in E.164, a Telegram
user id) and since when it is suppressed (ISO 8601, UTC). Written to stdout, or to `--output FILE`;
the read is an audit row (`marketing.suppression_exported`). The same list is served signed by the
shop API (`GET /api/marketing/suppressions`, bot/shop_api/suppressions.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.cli.common import open_storage, settings_from
from bot.cli.errors import CliError
from bot.clock import SystemClock
from bot.domain.marketing import MarketingChannel
from bot.services.marketing import SuppressionEntry, suppression_list

COLUMNS = ("channel", "kind", "address", "since")


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser("export", help="export data for the shop's systems (suppression list)",
                                    description="Export data for the shop's systems.")
    what = command.add_subparsers(dest="export_kind", metavar="WHAT", required=True)
    sub = what.add_parser("suppression", help="the marketing suppression list as CSV",
                          description="The addresses that must get no marketing, per channel, as CSV.")
    sub.add_argument("--output", "-o", metavar="FILE", type=Path, help="write to FILE instead of stdout")
    sub.add_argument("--channel", choices=[c.value for c in MarketingChannel], help="one channel only")
    sub.set_defaults(func=_export_suppression)


def to_csv(entries: Iterable[SuppressionEntry]) -> str:
    """The CSV text (a header row, then one row an entry; `\\r\\n` line ends, as the csv module writes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = entry.as_json()
        writer.writerow([row[column] for column in COLUMNS])
    return buffer.getvalue()


async def _export_suppression(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    channel = MarketingChannel(args.channel) if args.channel else None
    clock = SystemClock()
    async with open_storage(settings) as uow_factory, uow_factory() as uow:
        entries = await suppression_list(uow, clock, actor="cli:export", channel=channel)
        await uow.commit()  # the audit row of the read
    text = to_csv(entries)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"{len(entries)} suppressed addresses written to {args.output}", file=sys.stderr)
    return 0
