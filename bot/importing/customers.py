"""A customer row, validated into a `CustomerRecord`.

Columns: full_name (required), phone, email (at least one of the two), address, marketing_consent.
The natural key is the phone number (E.164), else the email (lower-cased). Blank optional cells mean
"keep what is stored": an import adds and corrects, it never erases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.email import InvalidEmail, normalize_email
from bot.domain.phone import InvalidPhoneNumber, normalize_phone
from bot.importing import parsing
from bot.importing.parsing import FieldError
from bot.importing.readers import SourceRow
from bot.importing.report import Location, RowError

COLUMNS = ("full_name", "phone", "email", "address", "marketing_consent")
REQUIRED = ("full_name",)
ONE_OF = (("phone", "email"),)


@dataclass(frozen=True)
class CustomerRecord:
    full_name: str
    phone: str | None
    email: str | None
    address: str | None = None
    marketing_consent: bool | None = None  # None: say nothing about consent
    location: Location | None = None

    @property
    def key(self) -> str:
        return self.phone or self.email or ""


def validate_customer(row: SourceRow) -> CustomerRecord | list[RowError]:
    errors: list[RowError] = []
    values = row.values

    def fail(field: str | None, reason: str) -> None:
        errors.append(RowError(row.location, field, reason))

    if row.problem:
        fail(None, row.problem)
        return errors

    full_name = None
    if parsing.is_blank(values.get("full_name")):
        fail("full_name", "required")
    else:
        try:
            full_name = parsing.single_line(values["full_name"], max_length=200)
        except FieldError as exc:
            fail("full_name", str(exc))

    phone = email = address = None
    if not parsing.is_blank(values.get("phone")):
        try:
            phone = normalize_phone(parsing.text(values["phone"], max_length=40))
        except (InvalidPhoneNumber, FieldError) as exc:
            fail("phone", str(exc))
    if not parsing.is_blank(values.get("email")):
        try:
            email = normalize_email(parsing.text(values["email"], max_length=254))
        except (InvalidEmail, FieldError) as exc:
            fail("email", str(exc))
    if parsing.is_blank(values.get("phone")) and parsing.is_blank(values.get("email")):
        fail("phone", "a phone number or an email is required")
    if not parsing.is_blank(values.get("address")):
        try:
            address = parsing.text(values["address"], max_length=500)
        except FieldError as exc:
            fail("address", str(exc))
    consent = None
    if not parsing.is_blank(values.get("marketing_consent")):
        try:
            consent = parsing.boolean(values["marketing_consent"])
        except FieldError as exc:
            fail("marketing_consent", str(exc))

    if errors or full_name is None:
        return errors
    return CustomerRecord(full_name, phone, email, address, consent, row.location)


class DuplicateCustomers:
    """Within one file each phone and each email may appear once; a later occurrence is a bad row, even
    when the first one is bad too (fixing the first must not silently let the second through)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Location] = {}

    def check(self, row: SourceRow) -> list[RowError]:
        errors = []
        keys = [
            ("phone", _quietly(normalize_phone, row.values.get("phone"))),
            ("email", _quietly(normalize_email, row.values.get("email"))),
        ]
        for field, value in keys:
            if value is None:
                continue
            first = self._seen.setdefault((field, value), row.location)
            if first != row.location:
                errors.append(RowError(row.location, field, f"duplicate {field} {value}, also on {first}"))
        return errors


def _quietly(normalize: Callable[[str], str], raw: Any) -> str | None:
    """The normalised key if the cell holds a valid one, else None (validation reports the problem)."""
    if parsing.is_blank(raw) or isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    try:
        return normalize(str(raw))
    except ValueError:
        return None
