"""The shop API's aiohttp application: the signature check every route gets, and the route groups.

    create_shop_api(context) ─▶ web.Application
        middleware: JSON errors; every /api/ request signed (bot.shop_api.signing) or 401
        route groups: order_events (POST /api/orders/{code}/events, /api/orders/events),
                      suppressions (GET /api/marketing/suppressions)
        GET /healthz: unsigned, for a load balancer

A route group is a module with `register(app, context)`; another group is added to `ROUTE_GROUPS`.
A route reads the verified raw body as `request[RAW_BODY]` (the bytes that were signed) and answers
errors with `error_response`, so every refusal is `{"ok": false, "error": <code>, ...}`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.services.order_updates import OrderNotifier
from bot.shop_api import signing
from bot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
RAW_BODY = web.RequestKey("rosee.raw_body", bytes)


@dataclass(frozen=True)
class ShopApiContext:
    """What the routes work with; `nudge` tells the outbox dispatcher something was just queued."""

    settings: Settings
    uow_factory: UnitOfWorkFactory
    clock: Clock
    notifier: OrderNotifier
    nudge: Callable[[], None] = field(default=lambda: None)

    @property
    def secret(self) -> bytes:
        if self.settings.shop_api_secret is None:
            raise RuntimeError("SHOP_API_SECRET is not set")
        return self.settings.shop_api_secret.get_secret_value().encode()


CONTEXT = web.AppKey("rosee.shop_api", ShopApiContext)


def error_response(status: int, error: str, **details: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, **details}, status=status)


def context_of(request: web.Request) -> ShopApiContext:
    return request.app[CONTEXT]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _signed(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    context = context_of(request)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "body_too_large", limit_bytes=MAX_BODY_BYTES)
    refusal = signing.check(
        context.secret,
        timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
        signature=request.headers.get(signing.SIGNATURE_HEADER),
        body=body,
        now=context.clock.now().timestamp(),
        max_age=context.settings.shop_api_max_age_seconds,
    )
    if refusal is not None:
        log.warning("shop API %s %s refused: %s (from %s)", request.method, request.path, refusal.value,
                    request.remote)
        details = {"max_age_seconds": context.settings.shop_api_max_age_seconds} \
            if refusal is signing.Refusal.STALE else {}
        return error_response(401, refusal.value, **details)
    request[RAW_BODY] = body
    return await handler(request)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own refusals (404 no such route, 405) as JSON too; an unexpected error as a 500 that
    says nothing of the inside."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, exc.reason.lower().replace(" ", "_"))
    except Exception:
        log.exception("shop API %s %s failed", request.method, request.path)
        return error_response(500, "internal_error")


def create_shop_api(context: ShopApiContext) -> web.Application:
    from bot.shop_api import order_events, suppressions

    app = web.Application(middlewares=[_json_errors, _signed], client_max_size=MAX_BODY_BYTES)
    app[CONTEXT] = context
    for register in (order_events.register, suppressions.register):  # the route groups
        register(app)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    return app
