"""What an order code looks like: one definition for the importer and for reading chat messages.

The importer validates a whole field against ``ORDER_CODE`` (letters, digits and ``- . _ /``, at
most 40, stored upper-cased); ``bot/importing/orders.py`` imports it from here because this
package may import nothing from ``bot`` while the reverse is allowed.

A whole field is one thing; a chat message is another. ``ORDER_CODE`` also matches the word
"CHINH", so a message is never searched with it. ``find_order_codes`` looks for the shapes codes
take in what customers type, each of which ends as a value that ``ORDER_CODE`` accepts:

    RG-2026-900002, rg2026900002, RG 2026 900002, Rg.2026.900002   → RG-2026-900002 (the shop's
                                                                      own shape: letters, year, number)
    DH12345, ORD-88231, SO/2026/77                                  → upper-cased, spaces removed
    "đơn 123456", "order #123456", "#123456"                        → 123456 (digits only next to an
                                                                      order word or a '#')

Ticket numbers (``KN-2026-000123``, ``HT-…``) are not order codes: ``TICKET_NUMBER`` finds them so
that neither reading takes the other's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A whole order-code field as the importer accepts it (upper-cased first).
ORDER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,39}$")
ORDER_CODE_MAX_LENGTH = 40

#: Ticket numbers the shop gives (see bot/services/ticket_views.py), with or without dashes.
TICKET_NUMBER = re.compile(r"(?<![\w-])(KN|HT)[\s-]?(\d{4})[\s-]?(\d{1,12})(?![\w-])", re.IGNORECASE)
_TICKET_PREFIXES = frozenset({"KN", "HT"})

_SEP = r"[\s._/-]?"
#: The shop's own shape: a short letter prefix, a four-digit year, a number of 4 to 8 digits.
_HOUSE = re.compile(rf"(?<![\w@-])([A-Za-z]{{2,4}}){_SEP}((?:19|20)\d{{2}}){_SEP}(\d{{4,8}})(?![\w@-])")
#: Other codes: a letter prefix and at least four digits, maybe more groups after a separator.
_GENERIC = re.compile(r"(?<![\w@-])([A-Za-z]{1,5}[-_/.]?\d{4,20}(?:[-_/.][A-Za-z0-9]{1,10}){0,3})(?![\w@-])")
#: Digits only: after an order word or a '#' (the classifier's own examples say "order 1234").
_NUMERIC = re.compile(
    r"(?:(?<![\w])(?:đơn(?:\s+hàng)?|don(?:\s+hang)?|dh|đh|mã\s+đơn|ma\s+don|order|orders?\s+number|order\s+no\.?)"
    r"\s*(?:số|so|no\.?|#)?\s*#?|(?<![\w#])#)(\d{4,12})(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundCode:
    """An order code in a message: where it is, as typed, and its canonical (stored) form."""

    start: int
    end: int
    text: str
    code: str


def canonical_order_code(raw: str) -> str | None:
    """The stored form of a code as a customer typed it, or None when it is no order code.

    The shop's own shape gets its dashes back ("rg 2026 900002" → "RG-2026-900002"); any other
    code is upper-cased with spaces removed, then checked against ``ORDER_CODE``.
    """
    text = raw.strip()
    house = _HOUSE.fullmatch(text)
    if house and house.group(1).upper() not in _TICKET_PREFIXES:
        return f"{house.group(1).upper()}-{house.group(2)}-{house.group(3)}"
    compact = re.sub(r"\s+", "", text).upper()
    if len(compact) <= ORDER_CODE_MAX_LENGTH and ORDER_CODE.match(compact):
        return compact
    return None


def is_order_code(raw: str) -> bool:
    """Whether a whole field is a valid order code (the importer's rule)."""
    return bool(ORDER_CODE.match(raw.strip().upper())) and len(raw.strip()) <= ORDER_CODE_MAX_LENGTH


def find_ticket_numbers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical number) of every ticket number in a message."""
    return [
        (m.start(), m.end(), f"{m.group(1).upper()}-{m.group(2)}-{m.group(3)}")
        for m in TICKET_NUMBER.finditer(text)
    ]


def find_order_codes(text: str) -> list[FoundCode]:
    """Every order code in a chat message, left to right, none overlapping a ticket number."""
    taken = [(start, end) for start, end, _ in find_ticket_numbers(text)]
    found: list[FoundCode] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for pattern, group in ((_HOUSE, 0), (_GENERIC, 1), (_NUMERIC, 1)):
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if not free(start, end):
                continue
            written = match.group(group)
            if pattern is _HOUSE and match.group(1).upper() in _TICKET_PREFIXES:
                continue
            code = canonical_order_code(written)
            if code is None:
                continue
            found.append(FoundCode(start, end, written, code))
            taken.append((start, end))
    return sorted(found, key=lambda f: f.start)
