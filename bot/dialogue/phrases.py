"""Short replies that mean one thing whatever the step ("thôi", "xong rồi", "never mind").

The phrases are data in the locale files (a comma-separated list per key, both languages are taken,
since a customer may answer in either), compared without diacritics and with chat shorthand
expanded (`intents.text.comparison_key`), so "thoi", "thôi" and "Thôi!" are one phrase.
"""

from __future__ import annotations

from functools import lru_cache

from bot.i18n import LANGUAGES, Catalog
from bot.messages.buttons import MenuTarget
from intents.text import comparison_key

#: A message longer than this says more than a set phrase: it is read as what it says.
MAX_PHRASE_WORDS = 5
#: The main menu's targets whose labels (`core.menu.<target>`) mean the button when typed.
MENU_TARGETS: tuple[MenuTarget, ...] = ("privacy", "orders", "rights", "human")


@lru_cache(maxsize=64)
def _phrases(texts: Catalog, key: str) -> frozenset[str]:
    return frozenset(
        comparison_key(phrase)
        for language in LANGUAGES
        for phrase in str(texts.text(language, key)).split(",")
        if phrase.strip()
    )


@lru_cache(maxsize=8)
def _menu_labels(texts: Catalog) -> dict[str, MenuTarget]:
    labels: dict[str, MenuTarget] = {}
    for target in MENU_TARGETS:
        for language in LANGUAGES:
            spoken = comparison_key(str(texts.text(language, f"core.menu.{target}")))
            if spoken:
                labels[spoken] = target
    return labels


def menu_label(texts: Catalog, text: str) -> MenuTarget | None:
    """The main-menu target whose label the customer typed ("my orders", "Gặp nhân viên"), if any:
    a label typed is a button pressed."""
    spoken = comparison_key(text.strip(" .!…?"))
    return _menu_labels(texts).get(spoken) if spoken else None


def says_only(texts: Catalog, key: str, text: str) -> bool:
    """Whether the whole message is one of the phrases of `key`."""
    spoken = comparison_key(text.strip(" .!…?"))
    if not spoken or len(spoken.split()) > MAX_PHRASE_WORDS:
        return False
    return spoken in _phrases(texts, key)
