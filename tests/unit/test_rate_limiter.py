"""The outgoing rate limiter: token buckets and windows in process, fixed windows in Redis."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.bot_api.rate_limit import LocalRateLimiter, RedisRateLimiter, SlidingWindow, TokenBucket
from tests.support.telegram_bot import free_port


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=1.0, capacity=3.0)
    for _ in range(3):
        assert bucket.wait_time(100.0) == 0
        bucket.take(100.0)
    assert bucket.wait_time(100.0) == pytest.approx(1.0)
    assert bucket.wait_time(100.5) == pytest.approx(0.5)
    assert bucket.wait_time(101.0) == 0


def test_sliding_window_for_groups() -> None:
    window = SlidingWindow(limit=20, period=60.0)
    for second in range(20):
        assert window.wait_time(float(second)) == 0
        window.take(float(second))
    assert window.wait_time(30.0) == pytest.approx(30.001)
    assert window.wait_time(60.0) == 0


async def test_private_chat_is_paced_and_chats_do_not_wait_for_each_other() -> None:
    limiter = LocalRateLimiter(private_per_second=10.0, private_burst=2)
    started = time.monotonic()
    for _ in range(6):
        await limiter.acquire(1001)
    paced = time.monotonic() - started
    assert 0.35 <= paced < 1.0  # 2 at once, then 4 at 10/s
    started = time.monotonic()
    await limiter.acquire(1002)
    assert time.monotonic() - started < 0.05


async def test_overall_limit_across_chats() -> None:
    limiter = LocalRateLimiter(global_per_second=10)
    started = time.monotonic()
    await asyncio.gather(*(limiter.acquire(2000 + n) for n in range(25)))
    assert 2.0 <= time.monotonic() - started < 3.0


async def test_group_limit_per_minute() -> None:
    limiter = LocalRateLimiter(group_per_minute=3)
    for _ in range(3):
        await limiter.acquire(-100500)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(limiter.acquire(-100500), 0.2)


# -- Redis ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    """A real redis-server on a free port (scripts/test.sh installs it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: the Redis-backed rate limiter cannot be tested "
                    "(apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(5)


@pytest.fixture
async def redis_limiters(redis_server: str) -> AsyncIterator[tuple[RedisRateLimiter, RedisRateLimiter]]:
    first = RedisRateLimiter.from_url(redis_server, prefix=f"test:{time.monotonic_ns()}", global_per_second=5)
    second = RedisRateLimiter.from_url(redis_server, prefix=first._prefix, global_per_second=5)
    yield first, second
    await first.close()
    await second.close()


async def test_redis_limiter_is_shared_between_instances(
    redis_limiters: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    first, second = redis_limiters
    stamps = []
    for limiter in (first, second, first):
        await limiter.acquire(1002)
        stamps.append(time.monotonic())
    assert stamps[2] - stamps[0] >= 1.0  # one a second per private chat, whichever instance sends


async def test_redis_limiter_overall_limit(redis_limiters: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = redis_limiters
    started = time.monotonic()
    await asyncio.gather(*(lim.acquire(3000 + n) for n in range(6) for lim in (first, second)))
    assert time.monotonic() - started >= 1.0  # 12 sends at 5 a second need at least two windows
