"""One-time codes as pure logic: made by the CSPRNG, found in what people type, hashed, sealed."""

from __future__ import annotations

import secrets

import pytest

from bot.domain.one_time_code import (
    CodeFind,
    code_digest,
    digests_match,
    find_code,
    has_sealed_code,
    new_code,
    seal,
    unseal_text,
)

KEY = b"k" * 32
BOUND = {"customer_id": 7, "email": "bao.pham@example.com", "purpose": "link", "account": "telegram:1001"}


def test_codes_are_six_digits_with_leading_zeros_kept() -> None:
    codes = {new_code() for _ in range(2000)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 1900  # drawn from a million, not a handful
    assert any(code.startswith("0") for code in codes)


@pytest.mark.parametrize(
    "typed",
    ["123456", " 123456 ", "123 456", "12 34 56", "1 2 3 4 5 6", "123-456", "12-34-56", "123.456",
     "mã của em là 123456 ạ", "Mã: 123 456.", "code 123456, thanks", "123456\n"],
)
def test_a_code_typed_with_spaces_dashes_or_in_a_sentence_is_found(typed: str) -> None:
    found = find_code(typed)
    assert found.outcome is CodeFind.FOUND and found.code == "123456"


@pytest.mark.parametrize("typed", ["", "không có mã", "12345", "1234567", "0912 345 678", "RG-2026-000123",
                                   "23/11/2026"])
def test_no_code_in_text_without_exactly_six_digits(typed: str) -> None:
    assert find_code(typed).outcome is CodeFind.NONE


def test_two_different_codes_are_ambiguous_and_the_same_twice_is_not() -> None:
    assert find_code("123456 hay 654321").outcome is CodeFind.AMBIGUOUS
    assert find_code("123456, tức là 123 456").code == "123456"


def test_the_digest_is_keyed_and_bound_to_what_the_code_was_issued_for() -> None:
    digest = code_digest(KEY, "123456", **BOUND)
    assert len(digest) == 64 and "123456" not in digest
    assert digests_match(digest, code_digest(KEY, "123456", **BOUND))
    assert not digests_match(digest, code_digest(KEY, "123457", **BOUND))
    assert not digests_match(digest, code_digest(b"x" * 32, "123456", **BOUND))
    for field, other in (("customer_id", 8), ("email", "b@example.com"), ("purpose", "strong"),
                         ("account", "telegram:6666")):
        assert not digests_match(digest, code_digest(KEY, "123456", **{**BOUND, field: other}))


def test_a_sealed_code_hides_the_digits_and_opens_with_the_key_only() -> None:
    opened_by_another_key = 0
    for _ in range(200):
        code = new_code()
        text = f"Mã của Quý khách là: {seal(KEY, code)}\nHết hạn lúc 09:10."
        assert has_sealed_code(text) and f": {code}\n" not in text
        assert unseal_text(KEY, text) == f"Mã của Quý khách là: {code}\nHết hạn lúc 09:10."
        opened_by_another_key += unseal_text(secrets.token_bytes(32), text) == unseal_text(KEY, text)
    assert opened_by_another_key <= 1  # one chance in a million each


def test_two_seals_of_one_code_differ() -> None:
    assert seal(KEY, "123456") != seal(KEY, "123456")
    assert unseal_text(KEY, "no code here") == "no code here"
