"""The share of scripted conversations reaching their outcome (target: at least 90 %), per style.

    python -m tests.benchmarks.conversations [--file tests/data/conversations.toml] [--show-failures]

Each conversation runs as a new customer against the real conversation core (the test-harness
channel) on a fresh SQLite database in a temporary directory, seeded as tests/support/conversations.py
says. A held-out set kept elsewhere runs the same way with --file.
"""

from __future__ import annotations

import argparse
import asyncio
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
    Result,
    load_conversations,
    run_conversation,
    seed_customers,
)
from tests.support.harness import ChatHarness


async def _run_all(path: Path) -> list[Result]:
    understander = Understander.load()
    results = []
    for conversation in load_conversations(path):
        with tempfile.TemporaryDirectory() as directory:
            settings = load_settings(None, database_url=f"sqlite+aiosqlite:///{directory}/bench.db",
                                     staff_chat_id=-1001, staff_chat_is_forum=True)
            app = await build_app(settings, clock=ManualClock(START_OF_TEST_TIME), understander=understander)
            try:
                await seed_customers(app.uow_factory)
                results.append(await run_conversation(ChatHarness(app), conversation, understander.knowledge))
            finally:
                await app.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=CONVERSATIONS)
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(_run_all(args.file))
    total, reached = Counter[str](), Counter[str]()
    for result in results:
        total[result.conversation.style] += 1
        reached[result.conversation.style] += result.reached
    share = 100 * sum(reached.values()) / max(1, len(results))
    print(f"conversations reaching their outcome: {sum(reached.values())}/{len(results)} = {share:.1f} %"
          f"  ({time.perf_counter() - started:.1f} s)")
    for style in sorted(total):
        print(f"  {style:<10} {reached[style]}/{total[style]} = {100 * reached[style] / total[style]:.1f} %")
    if args.show_failures:
        for result in results:
            if not result.reached:
                print(f"\n# {result.conversation.id}\n" + "\n".join(result.problems + result.transcript))


if __name__ == "__main__":
    main()
