"""Fixtures for end-to-end tests: the Telegram channel (see tests/support/telegram_bot.py) and a real
SMTP server (tests/support/mailbox.py)."""

from tests.support.mailbox import mailbox, smtp_port
from tests.support.telegram_bot import api, telegram_bot, telegram_library

__all__ = ["api", "mailbox", "smtp_port", "telegram_bot", "telegram_library"]
