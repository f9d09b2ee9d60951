"""Privacy requests as callers see them: the read model and the words of the request services.

Rows stay inside the services; flows, the staff desk and other engineers' packages get `RequestView`s
and `Result`s back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.privacy_request import RequestKind, RequestStatus
from bot.storage.models import PrivacyRequest


@dataclass(frozen=True)
class RequestView:
    id: int
    reference: str
    kind: RequestKind
    status: RequestStatus
    customer_id: int | None
    channel: str
    language: str
    received_at: datetime
    respond_by: datetime
    due_at: datetime
    extended_until: datetime | None
    extension_reason: str | None
    refusal_reason: str | None
    delivered: dict[str, Any] | None
    assignee_name: str | None
    staff_thread_id: int | None
    closed_at: datetime | None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, row: PrivacyRequest) -> RequestView:
        return cls(
            id=row.id, reference=row.reference, kind=RequestKind(row.kind), status=RequestStatus(row.status),
            customer_id=row.customer_id, channel=row.channel, language=row.language,
            received_at=row.received_at, respond_by=row.respond_by, due_at=row.due_at,
            extended_until=row.extended_until, extension_reason=row.extension_reason,
            refusal_reason=row.refusal_reason, delivered=dict(row.delivered) if row.delivered else None,
            assignee_name=row.assignee_name, staff_thread_id=row.staff_thread_id, closed_at=row.closed_at,
            details=dict(row.details or {}),
        )

    def is_overdue(self, now: datetime) -> bool:
        from bot.domain.privacy_request import OPEN_STATUSES

        return self.status in OPEN_STATUSES and now > self.due_at


@dataclass(frozen=True)
class RequestEvent:
    """One line of a request's status history."""

    occurred_at: datetime
    actor: str
    from_status: str | None
    to_status: str
    reason: str | None


@dataclass(frozen=True)
class NewRequest:
    """What the customer asked for: the kind, what they said, in what language; `third_party` when a
    processor or third party must act too (the longer legal period)."""

    kind: RequestKind
    details: dict[str, Any] = field(default_factory=dict)
    language: str = "vi"
    third_party: bool = False


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # nothing to change (already taken by someone else, already extended …)
    NOT_ALLOWED = "not_allowed"  # the status machine or the law forbids it (a second extension …)
    NOT_FOUND = "not_found"  # no such request, or not this customer's
    NEEDS_TEXT = "needs_text"  # staff must type what was delivered / the reason first


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    request: RequestView | None = None

    @classmethod
    def of(cls, outcome: Outcome, row: PrivacyRequest | None = None) -> Result:
        return cls(outcome, None if row is None else RequestView.of(row))


@dataclass(frozen=True)
class Staff:
    """The staff member acting (established by the staff desk before the service is called)."""

    user_id: str
    name: str

    @property
    def actor(self) -> str:
        return f"staff:{self.user_id}"
