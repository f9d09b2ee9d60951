"""Replies before broadcasts: customers' reply latency while 10,000 order notifications drain.

    python -m tests.benchmarks.notification_backlog [--backlog 10000] [--users 50] [--messages 10]
        [--think 3] [--runs 3] [--library aiogram|python-telegram-bot]

Each run seeds a fresh SQLite file with `--backlog` pending order notifications (bulk priority, one
each to as many chats, as `bot.services.order_updates` writes them), starts our bot in a process of
its own (`tests.benchmarks.bot_process ours --limits telegram`: the real channel, outbox and rate
limiter) against the fake Bot API in this process, which enforces Telegram's limits (a 429 for a
send over them), and has `--users` customers chat with it, each sending `--messages` messages one
after the other: waiting for each answer, then `--think` seconds (0 to 2x, at random) before the
next, as people do (`--think 0`: a closed loop, customers asking as fast as they are answered,
which alone fills Telegram's global limit). Reported: the customers' reply latency
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
from random import Random

from bot.clock import SystemClock
from bot.i18n import Catalog
from bot.messages.actions import Address, SendText
from bot.services.outbox import enqueue
from bot.storage.db import create_engine
from bot.storage.models import OutboxPriority, OutboxPurpose
from bot.storage.schema import upgrade
from bot.storage.uow import UnitOfWorkFactory
from tests.benchmarks.telegram_throughput import QUESTIONS, BotProcess
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.records import Call

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
    flood_429_to_customers: int

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


async def chat(api: FakeBotApi, users: int, messages: int, think: float) -> tuple[list[float], int]:
    """The customers talking; (reply latencies in seconds, customers' messages left unanswered)."""
    people = [api.user(FIRST_CUSTOMER + n, f"Khách {n}") for n in range(users)]
    waiting: dict[int, asyncio.Future[float]] = {}
    latencies: list[float] = []
    random = Random(7)

    def on_call(call: Call) -> None:
        if call.method == "sendMessage" and call.ok and (future := waiting.pop(call.chat_id, None)):
            future.set_result(time.perf_counter())

    async def customer(index: int) -> int:
        person, unanswered = people[index], 0
        await asyncio.sleep(random.uniform(0, think))
        for n in range(messages):
            future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            waiting[person.id] = future
            sent = time.perf_counter()
            person.send_text(QUESTIONS[(index + n) % len(QUESTIONS)])
            try:
                latencies.append(await asyncio.wait_for(future, 60) - sent)
            except TimeoutError:
                unanswered += 1
            await asyncio.sleep(random.uniform(0, 2 * think))
        return unanswered

    api.call_listeners.append(on_call)
    try:
        lost = sum(await asyncio.gather(*(customer(i) for i in range(users))))
    finally:
        api.call_listeners.remove(on_call)
    return latencies, lost


async def one(backlog: int, users: int, messages: int, think: float, library: str) -> Outcome:
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
                latencies, lost = await chat(api, users, messages, think)
                ended = time.monotonic()
                await asyncio.sleep(AFTER_SECONDS)
                after = time.monotonic()
            finally:
                await bot.stop()
            ordered = sorted(latencies) or [0.0]
            p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
            flood = [call for call in api.calls if call.status == 429]
            to_customers = sum(1 for call in flood
                               if isinstance(call.chat_id, int) and call.chat_id < FIRST_NOTIFIED)
            return Outcome(backlog, 1000 * statistics.median(ordered), 1000 * p99, ended - started,
                           notifications_sent(api, started, ended), notifications_sent(api, ended, after),
                           lost, len(flood), to_customers)


def show(outcome: Outcome) -> str:
    return (f"backlog {outcome.backlog:>6}: replies p50 {outcome.p50_ms:7.1f} ms  "
            f"p99 {outcome.p99_ms:7.1f} ms  "
            f"chat {outcome.chat_seconds:5.1f} s  drain {outcome.drain_rate:5.1f}/s while chatting, "
            f"{outcome.drain_rate_after:5.1f}/s after  429s {outcome.flood_429} "
            f"({outcome.flood_429_to_customers} to customers)  unanswered {outcome.lost}")


async def main(backlog: int, users: int, messages: int, think: float, runs: int, library: str) -> int:
    logging.basicConfig(level=logging.ERROR)
    series: dict[int, list[Outcome]] = {backlog: [], 0: []}
    for run in range(runs):
        kinds = (backlog, 0) if run % 2 == 0 else (0, backlog)
        for kind in kinds:
            outcome = await one(kind, users, messages, think, library)
            series[kind].append(outcome)
            print(f"run {run + 1}: {show(outcome)}", flush=True)
    median = statistics.median
    print(f"\nmedian of {runs} ({users} customers x {messages} messages, think {think} s, {library}, "
          "Telegram's limits):")
    for kind, outcomes in series.items():
        print(f"  backlog {kind:>6}: replies p50 {median([o.p50_ms for o in outcomes]):.1f} ms, "
              f"p99 {median([o.p99_ms for o in outcomes]):.1f} ms; notifications drained "
              f"{median([o.drain_rate for o in outcomes]):.1f}/s while chatting, "
              f"{median([o.drain_rate_after for o in outcomes]):.1f}/s after; "
              f"429s {median([o.flood_429 for o in outcomes])}")
    lost = sum(o.lost for outcomes in series.values() for o in outcomes)
    print("  every customer message answered" if lost == 0 else f"  UNANSWERED: {lost}")
    return 0 if lost == 0 else 1


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a customer takes before the next message (0: closed loop)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--library", choices=["aiogram", "python-telegram-bot"], default="aiogram")
    args = parser.parse_args()
    return asyncio.run(main(args.backlog, args.users, args.messages, args.think, args.runs, args.library))


if __name__ == "__main__":
    raise SystemExit(cli())
