"""Vietnamese phone numbers in the forms customers and spreadsheets use, normalised to E.164.

Customers write `0912 345 678`, `+84 912.345.678`, `84912345678`, `(+84) 0912-345-678`; older records
still carry the 11-digit mobile numbers renumbered in 2018 (0168… → 038…). Matching a Telegram contact
to a customer only works if every one of these lands on the same `+84912345678`.
"""

from __future__ import annotations

import re

# The 2018 renumbering of 11-digit mobile prefixes (Ministry of Information and Communications).
_RENUMBERED_PREFIXES = {
    "120": "70",
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    "123": "83",
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    "162": "32",
    "163": "33",
    "164": "34",
    "165": "35",
    "166": "36",
    "167": "37",
    "168": "38",
    "169": "39",
    "186": "56",
    "188": "58",
    "199": "59",
}
_MOBILE = re.compile(r"^(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$")
_LANDLINE = re.compile(r"^2\d{9}$")
_FOREIGN = re.compile(r"^\+(?!84)[1-9]\d{6,14}$")
_SEPARATORS = re.compile(r"[\s.\-()/]")


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number we can reach; the message says why, for import reports."""


def normalize_phone(raw: str) -> str:
    """Return the E.164 form of a Vietnamese (or foreign, already international) phone number."""
    text = _SEPARATORS.sub("", raw.strip())
    if not text:
        raise InvalidPhoneNumber("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+") and not text.startswith("+84"):
        if _FOREIGN.match(text):
            return text
        raise InvalidPhoneNumber(f"not a valid international number: {raw!r}")
    digits = text.removeprefix("+")
    if not digits.isdigit():
        raise InvalidPhoneNumber(f"contains characters other than digits: {raw!r}")
    if digits.startswith("84") and len(digits) >= 11:
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    elif len(digits) == 9:
        national = digits
    else:
        raise InvalidPhoneNumber(f"not a Vietnamese phone number: {raw!r}")
    national = national.removeprefix("0")  # "+84 0912…" written with the trunk zero
    if len(national) == 10 and national[:3] in _RENUMBERED_PREFIXES:
        national = _RENUMBERED_PREFIXES[national[:3]] + national[3:]
    if _MOBILE.match(national) or _LANDLINE.match(national):
        return "+84" + national
    raise InvalidPhoneNumber(f"not a Vietnamese mobile or landline number: {raw!r}")


def try_normalize_phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        return None
