"""What a customer's copy of their data contains: one section per table, and the tables left out, why.

The right of access (Law 91/2025/QH15 art. 4; policy section 7) is to everything held about the
customer and nothing about anyone else. This table is the one list of sources: the package builder
(`access.py`) reads it, the renderers (`access_render.py`) title and label its sections and columns,
and `tests/unit/test_access_scope.py` fails when a table that links to a customer (a `customer_id`
column, or a foreign key to a table that does) is in neither `SECTIONS` nor `EXCLUDED`.

| section | table | the customer's rows |
|---|---|---|
| profile | customers | their own row |
| chat_accounts | channel_accounts | the chat accounts linked to them |
| conversation | dialogue_states | the conversation state of those accounts |
| orders | orders | their orders, with items |
| order_history | order_status_events | the status history of those orders |
| consents | consent_events | their consent ledger |
| marketing_suppressions | marketing_suppressions | their addresses the shop must not market to |
| privacy_requests | privacy_requests | theirs, or made from their chat accounts |
| privacy_request_events | privacy_request_events | the status history of those requests |
| tickets | tickets | theirs, or opened from their chat accounts |
| ticket_messages | ticket_messages | the messages exchanged on those tickets, internal notes not |
| verification_codes | one_time_codes | codes for them or asked by their accounts, hashes not |
| verification_failures | verification_failures | wrong entries against them or by their accounts |
| verification_lockouts | verification_lockouts | lockouts of them or of their accounts |
| audit_log | audit_log | who read or changed their data, when and why |

What is withheld inside a section, and why: staff members' ids and names (data about them, not the
customer: a staff actor is shown as "staff"), internal staff notes (the project's rule: they never
reach a customer), code hashes (a secret of the shop's), the audit chain's hashes and salts (the shop's
tamper evidence), the staff chat's ids, and the ids of another customer or another person's chat
account (shown as "another chat account").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, false, inspect, or_, select, tuple_

from bot.storage.models import (
    AuditEntry,
    Base,
    ChannelAccount,
    ConsentEvent,
    Customer,
    DialogueStateRow,
    MarketingSuppression,
    OneTimeCode,
    Order,
    OrderStatusEvent,
    PrivacyRequest,
    PrivacyRequestEvent,
    Ticket,
    TicketMessage,
    VerificationFailure,
    VerificationLockout,
)
from bot.storage.uow import UnitOfWork

#: How an actor that is neither the customer nor the shop's system appears in their copy.
STAFF = "staff"
BOT = "RoseeGlory"
ANOTHER_ACCOUNT = "another chat account"
#: Audit details that name someone else (another customer's id), never copied.
AUDIT_DETAILS_WITHHELD = frozenset({"previous_customer_id"})
#: The hash chain's own columns (bot.domain.audit_chain): the shop's tamper evidence, not data about the
#: customer; the salts in particular are the keys of the pseudonymised fields and stay secret.
AUDIT_CHAIN_COLUMNS = ("seq", "prev_hash", "body_hash", "row_hash", "salts", "erased")

#: Columns about the staff member handling a ticket or request, and the staff chat's own ids.
STAFF_COLUMNS = ("assignee_id", "assignee_name", "staff_chat_id", "staff_thread_id", "staff_card_message_id")
#: ... and, on a request, which staff member's next message is awaited.
REQUEST_STAFF_COLUMNS = (*STAFF_COLUMNS, "awaiting_input", "awaiting_input_by")


@dataclass(frozen=True)
class Subject:
    """Whose copy it is: the customer, their chat accounts, and the rows found through them."""

    customer_id: int
    accounts: tuple[tuple[str, str], ...]  # (channel, channel_user_id) linked to the customer
    order_ids: tuple[int, ...] = ()
    ticket_ids: tuple[int, ...] = ()
    request_ids: tuple[int, ...] = ()

    @property
    def actors(self) -> frozenset[str]:
        """How the customer's own accounts appear as actors in the audit log and histories."""
        return frozenset(f"{channel}:{user_id}" for channel, user_id in self.accounts)

    def who(self, actor: str | None) -> str | None:
        """An actor as the customer may see it: their own accounts and the system as they are, the
        bot by its name, a staff member as "staff", anyone else's chat account as such."""
        if actor is None or actor in self.actors:
            return actor
        if actor == "staff:bot":
            return BOT
        if actor.startswith("staff:"):
            return STAFF
        if actor.startswith("system"):
            return actor
        return ANOTHER_ACCOUNT


Query = Callable[[Subject], Select[Any]]
Shape = Callable[[Subject, dict[str, Any]], dict[str, Any] | None]


def _keep(subject: Subject, row: dict[str, Any]) -> dict[str, Any] | None:
    return row


@dataclass(frozen=True)
class Section:
    """One part of the copy: a table, which of its rows are the customer's, what is left out."""

    name: str
    model: type[Base]
    query: Query
    withheld: tuple[str, ...] = ()  # columns never copied
    shape: Shape = field(default=_keep)  # a row as the customer gets it (None: not given)

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.model.__table__.columns if c.key not in self.withheld)


def _own_account(channel: Any, user_id: Any, subject: Subject) -> Any:
    if not subject.accounts:
        return false()
    return tuple_(channel, user_id).in_(list(subject.accounts))


def _own(model: Any, subject: Subject) -> Any:
    """Rows of the customer, or of one of their chat accounts."""
    return or_(model.customer_id == subject.customer_id,
               _own_account(model.channel, model.channel_user_id, subject))


def _actor(subject: Subject, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "actor": subject.who(row.get("actor"))}


def _account(subject: Subject, row: dict[str, Any]) -> dict[str, Any]:
    """A verification row asked by an account: the account shown only when it is the customer's."""
    own = (row.get("channel"), row.get("channel_user_id")) in subject.accounts
    return {**row, "channel_user_id": row["channel_user_id"] if own else ANOTHER_ACCOUNT}


def _audit(subject: Subject, row: dict[str, Any]) -> dict[str, Any]:
    details = {k: v for k, v in (row.get("details") or {}).items() if k not in AUDIT_DETAILS_WITHHELD}
    if isinstance(details.get("account"), str):
        details["account"] = subject.who(details["account"])
    return {**_actor(subject, row), "details": details}


def _message(subject: Subject, row: dict[str, Any]) -> dict[str, Any] | None:
    if row.get("internal") or row.get("awaiting_choice"):
        return None  # an internal staff note (or a forward staff have not chosen to send) never reaches them
    if row.get("author") == "staff":
        return {**row, "author_id": None, "author_name": STAFF}
    return row


SECTIONS: tuple[Section, ...] = (
    Section("profile", Customer, lambda s: select(Customer).where(Customer.id == s.customer_id)),
    Section("chat_accounts", ChannelAccount,
            lambda s: select(ChannelAccount).where(ChannelAccount.customer_id == s.customer_id)),
    Section("conversation", DialogueStateRow,
            lambda s: select(DialogueStateRow).where(
                _own_account(DialogueStateRow.channel, DialogueStateRow.user_id, s))),
    Section("orders", Order, lambda s: select(Order).where(Order.customer_id == s.customer_id)),
    Section("order_history", OrderStatusEvent,
            lambda s: select(OrderStatusEvent).where(OrderStatusEvent.order_id.in_(s.order_ids))),
    Section("consents", ConsentEvent,
            lambda s: select(ConsentEvent).where(ConsentEvent.customer_id == s.customer_id)),
    Section("marketing_suppressions", MarketingSuppression,
            lambda s: select(MarketingSuppression).where(MarketingSuppression.customer_id == s.customer_id)),
    Section("privacy_requests", PrivacyRequest,
            lambda s: select(PrivacyRequest).where(PrivacyRequest.id.in_(s.request_ids)),
            withheld=REQUEST_STAFF_COLUMNS),
    Section("privacy_request_events", PrivacyRequestEvent,
            lambda s: select(PrivacyRequestEvent).where(PrivacyRequestEvent.request_id.in_(s.request_ids)),
            shape=_actor),
    Section("tickets", Ticket, lambda s: select(Ticket).where(Ticket.id.in_(s.ticket_ids)),
            withheld=STAFF_COLUMNS),
    Section("ticket_messages", TicketMessage,
            lambda s: select(TicketMessage).where(TicketMessage.ticket_id.in_(s.ticket_ids),
                                                  TicketMessage.internal.is_(False)),
            withheld=("source_key", "digest_id", "media_group_id"), shape=_message),
    Section("verification_codes", OneTimeCode, lambda s: select(OneTimeCode).where(_own(OneTimeCode, s)),
            withheld=("digest",), shape=_account),
    Section("verification_failures", VerificationFailure,
            lambda s: select(VerificationFailure).where(_own(VerificationFailure, s)), shape=_account),
    Section("verification_lockouts", VerificationLockout,
            lambda s: select(VerificationLockout).where(_own(VerificationLockout, s)), shape=_account),
    Section("audit_log", AuditEntry,
            lambda s: select(AuditEntry).where(AuditEntry.customer_id == s.customer_id), shape=_audit,
            withheld=AUDIT_CHAIN_COLUMNS),
)

#: Tables that link to a customer and are not copied, each with the reason (checked by a test).
EXCLUDED: Mapping[str, str] = {
    "outbox": "the delivery queue of messages already sent: what they said is in tickets, ticket "
              "messages and requests, and their texts are emptied after RETENTION_OUTBOX_DAYS",
    "outbox_files": "the bytes of documents the outbox sends, such as the files of this very copy",
    "order_event_receipts": "the shop's event ids kept against replays; every status they carried is "
                            "in order_history",
    "staff_albums": "whether an album staff posted in a ticket's topic was relayed or kept as a note: "
                    "staff's working record, holding nothing about the customer",
}

#: Every column a copy can carry (the renderers label each one: `privacy.access.field.<column>`).
COLUMNS: tuple[str, ...] = tuple(sorted({c for section in SECTIONS for c in section.columns}))
SECTION_NAMES: tuple[str, ...] = tuple(section.name for section in SECTIONS)


async def subject_of(uow: UnitOfWork, customer_id: int) -> Subject:
    """The customer, their linked chat accounts, and their orders', tickets' and requests' ids."""
    session = uow.session
    accounts = tuple((c, u) for c, u in (await session.execute(
        select(ChannelAccount.channel, ChannelAccount.channel_user_id)
        .where(ChannelAccount.customer_id == customer_id).order_by(ChannelAccount.id))).all())
    base = Subject(customer_id, accounts)
    orders = tuple(await session.scalars(select(Order.id).where(Order.customer_id == customer_id)))
    tickets = tuple(await session.scalars(select(Ticket.id).where(_own(Ticket, base))))
    requests = tuple(await session.scalars(select(PrivacyRequest.id).where(_own(PrivacyRequest, base))))
    return Subject(customer_id, accounts, orders, tickets, requests)


async def collect(uow: UnitOfWork, subject: Subject) -> dict[str, list[dict[str, Any]]]:
    """Every section's rows for the subject, as JSON-ready dicts, oldest first."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        query = section.query(subject).order_by(*inspect(section.model).primary_key)
        rows: list[dict[str, Any]] = []
        for row in await uow.session.scalars(query):
            shaped = section.shape(subject, {c: _value(getattr(row, c)) for c in section.columns})
            if shaped is not None:
                rows.append(shaped)
        sections[section.name] = rows
    return sections


def _value(value: Any) -> Any:
    """A column's value as JSON can hold it (times in ISO 8601, UTC)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


__all__ = ["COLUMNS", "EXCLUDED", "SECTIONS", "SECTION_NAMES", "Section", "Subject", "collect", "subject_of"]
