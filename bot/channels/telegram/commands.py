"""The command menu shown by Telegram clients, in Vietnamese (default and "vi") and English ("en").

The wording lives in `bot/locales/<lang>/telegram.toml` under `telegram.commands.*`.
"""

from __future__ import annotations

import html

from aiogram import Bot
from aiogram.types import BotCommand

from bot.i18n import Catalog

COMMANDS = ("start", "help", "cancel", "lang", "privacy")
MENU_LANGUAGES: tuple[tuple[str | None, str], ...] = ((None, "vi"), ("vi", "vi"), ("en", "en"))


def command_menu(texts: Catalog, language: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=_plain(texts, language, f"telegram.commands.{name}"))
        for name in COMMANDS
    ]


def _plain(texts: Catalog, language: str, key: str) -> str:
    return html.unescape(str(texts.text(language, key)))


async def set_commands(bot: Bot, texts: Catalog) -> None:
    for language_code, language in MENU_LANGUAGES:
        await bot.set_my_commands(command_menu(texts, language), language_code=language_code)
