"""Masking of phone numbers and emails wherever they leave the database: logs and staff cards.

Staff need enough to recognise a customer ("+84 9•• ••• 678"), never enough to copy the number.
"""

from __future__ import annotations

import logging
import re


def mask_phone(phone: str | None) -> str:
    if not phone:
        return "—"
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return "•" * len(digits)
    prefix = "+" + digits[:2] if phone.startswith("+") else digits[:1]
    hidden = len(digits) - len(prefix.lstrip("+")) - 3
    return f"{prefix}{'•' * max(hidden, 0)}{digits[-3:]}"


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "—"
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


_PHONE_IN_TEXT = re.compile(r"(?<![\w+])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_personal_data(text: str) -> str:
    """Mask anything in free text that looks like a Vietnamese phone number or an email."""
    text = _EMAIL_IN_TEXT.sub(lambda match: mask_email(match.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group(0)), text)


class PersonalDataMaskingFilter(logging.Filter):
    """Applied to every log handler, so no code path can log a raw phone number or email by mistake."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
