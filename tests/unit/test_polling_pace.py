"""Polling pace: getUpdates waits while the bot is busy, never longer than the pace allows."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram.methods import GetUpdates, SendMessage

from bot.channels.bot_api.ordering import UserSequencer
from bot.channels.telegram.pacing import PollingPace


class Requests:
    def __init__(self) -> None:
        self.made: list[tuple[str, float]] = []

    async def __call__(self, bot: Any, method: Any) -> str:
        self.made.append((type(method).__name__, time.monotonic()))
        return "ok"


async def hold_turns(
    sequencer: UserSequencer, keys: list[str], release: asyncio.Event
) -> list[asyncio.Task[None]]:
    async def one(key: str) -> None:
        async with sequencer.turn(key):
            await release.wait()

    tasks = [asyncio.create_task(one(key)) for key in keys]
    await asyncio.sleep(0)
    return tasks


async def test_an_idle_bot_polls_at_once() -> None:
    requests = Requests()
    pace = PollingPace(UserSequencer(), busy_at=2, max_delay=5)
    started = time.monotonic()
    assert await pace(requests, None, GetUpdates()) == "ok"  # type: ignore[arg-type]
    assert requests.made[0][1] - started < 0.05


async def test_a_busy_bot_polls_when_work_drains() -> None:
    sequencer = UserSequencer()
    release = asyncio.Event()
    tasks = await hold_turns(sequencer, ["user:1", "user:2", "user:3"], release)
    requests = Requests()
    pace = PollingPace(sequencer, busy_at=2, max_delay=5)
    poll = asyncio.create_task(pace(requests, None, GetUpdates()))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    assert not poll.done() and requests.made == []
    release.set()
    await asyncio.wait_for(poll, 1)
    await asyncio.gather(*tasks)
    assert requests.made[0][0] == "GetUpdates"


async def test_a_busy_bot_still_polls_after_the_longest_delay() -> None:
    sequencer = UserSequencer()
    release = asyncio.Event()
    tasks = await hold_turns(sequencer, ["user:1", "user:1", "user:2"], release)
    requests = Requests()
    pace = PollingPace(sequencer, busy_at=1, max_delay=0.1)
    started = time.monotonic()
    await asyncio.wait_for(pace(requests, None, GetUpdates()), 1)  # type: ignore[arg-type]
    waited = requests.made[0][1] - started
    assert 0.08 <= waited < 0.5
    release.set()
    await asyncio.gather(*tasks)


async def test_other_calls_are_never_held() -> None:
    sequencer = UserSequencer()
    release = asyncio.Event()
    tasks = await hold_turns(sequencer, ["user:1", "user:2", "user:3"], release)
    requests = Requests()
    pace = PollingPace(sequencer, busy_at=1, max_delay=5)
    started = time.monotonic()
    await pace(requests, None, SendMessage(chat_id=1, text="hi"))  # type: ignore[arg-type]
    assert requests.made[0][1] - started < 0.05
    release.set()
    await asyncio.gather(*tasks)
