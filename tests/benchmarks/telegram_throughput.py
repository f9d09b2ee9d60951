"""Throughput, reply latency and CPU per message of the Telegram channel on aiogram and on
python-telegram-bot, beside a bare aiogram echo bot.

    python -m tests.benchmarks.telegram_throughput --users 50 --messages 20 [--runs 9]
        [--limits telegram] [--echo-gc ours]

N simulated customers each send M messages through the fake Bot API, one after the other (each waits
for the answer to the previous one, as people do). The fake server and the customers run in this
process; each bot runs in a process of its own (`tests.benchmarks.bot_process`), started afresh for
each measurement, long-polling its own fake server over HTTP with handle_as_tasks: the echo bot is
aiogram's defaults with a handler that only echoes, ours is the real channel (conversation core,
embedded SQLite, outbox), once on aiogram and once on python-telegram-bot (TELEGRAM_LIBRARY).
Reported per bot: updates/s, p50/p99 latency from injecting an update to the matching sendMessage,
the bot process's CPU time per update (its threads included), and this process's (fake server and
customers); then each channel/echo, the median of the runs' ratios. It also checks that no message
was lost or answered twice.

Fairness on a shared machine: the bots take turns going first, so a machine that slows down or
speeds up during a series does not always favour one; before each measured run both processes
settle their heap (collected and frozen) alike. Each bot runs with its own garbage-collector
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
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.records import Call
from tests.support.telegram_bot import LIBRARIES

REPOSITORY = Path(__file__).resolve().parents[2]
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
    cpu_ms_per_update: float  # CPU time of the bot's process (all its threads) per update
    driver_cpu_ms_per_update: float  # CPU time of this process (fake server, customers) per update


class BotProcess:
    """A bot in its own process (tests.benchmarks.bot_process), driven by lines on its stdin."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, bot: str, api: FakeBotApi, *options: str) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.benchmarks.bot_process", bot, "--api-base", api.base_url,
            "--token", api.token, *options, cwd=REPOSITORY, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        started = cls(process)
        await started.answer("ready", timeout=120)
        return started

    async def ask(self, command: str, key: str) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        return await self.answer(key)

    async def answer(self, key: str, timeout: float = 30) -> Any:  # noqa: ASYNC109
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the bot process exited (code {await self.process.wait()})")
        return json.loads(line)[key]

    async def stop(self) -> None:
        assert self.process.stdin is not None
        if self.process.returncode is None:
            self.process.stdin.write(b"stop\n")
            await self.process.stdin.drain()
            self.process.stdin.close()
        if await asyncio.wait_for(self.process.wait(), 30) != 0:
            raise RuntimeError(f"the bot process exited with code {self.process.returncode}")


async def drive(api: FakeBotApi, bot: BotProcess, users: int, messages: int, name: str,
                first_user: int) -> Result:
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
    gc.collect()  # this process's heap settled too, as the bot's is
    gc.freeze()
    try:
        await bot.ask("settle", "settled")
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(customer(i) for i in range(users)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        bot_cpu = await bot.ask("report", "cpu_seconds")
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
                  duplicated, 1000 * bot_cpu / total, 1000 * cpu / total)


async def measure(name: str, users: int, messages: int, first_user: int, *options: str) -> Result:
    """One bot, started in its own process against a fake server of its own, measured once."""
    async with FakeBotApi() as api:
        bot = await BotProcess.start("echo" if name == "echo" else "ours", api, *options)
        try:
            result = await drive(api, bot, users, messages, name, first_user)
        finally:
            await bot.stop()
        api.assert_no_violations()
        return result


BOTS = ("echo", *LIBRARIES)  # the echo floor, then our channel on each Telegram library
NAMES = {"echo": "echo", "aiogram": "rosee/aiogram", "python-telegram-bot": "rosee/ptb"}


async def one_run(users: int, messages: int, limits: str, *, rotate: int = 0,
                  echo_gc: str = "defaults") -> dict[str, Result]:
    """One measurement of each bot, one after the other; the order turns by `rotate`, so that a
    shared machine slowing down or speeding up during a series does not always favour the same bot."""
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as directory:
        order = BOTS[rotate % len(BOTS):] + BOTS[:rotate % len(BOTS)]
        for bot in order:
            first_user = 10_000 * (1 + BOTS.index(bot))
            if bot == "echo":
                options: tuple[str, ...] = ("--gc", echo_gc)
            else:
                database = str(Path(directory) / f"bench-{bot}.db")
                options = ("--database", database, "--limits", limits, "--library", bot)
            results[bot] = await measure(NAMES[bot], users, messages, first_user, *options)
    return results


def show(result: Result) -> str:
    return (f"{result.name:>13}: {result.updates_per_second:8.1f} updates/s  p50 {result.p50_ms:7.1f} ms  "
            f"p99 {result.p99_ms:7.1f} ms  CPU {result.cpu_ms_per_update:5.2f} ms/update "
            f"(driver {result.driver_cpu_ms_per_update:4.2f})  "
            f"lost {result.lost}  answered twice {result.duplicated}")


async def main(users: int, messages: int, runs: int, limits: str, echo_gc: str) -> int:
    logging.basicConfig(level=logging.ERROR)
    series: list[dict[str, Result]] = []
    for run in range(1, runs + 1):
        results = await one_run(users, messages, limits, rotate=run - 1, echo_gc=echo_gc)
        series.append(results)
        echo_rate = results["echo"].updates_per_second
        ratios = "  ".join(f"{NAMES[b]}/echo {results[b].updates_per_second / echo_rate:.2f}"
                           for b in LIBRARIES)
        print(f"run {run}:\n" + "".join(f"  {show(results[b])}\n" for b in BOTS) + f"  ratio {ratios}")
    median: Callable[[list[float]], float] = statistics.median
    print(f"\nmedian of {runs} ({users} users x {messages} messages, limits {limits}, echo's collector: "
          f"{echo_gc}):")
    for bot in BOTS:
        results = [run[bot] for run in series]
        print(f"  {NAMES[bot]:>13} {median([r.updates_per_second for r in results]):.1f} updates/s, "
              f"p50 {median([r.p50_ms for r in results]):.1f} ms, "
              f"p99 {median([r.p99_ms for r in results]):.1f} ms, "
              f"CPU {median([r.cpu_ms_per_update for r in results]):.2f} ms/update in the bot's process "
              f"(driver {median([r.driver_cpu_ms_per_update for r in results]):.2f})")
    for bot in LIBRARIES:
        ratio = median([run[bot].updates_per_second / run["echo"].updates_per_second for run in series])
        cpu = median([run["echo"].cpu_ms_per_update / run[bot].cpu_ms_per_update for run in series])
        print(f"  ratio {NAMES[bot]}/echo {ratio:.2f} (median of the runs' ratios; target >= 0.5); "
              f"CPU per update echo/{NAMES[bot]} {cpu:.2f}")
    problems = sum(r.lost + r.duplicated for run in series for r in run.values())
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
