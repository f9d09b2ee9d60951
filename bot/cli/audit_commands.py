"""`rosee-support audit verify`: walk the audit log's hash chain and report the first break."""

from __future__ import annotations

import argparse
import re

from bot.cli.common import settings_from
from bot.cli.errors import CliError
from bot.services.audit import VERIFY_BATCH, verify_chain
from bot.storage.db import create_engine
from bot.storage.uow import UnitOfWorkFactory

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help="check the audit log's hash chain: OK with the count, or the first row altered or removed",
    )
    verify.add_argument("--batch", type=int, default=VERIFY_BATCH, help="rows read per transaction")
    verify.add_argument("--anchor", action="append", default=[], metavar="SEQ:HASH",
                        help="a head printed by an earlier run, kept elsewhere: it must still hold")
    verify.set_defaults(func=_verify)


def _anchors(values: list[str]) -> dict[int, str]:
    anchors = {}
    for value in values:
        match = _ANCHOR.match(value.strip().lower())
        if match is None:
            raise CliError(f"--anchor {value!r}: expected SEQ:HASH (64 hex digits)")
        anchors[int(match[1])] = match[2]
    return anchors


async def _verify(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise CliError("--batch must be at least 1")
    anchors = _anchors(args.anchor)
    settings = settings_from(args)
    engine = create_engine(settings.database_url)
    try:
        report = await verify_chain(UnitOfWorkFactory(engine), batch=args.batch, anchors=anchors)
    finally:
        await engine.dispose()
    if report.broken is not None:
        print(f"audit chain BROKEN at {report.broken.describe()} ({report.count} rows verified before it)")
        return 1
    if report.unchained:
        print(f"audit chain BROKEN: {report.unchained} rows outside the chain (first id "
              f"{report.first_unchained_id}); {report.count} chained rows verified")
        return 1
    print(f"audit chain OK: {report.count} rows, head {report.head_seq}:{report.head_hash}")
    return 0
