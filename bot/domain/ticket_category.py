"""What a ticket is about, and how tickets are numbered.

A complaint has one of the categories a customer chooses from; a request for a person has the kind
`human` and the category `other`. Numbers are made from the database id and the local year of
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


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    HUMAN = "human"


class TicketStatus(StrEnum):
    OPEN = "open"  # received, nobody has taken it yet
    IN_PROGRESS = "in_progress"  # a staff member took it or replied
    RESOLVED = "resolved"


OPEN_STATUSES = (TicketStatus.OPEN.value, TicketStatus.IN_PROGRESS.value)
NUMBER_PREFIX = {TicketKind.COMPLAINT: "KN", TicketKind.HUMAN: "HT"}


def parse_category(value: str | None) -> TicketCategory | None:
    try:
        return TicketCategory(value or "")
    except ValueError:
        return None


def ticket_number(kind: str, year: int, ticket_id: int) -> str:
    prefix = NUMBER_PREFIX.get(TicketKind(kind), "KN")
    return f"{prefix}-{year}-{ticket_id:06d}"
