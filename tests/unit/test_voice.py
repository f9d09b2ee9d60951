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
