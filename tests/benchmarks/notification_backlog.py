"""Replies before broadcasts: customers' reply latency while 10,000 order notifications drain.

    python -m tests.benchmarks.notification_backlog [--backlog 10000] [--users 50] [--messages 10]
        [--runs 3] [--library aiogram|python-telegram-bot]

Each run seeds a fresh SQLite file with `--backlog` pending order notifications (bulk priority, one
each to as many chats, as `bot.services.order_updates` writes them), starts our bot in a process of
its own (`tests.benchmarks.bot_process ours --limits telegram`: the real channel, outbox and rate
limiter) against the fake Bot API in this process, which enforces Telegram's limits (a 429 for a
send over them), and has `--users` customers chat with it, each sending `--messages` messages one
after the other (waiting for each answer, as people do). Reported: the customers' reply latency
(p50, p99: from injecting an update to the matching sendMessage), the notifications' drain rate
while they chat and for 10 s after, the 429s; the same without the backlog; medians of the runs,
the two kinds of run taking turns. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.clock import SystemClock
from bot.i18n import Catalog
from bot.messages.actions import Address, SendText
from bot.services.outbox import enqueue
from bot.storage.db import create_engine
from bot.storage.models import OutboxPriority, OutboxPurpose
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory
from tests.benchmarks.telegram_throughput import BotProcess, drive
from tests.fakes.bot_api import FakeBotApi

FIRST_CUSTOMER = 10_000
FIRST_NOTIFIED = 500_000
AFTER_SECONDS = 10.0


@dataclass
class Outcome:
    backlog: int
    p50_ms: float
    p99_ms: float
    chat_seconds: float
    drained_while_chatting: int
    drained_after: int
    lost: int
    flood_429: int

    @property
    def drain_rate(self) -> float:
        return self.drained_while_chatting / self.chat_seconds if self.chat_seconds else 0.0

    @property
    def drain_rate_after(self) -> float:
        return self.drained_after / AFTER_SECONDS


async def seed(database: Path, backlog: int) -> None:
    """The schema, and `backlog` pending order notifications written as the service writes them."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    uow_factory, clock, texts = UnitOfWorkFactory(engine), SystemClock(), Catalog.load()
    for start in range(0, backlog, 1000):
        async with uow_factory() as uow:
            for n in range(start, min(start + 1000, backlog)):
                text = texts.text("vi", "orders_notify.status_changed", code=f"RG-2026-{n:06d}",
                                  status=texts.text("vi", "core.order_status.delivering"))
                await enqueue(uow, clock, Address("telegram", str(FIRST_NOTIFIED + n)), SendText(text),
                              purpose=OutboxPurpose.ORDER_UPDATE, priority=OutboxPriority.BULK)
            await uow.commit()
    await engine.dispose()


def notifications_sent(api: FakeBotApi, since: float, until: float) -> int:
    return sum(1 for call in api.calls_of("sendMessage", ok_only=True)
               if isinstance(call.chat_id, int) and call.chat_id >= FIRST_NOTIFIED
               and since <= call.time < until)


async def one(backlog: int, users: int, messages: int, library: str) -> Outcome:
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "backlog.db"
        await seed(database, backlog)
        async with FakeBotApi() as api:
            api.enforce_rate_limits = True
            for n in range(backlog):
                api.user(FIRST_NOTIFIED + n, f"Người nhận {n}")
            bot = await BotProcess.start("ours", api, "--database", str(database), "--limits", "telegram",
                                         "--library", library)
            try:
                await asyncio.sleep(3.0)  # the drain under way, as customers start to write
                started = time.monotonic()
                result = await drive(api, bot, users, messages, "rosee", FIRST_CUSTOMER)
                ended = time.monotonic()
                await asyncio.sleep(AFTER_SECONDS)
                after = time.monotonic()
            finally:
                await bot.stop()
            flood = sum(1 for call in api.calls if call.status == 429)
            return Outcome(backlog, result.p50_ms, result.p99_ms, ended - started,
                           notifications_sent(api, started, ended), notifications_sent(api, ended, after),
                           result.lost + result.duplicated, flood)


def show(outcome: Outcome) -> str:
    return (f"backlog {outcome.backlog:>6}: replies p50 {outcome.p50_ms:7.1f} ms  "
            f"p99 {outcome.p99_ms:7.1f} ms  "
            f"chat {outcome.chat_seconds:5.1f} s  drain {outcome.drain_rate:5.1f}/s while chatting, "
            f"{outcome.drain_rate_after:5.1f}/s after  429s {outcome.flood_429}  lost/twice {outcome.lost}")


async def main(backlog: int, users: int, messages: int, runs: int, library: str) -> int:
    logging.basicConfig(level=logging.ERROR)
    series: dict[int, list[Outcome]] = {backlog: [], 0: []}
    for run in range(runs):
        kinds = (backlog, 0) if run % 2 == 0 else (0, backlog)
        for kind in kinds:
            outcome = await one(kind, users, messages, library)
            series[kind].append(outcome)
            print(f"run {run + 1}: {show(outcome)}", flush=True)
    median = statistics.median
    print(f"\nmedian of {runs} ({users} customers x {messages} messages, {library}, Telegram's limits):")
    for kind, outcomes in series.items():
        print(f"  backlog {kind:>6}: replies p50 {median([o.p50_ms for o in outcomes]):.1f} ms, "
              f"p99 {median([o.p99_ms for o in outcomes]):.1f} ms; notifications drained "
              f"{median([o.drain_rate for o in outcomes]):.1f}/s while chatting, "
              f"{median([o.drain_rate_after for o in outcomes]):.1f}/s after")
    problems = sum(o.lost + o.flood_429 for outcomes in series.values() for o in outcomes)
    print("  no reply lost or sent twice, no 429" if problems == 0 else f"  PROBLEMS: {problems}")
    return 0 if problems == 0 else 1


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--library", choices=["aiogram", "python-telegram-bot"], default="aiogram")
    args = parser.parse_args()
    return asyncio.run(main(args.backlog, args.users, args.messages, args.runs, args.library))


if __name__ == "__main__":
    raise SystemExit(cli())
