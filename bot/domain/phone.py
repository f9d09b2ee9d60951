"""Vietnamese phone numbers in the forms customers and spreadsheets use, normalised to E.164.

Customers write `0912 345 678`, `+84 912.345.678`, `84912345678`, `(+84) 0912-345-678`; older records
still carry the 11-digit mobile numbers renumbered in 2018 (0168… → 038…). Matching a Telegram contact
to a customer only works if every one of these lands on the same `+84912345678`.
"""

from __future__ import annotations

import re

import phonenumbers

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
_VIETNAM = 84
_SEPARATORS = re.compile(r"[\s.\-()/]")
#: +84 or a trunk 0, then 9 or 10 digits not starting with 0: `phonenumbers.parse(..., "VN")` takes
#: these digits as the national number, so an import of thousands of rows skips the parse (a third
#: of the time it spends reading rows). Anything else goes through `phonenumbers`.
_VIETNAMESE_WRITTEN = re.compile(r"^(?:\+84|0)([1-9]\d{8,9})$")


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number we can reach; the message says why, for import reports."""


def normalize_phone(raw: str) -> str:
    """Return the E.164 form of a Vietnamese (or foreign, already international) phone number.

    `phonenumbers` (Google's libphonenumber metadata) parses every written form and formats E.164, and
    decides for foreign numbers; for Vietnamese ones the mobile prefixes and landline shape below decide,
    after the 2018 renumbering, because the shop's records and Telegram contacts carry both generations.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if not text:
        raise InvalidPhoneNumber("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.removeprefix("+").isdigit():
        raise InvalidPhoneNumber(f"contains characters other than digits: {raw!r}")
    if not text.startswith("+") and text.startswith("84") and len(text) >= 11:
        text = "+" + text  # Telegram sends contacts' numbers without the plus
    elif not text.startswith(("+", "0")) and len(text) != 9:  # 9 digits: a spreadsheet dropped the 0
        raise InvalidPhoneNumber(f"not a Vietnamese phone number: {raw!r}")
    if fast := _VIETNAMESE_WRITTEN.match(text):  # the common case, as `phonenumbers` would parse it
        return _vietnamese(fast.group(1), raw)
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r}") from None
    if number.country_code != _VIETNAM:
        if text.startswith("+") and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        raise InvalidPhoneNumber(f"not a valid international number: {raw!r}")
    return _vietnamese(str(number.national_number).removeprefix("0"), raw)


def _vietnamese(national: str, raw: str) -> str:
    """E.164 of a Vietnamese national number (no leading 0), renumbered to today's prefixes."""
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


def normalize_contact_phone(raw: str) -> str:
    """The E.164 form of the number in a shared contact.

    Telegram sends a contact's number in international form without the plus (`84912345678`,
    `376312345` for Andorra, `393331234567` for Italy): bare digits are read with their country code,
    never as a Vietnamese number whose leading 0 a spreadsheet dropped (`376312345` is not 0376 312 345).
    A number written with its plus or 00, or nationally with a leading 0 (the console's `--phone`),
    is read as `normalize_phone` reads it.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if text.isdigit() and not text.startswith("0"):
        text = "+" + text
    return normalize_phone(text)
