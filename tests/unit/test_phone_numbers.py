"""Vietnamese phone numbers in the forms customers and spreadsheets use, and how they are masked."""

from __future__ import annotations

import re

import pytest

from bot.domain.masking import mask_email, mask_personal_data, mask_phone
from bot.domain.phone import InvalidPhoneNumber, normalize_contact_phone, normalize_phone, try_normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "+84 912.345.678",
        "84912345678",
        "0084912345678",
        "(+84) 0912-345-678",
        "(+84) 912 345 678",
        "+84 (0) 912 345 678",
        "912345678",  # a spreadsheet dropped the leading zero
        "  0912345678  ",
        "0912/345/678",
    ],
)
def test_common_forms_of_one_mobile_number_land_on_the_same_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01681234567", "+84381234567"),  # Viettel 0168 → 038
        ("0168 123 4567", "+84381234567"),
        ("+84 168 123 4567", "+84381234567"),
        ("84 1681234567", "+84381234567"),
        ("01691234567", "+84391234567"),  # Viettel 0169 → 039
        ("0162 999 8888", "+84329998888"),  # Viettel 0162 → 032
        ("01231234567", "+84831234567"),  # Vinaphone 0123 → 083
        ("01291234567", "+84821234567"),  # Vinaphone 0129 → 082
        ("01201234567", "+84701234567"),  # Mobifone 0120 → 070
        ("01281234567", "+84781234567"),  # Mobifone 0128 → 078
        ("01861234567", "+84561234567"),  # Vietnamobile 0186 → 056
        ("01881234567", "+84581234567"),  # Vietnamobile 0188 → 058
        ("01991234567", "+84591234567"),  # Gmobile 0199 → 059
    ],
)
def test_old_eleven_digit_mobile_numbers_are_renumbered(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0321234567", "+84321234567"),  # Viettel
        ("0861234567", "+84861234567"),
        ("0981234567", "+84981234567"),
        ("0851234567", "+84851234567"),  # Vinaphone
        ("0941234567", "+84941234567"),
        ("0701234567", "+84701234567"),  # Mobifone
        ("0891234567", "+84891234567"),
        ("0921234567", "+84921234567"),  # Vietnamobile
        ("0521234567", "+84521234567"),
        ("0591234567", "+84591234567"),  # Gmobile
        ("0991234567", "+84991234567"),
        ("024 3825 1234", "+842438251234"),  # Hà Nội landline
        ("028 3822 1234", "+842838221234"),  # TP. Hồ Chí Minh landline
    ],
)
def test_current_prefixes_and_landlines(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 415 555 2671", "+14155552671"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+65 6123 4567", "+6561234567"),
    ],
)
def test_foreign_numbers_written_internationally_are_kept(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "0112345678",  # no 01x 10-digit mobiles
        "0012345",
        "0412345678",  # 04 is not a mobile prefix (old Hà Nội area code needs 11 digits now)
        "0612345678",
        "0512345678",  # 051 unassigned
        "0912 345 67",  # one digit short
        "09123456789",  # one digit too many
        "01301234567",  # 0130 was never a mobile prefix
        "0912345abc",
        "+84 912 345",
        "+0912345678",
        "+1 23",
        "phone: 0912345678",
        "9.12345678E+08",  # Excel's scientific notation
    ],
)
def test_what_is_not_a_reachable_number_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone(raw)
    assert str(caught.value)


@pytest.mark.parametrize(("raw", "expected"), [
    ("84912345678", "+84912345678"),      # Telegram's form of a Vietnamese number
    ("376312345", "+376312345"),          # Andorra, not 0376 312 345
    ("393331234567", "+393331234567"),    # Italy
    ("+84912345678", "+84912345678"),
    ("0912345678", "+84912345678"),       # the console's --phone, written nationally
])
def test_a_contacts_bare_digits_carry_their_country_code(raw: str, expected: str) -> None:
    assert normalize_contact_phone(raw) == expected


def test_a_bare_foreign_contact_number_is_never_vietnamese() -> None:
    assert normalize_phone("376312345") == "+84376312345"  # a spreadsheet's dropped 0: still so there
    with pytest.raises(InvalidPhoneNumber):
        normalize_contact_phone("912345678")  # no country code 91 number of this shape


def test_try_normalize_returns_none_instead_of_raising() -> None:
    assert try_normalize_phone("0912345678") == "+84912345678"
    assert try_normalize_phone("12345") is None
    assert try_normalize_phone(None) is None
    assert try_normalize_phone("") is None


def test_invalid_phone_number_is_a_value_error_for_callers_that_catch_broadly() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)


# --- masking -------------------------------------------------------------------------------------------


def test_mask_phone_keeps_country_code_and_last_three_digits() -> None:
    masked = mask_phone("+84912345678")
    assert masked.startswith("+84")
    assert masked.endswith("678")
    assert "912345" not in masked
    assert len(masked) == len("+84912345678")


def test_mask_phone_national_form_and_short_or_missing_values() -> None:
    assert mask_phone("0912345678").startswith("0")
    assert mask_phone("0912345678").endswith("678")
    assert "12345" not in mask_phone("0912345678")
    assert mask_phone("12345") == "•••••"
    assert mask_phone(None) == "—"
    assert mask_phone("") == "—"


def test_mask_email_keeps_first_letter_and_domain() -> None:
    assert mask_email("lan.nguyen@example.com") == "l" + "•" * 9 + "@example.com"
    assert mask_email("a@example.com") == "a••@example.com"
    assert mask_email(None) == "—"
    assert mask_email("not-an-email") == "—"


@pytest.mark.parametrize(
    "text",
    [
        "gọi cho tôi số 0912345678 nhé",
        "số của em là 0912 345 678",
        "+84 912 345 678 là số zalo",
        "sdt: 84912345678",
        "email lan.nguyen@example.com giúp em",
    ],
)
def test_personal_data_in_free_text_is_masked(text: str) -> None:
    masked = mask_personal_data(text)
    assert "912345678" not in masked.replace(" ", "").replace(".", "")
    assert "lan.nguyen@" not in masked


def test_text_without_personal_data_is_left_alone() -> None:
    text = "Đơn RG-2026-000123 giao ngày 25/11/2026, tổng 1.250.000 ₫"
    assert mask_personal_data(text) == text


def test_the_shortcut_for_common_vietnamese_forms_answers_as_phonenumbers_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """+84 / 0 and 9-10 digits skip `phonenumbers.parse` (imports read thousands of them): for every
    such number, valid or not, the answer is the one the parse gives."""
    from random import Random

    from bot.domain import phone

    random = Random(18)
    nationals = [str(random.randint(100_000_000, 9_999_999_999)) for _ in range(3000)]
    nationals += ["912345678", "1661234567", "2438253456", "1991234567", "999999999", "123456789"]
    written = [prefix + national for national in nationals for prefix in ("+84", "0")]

    def outcome(text: str) -> str:
        try:
            return normalize_phone(text)
        except InvalidPhoneNumber as exc:
            return f"invalid: {exc}"

    fast = [outcome(text) for text in written]
    monkeypatch.setattr(phone, "_VIETNAMESE_WRITTEN", re.compile(r"(?!)"))  # never matches
    assert fast == [outcome(text) for text in written]
    assert any(not answer.startswith("invalid") for answer in fast)
    assert any(answer.startswith("invalid") for answer in fast)
