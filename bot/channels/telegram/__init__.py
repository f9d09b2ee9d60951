"""The Telegram channel: aiogram 3 updates in, core events to the conversation, core actions out as
Bot API calls. No business logic lives here; every module has one job:

    updates.py     Update → InboundEvent (translation only)
    splitting.py   long HTML texts cut below Telegram's 4096-character limit
    rendering.py   Action → the Bot API calls that perform it
    rate_limit.py  one limiter for every outgoing message (in-process or Redis-backed)
    sender.py      performing calls: limits, retries, 429/403 handling; the outbox Sender
    ordering.py    one user's updates in order, different users concurrently; duplicate skipping
    channel.py     the glue: event → conversation → replies (typing indicator, callback answers)
    router.py      aiogram routers and middleware, built by `create_router()` / `create_dispatcher()`
    commands.py    the command menu (setMyCommands) from the locale files
    webhook.py     the aiohttp webhook server with /healthz
    runner.py      polling or webhook, the outbox task beside it, clean shutdown
"""

CHANNEL = "telegram"
