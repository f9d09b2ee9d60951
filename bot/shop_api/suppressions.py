"""The marketing suppression list for the shop's mailer, signed like every shop API request.

    GET /api/marketing/suppressions              every channel
    GET /api/marketing/suppressions?channel=sms  one channel (email, sms, call, telegram)

Signed as `bot.shop_api.signing` says, over the timestamp and the (empty) body: a missing, malformed,
wrong or stale signature is refused by the middleware with 401 and its precise error
(`missing_signature`, `bad_timestamp`, `bad_signature`, `stale_timestamp`) before this route runs.
The query only narrows what is answered, so it need not be signed; an unknown channel is 422
(`invalid_channel`). The answer:

    {"ok": true, "generated_at": "2026-12-02T07:00:00Z", "count": 2,
     "suppressions": [{"channel": "email", "kind": "email", "address": "lan@example.com",
                       "since": "2026-12-02T06:59:00Z"}, ...]}

The read is an audit row (`marketing.suppression_exported`, actor `shop_api:marketing`). The same
list as CSV: `rosee-support export suppression`.
"""

from __future__ import annotations

from aiohttp import web

from bot.domain.marketing import MarketingChannel
from bot.services.marketing import suppression_list
from bot.shop_api.app import context_of, error_response

ACTOR = "shop_api:marketing"


def register(app: web.Application) -> None:
    app.router.add_get("/api/marketing/suppressions", list_suppressions)


async def list_suppressions(request: web.Request) -> web.Response:
    raw = request.query.get("channel")
    channel: MarketingChannel | None = None
    if raw:
        try:
            channel = MarketingChannel(raw)
        except ValueError:
            return error_response(422, "invalid_channel", allowed=[c.value for c in MarketingChannel])
    context = context_of(request)
    async with context.uow_factory() as uow:
        entries = await suppression_list(uow, context.clock, actor=ACTOR, channel=channel)
        await uow.commit()
    generated = context.clock.now().isoformat().replace("+00:00", "Z")
    return web.json_response({"ok": True, "generated_at": generated, "count": len(entries),
                              "suppressions": [entry.as_json() for entry in entries]})
