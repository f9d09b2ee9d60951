"""Fixtures for end-to-end tests of the Telegram channel (see tests/support/telegram_bot.py)."""

from tests.support.telegram_bot import api, telegram_bot, telegram_library

__all__ = ["api", "telegram_bot", "telegram_library"]
