"""What an erasure or an objection does to each kind of data the shop holds, and why.

Law 91/2025/QH15, art. 14: a controller that cannot delete for a legitimate reason must tell the
requester. So the customer is told, item by item, what will be deleted (or no longer used) and what
must be kept and on what ground. The wording of each item and ground is in the locale files
(`privacy.items.<item>`, `privacy.grounds.<ground>`); this table is what the shop does.

| item          | erasure | objection | ground when kept                                               |
|---------------|---------|-----------|----------------------------------------------------------------|
| profile       | deleted | kept      | (objection) still needed to serve the orders                   |
| chat_accounts | deleted | kept      | (objection) the customer's own way to reach us                 |
| marketing     | stopped | stopped   | the address stays on the suppression list so it is never mailed |
| tickets       | deleted | kept      | (objection) the record of the customer's complaints            |
| orders        | kept    | kept      | accounting law: documents kept 10 years (Law 88/2015/QH13 art. 41) |
| invoices      | kept    | kept      | accounting law, and tax law (Law 38/2019/QH14)                  |
| audit_log     | kept    | kept      | proof of who read the data and of this request (Law 91)        |
| this request  | kept    | kept      | proof that the request was handled                             |

The audit log is kept pseudonymised on erasure (`bot.services.audit.pseudonymise_customer`): the
details of the rows about the customer (old and new email or phone of a correction, …) and the
customer's own accounts as actor are replaced by salted digests that the hash chain covers, so the
chain still verifies (`rosee-support audit verify`); staff actors, actions and times stay, as do a
privacy request's reference and statuses (the proof it was handled).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from bot.domain.privacy_request import RequestKind

Fate = Literal["deleted", "stopped", "kept"]


class Item(NamedTuple):
    item: str
    fate: Fate
    ground: str | None  # a key of privacy.grounds when kept or stopped


_ERASURE: tuple[Item, ...] = (
    Item("profile", "deleted", None),
    Item("chat_accounts", "deleted", None),
    Item("tickets", "deleted", None),
    Item("marketing", "stopped", "suppression"),
    Item("orders", "kept", "accounting"),
    Item("invoices", "kept", "tax"),
    Item("audit_log", "kept", "audit"),
    Item("request", "kept", "proof"),
)
_OBJECTION: tuple[Item, ...] = (
    Item("marketing", "stopped", "suppression"),
    Item("profile", "kept", "orders_in_progress"),
    Item("orders", "kept", "accounting"),
    Item("invoices", "kept", "tax"),
    Item("audit_log", "kept", "audit"),
)
ITEMS: dict[RequestKind, tuple[Item, ...]] = {
    RequestKind.ERASURE: _ERASURE,
    RequestKind.OBJECTION: _OBJECTION,
}


def items_for(kind: RequestKind) -> tuple[Item, ...]:
    """What the request does item by item; empty for kinds that delete nothing."""
    return ITEMS.get(kind, ())
