"""Vietnamese/English text handling: folding, shorthand, placeholders, language, robustness."""

from __future__ import annotations

import pytest

from intents.text import MAX_INPUT_CHARS, comparison_key, detect_language, fold, normalise


def test_fold_removes_diacritics_including_d_stroke() -> None:
    assert fold("sđt Đơn hàng của tôi") == "sdt Don hang cua toi"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ko", "không"), ("k", "không"), ("hok", "không"), ("hông", "không"),
        ("dc", "được"), ("đc", "được"), ("sdt", "số điện thoại"), ("sđt", "số điện thoại"),
        ("dh", "đơn hàng"), ("đh", "đơn hàng"), ("ad", "admin"), ("e", "em"), ("r", "rồi"),
        ("rùi", "rồi"), ("j", "gì"), ("bik", "biết"), ("ntn", "như thế nào"), ("tks", "thanks"),
    ],
)
def test_shorthand_expands_to_the_canonical_words(typed: str, canonical: str) -> None:
    assert normalise(typed).tokens == tuple(canonical.split())


def test_same_meaning_with_and_without_diacritics_or_shorthand_compares_equal() -> None:
    assert comparison_key("sđt của e bị sai r") == comparison_key("so dien thoai cua em bi sai roi")
    assert comparison_key("Shop có BÁN thông tin ko?") == comparison_key("shop co ban thong tin khong")


def test_exact_accented_tokens_are_kept_beside_the_folded_ones() -> None:
    message = normalise("shop có bán thông tin không")
    assert "bán" in message.tokens
    assert "ban" in message.folded


def test_shorthand_is_keyed_on_the_exact_token_so_broken_is_not_not() -> None:
    assert normalise("son bị hỏng").tokens[-1] == "hỏng"


def test_mk_means_password_next_to_password_words_and_me_otherwise() -> None:
    assert normalise("e bị lộ mk r").folded[3:5] == ("mat", "khau")
    assert normalise("sửa giúp mk với").folded[2] == "minh"


def test_emails_and_numbers_become_placeholders() -> None:
    message = normalise("email mới: lan.nguyen@gmail.com, sđt 0912345678")
    assert message.folded.count("email") == 2
    assert "9" in message.folded
    assert "gmail" not in message.folded


@pytest.mark.parametrize(
    "text",
    ["Do you sell my data?", "where is my order", "I want to talk to a human", "thank you so much"],
)
def test_english_is_detected(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    ["shop co ban thong tin cua minh ko", "sđt của e bị sai r", "ad ơi đơn hàng của e đâu", "", "🙂", "ok"],
)
def test_vietnamese_is_detected_and_is_the_default(text: str) -> None:
    assert detect_language(text) == "vi"


@pytest.mark.parametrize(
    "text",
    ["", "\x00\x01\x1b[31m", "\u200b\u202e", "🙂" * 50, "a" * 20_000, "\ud800", "٣٤ نص عربي", "中文 测试"],
)
def test_normalise_never_raises_and_caps_length(text: str) -> None:
    message = normalise(text)
    assert len(message.text) <= MAX_INPUT_CHARS
    assert all(token for token in message.tokens)
