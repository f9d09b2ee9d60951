"""Customer-facing wording, kept as data in `bot/locales/<lang>/<topic>.toml`.

A key is `<topic>.<name>` (`core.welcome`), nested tables add dots. Templates are Telegram-style HTML
with `{placeholders}`; every value put into a placeholder is HTML-escaped here, so no caller can forget.
Vietnamese is the reference language: English must have exactly the same keys (a test checks), and
every key the code uses must be in both (`tests/unit/test_catalogue_keys.py`).

A rendered text remembers its key and the values it was filled with (`Markup.wordings`, see
`bot.messages.wording`), so that what was said can be checked apart from how it is worded.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.messages.wording import Markup, Wording, escape

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalog", "Markup", "escape", "normalize_language"]

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class Catalog:
    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self._messages = messages

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        messages: dict[str, dict[str, str]] = {}
        for language in LANGUAGES:
            flat: dict[str, str] = {}
            for path in sorted((directory / language).glob("*.toml")):
                with path.open("rb") as handle:
                    _flatten(path.stem, tomllib.load(handle), flat)
            messages[language] = flat
        return cls(messages)

    def keys(self, language: str) -> set[str]:
        return set(self._messages.get(language, {}))

    def has(self, key: str) -> bool:
        return key in self._messages[DEFAULT_LANGUAGE]

    def text(self, language: str, key: str, /, **params: object) -> Markup:
        """The wording for `key` in `language` (falling back to Vietnamese), with params escaped; it
        records the key, the params as given and the language it is in (`Markup.wordings`)."""
        template = self._messages.get(language, {}).get(key)
        if not template:
            language, template = DEFAULT_LANGUAGE, self._messages[DEFAULT_LANGUAGE].get(key)
        if template is None:
            raise KeyError(f"no text for {key!r}")
        safe = {name: escape(value) for name, value in params.items()}
        return Markup.worded(template.format_map(safe), (Wording.rendered(key, language, params),))

    def placeholders(self, language: str, key: str) -> set[str]:
        template = self._messages[language][key]
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping):
            _flatten(key, value, into)
        else:
            into[key] = str(value).strip("\n")


def normalize_language(value: str | None) -> str | None:
    """Map a client language code ('vi', 'en-US', 'EN') to one we speak, or None."""
    if not value:
        return None
    code = value.strip().lower().split("-", 1)[0].split("_", 1)[0]
    return code if code in LANGUAGES else None
