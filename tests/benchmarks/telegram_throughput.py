"""Throughput and reply latency of the Telegram channel, beside a bare aiogram echo bot.

    python -m tests.benchmarks.telegram_throughput --users 50 --messages 20 [--runs 9]
        [--limits telegram] [--echo-gc ours]

N simulated customers each send M messages through the fake Bot API, one after the other (each waits
for the answer to the previous one, as people do). Both bots long-poll a fake server of their own
in this process with handle_as_tasks; the echo bot is aiogram's defaults with a handler that only
echoes, ours is the real channel (conversation core, embedded SQLite, outbox). Reported per bot:
updates/s, p50/p99 latency from injecting an update to the matching sendMessage, and the process's
CPU time per update (bot, fake server and driver share one process); then ours/echo, the median
of the runs' ratios. It also checks that no message was lost or answered twice.

Fairness on a shared machine: the bots take turns going first, so a machine that slows down or
speeds up during a series does not always favour one; before each measured run the heap is
settled (collected and frozen) for both alike. Each bot runs with its own garbage-collector
settings: ours sets them itself when it starts (bot.garbage_collection); the echo bot gets the
interpreter's defaults, as a bare aiogram bot has, or ours with `--echo-gc ours`, to show what of
the difference is that setting. By default our rate limiter is off (`--limits off`) so the
comparison measures software overhead; `--limits telegram` uses the real limits (about 28
messages/s). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiogram import Dispatcher, Router
from aiogram.types import Message

from bot import garbage_collection
from bot.channels.telegram.rate_limit import LocalRateLimiter, RateLimiter, UnlimitedRateLimiter
from bot.config import Settings
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.fixtures import bot_for
from tests.fakes.bot_api.records import Call
from tests.support.telegram_bot import TelegramBotUnderTest

INTERPRETER_GC = gc.get_threshold()  # read before any app of ours has set its own
QUESTIONS = (
    "/help",
    "Shop có chia sẻ thông tin của tôi cho bên thứ ba không?",
    "Tôi có thể sửa thông tin cá nhân không?",
    "cảm ơn",
    "Shop thu thập những thông tin gì của tôi?",
)


@dataclass
class Result:
    name: str
    updates_per_second: float
    p50_ms: float
    p99_ms: float
    lost: int
    duplicated: int
    cpu_ms_per_update: float  # CPU time of the whole process (bot, fake server, driver) per update


async def drive(api: FakeBotApi, users: int, messages: int, name: str, first_user: int) -> Result:
    """Closed loop: each user sends, waits for the reply, sends the next."""
    people = [api.user(first_user + n, f"Khách {n}") for n in range(users)]
    waiting: dict[int, deque[tuple[float, asyncio.Future[None]]]] = defaultdict(deque)
    replies: dict[int, int] = defaultdict(int)
    latencies: list[float] = []

    def on_call(call: Call) -> None:  # runs as the fake server records each call
        if call.method != "sendMessage" or not call.ok:
            return
        chat = call.chat_id
        replies[chat] += 1
        if waiting[chat]:
            sent_at, future = waiting[chat].popleft()
            latencies.append(time.perf_counter() - sent_at)
            future.set_result(None)

    async def customer(index: int) -> None:
        person = people[index]
        for n in range(messages):
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            waiting[person.id].append((time.perf_counter(), future))
            person.send_text(QUESTIONS[(index + n) % len(QUESTIONS)])
            await asyncio.wait_for(future, 60)

    api.call_listeners.append(on_call)
    # A settled heap for both bots, as in a long-running service: what exists before the traffic
    # (bot, indexes, fake server) is frozen out of the collector's generations, as our bot does for
    # its own after loading (bot.understanding). Otherwise whichever bot runs before the process's
    # first freeze pays full collections of the whole heap that the other does not.
    gc.collect()
    gc.freeze()
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(customer(i) for i in range(users)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        await asyncio.sleep(0.5)  # late duplicates would show up here
    finally:
        api.call_listeners.remove(on_call)
        gc.unfreeze()
    total = users * messages
    answered = sum(min(replies[p.id], messages) for p in people)
    duplicated = sum(max(replies[p.id] - messages, 0) for p in people)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return Result(name, total / elapsed, 1000 * statistics.median(ordered), 1000 * p99, total - answered,
                  duplicated, 1000 * cpu / total)


async def run_echo(api: FakeBotApi, users: int, messages: int, gc_thresholds: tuple[int, int, int]) -> Result:
    # The process is shared: give the echo bot the collector settings it is to run with (by default
    # the interpreter's own, as a bare aiogram bot has); ours sets its own when it starts.
    gc.set_threshold(*gc_thresholds)
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = bot_for(api)
    polling = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=2, handle_as_tasks=True,
                                                           handle_signals=False, close_bot_session=False))
    try:
        return await drive(api, users, messages, "echo", 10_000)
    finally:
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()


async def run_ours(api: FakeBotApi, users: int, messages: int, database: Path,
                   limiter: RateLimiter) -> Result:
    # The outbox polls at its production pace; the test suite's quicker pace is for short tests.
    under_test = TelegramBotUnderTest(api, f"sqlite+aiosqlite:///{database}",
                                      outbox_poll_seconds=Settings.model_fields["outbox_poll_seconds"].default)
    await under_test.start(limiter=limiter)
    try:
        return await drive(api, users, messages, "rosee", 20_000)
    finally:
        await under_test.stop()


async def one_run(
    users: int, messages: int, limits: str, *, ours_first: bool = False, echo_gc: str = "defaults"
) -> tuple[Result, Result]:
    """One measurement of each bot, one after the other; `ours_first` swaps the order, so that a
    shared machine slowing down or speeding up during a series does not always favour the same bot."""
    with tempfile.TemporaryDirectory() as directory:
        async def echo_run() -> Result:
            async with FakeBotApi() as api:
                thresholds = INTERPRETER_GC if echo_gc == "defaults" else garbage_collection.THRESHOLDS
                return await run_echo(api, users, messages, thresholds)

        async def ours_run() -> Result:
            async with FakeBotApi() as api:
                limiter: RateLimiter = LocalRateLimiter() if limits == "telegram" else UnlimitedRateLimiter()
                result = await run_ours(api, users, messages, Path(directory) / "bench.db", limiter)
                api.assert_no_violations()
                return result

        if ours_first:
            ours = await ours_run()
            return await echo_run(), ours
        echo = await echo_run()
        return echo, await ours_run()


def show(result: Result) -> str:
    return (f"{result.name:>6}: {result.updates_per_second:8.1f} updates/s  p50 {result.p50_ms:7.1f} ms  "
            f"p99 {result.p99_ms:7.1f} ms  CPU {result.cpu_ms_per_update:5.2f} ms/update  "
            f"lost {result.lost}  answered twice {result.duplicated}")


async def main(users: int, messages: int, runs: int, limits: str, echo_gc: str) -> int:
    logging.basicConfig(level=logging.ERROR)
    ratios: list[float] = []
    pairs: list[tuple[Result, Result]] = []
    for run in range(1, runs + 1):
        echo, ours = await one_run(users, messages, limits, ours_first=run % 2 == 0, echo_gc=echo_gc)
        pairs.append((echo, ours))
        ratios.append(ours.updates_per_second / echo.updates_per_second)
        print(f"run {run}:\n  {show(echo)}\n  {show(ours)}\n  ratio ours/echo {ratios[-1]:.2f}")
    median: Callable[[list[float]], float] = statistics.median
    echo_rate = median([e.updates_per_second for e, _ in pairs])
    ours_rate = median([o.updates_per_second for _, o in pairs])
    print(f"\nmedian of {runs} ({users} users x {messages} messages, limits {limits}, echo's collector: "
          f"{echo_gc}):")
    echo_cpu = median([e.cpu_ms_per_update for e, _ in pairs])
    ours_cpu = median([o.cpu_ms_per_update for _, o in pairs])
    print(f"  echo  {echo_rate:.1f} updates/s, p50 {median([e.p50_ms for e, _ in pairs]):.1f} ms, "
          f"p99 {median([e.p99_ms for e, _ in pairs]):.1f} ms, CPU {echo_cpu:.2f} ms/update")
    print(f"  rosee {ours_rate:.1f} updates/s, p50 {median([o.p50_ms for _, o in pairs]):.1f} ms, "
          f"p99 {median([o.p99_ms for _, o in pairs]):.1f} ms, CPU {ours_cpu:.2f} ms/update")
    cpu_ratios = [e.cpu_ms_per_update / o.cpu_ms_per_update for e, o in pairs]
    print(f"  ratio ours/echo {median(ratios):.2f} (median of the runs' ratios; target >= 0.5); "
          f"CPU per update echo/ours {median(cpu_ratios):.2f}")
    problems = sum(r.lost + r.duplicated for pair in pairs for r in pair)
    print("  no message lost or answered twice" if problems == 0 else f"  PROBLEMS: {problems}")
    return 0 if problems == 0 else 1


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limits", choices=["off", "telegram"], default="off")
    parser.add_argument("--echo-gc", choices=["defaults", "ours"], default="defaults",
                        help="the echo bot's garbage-collector thresholds: the interpreter's (a bare "
                             "aiogram bot) or the ones our bot sets for itself")
    args = parser.parse_args()
    return asyncio.run(main(args.users, args.messages, args.runs, args.limits, args.echo_gc))


if __name__ == "__main__":
    raise SystemExit(cli())
