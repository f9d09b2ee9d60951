"""What both Telegram channels share: the Bot API's own vocabulary, no framework imported.

aiogram (bot/channels/telegram/) and python-telegram-bot (bot/channels/ptb/) each receive updates and
perform calls their own way; everything that decides *what* is received or sent lives here, once:

    updates.py     a Bot API update (plain JSON, or either library's objects) → InboundEvent
    splitting.py   long HTML texts cut below Telegram's 4096-character limit
    rendering.py   Action → the Bot API calls that perform it (method names and parameters)
    rate_limit.py  one limiter for every outgoing message (in-process or Redis-backed)
    sender.py      performing calls: limits, retries, 429/403 handling; the outbox Sender
    channel.py     the glue: event → conversation → replies (typing indicator, membership changes)
    ordering.py    one user's updates in order, different users concurrently; duplicate skipping
    webhook.py     the aiohttp webhook server with the secret check and /healthz

A library's channel adds a `Transport` (sender.py) that performs a `Call` and maps its library's
errors, the wiring of its update loop, and nothing else.
"""

CHANNEL = "telegram"
