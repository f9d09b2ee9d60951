"""The relay rule's note marker and the cleaning of names (issue 15, parts 1 and 6): pure functions."""

from __future__ import annotations

import pytest

from bot.domain.names import NAME_MAX, clean_name
from bot.domain.notes import is_internal_note


@pytest.mark.parametrize("text", [
    "!note", "  !note", "\n!note", "！full-width", "﹗small", "︕vertical", "‼double", "⁉", "❗heavy",
    "❕white", "ǃclick", "¡inverted", "\u200b!zero width", "\ufeff!bom", "\u202e!override", "\u2060!joiner",
])
def test_every_exclamation_mark_starts_a_note(text: str) -> None:
    assert is_internal_note(text)


@pytest.mark.parametrize("text", ["", None, "Dạ chị ơi!", "note!", " ", "1!", "?!", "I am here"])
def test_other_texts_are_relayed(text: str | None) -> None:
    assert not is_internal_note(text)


def test_names_keep_what_people_are_called() -> None:
    assert clean_name("Nguyễn Thị Lan") == "Nguyễn Thị Lan"
    assert clean_name("Lan <3") == "Lan <3"
    assert clean_name("李小龍 🌸") == "李小龍 🌸"


def test_names_lose_direction_overrides_invisible_characters_and_line_breaks() -> None:
    assert clean_name("Lan\u202e nimdA\u202c") == "Lan nimdA"
    assert clean_name("\u2066Lan\u2069\u200d") == "Lan"
    assert clean_name("Lan\n✅ đã xác minh\u2028x") == "Lan✅ đã xác minhx"
    assert clean_name("Lan\u00a0\u00a0 Anh") == "Lan Anh"
    assert clean_name("\u202e\u200b") is None and clean_name(None) is None and clean_name("") is None
    assert len(clean_name("a" * 500) or "") == NAME_MAX
