"""The database schema as SQLAlchemy 2 declarative models.

The same models serve SQLite (embedded) and PostgreSQL (production); Alembic migrations in
`bot/storage/migrations` are generated from them. Timestamps are stored timezone-aware in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.clock import utcnow
from bot.domain.audit_chain import new_salts

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """SQLite forgets time zones; this keeps every datetime aware and in UTC on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A `StrEnum` in a plain string column: rows read back as members, and a value that is not one
    fails at the write (a typo cannot reach the table). Plain strings, not a native enum type, so a
    new member needs no schema change."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class
        self.length = length

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum_class(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower-cased
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class ChannelAccount(Base):
    """A chat identity (a Telegram user, a console user) and the customer it was proven to be."""

    __tablename__ = "channel_accounts"
    __table_args__ = (
        UniqueConstraint("channel", "channel_user_id"),
        # Every delivery to a private chat finds its account by chat (bot.services.reachability).
        Index("ix_channel_accounts_chat", "channel", "chat_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    verified_phone: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[datetime | None] = mapped_column()
    verified_email: Mapped[str | None] = mapped_column(String(254))
    email_verified_at: Mapped[datetime | None] = mapped_column()
    # The strong level's fallback where only one factor is on file: a code of one of their orders.
    order_code_verified_at: Mapped[datetime | None] = mapped_column()
    unreachable_since: Mapped[datetime | None] = mapped_column()
    # The customer's choice in this chat ("tắt/bật thông báo đơn hàng"); on until turned off.
    order_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer | None] = relationship()


class OneTimeCode(Base):
    """A one-time code mailed to a customer (bot.domain.one_time_code), kept only as its keyed hash.

    Bound to the chat account that asked, the customer, the address it went to and its purpose. A
    request for an address that is not on file is a row too, with no customer, address or digest: it
    counts towards the requester's resend limits and takes wrong entries like any other, so that
    nothing in the answers tells whether the address is a customer's.
    """

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_account", "channel", "channel_user_id", "created_at"),
        Index("ix_one_time_codes_customer", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str | None] = mapped_column(String(64))  # HMAC-SHA256, hex; never the code
    # active | used | replaced (a newer one was asked for) | exhausted (5 wrong) | withheld (not mailed)
    status: Mapped[str] = mapped_column(String(12), default="active")
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class VerificationFailure(Base):
    """One wrong entry (an email code or an order code) by a chat account, against a customer if known."""

    __tablename__ = "verification_failures"
    __table_args__ = (
        Index("ix_verification_failures_account", "channel", "channel_user_id", "occurred_at"),
        Index("ix_verification_failures_customer", "customer_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    factor: Mapped[str] = mapped_column(String(20))  # email_code | order_code
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationLockout(Base):
    """Too many wrong entries in a day: codes are neither sent nor taken for a customer or account."""

    __tablename__ = "verification_lockouts"
    __table_args__ = (
        Index("ix_verification_lockouts_account", "channel", "channel_user_id", "ends_at"),
        Index("ix_verification_lockouts_customer", "customer_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(64))  # the account whose entries reached the limit
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    started_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()


class Order(Base):
    """An order of the shop's, upserted by its code (stored upper-cased) from the shop's exports.

    Indexes (migration 0010): the unique `code` is the one-order lookup (callers upper-case what they
    are given, never the column); `ix_orders_customer_placed` on (customer_id, placed_at DESC) serves
    "the latest orders of a customer" in index order, so a customer with hundreds of orders is read
    for the first few and not sorted whole; it also serves the foreign key, which needs no other.
    """

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(20))
    total_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    placed_at: Mapped[datetime] = mapped_column()
    shipping_address: Mapped[str | None] = mapped_column(Text)
    carrier: Mapped[str | None] = mapped_column(String(80))
    tracking_code: Mapped[str | None] = mapped_column(String(80))
    expected_delivery: Mapped[date | None] = mapped_column(Date)
    items: Mapped[list[Any]] = mapped_column(default=list)
    # bot.domain.payment_status: unpaid | paid | cod | refunded; None: the shop's data did not say
    payment_status: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="orders")
    history: Mapped[list[OrderStatusEvent]] = relationship(
        back_populates="order", order_by="OrderStatusEvent.occurred_at", cascade="all, delete-orphan"
    )


Index("ix_orders_customer_placed", Order.customer_id, Order.placed_at.desc())


class OrderStatusEvent(Base):
    """One step of an order's history. The unique (order_id, status, occurred_at) is also the index
    that finds an order's history: its leading column is order_id (no second index on it alone)."""

    __tablename__ = "order_status_events"
    __table_args__ = (UniqueConstraint("order_id", "status", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="history")


class ConsentEvent(Base):
    """Append-only ledger: the current consent for a purpose (and channel) is the latest event for it.

    An event is the customer's when they were identified (`customer_id`), and always the chat
    account's it was said in (`account_channel`, `account_user_id`) with the email or phone the
    customer gave (`email`, `phone`): an opt-out needs no verification, and one recorded against an
    account alone is matched to the customer later (migration 0015, `bot.services.marketing`).
    `channel` None is every channel (the shop's imported flag); `words` what the customer said.
    """

    __tablename__ = "consent_events"
    __table_args__ = (
        Index("ix_consent_customer_purpose", "customer_id", "purpose", "recorded_at"),
        Index("ix_consent_events_account", "account_channel", "account_user_id"),
        Index("ix_consent_events_email", "email"),
        Index("ix_consent_events_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL: the ledger is proof of what was chosen and outlives an erased customer row.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(40))  # e.g. "marketing"
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(80))  # e.g. "import", "telegram"
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str | None] = mapped_column(String(20))  # bot.domain.marketing; None: every channel
    actor: Mapped[str | None] = mapped_column(String(120))  # "telegram:12345", "import:cli"
    words: Mapped[str | None] = mapped_column(Text)  # what the customer said, as they said it
    account_channel: Mapped[str | None] = mapped_column(String(20))
    account_user_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))  # given by the customer, normalised
    phone: Mapped[str | None] = mapped_column(String(20))  # given by the customer, E.164
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_requests.id", ondelete="SET NULL"))


class MarketingSuppression(Base):
    """An address the shop must not market to on a channel, since when (the shop's mailer reads these).

    Keyed by the channel and the normalised address itself (an email lower-cased, a phone in E.164, a
    Telegram user id), not by the customer: it stays when the customer row is erased (`customer_id`
    is only a pointer, SET NULL). The address is kept in clear, not hashed: the mailer must match
    its own lists against it, and a hash of a phone number (10^9 possibilities) hides nothing.
    `account_*` is the chat account whose opt-out put it there, which may lift it again.
    """

    __tablename__ = "marketing_suppressions"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_marketing_suppressions_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))
    since: Mapped[datetime] = mapped_column()
    source: Mapped[str] = mapped_column(String(80))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"),
                                                    index=True)
    account_channel: Mapped[str | None] = mapped_column(String(20))
    account_user_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_requests.id", ondelete="SET NULL"))


class PrivacyRequest(Base):
    """A data subject's request (bot.domain.privacy_request), its legal clock and what was delivered.

    `respond_by` is the acknowledgement deadline (2 working days, Decree 356); `due_at` the deadline
    to carry it out, moved by the one extension (`extended_until`). A request is the customer's when
    they were identified, and always the chat account's it came from (`channel`, `channel_user_id`):
    an opt-out needs no verification and is recorded against the account.
    """

    __tablename__ = "privacy_requests"
    __table_args__ = (
        Index("ix_privacy_requests_account", "channel", "channel_user_id"),
        Index("ix_privacy_requests_staff_thread", "staff_chat_id", "staff_thread_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str | None] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    third_party: Mapped[bool] = mapped_column(Boolean, default=False)  # a processor must act too
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    respond_by: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(index=True)
    extended_until: Mapped[datetime | None] = mapped_column()
    extension_reason: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()  # completed, refused or withdrawn
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    staff_chat_id: Mapped[str | None] = mapped_column(String(64))
    staff_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A staff member pressed complete, extend or refuse: their next message there is the text for it.
    awaiting_input: Mapped[str | None] = mapped_column(String(20))
    awaiting_input_by: Mapped[str | None] = mapped_column(String(64))
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()

    events: Mapped[list[PrivacyRequestEvent]] = relationship(
        back_populates="request", order_by="PrivacyRequestEvent.id", cascade="all, delete-orphan"
    )


class PrivacyRequestEvent(Base):
    """One status change of a privacy request: when, who, from what to what, and why. Append-only."""

    __tablename__ = "privacy_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("privacy_requests.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[PrivacyRequest] = relationship(back_populates="events")


class PrivacyRequestSequence(Base):
    """The last reference number given out in a year: `YC-<year>-<last_value>`."""

    __tablename__ = "privacy_request_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    """A complaint or a request for a person, worked by staff in the staff group."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="complaint")  # complaint | human
    category: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(64), index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    order_code: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    staff_chat_id: Mapped[str | None] = mapped_column(String(64))
    staff_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_reply_due_at: Mapped[datetime | None] = mapped_column()
    handling_due_at: Mapped[datetime | None] = mapped_column()
    resolution_due_at: Mapped[datetime | None] = mapped_column()
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()
    customer_told_late_at: Mapped[datetime | None] = mapped_column()
    first_staff_reply_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(20))  # customer | staff | system
    author_id: Mapped[str | None] = mapped_column(String(64))
    author_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # dedupe of relays
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the album (media group) a staff message is an item of (migration 0012)
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    #: a forwarded staff message kept internal until a staff member chooses to send it (0012)
    awaiting_choice: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the outbox row of the digest that carries this customer message to staff, in a burst (0012)
    digest_id: Mapped[int | None] = mapped_column(Integer, index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class StaffAlbum(Base):
    """Whether an album staff posted in a ticket's topic is relayed or kept as a note (migration 0012).

    An album reaches the bot as one update per item, possibly on different instances, and only its
    first item carries the caption that says "!": the decision is kept here, keyed by the chat and
    the media group, so every item follows it. `decision` is `relay`, `note`, or `provisional` (an
    item without a caption came first: it is relayed after a short wait unless a note caption
    arrives before).
    """

    __tablename__ = "staff_albums"
    __table_args__ = (UniqueConstraint("chat_id", "media_group_id", name="uq_staff_albums_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    media_group_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEntry(Base):
    """Who read or changed whose personal data, what, why and when. Never updated or deleted, except
    that an erasure pseudonymises the rows about the customer in a way the chain still covers.

    Rows form one hash chain (`bot.domain.audit_chain` says what the hashes cover): `body_hash` is
    computed as the row is written; `seq`, `prev_hash` and `row_hash` are filled at commit, under the
    chain head's lock, by `bot.storage.audit_chain`; until then (inside the writing transaction
    only) they are NULL.
    `salts` holds the salt of each sealed field (actor, customer_id, details); `erased` the digest
    of each field an erasure removed.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        # The rows the committing transaction still has to chain: found without a scan.
        Index("ix_audit_log_unchained", "id", sqlite_where=text("seq IS NULL"),
              postgresql_where=text("seq IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(120))  # e.g. "telegram:12345", "staff:777", "system"
    action: Mapped[str] = mapped_column(String(60))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    body_hash: Mapped[str | None] = mapped_column(String(64))  # set when written (flush, add_many)
    row_hash: Mapped[str | None] = mapped_column(String(64))
    salts: Mapped[dict[str, Any]] = mapped_column(default=new_salts)
    erased: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditChainHead(Base):
    """The one row saying where the audit chain ends: locked (FOR UPDATE) by whoever appends, so two
    instances appending at once still make one chain; `audit verify` finds a cut-off tail with it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger)  # 0: nothing chained yet
    row_hash: Mapped[str] = mapped_column(String(64))


class OutboxStatus(StrEnum):
    """Where an outbox message is: the dispatcher claims only PENDING ones."""

    PENDING = "pending"  # to be delivered at `next_attempt_at`
    HELD = "held"  # waits for something first (its ticket's staff topic); released to PENDING
    SENT = "sent"
    UNREACHABLE = "unreachable"  # the recipient blocked the bot or left
    DEAD = "dead"  # given up: rejected for good, or out of attempts


class OutboxPurpose(StrEnum):
    """What an outbox message is for: what its readers ask about it, instead of parsing its key."""

    REPLY = "reply"  # a chat reply that could not be sent at once (the rest of a long answer, say)
    TICKET_TOPIC = "ticket_topic"  # the forum topic a new ticket opens in the staff chat
    TICKET_CARD = "ticket_card"  # the ticket's card for staff
    TICKET_RELAY = "ticket_relay"  # a customer's or a staff member's message relayed across
    TICKET_NOTICE = "ticket_notice"  # taken, resolved, reopened, late, rated: a note on the ticket
    TOPIC_STATE = "topic_state"  # the ticket's topic closed or reopened, and the note beside it
    REMINDER = "reminder"  # a ticket nobody took, raised in the staff chat
    ESCALATION = "escalation"  # a promise about to slip, or slipped, raised in the staff chat
    EMAIL = "email"  # the complaints mailbox's copy of a ticket
    VERIFICATION_CODE = "verification_code"  # a one-time code mailed to a customer (sealed, see identity)
    IDENTITY_LOCKOUT = "identity_lockout"  # staff told that verification by code was locked for someone
    REQUEST_TOPIC = "request_topic"  # the forum topic a new privacy request opens in the staff chat
    REQUEST_CARD = "request_card"  # the privacy request's card for staff
    REQUEST_NOTICE = "request_notice"  # a privacy request's status change, told to the customer or staff
    ORDER_UPDATE = "order_update"  # a customer told that their order's status changed (bulk priority)
    TICKET_DIGEST = "ticket_digest"  # a customer's burst gathered into one staff message (and its files)
    ACCESS_PACKAGE = "access_package"  # a customer's copy of their data: the note and its two documents
    OTHER = "other"  # written before purposes were recorded, and not recognisable (migration 0002)


class OutboxPriority(IntEnum):
    """Which due messages are claimed first: lower goes first (`OutboxRepository.claim_due`)."""

    INTERACTIVE = 0  # replies and staff traffic: someone is waiting for them
    BULK = 10  # notifications nobody is waiting for (order updates): they drain behind the rest


class OutboxMessage(Base):
    """A message that must arrive, written in the same transaction as the change that caused it.

    `purpose` says what it is for and `ticket_id` (or `request_id`, a privacy request) what it is
    about, so that readers ask the columns; `dedupe_key` only makes writing it idempotent.
    `next_attempt_at` is also the row's not-before time: a notification held through quiet hours is
    a pending row due in the morning.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_claim", "status", "priority", "next_attempt_at", "id"),
        Index("ix_outbox_chat_pending", "channel", "chat_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # "telegram", "email", "console"
    kind: Mapped[str] = mapped_column(String(30))  # text | document | open_topic | close_topic | email
    purpose: Mapped[OutboxPurpose] = mapped_column(StrEnumType(OutboxPurpose, 20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_requests.id"), index=True)
    chat_id: Mapped[str | None] = mapped_column(String(64))
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(StrEnumType(OutboxStatus, 12), default=OutboxStatus.PENDING)
    # No Python-side default: `enqueue` always sets it, and a Core insert of an older revision's columns
    # (the migration tests) must not name a column that revision lacks; the database fills in 0.
    priority: Mapped[int] = mapped_column(SmallInteger, server_default=str(int(OutboxPriority.INTERACTIVE)))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class OutboxFile(Base):
    """The bytes of a document an outbox message sends (migration 0014), beside the row, not in its JSON.

    Written in the transaction that queues the message, so a crash before the send loses nothing; read
    by the dispatcher when it claims the row and checked against `sha256` before it is sent. The
    bytes are kept while the message is not delivered (pending, or given up for an operator to
    re-send) and removed RETENTION_DOCUMENT_DAYS after it was (`bot.services.retention`); the name,
    size and hash stay as the record of what was sent.
    """

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), unique=True)
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once removed after delivery
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column()


class DialogueStateRow(Base):
    """Where each user is in the conversation; survives restarts."""

    __tablename__ = "dialogue_states"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(5))
    language_locked: Mapped[bool] = mapped_column(Boolean, default=False)  # chosen with /lang
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: what the conversation remembers across flows (`bot.dialogue.memory`); `data` is the flow's own
    memory: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderEventReceipt(Base):
    """An order event the shop's system sent (`POST /api/orders/.../events`), kept by its id so
    that the same event sent again is refused as a replay, however long after."""

    __tablename__ = "order_event_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEvent(Base):
    """Inbound events already handled (Telegram update ids), so a retried delivery is ignored."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("channel", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(80))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
