"""The webhook server: Telegram POSTs updates here; GET /healthz tells a load balancer we are alive.

A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 403. An update is answered 200
once it has been handled (so a crash makes Telegram deliver it again, and the dedupe makes that
harmless); one user's updates still wait for each other, different users' run side by side.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HealthCheck = Callable[[], Awaitable[dict[str, object]]]


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def create_webhook_app(dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str,
                       health: HealthCheck) -> web.Application:
    app = web.Application()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook request with a wrong secret from %s refused", request.remote)
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValidationError, json.JSONDecodeError, UnicodeDecodeError):
            log.warning("webhook request with a malformed update ignored")
            return web.json_response({"ok": True})  # retrying would not make it readable
        await dispatcher.feed_update(bot, update)
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        report = await health()
        return web.json_response(report, status=200 if report.get("status") == "ok" else 503)

    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app
