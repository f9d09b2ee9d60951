"""What `rosee-support healthcheck` reports besides the database: the outbox's backlog and whether
the staff chat can be written to.

The staff chat's state is read from the outbox, where the truth is: messages to it that failed and
wait for another try mean it cannot be written to (the bot was removed, the group migrated). A
separate process (the healthcheck) can read that without asking Telegram, and it is true on every
instance at once.

| state of the staff chat | when                                                      | exit code |
|-------------------------|-----------------------------------------------------------|-----------|
| not configured          | STAFF_CHAT_ID is not set                                  | 0         |
| ok                      | nothing to it has failed and waits for another try        | 0         |
| failing                 | messages to it failed and are being retried               | 1         |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.uow import UnitOfWork

STAFF_CHANNEL = "telegram"


@dataclass(frozen=True)
class DeliveryHealth:
    backlog: int
    oldest_pending: datetime | None
    staff_chat_id: str | None
    staff_failing: int = 0
    staff_error: str | None = None
    staff_failing_since: datetime | None = None

    @property
    def staff_chat_ok(self) -> bool:
        return self.staff_failing == 0

    def report(self, now: datetime) -> list[str]:
        """Short lines for the operator."""
        lines = [f"outbox: {self.backlog} message(s) waiting"
                 + (f", the oldest for {_age(now, self.oldest_pending)}" if self.oldest_pending else "")]
        if self.staff_chat_id is None:
            lines.append("staff chat: not configured")
        elif self.staff_chat_ok:
            lines.append(f"staff chat {self.staff_chat_id}: ok")
        else:
            since = f" for {_age(now, self.staff_failing_since)}" if self.staff_failing_since else ""
            lines.append(f"staff chat {self.staff_chat_id}: FAILING{since}, {self.staff_failing} message(s) "
                         f"being retried; last error: {self.staff_error}")
        return lines


async def delivery_health(uow: UnitOfWork, staff_chat_id: str | None) -> DeliveryHealth:
    backlog, oldest = await uow.outbox.backlog()
    if staff_chat_id is None:
        return DeliveryHealth(backlog, oldest, None)
    failing, error, since = await uow.outbox.failing_to(STAFF_CHANNEL, staff_chat_id)
    return DeliveryHealth(backlog, oldest, staff_chat_id, failing, error, since)


def _age(now: datetime, then: datetime) -> str:
    if then.tzinfo is None:  # SQLite hands back naive UTC
        now = now.replace(tzinfo=None)
    seconds = max(int((now - then).total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
