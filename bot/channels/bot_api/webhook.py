"""The webhook server: Telegram POSTs updates here; GET /healthz tells a load balancer we are alive.

A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 403. An update is answered 200
once it has been handled (so a crash makes Telegram deliver it again, and the dedupe makes that
harmless); one user's updates still wait for each other, different users' run side by side.
Each library hands the server its `feed`: read the JSON as its Update (raising `UnreadableUpdate`
when it cannot) and handle it.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HealthCheck = Callable[[], Awaitable[dict[str, object]]]
Feed = Callable[[dict[str, Any]], Awaitable[None]]


class UnreadableUpdate(Exception):
    """The library cannot read the update: retrying would not make it readable."""


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def create_webhook_app(feed: Feed, *, path: str, secret: str, health: HealthCheck) -> web.Application:
    if not secret:  # an empty secret matches a request without the header: anyone could post updates
        raise ValueError("a webhook needs a secret")
    app = web.Application()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook request with a wrong secret from %s refused", request.remote)
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = await request.json()
            if not isinstance(data, dict):
                raise UnreadableUpdate("not a JSON object")
            await feed(data)
        except (UnreadableUpdate, json.JSONDecodeError, UnicodeDecodeError):
            log.warning("webhook request with a malformed update ignored")
        return web.json_response({"ok": True})  # retrying would not make a malformed one readable

    async def healthz(request: web.Request) -> web.Response:
        report = await health()
        return web.json_response(report, status=200 if report.get("status") == "ok" else 503)

    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app
