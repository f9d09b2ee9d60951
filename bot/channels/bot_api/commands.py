"""The command menu shown by Telegram clients, in Vietnamese (default and "vi") and English ("en").

The wording lives in `bot/locales/<lang>/telegram.toml` under `telegram.commands.*`; each channel
sends these (name, description) pairs with setMyCommands.
"""

from __future__ import annotations

import html

from bot.i18n import Catalog

COMMANDS = ("start", "help", "cancel", "lang", "privacy", "logout")
MENU_LANGUAGES: tuple[tuple[str | None, str], ...] = ((None, "vi"), ("vi", "vi"), ("en", "en"))


def command_menu(texts: Catalog, language: str) -> list[tuple[str, str]]:
    """(command, plain-text description) in the menu's order."""
    return [(name, _plain(texts, language, f"telegram.commands.{name}")) for name in COMMANDS]


def _plain(texts: Catalog, language: str, key: str) -> str:
    return html.unescape(str(texts.text(language, key)))
