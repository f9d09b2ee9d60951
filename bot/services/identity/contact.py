"""The phone factor: the chat user's own Telegram contact, shared through the request_contact button.

A contact proves the number only when the channel says it is the sender's own (Telegram fills in
`contact.user_id`; it must equal the sender's id) and it was not forwarded. A contact card forwarded,
attached for someone else, or a number typed in the chat proves nothing. The number is normalised
(`bot.domain.phone`, with `phonenumbers`) and matched against the customers on file.

| the contact                                   | outcome          | what changes                           |
|-----------------------------------------------|------------------|----------------------------------------|
| no user_id, another user's, or forwarded      | NOT_OWN_CONTACT  | nothing                                |
| not a number we can read                      | INVALID_NUMBER   | nothing                                |
| own, number on file                           | LINKED           | linked to that customer (audited)      |
| own, number on file, another account had it   | LINKED           | the other account's phone proof ends   |
| own, number not on file                       | UNKNOWN_NUMBER   | an earlier phone proof ends            |

Telegram gives one account per number at a time, so a number proven by a second Telegram account
has moved there: the first account's phone proof ends (audited), and its link with it unless its
email proof still holds. A number that differs from the one this account proved before is a changed
Telegram number: the old proof ends (audited) and the new number is checked like a first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.clock import Clock
from bot.domain.masking import mask_phone
from bot.domain.phone import InvalidPhoneNumber, normalize_contact_phone
from bot.messages.events import ChatUser, SharedContact
from bot.services.audit import record_access
from bot.services.consent_matching import match_account
from bot.services.identity.levels import chat_account, proven_customer
from bot.storage.models import ChannelAccount
from bot.storage.uow import UnitOfWork

PURPOSE = "verify the chat user's phone number before showing personal data"


class ContactCheck(StrEnum):
    LINKED = "linked"  # the number is the sender's and belongs to a customer
    UNKNOWN_NUMBER = "unknown_number"  # the sender's own number, but no customer has it
    NOT_OWN_CONTACT = "not_own_contact"  # someone else's contact, or forwarded
    INVALID_NUMBER = "invalid_number"


@dataclass(frozen=True)
class ContactVerification:
    outcome: ContactCheck
    customer_name: str | None = None
    #: the number as checked, masked (said back to the customer: "we checked +84•••••678")
    masked_phone: str | None = None
    #: this account had proven another number before (a changed Telegram number)
    number_changed: bool = False


async def verify_contact(
    uow: UnitOfWork, clock: Clock, user: ChatUser, contact: SharedContact
) -> ContactVerification:
    account = await chat_account(uow, user)
    if contact.forwarded or contact.user_id is None or contact.user_id != account.channel_user_id:
        record_access(uow, clock, actor=user.actor, action="identity.contact_refused",
                      customer_id=None, purpose=PURPOSE, forwarded=contact.forwarded,
                      has_owner=contact.user_id is not None)
        return ContactVerification(ContactCheck.NOT_OWN_CONTACT)
    try:
        phone = normalize_contact_phone(contact.phone)
    except InvalidPhoneNumber:
        return ContactVerification(ContactCheck.INVALID_NUMBER)
    now = clock.now()
    changed = account.verified_phone is not None and account.verified_phone != phone
    if changed:
        record_access(uow, clock, actor=user.actor, action="identity.phone_changed",
                      customer_id=account.customer_id, purpose=PURPOSE,
                      previous=mask_phone(account.verified_phone), phone=mask_phone(phone))
    customer = await uow.customers.by_phone(phone)
    previous_customer = account.customer_id
    account.verified_phone = phone
    account.phone_verified_at = now
    if customer is not None and previous_customer != customer.id:
        # Linked to someone else before (by an email code): the phone, Telegram's own proof, decides.
        account.verified_email = account.email_verified_at = account.order_code_verified_at = None
        account.customer_id = customer.id
    elif customer is None:
        account.verified_phone = account.phone_verified_at = None
        if await proven_customer(uow, account) is None:
            account.customer_id = None
            account.order_code_verified_at = None
    record_access(
        uow,
        clock,
        actor=user.actor,
        action="identity.phone_verified" if customer else "identity.phone_not_on_file",
        customer_id=customer.id if customer else None,
        purpose=PURPOSE,
        phone=mask_phone(phone),
        matched_customer=customer is not None,
    )
    if customer is not None and previous_customer != customer.id:
        record_access(uow, clock, actor=user.actor, action="identity.linked", customer_id=customer.id,
                      purpose=PURPOSE, factor="phone", previous_customer_id=previous_customer)
        await match_account(uow, clock, account)  # a marketing opt-out said before linking is theirs now
    if customer is None:
        return ContactVerification(ContactCheck.UNKNOWN_NUMBER, masked_phone=mask_phone(phone),
                                   number_changed=changed)
    await _end_other_proofs_of(uow, clock, account, phone, user)
    return ContactVerification(ContactCheck.LINKED, customer.full_name, mask_phone(phone), changed)


async def _end_other_proofs_of(
    uow: UnitOfWork, clock: Clock, account: ChannelAccount, phone: str, user: ChatUser
) -> None:
    """The number now belongs to this Telegram account: other accounts' proofs of it end."""
    for other in await uow.verification.accounts_with_phone(account.channel, phone, other_than=account.id):
        other.verified_phone = other.phone_verified_at = None
        still_linked = await proven_customer(uow, other) is not None
        record_access(
            uow,
            clock,
            actor=user.actor,
            action="identity.phone_moved",
            customer_id=other.customer_id,
            purpose="a number proven by another chat account no longer proves this one",
            account=f"{other.channel}:{other.channel_user_id}",
            phone=mask_phone(phone),
            still_linked_by_email=still_linked,
        )
        # The link stays on the row (without a factor that holds it is stale): that account is told
        # to verify again rather than silently finding itself a stranger.
