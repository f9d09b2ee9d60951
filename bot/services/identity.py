"""Proving who a chat user is before any personal data is shown.

A phone contact proves the number only when the channel says it is the sender's own contact
(Telegram: `contact.user_id == from.id`, sent through a request_contact button). A forwarded or typed
contact proves nothing, and neither does a number typed in the chat. A proof holds while the
customer's number on file is the one proven (`verified_customer`).

Callers name the chat user (`ChatUser`: channel and user id); the chat account row is loaded here.
Flows get a `CustomerView` of whom the user proved to be, never the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.clock import Clock
from bot.domain.masking import mask_phone
from bot.domain.phone import InvalidPhoneNumber, normalize_phone
from bot.messages.events import ChatUser, SharedContact
from bot.services.audit import record_access
from bot.storage.models import ChannelAccount, Customer
from bot.storage.uow import UnitOfWork


class ContactCheck(StrEnum):
    LINKED = "linked"  # the number is the sender's and belongs to a customer
    UNKNOWN_NUMBER = "unknown_number"  # the sender's own number, but no customer has it
    NOT_OWN_CONTACT = "not_own_contact"  # someone else's contact, or forwarded
    INVALID_NUMBER = "invalid_number"


@dataclass(frozen=True)
class ContactVerification:
    outcome: ContactCheck
    customer_name: str | None = None


@dataclass(frozen=True)
class CustomerView:
    """The customer a chat user proved to be, as the dialogue sees them (what services take back)."""

    id: int
    full_name: str


async def chat_account(uow: UnitOfWork, user: ChatUser) -> ChannelAccount:
    """The chat user's account row; every turn creates it before any flow runs."""
    account = await uow.accounts.get(user.channel, user.user_id)
    if account is None:
        raise LookupError(f"no chat account for {user.actor}")
    return account


async def verify_contact(
    uow: UnitOfWork, clock: Clock, user: ChatUser, contact: SharedContact
) -> ContactVerification:
    account = await chat_account(uow, user)
    if contact.user_id is None or contact.user_id != account.channel_user_id:
        return ContactVerification(ContactCheck.NOT_OWN_CONTACT)
    try:
        phone = normalize_phone(contact.phone)
    except InvalidPhoneNumber:
        return ContactVerification(ContactCheck.INVALID_NUMBER)
    now = clock.now()
    account.verified_phone = phone
    account.phone_verified_at = now
    customer = await uow.customers.by_phone(phone)
    account.customer_id = customer.id if customer else None
    record_access(
        uow,
        clock,
        actor=f"{account.channel}:{account.channel_user_id}",
        action="identity.phone_verified",
        customer_id=account.customer_id,
        purpose="verify the chat user's phone number before showing personal data",
        phone=mask_phone(phone),
        matched_customer=customer is not None,
    )
    if customer is None:
        return ContactVerification(ContactCheck.UNKNOWN_NUMBER)
    return ContactVerification(ContactCheck.LINKED, customer.full_name)


async def verified_customer(uow: UnitOfWork, user: ChatUser) -> CustomerView | None:
    """The customer this chat user has proven to be, or None."""
    customer = await proven_customer(uow, await chat_account(uow, user))
    return None if customer is None else CustomerView(customer.id, customer.full_name)


async def proven_customer(uow: UnitOfWork, account: ChannelAccount) -> Customer | None:
    """The customer row this chat account has proven to be, or None (for services)."""
    if account.customer_id is None or account.phone_verified_at is None:
        return None
    customer = await uow.customers.get(account.customer_id)
    if customer is None or customer.phone != account.verified_phone:
        return None  # the customer's number changed since: proof no longer holds
    return customer


async def end_verification(
    uow: UnitOfWork, clock: Clock, *, channel: str, channel_user_id: str, keep_phone: str | None, reason: str
) -> bool:
    """Forget what a chat account proved, unless it proved `keep_phone`; True when something was forgotten.

    For channels where the person behind an account can change between sessions (the console demo:
    one run acts as a customer with `--phone`, the next as nobody), so that a proof never outlives the
    session that made it.
    """
    account = await uow.accounts.get(channel, channel_user_id)
    if account is None or (account.customer_id is None and account.phone_verified_at is None):
        return False
    if keep_phone is not None and account.verified_phone == keep_phone:
        return False
    record_access(
        uow,
        clock,
        actor=f"{channel}:{channel_user_id}",
        action="identity.verification_ended",
        customer_id=account.customer_id,
        purpose=reason,
        phone=mask_phone(account.verified_phone),
    )
    account.customer_id = account.verified_phone = None
    account.phone_verified_at = account.email_verified_at = None
    return True
