"""Slots read from a customer's own words, so that a flow started by a message asks only for the rest.

`complaint_category`: what a complaint is about ("bị trừ tiền 2 lần" → payment).
`shop_business`: whether a message names the shop's own trade (products, prices, stock, shipping
fees, promotions, stores), which this assistant does not handle but a person does.
`stated_reason`: whether a request for a person says what it is about ("gặp nhân viên để hỏi về việc
hoàn tiền" does; "cho mình gặp nhân viên với" does not).

A complaint's first message often says it already: the intake then asks only for what is missing and
shows the category for the customer to confirm or correct. The phrases are data
(`intents/data/slots/complaint_categories.toml`), compared folded and with shorthand expanded, as
every other phrase of this library is. A message matching no phrase, or two categories equally,
gets None: the customer chooses, nothing is guessed.

The category names are the ticket categories of the application (`order`, `delivery`, `payment`,
`product`, `staff_attitude`, `personal_data`); this library does not import them, a test holds the
two lists together.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from intents.text import comparison_key

#: Words that introduce what a request for a person is about, compared folded.
_REASON_MARKERS = re.compile(
    r"\b(de hoi|de|ve viec|ve|vi|do|lien quan|can hoi|hoi ve|hoi|about|regarding|because|to ask|"
    r"concerning|for my|with my)\b"
)
MIN_REASON_WORDS = 2

DATA_FILE = Path(__file__).parent / "data" / "slots" / "complaint_categories.toml"
SHOP_FILE = Path(__file__).parent / "data" / "slots" / "shop_business.toml"


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[str, ...]]:
    raw = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        category: tuple(sorted({comparison_key(p) for lang in languages.values() for p in lang}, key=len,
                               reverse=True))
        for category, languages in raw.items()
    }


@lru_cache(maxsize=2)
def _shop_phrases(table: str) -> tuple[str, ...]:
    raw = tomllib.loads(SHOP_FILE.read_text(encoding="utf-8"))
    return tuple(sorted({comparison_key(p) for lang in raw[table].values() for p in lang} - {""}))


def shop_business(text: str) -> bool:
    """Whether the message names the shop's own trade ("phí ship bao nhiêu", "do you sell perfume")."""
    key = f" {comparison_key(text)} "
    return any(f" {phrase} " in key for phrase in _shop_phrases("shop"))


def about_personal_data(text: str) -> bool:
    """Whether the message names the customer's data or the policy ("bán thông tin của tôi")."""
    key = f" {comparison_key(text)} "
    return any(f" {phrase} " in key for phrase in _shop_phrases("personal_data"))


def categories() -> tuple[str, ...]:
    return tuple(_phrases())


def complaint_category(text: str) -> str | None:
    """The category the message names, or None when it names none or two equally."""
    key = f" {comparison_key(text)} "
    scores: dict[str, int] = {}
    for category, phrases in _phrases().items():
        # A longer phrase says more ("giao sai mẫu" is about the product, not the delivery).
        score = sum(len(phrase.split()) for phrase in phrases if phrase and f" {phrase} " in key)
        if score:
            scores[category] = score
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def stated_reason(text: str) -> bool:
    """Whether the message says what the customer wants a person for, beyond asking for one."""
    key = comparison_key(text)
    match = _REASON_MARKERS.search(key)
    if match is None:
        return False
    return len(key[match.end():].split()) >= MIN_REASON_WORDS
