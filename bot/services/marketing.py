"""Marketing opt-out and resume: the consent ledger, the suppression list, and matching them later.

Stopping marketing needs no verification (Law 91/2025/QH15 art. 28: withdrawing consent is never
harder than giving it). Who is stopping it:

| the chat user is        | the addresses suppressed per channel                                       |
|-------------------------|-----------------------------------------------------------------------------|
| linked to a customer    | the customer's email (email) and phone (SMS, calls) on file, and any given  |
| not linked              | the email or phone they give; Telegram: this Telegram account               |

Every change is appended to the consent ledger (`consent_events`: time, source, channel, the
customer's own words, actor, the chat account and the address given), takes effect at once (the
suppression list is what the shop's mailer reads), is audited, and an opt-out is a privacy request
of kind marketing_opt_out (`YC-…`) completed in the same unit of work: a withdrawal of consent is a
request under Decree 356/2025, so it shows in the customer's /requests.

Matching later. An opt-out recorded against a chat account alone (or an address alone) is
attributed to the customer when the account links (`match_account`, called by identity) or when a
customer with that email or phone is imported (`match_customers`, called by the import): the
ledger rows get the customer, and the channels they stopped suppress the customer's addresses on
file too. Over-suppressing is the safe side: a customer who did not want marketing gets none.

Resuming lifts only what this customer (linked) or this chat account put on the list, or entries on
the linked customer's own addresses; an unverified chat user cannot lift another person's
suppression. An import never lifts one either (the shop's file may be older than the customer's
word in the chat); only the customer's own resume does.

An erasure or objection stops marketing too (its fate in `privacy_requests.retention`): this service
is their kind handler, and when one is received every channel is stopped in the ledger and the
customer's addresses (and Telegram accounts) go on the list, before staff delete anything.

Suppressions survive an erasure: they are keyed by the channel and the normalised address, with
`customer_id` only a pointer (SET NULL), so deleting the customer row leaves the address on the
list. They keep the address in clear rather than a hash: the mailer must match its lists against
it, and an unkeyed hash of a phone number hides nothing (10^9 candidates).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.domain.email import InvalidEmail, checked_email
from bot.domain.marketing import ADDRESS_KIND, ALL_CHANNELS, AddressKind, MarketingChannel, ordered
from bot.domain.masking import mask_email, mask_phone
from bot.domain.phone import InvalidPhoneNumber, normalize_phone
from bot.domain.privacy_request import RequestKind
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.consent_matching import Plan, latest_choices
from bot.services.identity import Level, identify
from bot.services.privacy_requests import NewRequest, PrivacyRequests, RequestView, Staff
from bot.storage.models import ConsentEvent, Customer, MarketingSuppression
from bot.storage.repositories.consents import MARKETING
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PURPOSE = "record the customer's marketing choice (consent ledger, suppression list)"
#: Who completes an opt-out the bot carried out itself (the request history's actor: `staff:bot`).
BOT = Staff(user_id="bot", name="RoseeGlory")
WORDS_MAX = 1000
TELEGRAM = "telegram"


class InvalidAddress(ValueError):
    """Not an email or a phone number the shop could market to."""


def clean_email(raw: str) -> str:
    """The email as the suppression list keeps it (validated by email-validator, lower-cased)."""
    try:
        return checked_email(raw)
    except InvalidEmail as error:
        raise InvalidAddress("email") from error


def clean_phone(raw: str) -> str:
    """The phone as the suppression list keeps it (E.164, by phonenumbers)."""
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as error:
        raise InvalidAddress("phone") from error


@dataclass(frozen=True)
class Given:
    """What the customer gave to be reached at (validated, normalised): none, an email, a phone."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.emails or self.phones)


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # nothing to change: stopped (or receiving) already


@dataclass(frozen=True)
class Change:
    outcome: Outcome
    channels: tuple[MarketingChannel, ...]
    request: RequestView | None = None
    #: the addresses now suppressed (or lifted), masked, as the chat may repeat them
    shown: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subject:
    """Who the chat user is for marketing: a customer (linked), and what is on file."""

    customer: Customer | None
    account: tuple[str, str]

    @property
    def linked(self) -> bool:
        return self.customer is not None

    def has(self, kind: AddressKind) -> bool:
        """Whether an address of this kind is known without asking (on file, or the chat account)."""
        if kind is AddressKind.TELEGRAM:
            return self.account[0] == TELEGRAM
        if self.customer is None:
            return False
        return bool(self.customer.email if kind is AddressKind.EMAIL else self.customer.phone)


@dataclass(frozen=True)
class SuppressionEntry:
    """One line of the suppression list, as the CLI export and the shop API give it."""

    channel: str
    kind: str
    address: str
    since: datetime

    def as_json(self) -> dict[str, str]:
        return {"channel": self.channel, "kind": self.kind, "address": self.address,
                "since": self.since.isoformat().replace("+00:00", "Z")}


class MarketingConsents:
    """Built once (`bot.bootstrap`); every method takes the unit of work of the event it serves."""

    def __init__(self, *, clock: Clock, settings: Settings, requests: PrivacyRequests) -> None:
        self._clock = clock
        self._settings = settings
        self._requests = requests

    async def subject(self, uow: UnitOfWork, user: ChatUser) -> Subject:
        """Who is asking: the customer when the chat account is linked (any level), else nobody yet."""
        identity = await identify(uow, self._clock, self._settings, user)
        customer = None
        if identity.customer is not None and identity.at_least(Level.LINKED):
            customer = await uow.customers.get(identity.customer.id)
        return Subject(customer, (user.channel, user.user_id))

    async def stopped(self, uow: UnitOfWork, user: ChatUser) -> frozenset[MarketingChannel]:
        """The channels this customer (or chat account) has stopped, as the ledger says now."""
        subject = await self.subject(uow, user)
        return frozenset(c for c, granted in (await self._choices(uow, subject)).items() if not granted)

    # Opting out --------------------------------------------------------------------------------------
    async def stop(self, uow: UnitOfWork, user: ChatUser, channels: Iterable[MarketingChannel], *,
                   words: str, language: str, given: Given = Given()) -> Change:
        """Stop marketing on these channels at once: ledger, suppression list, request, audit."""
        chosen = ordered(set(channels))
        subject = await self.subject(uow, user)
        plan = self._plan(subject, chosen, given)
        existing = await uow.suppressions.find(plan.pairs())
        new_pairs = plan.pairs() - set(existing)
        choices = await self._choices(uow, subject)
        if not new_pairs and all(choices.get(c) is False for c in chosen):
            return Change(Outcome.ALREADY, chosen, shown=_shown(plan.pairs()))
        customer_id = subject.customer.id if subject.customer else None
        words = words.strip()[:WORDS_MAX]
        view = await self._requests.open_request(uow, user, NewRequest(
            RequestKind.MARKETING_OPT_OUT,
            {"text": words, "channels": [c.value for c in chosen]}, language=language), announce=False)
        now = self._clock.now()
        for channel in chosen:
            uow.consents.record(self._event(user, channel, granted=False, words=words,
                                            customer_id=customer_id, given=given, request_id=view.id,
                                            now=now))
        for name, address in sorted(new_pairs):
            uow.suppressions.add(MarketingSuppression(
                channel=name, address=address, since=now, source=user.channel, customer_id=customer_id,
                account_channel=user.channel, account_user_id=user.user_id, request_id=view.id))
        for row in existing.values():  # already listed: now also this customer's to lift
            if row.customer_id is None and customer_id is not None:
                row.customer_id = customer_id
        shown = _shown(plan.pairs())
        record_access(uow, self._clock, actor=user.actor, action="marketing.opted_out",
                      customer_id=customer_id, purpose=PURPOSE, reference=view.reference,
                      channels=[c.value for c in chosen], addresses=list(shown), linked=subject.linked)
        done = await self._requests.complete(uow, view.id, BOT, tell_requester=False, delivered={
            "text": f"marketing stopped at once: {', '.join(c.value for c in chosen)}",
            "channels": [c.value for c in chosen], "addresses": list(shown)})
        log.info("marketing stopped for %s on %s (%s)", user.actor, ",".join(c.value for c in chosen),
                 view.reference)
        return Change(Outcome.DONE, chosen, done.request or view, shown)

    # Resuming ----------------------------------------------------------------------------------------
    async def resume(self, uow: UnitOfWork, user: ChatUser, channels: Iterable[MarketingChannel], *,
                     words: str) -> Change:
        """Marketing again on these channels: the ledger says so and what they put on the list is lifted."""
        chosen = ordered(set(channels))
        subject = await self.subject(uow, user)
        customer = subject.customer
        own = [a for a in (customer.email, customer.phone) if a] if customer else []
        held = await uow.suppressions.held_by([c.value for c in chosen], account=subject.account,
                                              customer_id=customer.id if customer else None, addresses=own)
        choices = await self._choices(uow, subject)
        if not held and all(choices.get(c, True) for c in chosen):
            return Change(Outcome.ALREADY, chosen)
        customer_id = customer.id if customer else None
        words = words.strip()[:WORDS_MAX]
        now = self._clock.now()
        for channel in chosen:
            uow.consents.record(self._event(user, channel, granted=True, words=words,
                                            customer_id=customer_id, given=Given(), request_id=None, now=now))
        shown = _shown({(row.channel, row.address) for row in held})
        await uow.suppressions.remove(held)
        record_access(uow, self._clock, actor=user.actor, action="marketing.resumed", customer_id=customer_id,
                      purpose=PURPOSE, channels=[c.value for c in chosen], addresses=list(shown))
        log.info("marketing resumed for %s on %s", user.actor, ",".join(c.value for c in chosen))
        return Change(Outcome.DONE, chosen, shown=shown)

    # Erasure and objection ---------------------------------------------------------------------------
    async def opened(self, uow: UnitOfWork, request: RequestView) -> None:
        """An erasure or objection was received: marketing stops at once on every channel, and the
        customer's addresses go on the suppression list before any row is deleted (their fate in
        `bot.services.privacy_requests.retention`: "stopped", the address kept on the list)."""
        if request.customer_id is None:
            return
        customer = await uow.customers.get(request.customer_id)
        if customer is None:
            return
        now = self._clock.now()
        actor = f"{request.channel}:request"
        plan = Plan()
        for channel in ALL_CHANNELS:
            kind = ADDRESS_KIND[channel]
            plan.add(channel, customer.email if kind is AddressKind.EMAIL
                     else customer.phone if kind is AddressKind.PHONE else None)
            uow.consents.record(ConsentEvent(
                customer_id=customer.id, purpose=MARKETING, granted=False, source=request.channel,
                recorded_at=now, channel=channel.value, actor=actor, request_id=request.id,
                words=f"{request.kind.value} {request.reference}"))
        for user_id in await uow.accounts.telegram_ids_of(customer.id):
            plan.add(MarketingChannel.TELEGRAM, user_id)
        existing = await uow.suppressions.find(plan.pairs())
        for name, address in sorted(plan.pairs() - set(existing)):
            uow.suppressions.add(MarketingSuppression(
                channel=name, address=address, since=now, source=request.channel, customer_id=customer.id,
                request_id=request.id))
        record_access(uow, self._clock, actor=actor, action="marketing.opted_out", customer_id=customer.id,
                      purpose=PURPOSE, reference=request.reference, channels=[c.value for c in ALL_CHANNELS],
                      addresses=list(_shown(plan.pairs())), linked=True)

    async def completed(self, uow: UnitOfWork, request: RequestView) -> None:
        """Nothing more: marketing stopped when the request was received."""

    # Internals ---------------------------------------------------------------------------------------
    def _plan(self, subject: Subject, channels: Sequence[MarketingChannel], given: Given) -> Plan:
        plan = Plan()
        customer = subject.customer
        for channel in channels:
            kind = ADDRESS_KIND[channel]
            if kind is AddressKind.EMAIL:
                for email in (customer.email if customer else None, *given.emails):
                    plan.add(channel, email)
            elif kind is AddressKind.PHONE:
                for phone in (customer.phone if customer else None, *given.phones):
                    plan.add(channel, phone)
            elif subject.account[0] == TELEGRAM:
                plan.add(channel, subject.account[1])
        return plan

    async def _choices(self, uow: UnitOfWork, subject: Subject) -> dict[MarketingChannel, bool]:
        """The latest choice per channel: the customer's ledger when linked, else the chat account's."""
        if subject.customer is not None:
            events = await uow.consents.marketing_of_customer(subject.customer.id)
        else:
            events = await uow.consents.marketing_of_account(*subject.account)
        return latest_choices(events)

    def _event(self, user: ChatUser, channel: MarketingChannel, *, granted: bool, words: str,
               customer_id: int | None, given: Given, request_id: int | None, now: datetime) -> ConsentEvent:
        kind = ADDRESS_KIND[channel]
        return ConsentEvent(
            customer_id=customer_id, purpose=MARKETING, granted=granted, source=user.channel, recorded_at=now,
            channel=channel.value, actor=user.actor, words=words or None, account_channel=user.channel,
            account_user_id=user.user_id, request_id=request_id,
            email=given.emails[0] if given.emails and kind is AddressKind.EMAIL else None,
            phone=given.phones[0] if given.phones and kind is AddressKind.PHONE else None,
        )


# The list ------------------------------------------------------------------------------------------
async def suppression_list(uow: UnitOfWork, clock: Clock, *, actor: str,
                           channel: MarketingChannel | None = None) -> list[SuppressionEntry]:
    """The current suppression list (or one channel's), by channel then address, for the shop's mailer
    (`rosee-support export suppression`, `GET /api/marketing/suppressions`); the read is audited."""
    rows = await uow.suppressions.listing(channel.value if channel else None)
    record_access(uow, clock, actor=actor, action="marketing.suppression_exported", customer_id=None,
                  purpose="give the shop's mailer the addresses it must not market to",
                  channel=channel.value if channel else "all", entries=len(rows))
    return [SuppressionEntry(row.channel, ADDRESS_KIND[MarketingChannel(row.channel)].value, row.address,
                             row.since) for row in rows]


def _shown(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The addresses as the chat and the audit log may show them: masked, Telegram ids left out."""
    shown: list[str] = []
    for channel, address in sorted(pairs):
        kind = ADDRESS_KIND[MarketingChannel(channel)]
        if kind is AddressKind.TELEGRAM:
            continue
        masked = mask_email(address) if kind is AddressKind.EMAIL else mask_phone(address)
        if masked not in shown:
            shown.append(masked)
    return tuple(shown)
