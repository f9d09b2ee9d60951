"""Who a chat user is, and at what level: the one question every flow with personal data asks.

| level  | what it takes                                                  | what it allows        |
|--------|----------------------------------------------------------------|-----------------------|
| none   | nothing proven (or nothing that still holds)                   | policy, tickets       |
| linked | one factor: the phone (own Telegram contact) or the email code | order questions       |
| strong | both factors where both are on file; where only one is, that   | a copy of one's data, |
|        | factor and a code of one of the customer's own orders; each    | corrections           |
|        | proven in the last STRONG_VERIFICATION_MINUTES (15)            |                       |

A factor *holds* while what it proved is still what the shop has on file: the phone proof holds
for PHONE_PROOF_DAYS (180) while the customer's number is the one proven, the email proof while the
customer's email is the address the code went to. A number or address changed since (an import,
staff) voids the proof: the link is then *stale*, and the customer is asked to verify again. The
strong level asks for every factor it needs to be *fresh* (proven within the window): sharing the
contact again is one tap, and it is what notices a Telegram number changed since linking.

`identify` answers from the chat account and the customer rows, in the caller's unit of work.
Services that hand out data at a level take the `Identity` and ask it (`customer_at`), so the
check sits with the data, whatever a flow believed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.domain.masking import mask_email
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.storage.models import ChannelAccount, Customer
from bot.storage.uow import UnitOfWork


class Level(IntEnum):
    NONE = 0
    LINKED = 1
    STRONG = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def named(cls, label: str | None) -> Level:
        """The level kept in a dialogue state by its label; an unknown label asks for the most."""
        try:
            return cls[(label or "").upper()]
        except KeyError:
            return cls.STRONG


class Factor(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ORDER_CODE = "order_code"


FACTOR_ORDER = (Factor.PHONE, Factor.EMAIL, Factor.ORDER_CODE)


class LevelTooLow(PermissionError):
    """A service was asked for data the chat user has not verified enough for."""


@dataclass(frozen=True)
class CustomerView:
    """The customer a chat user proved to be, as the dialogue sees them (what services take back)."""

    id: int
    full_name: str


@dataclass(frozen=True)
class Identity:
    """Who this chat user is, at what level, and what is still missing for the strong level."""

    customer: CustomerView | None
    level: Level
    #: factors that hold now, however long ago they were proven
    held: frozenset[Factor] = frozenset()
    #: factors that hold and were proven within the strong window
    fresh: frozenset[Factor] = frozenset()
    #: the customer's factors on file (PHONE, EMAIL)
    on_file: frozenset[Factor] = frozenset()
    #: a customer was linked, but what proved it no longer holds (number or email changed since)
    stale: bool = False
    #: until when the strong level holds, when it does
    strong_until: datetime | None = None
    #: the customer's email on file, masked, for "a code is on its way to n••@gmail.com"
    masked_email: str | None = None

    def at_least(self, level: Level) -> bool:
        return self.level >= level

    def customer_at(self, level: Level) -> CustomerView:
        """The customer, if the chat user is at `level` or above; else `LevelTooLow`."""
        if self.customer is None or self.level < level:
            raise LevelTooLow(f"{level.label} level needed, this chat user is at {self.level.label}")
        return self.customer

    @property
    def needed_for_strong(self) -> tuple[Factor, ...]:
        """Both factors where both are on file; else the one on file and an order code."""
        if {Factor.PHONE, Factor.EMAIL} <= self.on_file:
            needed = {Factor.PHONE, Factor.EMAIL}
        else:
            needed = {*self.on_file, Factor.ORDER_CODE}
        return tuple(factor for factor in FACTOR_ORDER if factor in needed)

    @property
    def missing_for_strong(self) -> tuple[Factor, ...]:
        return tuple(factor for factor in self.needed_for_strong if factor not in self.fresh)


NOBODY = Identity(customer=None, level=Level.NONE)


def strong_window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.strong_verification_minutes)


async def chat_account(uow: UnitOfWork, user: ChatUser) -> ChannelAccount:
    """The chat user's account row; every turn creates it before any flow runs."""
    account = await uow.accounts.get(user.channel, user.user_id)
    if account is None:
        raise LookupError(f"no chat account for {user.actor}")
    return account


async def identify(uow: UnitOfWork, clock: Clock, settings: Settings, user: ChatUser) -> Identity:
    """Who this chat user is, at what level (one call for every flow)."""
    account = await chat_account(uow, user)
    if account.customer_id is None:
        return NOBODY
    customer = await uow.customers.get(account.customer_id)
    if customer is None:
        return NOBODY
    return identity_of(account, customer, clock.now(), strong_window(settings),
                       phone_max_age=timedelta(days=settings.phone_proof_days))


def identity_of(account: ChannelAccount, customer: Customer, now: datetime, window: timedelta, *,
                phone_max_age: timedelta | None = None) -> Identity:
    """The identity these rows make; a phone proof older than `phone_max_age` no longer holds (the
    hourly retention also ends it in the database, `bot.services.retention`)."""
    proven = _proven_at(account, customer)
    if phone_max_age is not None and Factor.PHONE in proven and proven[Factor.PHONE] <= now - phone_max_age:
        del proven[Factor.PHONE]
        if not proven.keys() & {Factor.EMAIL}:
            proven.pop(Factor.ORDER_CODE, None)
    held = frozenset(proven)
    on_file = frozenset(
        factor for factor, value in ((Factor.PHONE, customer.phone), (Factor.EMAIL, customer.email)) if value
    )
    if not held & {Factor.PHONE, Factor.EMAIL}:
        return Identity(customer=None, level=Level.NONE, on_file=on_file, stale=True)
    fresh = frozenset(factor for factor, at in proven.items() if at > now - window)
    view = CustomerView(customer.id, customer.full_name)
    identity = Identity(
        customer=view,
        level=Level.LINKED,
        held=held,
        fresh=fresh,
        on_file=on_file,
        masked_email=mask_email(customer.email) if customer.email else None,
    )
    if identity.missing_for_strong:
        return identity
    until = min(proven[factor] for factor in identity.needed_for_strong) + window
    return Identity(
        customer=view,
        level=Level.STRONG,
        held=held,
        fresh=fresh,
        on_file=on_file,
        strong_until=until,
        masked_email=identity.masked_email,
    )


def _proven_at(account: ChannelAccount, customer: Customer) -> dict[Factor, datetime]:
    """When each factor that still holds was proven."""
    proven: dict[Factor, datetime] = {}
    if account.phone_verified_at and account.verified_phone and account.verified_phone == customer.phone:
        proven[Factor.PHONE] = account.phone_verified_at
    if account.email_verified_at and account.verified_email and account.verified_email == customer.email:
        proven[Factor.EMAIL] = account.email_verified_at
    if account.order_code_verified_at and proven:
        proven[Factor.ORDER_CODE] = account.order_code_verified_at
    return proven


async def verified_customer(uow: UnitOfWork, user: ChatUser) -> CustomerView | None:
    """The customer this chat user is linked to (at least one factor that holds), or None."""
    customer = await proven_customer(uow, await chat_account(uow, user))
    return None if customer is None else CustomerView(customer.id, customer.full_name)


async def proven_customer(uow: UnitOfWork, account: ChannelAccount) -> Customer | None:
    """The customer row this chat account is linked to by a factor that still holds (for services)."""
    if account.customer_id is None:
        return None
    customer = await uow.customers.get(account.customer_id)
    if customer is None:
        return None
    proven = _proven_at(account, customer)
    return customer if proven.keys() & {Factor.PHONE, Factor.EMAIL} else None


def forget_proofs(account: ChannelAccount) -> None:
    """Clear everything the account proved and the link itself."""
    account.customer_id = None
    account.verified_phone = account.verified_email = None
    account.phone_verified_at = account.email_verified_at = account.order_code_verified_at = None


async def settle_level(
    uow: UnitOfWork, clock: Clock, settings: Settings, user: ChatUser, *, before: Level
) -> Identity:
    """The identity after a proof, with an audit row when the level changed (linked → strong, …)."""
    identity = await identify(uow, clock, settings, user)
    if identity.level != before:
        record_access(
            uow,
            clock,
            actor=user.actor,
            action="identity.level_changed",
            customer_id=identity.customer.id if identity.customer else None,
            purpose="verification reached a new level",
            before=before.label,
            after=identity.level.label,
            strong_until=identity.strong_until.isoformat() if identity.strong_until else None,
        )
    return identity
