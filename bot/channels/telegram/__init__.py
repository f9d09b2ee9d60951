"""The Telegram channel on aiogram 3: aiogram updates in, core events to the conversation, core
actions out as Bot API calls. What both Telegram channels share (translation, splitting, rendering,
the sender's policy, ordering, the limiter) is in bot/channels/bot_api/; here is only aiogram's part:

    rendering.py   the shared Bot API calls as aiogram method objects
    transport.py   performing them, aiogram's errors as the shared sender's
    router.py      aiogram routers and middleware, built by `create_router()` / `create_dispatcher()`
    session.py     the aiohttp session that skips an update aiogram cannot read
    pacing.py      polling that fetches no faster than the bot can answer
    commands.py    the command menu (setMyCommands) from the locale files
    runner.py      polling or webhook, the outbox task beside it, clean shutdown
"""

from bot.channels.bot_api import CHANNEL

__all__ = ["CHANNEL"]
