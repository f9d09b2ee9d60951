"""The share of scripted conversations reaching their outcome (target: at least 90 %), per style.

    python -m tests.benchmarks.conversations [--file tests/data/conversations.toml] [--show-failures]
        [--channel telegram|harness] [--library aiogram|python-telegram-bot]

By default what a Telegram customer gets is measured: one bot (the real Telegram channel, long-polling
the fake Bot API, on an embedded SQLite database in a temporary directory seeded as
tests/support/conversations.py says) serves every conversation, each a Telegram user it has never
seen, its buttons pressed as callback queries (tests/support/telegram_conversations.py).
`--channel harness` plays them against the conversation core alone, each on a fresh database. A
held-out set kept elsewhere runs the same way with --file.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.bootstrap import build_app
from bot.clock import ManualClock
from bot.config import load_settings
from bot.understanding import Understander
from tests.conftest import START_OF_TEST_TIME
from tests.support.conversations import (
    CONVERSATIONS,
    HarnessCustomer,
    Result,
    load_conversations,
    run_conversation,
    seed_customers,
)
from tests.support.harness import ChatHarness
from tests.support.telegram_bot import LIBRARIES
from tests.support.telegram_conversations import TelegramConversations


async def _over_telegram(path: Path, library: str) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as directory:
        async with TelegramConversations.running(f"sqlite+aiosqlite:///{directory}/bench.db", library=library,
                                                 clock=ManualClock(START_OF_TEST_TIME)) as telegram:
            for conversation in load_conversations(path):
                results.append(await run_conversation(telegram.customer(conversation), conversation,
                                                      telegram.knowledge))
    return results


async def _over_the_harness(path: Path) -> list[Result]:
    understander = Understander.load()
    results = []
    for conversation in load_conversations(path):
        with tempfile.TemporaryDirectory() as directory:
            settings = load_settings(None, database_url=f"sqlite+aiosqlite:///{directory}/bench.db",
                                     staff_chat_id=-1001, staff_chat_is_forum=True)
            app = await build_app(settings, clock=ManualClock(START_OF_TEST_TIME), understander=understander)
            try:
                await seed_customers(app.uow_factory)
                customer = HarnessCustomer(ChatHarness(app), conversation)
                results.append(await run_conversation(customer, conversation, understander.knowledge))
            finally:
                await app.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=CONVERSATIONS)
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--channel", choices=["telegram", "harness"], default="telegram")
    parser.add_argument("--library", choices=list(LIBRARIES), default="aiogram",
                        help="the Telegram library of the channel (--channel telegram)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    if args.channel == "telegram":
        results = asyncio.run(_over_telegram(args.file, args.library))
    else:
        results = asyncio.run(_over_the_harness(args.file))
    total, reached = Counter[str](), Counter[str]()
    for result in results:
        total[result.conversation.style] += 1
        reached[result.conversation.style] += result.reached
    share = 100 * sum(reached.values()) / max(1, len(results))
    print(f"conversations reaching their outcome ({args.channel}): {sum(reached.values())}/{len(results)}"
          f" = {share:.1f} %"
          f"  ({time.perf_counter() - started:.1f} s)")
    for style in sorted(total):
        print(f"  {style:<10} {reached[style]}/{total[style]} = {100 * reached[style] / total[style]:.1f} %")
    if args.show_failures:
        for result in results:
            if not result.reached:
                print(f"\n# {result.conversation.id}\n" + "\n".join(result.problems + result.transcript))


if __name__ == "__main__":
    main()
