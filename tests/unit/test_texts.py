"""Texts are data: both languages complete, placeholders aligned, values escaped."""

from __future__ import annotations

import pytest

from bot.i18n import Catalog, Markup, normalize_language


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_english_has_exactly_the_vietnamese_keys(catalog: Catalog) -> None:
    assert catalog.keys("vi"), "no Vietnamese texts found"
    assert catalog.keys("vi") - catalog.keys("en") == set()
    assert catalog.keys("en") - catalog.keys("vi") == set()


def test_placeholders_match_between_languages(catalog: Catalog) -> None:
    for key in catalog.keys("vi"):
        assert catalog.placeholders("vi", key) == catalog.placeholders("en", key), key


def test_values_are_escaped_but_markup_is_kept(catalog: Catalog) -> None:
    text = catalog.text("vi", "core.welcome", name="<script>&")
    assert "&lt;script&gt;&amp;" in text
    assert "<b>RoseeGlory</b>" in text
    nested = catalog.text("vi", "core.policy_answer", answer=Markup("<b>ok</b>"))
    assert nested == "<b>ok</b>"


def test_vietnamese_wording_addresses_the_customer_consistently(catalog: Catalog) -> None:
    # One form of address across the bot: "Quý khách", never "bạn"/"mình" mixed in.
    for key in catalog.keys("vi"):
        text = str(catalog.text("vi", key, **{n: "x" for n in catalog.placeholders("vi", key)}))
        words = text.lower().replace(",", " ").replace(".", " ").split()
        assert "bạn" not in words, key


@pytest.mark.parametrize(
    ("raw", "expected"), [("vi", "vi"), ("en-US", "en"), ("EN", "en"), ("fr", None), (None, None), ("", None)]
)
def test_client_language_codes(raw: str | None, expected: str | None) -> None:
    assert normalize_language(raw) == expected
