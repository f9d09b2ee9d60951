"""A client of the shop API, signing as the shop's system does (docs/order-events.md), and the data
an order event needs: a customer, the chat account linked to them, an order."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from bot.bootstrap import App
from bot.shop_api.server import context_for, serving
from bot.shop_api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.storage.models import ChannelAccount, Customer, DialogueStateRow, Order, OrderStatusEvent

SHOP_SECRET = "shop-secret-for-the-tests-0123456789abcdef"


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


class ShopClient:
    """Posts to a running shop API; `secret`, `timestamp` and `raw` let a test send it wrong."""

    def __init__(self, http: aiohttp.ClientSession, base: str, clock_now: Any) -> None:
        self._http = http
        self.base = base
        self._now = clock_now

    async def post(self, path: str, body: Any = None, *, raw: bytes | None = None,
                   secret: str = SHOP_SECRET, timestamp: int | None = None,
                   signature: str | None = None, headers: dict[str, str] | None = None) -> Answer:
        data = raw if raw is not None else json.dumps(body).encode()
        moment = int(self._now().timestamp()) if timestamp is None else timestamp
        sent = {TIMESTAMP_HEADER: str(moment),
                SIGNATURE_HEADER: signature or sign(secret.encode(), moment, data),
                "Content-Type": "application/json"}
        if headers is not None:
            sent = headers
        async with self._http.post(self.base + path, data=data, headers=sent) as response:
            return Answer(response.status, await response.json())

    async def get(self, path: str, *, secret: str = SHOP_SECRET, timestamp: int | None = None,
                  signature: str | None = None, headers: dict[str, str] | None = None) -> Answer:
        """A signed GET: the signature covers the timestamp and the empty body."""
        moment = int(self._now().timestamp()) if timestamp is None else timestamp
        sent = {TIMESTAMP_HEADER: str(moment),
                SIGNATURE_HEADER: signature or sign(secret.encode(), moment, b"")}
        if headers is not None:
            sent = headers
        async with self._http.get(self.base + path, headers=sent) as response:
            return Answer(response.status, await response.json())

    async def event(self, code: str, event_id: str, status: str, at: datetime, **extra: Any) -> Answer:
        body = {"event_id": event_id, "status": status, "occurred_at": at.isoformat(), **extra}
        return await self.post(f"/api/orders/{code}/events", body)


@asynccontextmanager
async def shop_api(app: App, nudge: Any = None) -> AsyncIterator[ShopClient]:
    """The shop API of `app` on a free port, over real HTTP."""
    async with serving(context_for(app, nudge or app.dispatcher.nudge), "127.0.0.1", 0) as port, \
            aiohttp.ClientSession() as http:
        yield ShopClient(http, f"http://127.0.0.1:{port}", app.clock.now)


async def add_order(app: App, code: str, *, phone: str, status: str = "packing",
                    placed_at: datetime, chat_id: str | None = None, language: str | None = None,
                    name: str = "Nguyễn Thị Lan") -> int:
    """A customer with an order (its history one event), and when `chat_id` is given, the Telegram
    account of that chat linked to them, speaking `language`; returns the order's id."""
    async with app.uow_factory() as uow:
        customer = await uow.customers.by_phones([phone])
        found = customer.get(phone)
        if found is None:
            found = Customer(full_name=name, phone=phone)
            uow.session.add(found)
            await uow.flush()
        order = Order(code=code, customer_id=found.id, status=status, total_vnd=250_000, placed_at=placed_at,
                      items=[])
        order.history = [OrderStatusEvent(status=status, occurred_at=placed_at)]
        uow.session.add(order)
        if chat_id is not None:
            uow.session.add(ChannelAccount(channel="telegram", channel_user_id=chat_id, chat_id=chat_id,
                                           customer_id=found.id, verified_phone=phone,
                                           phone_verified_at=placed_at))
            if language is not None:
                uow.session.add(DialogueStateRow(channel="telegram", user_id=chat_id, language=language))
        await uow.commit()
        return order.id
