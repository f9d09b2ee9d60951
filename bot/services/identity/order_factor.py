"""The strong level's fallback where only one factor is on file: a code of one of the customer's orders.

An order code is printed on the parcel and in the order mail, so it is weak alone; it only ever
completes the strong level of a chat account already linked by the one factor on file, and only when
the customer really has no second factor (`Identity.needed_for_strong`). Wrong codes count like wrong
email codes (bot.services.identity.limits): 10 a day, then a lockout. Which orders exist is never
said: a code that is someone else's is as wrong as one that is nobody's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.identity.levels import chat_account, proven_customer
from bot.services.identity.limits import account_lockout, customer_lockout, record_failure
from bot.storage.uow import UnitOfWork

MAX_CANDIDATES = 3
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]{2,39}")


class OrderCodeOutcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    NO_CODE_TYPED = "no_code_typed"
    LOCKED = "locked"
    NOT_LINKED = "not_linked"


@dataclass(frozen=True)
class OrderCodeCheck:
    outcome: OrderCodeOutcome
    until: datetime | None = None


def order_code_candidates(text: str) -> list[str]:
    """What in the text may be an order code ("RG-2026-000123", "đơn rg-2026-000123 ạ")."""
    tokens = [token.strip(".-_/").upper() for token in _TOKEN.findall(text)]
    found = [token for token in tokens if any(ch.isdigit() for ch in token)]
    return list(dict.fromkeys(found))[:MAX_CANDIDATES]


async def check_order_code(
    uow: UnitOfWork, clock: Clock, settings: Settings, texts: Catalog, user: ChatUser, text: str
) -> OrderCodeCheck:
    now = clock.now()
    account = await chat_account(uow, user)
    customer = await proven_customer(uow, account)
    if customer is None:
        return OrderCodeCheck(OrderCodeOutcome.NOT_LINKED)
    lockout = await account_lockout(uow, now, user) or await customer_lockout(uow, now, customer.id)
    if lockout is not None:
        return OrderCodeCheck(OrderCodeOutcome.LOCKED, lockout.ends_at)
    candidates = order_code_candidates(text)
    if not candidates:
        return OrderCodeCheck(OrderCodeOutcome.NO_CODE_TYPED)
    for candidate in candidates:
        if await uow.orders.owned_by(customer.id, candidate) is not None:
            account.order_code_verified_at = now
            record_access(uow, clock, actor=user.actor, action="identity.order_code_verified",
                          customer_id=customer.id, purpose="second proof for the strong level")
            return OrderCodeCheck(OrderCodeOutcome.VERIFIED)
    lockout = await record_failure(uow, clock, settings, texts, user, customer_id=customer.id,
                                   factor="order_code")
    if lockout is not None:
        return OrderCodeCheck(OrderCodeOutcome.LOCKED, lockout.ends_at)
    return OrderCodeCheck(OrderCodeOutcome.WRONG)
