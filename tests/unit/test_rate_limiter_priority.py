"""Replies before broadcasts in the in-process limiter: bulk sends leave a reserve and stand aside."""

from __future__ import annotations

import asyncio
import time

from bot.channels.bot_api.rate_limit import LocalRateLimiter, SlidingWindow


def test_a_window_under_a_lower_limit_waits_for_the_right_send_to_expire() -> None:
    window = SlidingWindow(limit=10, period=1.0)
    for tenth in range(8):
        window.take(tenth / 10)
    assert window.wait_time(0.8) == 0  # 8 of 10
    assert window.wait_time(0.8, 8) > 0.2  # full under a limit of 8: the oldest of the last 8 expires
    assert abs(window.wait_time(0.8, 8) - (1.0 - 0.8 + 0.001)) < 1e-9


async def test_bulk_sends_leave_the_reserve_to_replies() -> None:
    limiter = LocalRateLimiter(global_per_second=10, bulk_reserve=3)
    started = time.monotonic()
    for n in range(7):
        await limiter.acquire(5000 + n, bulk=True)
    assert time.monotonic() - started < 0.1  # 7 of 10 at once
    eighth = asyncio.create_task(limiter.acquire(5100, bulk=True))
    await asyncio.sleep(0.05)
    assert not eighth.done()  # the 8th bulk send waits for the next second...
    reply_started = time.monotonic()
    await limiter.acquire(6000)  # ...while a reply goes at once
    assert time.monotonic() - reply_started < 0.05
    await eighth


async def test_a_reply_overtakes_a_queue_of_bulk_sends() -> None:
    limiter = LocalRateLimiter(global_per_second=5, bulk_reserve=0)
    done: list[str] = []

    async def bulk(n: int) -> None:
        await limiter.acquire(7000 + n, bulk=True)
        done.append(f"bulk{n}")

    tasks = [asyncio.create_task(bulk(n)) for n in range(12)]
    await asyncio.sleep(0.1)  # 5 sent, 7 waiting for the window
    await limiter.acquire(8000)
    done.append("reply")
    assert done.index("reply") <= 6  # the first send after the window opened, not behind the 7
    await asyncio.gather(*tasks)


async def test_a_reply_waiting_on_its_own_chat_does_not_hold_up_the_drain() -> None:
    limiter = LocalRateLimiter(global_per_second=50, private_per_second=1.0, private_burst=1)
    await limiter.acquire(9000)
    waiting = asyncio.create_task(limiter.acquire(9000))  # its chat bucket is empty for a second
    await asyncio.sleep(0.05)
    started = time.monotonic()
    for n in range(10):
        await limiter.acquire(9100 + n, bulk=True)
    assert time.monotonic() - started < 0.2
    await waiting
