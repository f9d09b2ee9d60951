"""Opt-outs said before the customer was known, matched to them later: when the chat account links
(`match_account`, called by identity's linking) or when a customer with the email or phone given is
imported (`match_customers`, called by the customer import). See bot.services.marketing.

The ledger rows get the customer; the channels the latest of them stopped suppress the customer's
addresses on file too (email: the email; SMS and calls: the phone), and suppression entries on one
of the customer's addresses point at them. Each match is an audit row (`marketing.matched`). Kept
apart from bot.services.marketing, which needs identity, so that identity can call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.clock import Clock
from bot.domain.marketing import ADDRESS_KIND, AddressKind, MarketingChannel, ordered
from bot.services.audit import record_access
from bot.storage.models import ChannelAccount, ConsentEvent, Customer, MarketingSuppression
from bot.storage.uow import UnitOfWork


class CustomerContacts(NamedTuple):
    """What matching needs of a customer (an import has these without loading the rows)."""

    id: int
    phone: str | None
    email: str | None


Matched = Customer | CustomerContacts

PURPOSE = "record the customer's marketing choice (consent ledger, suppression list)"


@dataclass
class Plan:
    """The addresses each channel reaches for one subject."""

    addresses: dict[MarketingChannel, set[str]] = field(default_factory=dict)

    def add(self, channel: MarketingChannel, address: str | None) -> None:
        if address:
            self.addresses.setdefault(channel, set()).add(address)

    def pairs(self) -> set[tuple[str, str]]:
        return {(channel.value, a) for channel, found in self.addresses.items() for a in found}


def latest_choices(events: Iterable[ConsentEvent]) -> dict[MarketingChannel, bool]:
    """Oldest first in, the current choice per channel out; an all-channel event sets every channel."""
    choices: dict[MarketingChannel, bool] = {}
    for event in events:
        if event.channel is None:
            choices = dict.fromkeys(MarketingChannel, event.granted)
        else:
            choices[MarketingChannel(event.channel)] = event.granted
    return choices


# Matching later --------------------------------------------------------------------------------------
async def match_account(uow: UnitOfWork, clock: Clock, account: ChannelAccount) -> int:
    """The chat account was just linked to its customer: what it said about marketing before is the
    customer's now, and the channels it stopped suppress the customer's addresses on file too.
    Returns how many ledger rows were attributed."""
    if account.customer_id is None:
        return 0
    customer = await uow.customers.get(account.customer_id)
    if customer is None:
        return 0
    events = [e for e in await uow.consents.marketing_of_account(account.channel, account.channel_user_id)
              if e.customer_id is None]
    entries = await uow.suppressions.of_account(account.channel, account.channel_user_id)
    for entry in entries:
        if entry.customer_id is None:
            entry.customer_id = customer.id
    if not events:
        return 0
    return await _attribute(uow, clock, customer, events,
                            actor=f"{account.channel}:{account.channel_user_id}", how="account_linked")


async def match_customers(uow: UnitOfWork, clock: Clock, customers: Sequence[Matched], *, actor: str) -> int:
    """Customers just imported (created or updated): opt-outs recorded against one of their emails or
    phones, and suppression entries on them, become theirs. Returns how many ledger rows were attributed."""
    by_email = {c.email: c for c in customers if c.email}
    by_phone = {c.phone: c for c in customers if c.phone}
    for entry in await uow.suppressions.by_addresses([*by_email, *by_phone]):
        owner = by_email.get(entry.address) or by_phone.get(entry.address)
        if entry.customer_id is None and owner is not None:
            entry.customer_id = owner.id
    events = await uow.consents.unmatched_marketing(emails=by_email, phones=by_phone)
    grouped: dict[int, tuple[Matched, list[ConsentEvent]]] = {}
    for event in events:
        owner = by_email.get(event.email or "") or by_phone.get(event.phone or "")
        if owner is not None:
            grouped.setdefault(owner.id, (owner, []))[1].append(event)
    # A chat account's other events (the Telegram channel, say) go with the address it gave.
    count = 0
    for customer, found in grouped.values():
        accounts = {(e.account_channel, e.account_user_id) for e in found
                    if e.account_channel and e.account_user_id}
        for channel, user_id in accounts:
            for event in await uow.consents.marketing_of_account(str(channel), str(user_id)):
                if event.customer_id is None and event not in found:
                    found.append(event)
        found.sort(key=lambda e: (e.recorded_at, e.id))
        count += await _attribute(uow, clock, customer, found, actor=actor, how="customer_imported")
    await cover_current_addresses(uow, clock, [c for c in customers if c.id not in grouped])
    return count


async def cover_current_addresses(uow: UnitOfWork, clock: Clock, customers: Sequence[Matched]) -> int:
    """Customers whose email or phone may have changed (an import, a correction): a channel they
    stopped in the chat also suppresses the address they have now. The shop's own imported flag (an
    all-channel event) is not a chat opt-out and adds nothing here. Returns the entries added."""
    if not customers:
        return 0
    said = await uow.consents.said_in_chat([c.id for c in customers])
    plan_of: dict[int, Plan] = {}
    for customer in customers:
        stopped = [c for c, granted in latest_choices(said.get(customer.id, [])).items() if not granted]
        plan = plan_of.setdefault(customer.id, Plan())
        for channel in stopped:
            kind = ADDRESS_KIND[channel]
            plan.add(channel, customer.email if kind is AddressKind.EMAIL
                     else customer.phone if kind is AddressKind.PHONE else None)
    wanted = set().union(*(plan.pairs() for plan in plan_of.values()))
    taken = set(await uow.suppressions.find(wanted))
    added = 0
    since = clock.now()
    for customer_id, plan in plan_of.items():
        new = sorted(plan.pairs() - taken)
        for name, address in new:
            uow.suppressions.add(MarketingSuppression(channel=name, address=address, since=since,
                                                      source="customer_record", customer_id=customer_id))
            taken.add((name, address))
        if new:
            record_access(uow, clock, actor="system", action="marketing.address_covered",
                          customer_id=customer_id, purpose=PURPOSE, channels=sorted({n for n, _ in new}))
        added += len(new)
    return added


async def _attribute(uow: UnitOfWork, clock: Clock, customer: Matched, events: list[ConsentEvent], *,
                     actor: str, how: str) -> int:
    for event in events:
        event.customer_id = customer.id
    stopped = [c for c, granted in latest_choices(events).items() if not granted]
    plan = Plan()
    for channel in stopped:
        kind = ADDRESS_KIND[channel]
        plan.add(channel, customer.email if kind is AddressKind.EMAIL
                 else customer.phone if kind is AddressKind.PHONE else None)
    existing = await uow.suppressions.find(plan.pairs())
    source = next((e.source for e in reversed(events) if not e.granted), "telegram")
    request_id = next((e.request_id for e in reversed(events) if not e.granted), None)
    account = next(((e.account_channel, e.account_user_id) for e in reversed(events) if not e.granted),
                   (None, None))
    since = clock.now()
    for name, address in sorted(plan.pairs() - set(existing)):
        uow.suppressions.add(MarketingSuppression(
            channel=name, address=address, since=since, source=source, customer_id=customer.id,
            account_channel=account[0], account_user_id=account[1], request_id=request_id))
    for entry in existing.values():
        if entry.customer_id is None:
            entry.customer_id = customer.id
    record_access(uow, clock, actor=actor, action="marketing.matched", customer_id=customer.id,
                  purpose=PURPOSE, how=how, events=len(events),
                  channels_stopped=[c.value for c in ordered(set(stopped))])
    return len(events)
