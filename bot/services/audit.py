"""Writing the audit trail of personal-data access, in the caller's unit of work; walking its hash
chain (`audit verify`); pseudonymising it for an erasure.

Every audit row is chained to the one before it (`bot.domain.audit_chain`, filled in at commit by
`bot.storage.audit_chain`), so `verify_chain` finds the first row that was altered or removed.

Erasure (the decision, see the README's "Audit chain"): the audit rows about an erased customer are
kept — the log is the controller's proof of who read or changed whose data and of how the request
was handled (Law 91/2025/QH15, Decree 356/2025/ND-CP; `bot.services.privacy_requests.retention`
lists `audit_log` as kept) — but pseudonymised by `pseudonymise_customer`: their details and the
customer's own accounts as actor are replaced by salted digests the chain covers, so the chain still
verifies and nothing in it can be matched to the person any more.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.domain.audit_chain import Break, ChainWalk
from bot.storage.models import AuditEntry
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

VERIFY_BATCH = 10_000


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
    """Record who touched whose personal data and why; committed (and chained) with the access itself."""
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


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: the rows that hold, and the first break if there is one."""

    count: int
    head_seq: int
    head_hash: str
    broken: Break | None = None
    unchained: int = 0  # committed rows outside the chain
    first_unchained_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None and self.unchained == 0


async def verify_chain(uow_factory: UnitOfWorkFactory, *, batch: int = VERIFY_BATCH,
                       anchors: Mapping[int, str] | None = None) -> ChainReport:
    """Walk the chain from seq 1 to the head, `batch` rows per short transaction (the walk of millions
    of rows never holds SQLite's write lock for long nor PostgreSQL's snapshot); stop at the first row
    altered or removed. `anchors` (seq -> hash written down earlier) must still hold."""
    anchors = dict(anchors or {})
    async with uow_factory() as uow:
        head_seq, head_hash = await uow.audit.chain_head()
    walk = ChainWalk()
    after = 0
    while after < head_seq and walk.broken is None:
        async with uow_factory() as uow:
            rows = await uow.audit.chain_rows(after_seq=after, up_to_seq=head_seq, limit=batch)
        if not rows:
            break
        for row in rows:
            if walk.feed(row) is not None:
                break
            anchored = anchors.get(walk.last_seq)
            if anchored is not None and anchored != walk.last_hash:
                walk.broken = Break("altered", walk.last_seq, row.id,
                                    "its hash is not the anchor written down (the chain was recomputed)")
                break
        after = rows[-1].seq or after
    broken = walk.finish(head_seq, head_hash)
    if broken is None and anchors and max(anchors) > head_seq:
        broken = Break("removed", max(anchors), None, f"the anchor is past the chain head (seq {head_seq})")
    async with uow_factory() as uow:
        unchained, first_id = await uow.audit.unchained()
    return ChainReport(count=walk.count, head_seq=head_seq, head_hash=head_hash, broken=broken,
                       unchained=unchained, first_unchained_id=first_id)


async def pseudonymise_customer(uow: UnitOfWork, clock: Clock, *, customer_id: int,
                                own_actors: Collection[str], actor: str, reference: str | None = None,
                                unlink_customer: bool = False) -> int:
    """For an erasure: pseudonymise the customer's audit rows (see `AuditRepository.pseudonymise`)
    and record that it was done, in the caller's unit of work. Returns the number of rows changed.

    `own_actors` are the customer's own accounts as they appear as actor (`ChatUser.actor`,
    `telegram:12345`). With `unlink_customer` the rows lose the customer id too (needed only when
    the customer row itself is deleted); this row then carries no customer id either.
    """
    changed = await uow.audit.pseudonymise(customer_id, own_actors, unlink_customer=unlink_customer)
    record_access(uow, clock, actor=actor, action="audit.pseudonymised",
                  customer_id=None if unlink_customer else customer_id,
                  purpose="erasure: the audit rows about the customer kept, pseudonymised",
                  rows=changed, **({"reference": reference} if reference else {}))
    return changed
