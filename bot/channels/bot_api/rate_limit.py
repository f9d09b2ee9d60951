"""One limiter for every message the bot sends, so Telegram never has to say 429.

Telegram's limits: about 30 messages a second overall, about 1 a second per private chat (short
bursts allowed), 20 a minute per group. `LocalRateLimiter` keeps in-process token buckets and sliding
windows, a little under the limits; `RedisRateLimiter` shares fixed-window counters between instances
through Redis (one atomic Lua script per attempt). `acquire(chat_id)` waits until a send is allowed
and takes it.

Replies before broadcasts: `acquire(chat_id, bulk=True)` (order notifications from the outbox)
leaves `BULK_RESERVE` of the global sends a second to interactive messages, so a reply arriving in
the middle of a drain finds a free send at once, and in-process a bulk send also waits while any
interactive one is waiting. Bulk messages drain at `GLOBAL_PER_SECOND - BULK_RESERVE` a second when
nobody is talking to the bot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

GLOBAL_PER_SECOND = 28  # Telegram: 30; a margin for clock skew between us and the API
PRIVATE_BURST = 3
PRIVATE_PER_SECOND = 0.95  # Telegram: about 1
GROUP_PER_MINUTE = 20
BULK_RESERVE = 3  # of the global sends a second, kept for interactive messages during a bulk drain


class RateLimiter(Protocol):
    async def acquire(self, chat_id: int | str, *, bulk: bool = False) -> None: ...

    async def close(self) -> None: ...


def is_group(chat_id: int | str) -> bool:
    text = str(chat_id)
    return text.startswith(("-", "@"))


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float = -1.0
    updated: float = 0.0

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity

    def _refill(self, now: float) -> None:
        if self.tokens < 0 and self.updated == 0.0:
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now


@dataclass
class SlidingWindow:
    limit: int
    period: float
    times: deque[float] = field(default_factory=deque)

    def wait_time(self, now: float, limit: int | None = None) -> float:
        """Seconds until a send fits under `limit` (the window's own limit by default)."""
        limit = self.limit if limit is None else limit
        while self.times and now - self.times[0] >= self.period:
            self.times.popleft()
        if len(self.times) < limit:
            return 0.0
        return self.period - (now - self.times[-limit]) + 0.001 if limit > 0 else self.period

    def take(self, now: float) -> None:
        self.times.append(now)

    def idle(self, now: float) -> bool:
        return self.wait_time(now) == 0.0 and not self.times


class LocalRateLimiter:
    def __init__(
        self,
        *,
        global_per_second: int = GLOBAL_PER_SECOND,
        private_per_second: float = PRIVATE_PER_SECOND,
        private_burst: int = PRIVATE_BURST,
        group_per_minute: int = GROUP_PER_MINUTE,
        bulk_reserve: int = BULK_RESERVE,
        clock: Any = time.monotonic,
    ) -> None:
        self._global = SlidingWindow(global_per_second, 1.0)
        self._bulk_limit = max(global_per_second - bulk_reserve, 1)
        self._interactive_waiting = 0
        self._interactive_done = asyncio.Event()
        self._private_rate = private_per_second
        self._private_burst = private_burst
        self._group_per_minute = group_per_minute
        self._chats: dict[str, TokenBucket | SlidingWindow] = {}
        self._clock = clock

    async def acquire(self, chat_id: int | str, *, bulk: bool = False) -> None:
        key = str(chat_id)
        if bulk:
            await self._acquire_bulk(key)
        else:
            await self._acquire_interactive(key)

    async def _acquire_interactive(self, key: str) -> None:
        # While only the global window holds this send back, bulk sends stand aside for it (a wait
        # on the customer's own chat bucket is no reason to hold up a drain).
        contending = False
        try:
            while True:
                now = self._clock()
                chat = self._chat(key)
                chat_wait, global_wait = chat.wait_time(now), self._global.wait_time(now)
                if chat_wait <= 0 and global_wait <= 0:
                    chat.take(now)
                    self._global.take(now)
                    return
                if (chat_wait <= 0) != contending:
                    contending = chat_wait <= 0
                    self._interactive_waiting += 1 if contending else -1
                    if not self._interactive_waiting:
                        self._interactive_done.set()
                await asyncio.sleep(max(chat_wait, global_wait))
        finally:
            if contending:
                self._interactive_waiting -= 1
                if not self._interactive_waiting:
                    self._interactive_done.set()

    async def _acquire_bulk(self, key: str) -> None:
        while True:
            while self._interactive_waiting:
                self._interactive_done.clear()
                await self._interactive_done.wait()
            now = self._clock()
            chat = self._chat(key)
            wait = max(chat.wait_time(now), self._global.wait_time(now, self._bulk_limit))
            if wait <= 0:
                chat.take(now)
                self._global.take(now)
                return
            await asyncio.sleep(wait)

    async def close(self) -> None:
        return None

    def _chat(self, key: str) -> TokenBucket | SlidingWindow:
        limiter = self._chats.get(key)
        if limiter is None:
            if len(self._chats) > 10_000:
                self._forget_idle()
            if is_group(key):
                limiter = SlidingWindow(self._group_per_minute, 60.0)
            else:
                limiter = TokenBucket(self._private_rate, float(self._private_burst))
            self._chats[key] = limiter
        return limiter

    def _forget_idle(self) -> None:
        now = self._clock()
        for key in [k for k, v in self._chats.items() if v.idle(now)]:
            del self._chats[key]


class UnlimitedRateLimiter:
    """For benchmarks of the bot's own overhead and for a local Bot API server without limits."""

    async def acquire(self, chat_id: int | str, *, bulk: bool = False) -> None:
        return None

    async def close(self) -> None:
        return None


# KEYS: window counters; ARGV: for each key its limit and window in ms, as pairs.
# Returns 0 when every counter had room (all are then incremented), else the ms until the fullest
# window ends. Windows are numbered from Redis' own clock, so every instance agrees.
_ACQUIRE_LUA = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local wait = 0
local names = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i])
  local slot = math.floor(now_ms / window)
  names[i] = key .. ':' .. slot
  local count = tonumber(redis.call('GET', names[i]) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    local left = (slot + 1) * window - now_ms
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for i, name in ipairs(names) do
  if redis.call('INCR', name) == 1 then redis.call('PEXPIRE', name, tonumber(ARGV[2 * i]) * 2) end
end
return 0
"""


class RedisRateLimiter:
    """Fixed-window counters in Redis, shared by every instance of the bot."""

    def __init__(
        self,
        redis: Any,
        *,
        prefix: str = "rosee:telegram:rl",
        global_per_second: int = GLOBAL_PER_SECOND,
        private_per_second: int = 1,
        group_per_minute: int = GROUP_PER_MINUTE,
        bulk_reserve: int = BULK_RESERVE,
    ) -> None:
        self._redis = redis
        self._bulk_global = max(global_per_second - bulk_reserve, 1)
        self._prefix = prefix
        self._global = global_per_second
        self._private = private_per_second
        self._group = group_per_minute
        self._script = redis.register_script(_ACQUIRE_LUA)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisRateLimiter:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url), **options)

    async def acquire(self, chat_id: int | str, *, bulk: bool = False) -> None:
        """Across instances, a bulk send leaves the reserve of the global window to the others."""
        key = str(chat_id)
        overall = self._bulk_global if bulk else self._global
        if is_group(key):
            keys = [f"{self._prefix}:all", f"{self._prefix}:group:{key}"]
            args = [overall, 1000, self._group, 60_000]
        else:
            keys = [f"{self._prefix}:all", f"{self._prefix}:chat:{key}"]
            args = [overall, 1000, self._private, 1000]
        while True:
            wait_ms = int(await self._script(keys=keys, args=args))
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def close(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(redis_url: str | None) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter.from_url(redis_url)
    return LocalRateLimiter()
