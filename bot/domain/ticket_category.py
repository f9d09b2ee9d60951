"""What a ticket is about, and how tickets are numbered.

A complaint has one of the categories a customer chooses from (`COMPLAINT_CATEGORIES`); a request
for a person has the kind `human` and the category `other`; a request about an order that only staff
can carry out (cancel, change the delivery details, return or refund, a late order) has the kind
`order_request` and the request as its category (`bot.domain.order_rules`), numbered like a request
for a person. Numbers are made from the database id and the local year of
creation (`KN-2026-000123` for a complaint, `HT-2026-000124` for a request for a person), so they are
unique without a separate counter and never reveal more than the id does.
"""

from __future__ import annotations

from enum import StrEnum


class TicketCategory(StrEnum):
    ORDER = "order"
    DELIVERY = "delivery"
    PAYMENT = "payment"
    PRODUCT = "product"
    PERSONAL_DATA = "personal_data"
    STAFF_ATTITUDE = "staff_attitude"
    OTHER = "other"
    # Requests about an order (kind order_request), never offered in the complaint intake:
    ORDER_CANCEL = "order_cancel"
    ORDER_CHANGE = "order_change"
    RETURN_REFUND = "return_refund"


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    HUMAN = "human"
    ORDER_REQUEST = "order_request"


class TicketStatus(StrEnum):
    OPEN = "open"  # received, nobody has taken it yet
    IN_PROGRESS = "in_progress"  # a staff member took it or replied
    RESOLVED = "resolved"


OPEN_STATUSES = (TicketStatus.OPEN.value, TicketStatus.IN_PROGRESS.value)
NUMBER_PREFIX = {TicketKind.COMPLAINT: "KN", TicketKind.HUMAN: "HT", TicketKind.ORDER_REQUEST: "HT"}
#: What a customer chooses from in the complaint intake.
COMPLAINT_CATEGORIES = (
    TicketCategory.ORDER, TicketCategory.DELIVERY, TicketCategory.PAYMENT, TicketCategory.PRODUCT,
    TicketCategory.PERSONAL_DATA, TicketCategory.STAFF_ATTITUDE, TicketCategory.OTHER,
)


def parse_category(value: str | None) -> TicketCategory | None:
    try:
        return TicketCategory(value or "")
    except ValueError:
        return None


def ticket_number(kind: str, year: int, ticket_id: int) -> str:
    prefix = NUMBER_PREFIX.get(TicketKind(kind), "KN")
    return f"{prefix}-{year}-{ticket_id:06d}"
