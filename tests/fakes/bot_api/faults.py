"""Failures a test can ask the fake Telegram for: scheduled errors (429, 5xx, ...), chats that blocked
the bot, rate limits Telegram would enforce.

Rate limits (only when enforced), sliding windows as Telegram documents them loosely:
    all chats      30 sends / 1 s
    private chat   burst of 3, then 1 send / s   (token bucket)
    group          20 sends / 60 s
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
GLOBAL_PER_SECOND = 30
PRIVATE_BURST = 3
PRIVATE_PER_SECOND = 1.0
GROUP_PER_MINUTE = 20


def is_send_method(method: str) -> bool:
    """Methods that post a new message (what Telegram's flood limits count)."""
    name = method.lower()
    return (name.startswith("send") and name != "sendchataction") or name in (
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    )


def touches_chat(method: str) -> bool:
    """Methods a user's block makes fail with 403."""
    name = method.lower()
    return name.startswith(("send", "copy", "forward", "edit"))


@dataclass
class ScheduledFailure:
    method: str  # lower-case, or "*" for any method
    error: ApiError
    times: int


@dataclass
class Faults:
    failures: list[ScheduledFailure] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = 2,
        times: int = 1,
    ) -> None:
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
        if error_code != 429:
            retry_after = None
        self.failures.append(
            ScheduledFailure(method.lower(), ApiError(error_code, description, retry_after), times)
        )

    def take(self, method: str) -> ApiError | None:
        for failure in self.failures:
            if failure.method in (method.lower(), "*"):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure.error
        return None

    def blocked(self, method: str, params: dict[str, Any]) -> ApiError | None:
        chat_id = params.get("chat_id")
        if chat_id not in self.blocked_chats:
            return None
        if isinstance(chat_id, int) and chat_id < 0:  # a group that removed the bot: nothing works there
            return ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
        if touches_chat(method):
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return None


@dataclass
class RateLimiter:
    """Records when each chat was sent to; refuses like Telegram when `enforce` is on."""

    enforce: bool = False
    send_times: dict[Any, list[float]] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)
    _buckets: dict[Any, tuple[float, float]] = field(default_factory=dict)  # chat -> (tokens, at)

    def check(self, chat_id: Any, now: float) -> ApiError | None:
        if not self.enforce:
            return None
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= GLOBAL_PER_SECOND:
            return _too_many(1.0 - (now - self._recent[0]))
        if isinstance(chat_id, int) and chat_id > 0:
            tokens = self._tokens(chat_id, now)
            if tokens < 1.0:
                return _too_many((1.0 - tokens) / PRIVATE_PER_SECOND)
        elif chat_id is not None:
            window = [t for t in self.send_times.get(chat_id, []) if now - t < 60.0]
            if len(window) >= GROUP_PER_MINUTE:
                return _too_many(60.0 - (now - window[0]))
        return None

    def record(self, chat_id: Any, now: float) -> None:
        self.send_times.setdefault(chat_id, []).append(now)
        self._recent.append(now)
        if isinstance(chat_id, int) and chat_id > 0:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(PRIVATE_BURST), now))
        return min(float(PRIVATE_BURST), tokens + (now - at) * PRIVATE_PER_SECOND)


def _too_many(wait: float) -> ApiError:
    retry_after = max(1, math.ceil(wait))
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
