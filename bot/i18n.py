"""Customer-facing wording, kept as data in `bot/locales/<lang>/<topic>.toml`.

A key is `<topic>.<name>` (`core.welcome`), nested tables add dots. Templates are Telegram-style HTML
with `{placeholders}`; every value put into a placeholder is HTML-escaped here, so no caller can forget.
Vietnamese is the reference language: English must have exactly the same keys (a test checks).
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class Markup(str):
    """Text that is already safe HTML and must not be escaped again when placed in a template."""


def escape(value: object) -> str:
    if isinstance(value, Markup):
        return str(value)
    return html.escape(str(value), quote=False)


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
        """The wording for `key` in `language` (falling back to Vietnamese), with params escaped."""
        template = self._messages.get(language, {}).get(key) or self._messages[DEFAULT_LANGUAGE].get(key)
        if template is None:
            raise KeyError(f"no text for {key!r}")
        safe = {name: escape(value) for name, value in params.items()}
        return Markup(template.format_map(safe))

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
