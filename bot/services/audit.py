"""Writing the audit trail of personal-data access, in the caller's unit of work."""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.storage.models import AuditEntry
from bot.storage.uow import UnitOfWork


def record_access(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: str,
    action: str,
    customer_id: int | None,
    purpose: str,
    **details: Any,
) -> None:
    """Record who touched whose personal data and why; committed with the access itself."""
    uow.audit.add(
        AuditEntry(
            actor=actor,
            action=action,
            customer_id=customer_id,
            purpose=purpose,
            details=details,
            created_at=clock.now(),
        )
    )
