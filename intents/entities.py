"""Entities in a customer's message: found, typed, and masked before the intent is classified.

    text ── emails (pattern, then email-validator) ── ticket numbers ── order codes (intents.order_codes)
         ── phone numbers (phonenumbers, region VN) ── order numbers next to an order word
         ── dates ── amounts of money
         ── ``Extraction``: the entities, and the text with each one replaced by its placeholder

What a customer names never changes what they want: "đơn hàng RG-2026-900002 của tôi đâu" is
"đơn hàng ⟨order_code⟩ của tôi đâu", and the normaliser (intents.text) drops placeholders, so the
classifier sees exactly "đơn hàng của tôi đâu". The masked text carries no personal data, so it is
also what may be logged.

Each finder runs on what the earlier ones left: an email's digits are not a phone, an order code's
digits are not a date, a phone number is not an amount. Values are canonical and JSON-friendly:

| kind          | written                                      | value                              |
|---------------|----------------------------------------------|------------------------------------|
| order_code    | rg 2026 900002, DH12345, đơn #123456         | "RG-2026-900002", "DH12345", "123456" |
| ticket_number | kn-2026-000123                               | "KN-2026-000123"                   |
| phone         | 0912 345 678, +84 912.345.678                | "+84912345678" (E.164)             |
| email         | Lan.Nguyen@Gmail.com                         | "lan.nguyen@gmail.com"             |
| date          | 15/03/2026, 2026-03-15, 15/3, ngày 15 tháng 3 | "2026-03-15", "--03-15" (no year) |
| amount        | 1.250.000đ, 500k, 1tr2, 2 triệu, 350 nghìn   | 1250000 (whole đồng, an int)       |

A bare number ("2 lần", "5 ngày") is none of these and stays in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from intents.order_codes import find_order_codes, find_ticket_numbers

EntityKind = Literal["order_code", "ticket_number", "phone", "email", "date", "amount"]
ENTITY_KINDS: tuple[EntityKind, ...] = ("order_code", "ticket_number", "phone", "email", "date", "amount")

#: Only the start of a message is read (as in intents.text): this bounds the time spent here.
MAX_INPUT_CHARS = 600


def placeholder(kind: str) -> str:
    """The token that stands for an entity in the masked text; ``intents.text.PLACEHOLDER_RE``
    recognises it and the normaliser drops it."""
    return f"⟨{kind}⟩"




@dataclass(frozen=True)
class Entity:
    """One thing the customer named. ``start``/``end`` index the text as given (first 600 chars)."""

    kind: EntityKind
    text: str
    value: str | int
    start: int
    end: int

    def to_json_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "text": self.text, "value": self.value,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Extraction:
    """The entities of a message (left to right) and the message with placeholders instead."""

    text: str
    masked: str
    entities: tuple[Entity, ...]

    def of_kind(self, kind: EntityKind) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.kind == kind)

    def first(self, kind: EntityKind) -> str | int | None:
        found = self.of_kind(kind)
        return found[0].value if found else None


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_CANDIDATE = re.compile(r"(?:\+|\(\+)?\d[\d\s().-]{7,18}\d")

_MONTHS_EN = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_DATE_PATTERNS = (
    # 2026-03-15
    re.compile(r"(?<![\w.,/-])(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w/-])"),
    # 15/03/2026, 15-3-26, 15.03.2026, 15/3
    re.compile(
        r"(?<![\w.,/-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![\w/-]|[.,]\d)"
    ),
    # ngày 15 tháng 3 (năm 2026), mùng 5 tháng 3, 15 tháng 3
    re.compile(
        r"(?:(?:ngày|ngay|mùng|mung|mồng|mong)\s+)?(?P<d>\d{1,2})\s+(?:tháng|thang|th)\s*(?P<m>\d{1,2})"
        r"(?:\s*(?:năm|nam|,)?\s*(?P<y>\d{4}))?(?!\w)",
        re.IGNORECASE,
    ),
    # March 15(th)(, 2026)
    re.compile(
        rf"(?<!\w)(?P<mn>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?(?!\w)",
        re.IGNORECASE,
    ),
    # 15(th) (of) March (2026)
    re.compile(
        rf"(?<!\w)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>{_MONTH_NAMES})\.?(?:,?\s+(?P<y>\d{{4}}))?(?!\w)",
        re.IGNORECASE,
    ),
)

# Amounts: a number with a currency or a Vietnamese multiplier, or a number grouped by thousands.
_NUMBER = r"\d+(?:[.,]\d+)*"
_AMOUNT = re.compile(
    r"(?<![\w.,])(?:(?P<usd>\$)\s?(?P<usd_n>\d+(?:[.,]\d+)?)"
    r"|(?P<n>" + _NUMBER + r")\s?(?:"
    r"(?P<million>triệu|trieu|tr|củ|cu)(?P<million_rest>\d{1,3})?"
    r"|(?P<thousand>nghìn|nghin|ngàn|ngan|k|ka|cành|canh)"
    r"|(?P<dong>đồng|dong|vnđ|vnd|đ|₫|d)"
    r")"
    r"|(?P<grouped>\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+)(?:\s?(?P<grouped_cur>đồng|vnđ|vnd|đ|₫))?"
    r")(?![\w])",
    re.IGNORECASE,
)


def _parse_number(text: str) -> float | None:
    """A decimal written Vietnamese-style ("1,5") or English-style ("1.5"), or grouped ("1.250")."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+(?:[.,]\d{1,2})?", text):
        return float(text.replace(",", "."))
    if text.isdigit():
        return float(text)
    return None


def _amount_value(match: re.Match[str]) -> int | None:
    if match.group("usd"):
        return None  # the shop works in đồng; a dollar figure is left as text
    if match.group("grouped"):
        return int(re.sub(r"[.,]", "", match.group("grouped")))
    number = _parse_number(match.group("n"))
    if number is None:
        return None
    if match.group("million"):
        rest = match.group("million_rest")
        # "1tr2" = 1.2 million, "1tr25" = 1.25 million
        fraction = int(rest) / (10 ** len(rest)) if rest else 0.0
        return round((number + fraction) * 1_000_000)
    if match.group("thousand"):
        return round(number * 1_000)
    if match.group("dong"):
        unit = match.group("dong").lower()
        if unit == "d" and number < 1000:
            return None  # "3d" is more likely three days than three đồng
        return round(number)
    return None


def _valid_day(year: int | None, month: int, day: int) -> bool:
    try:
        date(year or 2024, month, day)  # 2024 is a leap year: 29/2 without a year is a date
    except ValueError:
        return False
    return True


def _date_value(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month = _MONTHS_EN[groups["mn"].lower()] if groups.get("mn") else int(groups["m"])
    day = int(groups["d"])
    year_text = groups.get("y")
    year = None
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if not 1 <= month <= 12 or not _valid_day(year, month, day):
        return None
    if groups.get("sep") in (".", "-") and year is None:
        return None  # "1.5" is a number and "2-3 ngày" a range, not the first of May or 2 March
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


class _Spans:
    """Character ranges already taken by an entity, so later finders skip them."""

    def __init__(self) -> None:
        self._taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self._taken)

    def take(self, start: int, end: int) -> None:
        self._taken.append((start, end))


def _emails(text: str, spans: _Spans) -> list[Entity]:
    found = []
    for match in _EMAIL.finditer(text):
        written = match.group(0).rstrip(".")
        try:
            checked = validate_email(written, check_deliverability=False)
        except EmailNotValidError:
            continue
        start = match.start()
        spans.take(start, start + len(written))
        found.append(Entity("email", written, checked.normalized.lower(), start, start + len(written)))
    return found


def _tickets(text: str, spans: _Spans) -> list[Entity]:
    found = []
    for start, end, number in find_ticket_numbers(text):
        if spans.free(start, end):
            spans.take(start, end)
            found.append(Entity("ticket_number", text[start:end], number, start, end))
    return found


def _phones(text: str, spans: _Spans) -> list[Entity]:
    if sum(ch.isdigit() for ch in text) < 9 or not _PHONE_CANDIDATE.search(text):
        return []  # phonenumbers costs tens of microseconds; most messages have no number at all
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, "VN", leniency=phonenumbers.Leniency.VALID):
        start, end = match.start, match.end
        if not spans.free(start, end):
            continue
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        spans.take(start, end)
        found.append(Entity("phone", match.raw_string, value, start, end))
    return found


def _codes(text: str, spans: _Spans, *, digits_only: bool) -> list[Entity]:
    found = []
    for code in find_order_codes(text):
        if code.code.isdigit() != digits_only or not spans.free(code.start, code.end):
            continue
        start = code.start - 1 if code.start > 0 and text[code.start - 1] == "#" else code.start
        spans.take(start, code.end)
        found.append(Entity("order_code", text[start:code.end], code.code, start, code.end))
    return found


def _dates(text: str, spans: _Spans) -> list[Entity]:
    found = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not spans.free(start, end):
                continue
            value = _date_value(match)
            if value is None:
                continue
            spans.take(start, end)
            found.append(Entity("date", match.group(0), value, start, end))
    return found


def _amounts(text: str, spans: _Spans) -> list[Entity]:
    found = []
    for match in _AMOUNT.finditer(text):
        start, end = match.span()
        if not spans.free(start, end):
            continue
        value = _amount_value(match)
        if value is None or value <= 0:
            continue
        spans.take(start, end)
        found.append(Entity("amount", match.group(0), value, start, end))
    return found


def extract(text: str) -> Extraction:
    """Find every entity in a message and mask it; never raises, whatever the input."""
    text = (text if isinstance(text, str) else str(text))[:MAX_INPUT_CHARS]
    if not any(ch.isdigit() or ch == "@" for ch in text):
        return Extraction(text, text, ())  # the common case: nothing to find
    spans = _Spans()
    entities = _emails(text, spans)
    entities += _tickets(text, spans)
    entities += _codes(text, spans, digits_only=False)
    entities += _phones(text, spans)
    entities += _codes(text, spans, digits_only=True)
    entities += _dates(text, spans)
    entities += _amounts(text, spans)
    entities.sort(key=lambda e: e.start)
    masked, last = [], 0
    for entity in entities:
        masked.append(text[last:entity.start])
        masked.append(f" {placeholder(entity.kind)} ")
        last = entity.end
    masked.append(text[last:])
    return Extraction(text, "".join(masked), tuple(entities))
