"""The shop's voice in every Vietnamese text the bot says: RoseeGlory speaks as "chúng tôi", never "tôi",
and the policy's own "bạn" and its typo stay inside the quotes (`intents.validation.voice_problems`).

Button labels that speak for the customer ("📦 Đơn hàng của tôi") are the customer's words, not the
bot's: they are the one place "tôi" may stand, and only as "của tôi".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from intents.validation import voice_problems

LOCALES = Path(__file__).resolve().parents[2] / "bot" / "locales" / "vi"
#: Sections and keys whose texts are labels in the customer's own voice.
CUSTOMER_VOICE = re.compile(r"(^menu\.|^intent_label\.|_button$|^stop_phrases$|^done_phrases$)")
_MINE = re.compile(r"của tôi", re.IGNORECASE)


def _texts(table: dict[str, object], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, value in table.items():
        if isinstance(value, dict):
            yield from _texts(value, f"{prefix}{name}.")
        elif isinstance(value, str):
            yield f"{prefix}{name}", value


def _bot_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(LOCALES.glob("*.toml")):
        if path.stem in ("staff", "desk"):  # written for staff, who are addressed as colleagues
            continue
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        found.extend((f"{path.stem}.{name}", text) for name, text in _texts(table))
    return found


@pytest.mark.parametrize(("name", "text"), _bot_texts(), ids=[name for name, _ in _bot_texts()])
def test_every_customer_text_speaks_as_roseeglory(name: str, text: str) -> None:
    key = name.split(".", 1)[1]
    if CUSTOMER_VOICE.search(key):
        text = _MINE.sub("", text)
    assert voice_problems(text) == []


def test_the_check_catches_the_bot_speaking_as_toi() -> None:
    assert voice_problems("Tôi chưa hiểu lệnh này.") != []
    assert voice_problems("Dạ, chúng tôi chưa hiểu lệnh này ạ.") == []


# English: the bot speaks as "we" / RoseeGlory, never "I" (`intents.validation.english_voice_problems`).
EN_LOCALES = LOCALES.parent / "en"
#: English keys in the customer's own voice ("📦 My orders", "Share my phone number").
EN_CUSTOMER_VOICE = re.compile(r"(^menu\.|^intent_label\.|_button$|^stop_phrases$|^done_phrases$|"
                               r"^request_action\.|^request_kind\.)")


def _english_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(EN_LOCALES.glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        found.extend((f"{path.stem}.{name}", text) for name, text in _texts(table)
                     if not EN_CUSTOMER_VOICE.search(name))
    return found


def _english_answers() -> list[tuple[str, str]]:
    """The understanding layer's own English words: intent replies, answer frames, leads, notes."""
    from intents.catalogue import load_catalogue

    found = [(f"intent.{name}", d.replies.get("en", "")) for name, d in load_catalogue().items()]
    data = LOCALES.parents[2] / "knowledge" / "data"
    for stem in ("answers", "leads"):
        table = tomllib.loads((data / f"{stem}.toml").read_text(encoding="utf-8"))
        found.extend((f"{stem}.{name}", text) for name, text in _texts(table.get("en", {})))
    for topic, fields in tomllib.loads((data / "uncovered.toml").read_text(encoding="utf-8")).items():
        for field in ("topic", "note"):
            text = fields.get(field, {}).get("en") if isinstance(fields.get(field), dict) else None
            if text:
                found.append((f"uncovered.{topic}.{field}", text))
    return found


@pytest.mark.parametrize(("name", "text"), _english_texts() + _english_answers(),
                         ids=[name for name, _ in _english_texts() + _english_answers()])
def test_every_english_text_speaks_as_we(name: str, text: str) -> None:
    from intents.validation import english_voice_problems

    assert english_voice_problems(text) == [], text


def test_the_english_check_catches_the_bot_speaking_as_i() -> None:
    from intents.validation import english_voice_problems

    assert english_voice_problems("Sorry, I am not sure I understood.") != []
    assert english_voice_problems("Just write to me.") != []
    assert english_voice_problems("Sorry, we are not sure we understood. Let us know.") == []


def test_the_english_check_catches_a_sentence_left_in_lower_case() -> None:
    from intents.validation import english_voice_problems

    assert english_voice_problems("Rather not share your phone number? we can send a code.") != []
    assert english_voice_problems("Rather not share it? We can send a code to <b>l•••@gmail.com</b>.") == []
    assert english_voice_problems("Visit Roseeorder.com or email shop@roseeorder.com.") == []
