"""Email addresses as the shop stores them: trimmed, lower-cased, syntactically plausible."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class InvalidEmail(ValueError):
    """Not an address mail can be delivered to."""


def normalize_email(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidEmail("empty email")
    if len(text) > 254 or not _EMAIL.match(text) or ".." in text:
        raise InvalidEmail(f"not a valid email address: {raw!r}")
    local, _, domain = text.rpartition("@")
    if text.split("@")[-1].rsplit(".", 1)[-1].isdigit() or len(local) > 64:
        raise InvalidEmail(f"not a valid email address: {raw!r}")
    return f"{local}@{domain.lower()}".lower()


def checked_email(raw: str) -> str:
    """An address a customer typed, checked by email-validator (syntax only, no DNS lookup: a chat
    must not wait on the network) and then stored as `normalize_email` stores it."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(f"not a valid email address: {raw!r}") from error
    return normalize_email(checked.normalized)
