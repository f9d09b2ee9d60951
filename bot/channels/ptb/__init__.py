"""The Telegram channel on python-telegram-bot (`TELEGRAM_LIBRARY=python-telegram-bot`).

The same channel as bot/channels/telegram/ (aiogram), over the same core: everything that decides
what is received or sent is shared in bot/channels/bot_api/; here is only python-telegram-bot's part:

    rendering.py   the shared Bot API calls as python-telegram-bot calls and objects
    transport.py   performing them, python-telegram-bot's errors as the shared sender's
    polling.py     the getUpdates connection, which skips an update the library cannot read
    processing.py  the update processor: each update once, one user's in order, users side by side
    runner.py      the Application: polling (its Updater) or our webhook server, the outbox beside

No persistence and no JobQueue: the conversation state, the outbox and the deadlines are in the
database, shared with the aiogram channel.
"""
