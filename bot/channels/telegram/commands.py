"""The command menu (bot/channels/bot_api/commands.py) sent with aiogram."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from bot.channels.bot_api.commands import MENU_LANGUAGES, command_menu
from bot.i18n import Catalog


async def set_commands(bot: Bot, texts: Catalog) -> None:
    for language_code, language in MENU_LANGUAGES:
        menu = [BotCommand(command=name, description=text) for name, text in command_menu(texts, language)]
        await bot.set_my_commands(menu, language_code=language_code)
