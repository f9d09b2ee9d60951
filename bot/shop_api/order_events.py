"""Order status events from the shop's system: one at a time, or in batches.

    POST /api/orders/{code}/events   one event:  {"event_id", "status", "occurred_at", "note"?}
    POST /api/orders/events          a batch:    {"events": [{"order_code", "event_id", ...}, ...]}

Each request is signed (bot.shop_api.app) and handled in one unit of work, all or nothing:

| the request                                    | answer | changes                              |
|------------------------------------------------|--------|--------------------------------------|
| signed, fresh, every order known, ids all new  | 200    | history, status, receipts, notices   |
| not JSON                                       | 400    | nothing (`malformed_body`)           |
| JSON, not events (field, status, time wrong)   | 422    | nothing (`invalid_event`, problems)  |
| an order code that is not the shop's           | 404    | nothing (`unknown_order`, codes)     |
| an event id received before (a replay)         | 409    | nothing (`replayed_event`, ids)      |

Each accepted event is recorded as `bot.services.order_updates.apply_status_change` says (a change,
a late event, or the status the order already has), and reported back with its outcome.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.services.order_updates import StatusChange, apply_status_change
from bot.shop_api import event_body
from bot.shop_api.app import RAW_BODY, context_of, error_response
from bot.shop_api.event_body import Invalid, Malformed, OrderEvent
from bot.storage.models import OrderEventReceipt

log = logging.getLogger(__name__)

ACTOR = "shop_api:order_events"


def register(app: web.Application) -> None:
    app.router.add_post("/api/orders/events", receive_batch)
    app.router.add_post("/api/orders/{code}/events", receive_one)


async def receive_one(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    try:
        events = [event_body.one_event(request[RAW_BODY], code)]
    except Malformed as exc:
        return error_response(400, "malformed_body", detail=str(exc))
    except Invalid as exc:
        return error_response(422, "invalid_event", problems=exc.problems)
    return await _record(request, events)


async def receive_batch(request: web.Request) -> web.Response:
    try:
        events = event_body.batch(request[RAW_BODY])
    except Malformed as exc:
        return error_response(400, "malformed_body", detail=str(exc))
    except Invalid as exc:
        return error_response(422, "invalid_event", problems=exc.problems)
    return await _record(request, events)


async def _record(request: web.Request, events: list[OrderEvent]) -> web.Response:
    context = context_of(request)
    clock = context.clock
    results = []
    async with context.uow_factory() as uow:
        orders = await uow.orders.by_codes(sorted({event.order_code for event in events}))
        unknown = sorted({event.order_code for event in events} - set(orders))
        if unknown:
            return error_response(404, "unknown_order", order_codes=unknown)
        replayed = await uow.order_events.known(event.event_id for event in events)
        if replayed:
            log.warning("shop API: %s replayed order event(s) refused", len(replayed))
            return error_response(409, "replayed_event", event_ids=sorted(replayed))
        try:
            # Oldest first, so a batch holding an order's whole day ends at its latest status.
            for event in sorted(events, key=lambda event: event.occurred_at):
                order = orders[event.order_code]
                outcome = await apply_status_change(
                    uow, clock, context.notifier, order,
                    StatusChange(event.status, event.occurred_at, event.note), actor=ACTOR,
                )
                uow.order_events.add(OrderEventReceipt(
                    event_id=event.event_id, order_id=order.id, status=event.status.value,
                    occurred_at=event.occurred_at, received_at=clock.now(),
                ))
                results.append({"event_id": event.event_id, "order_code": order.code,
                                "outcome": outcome.value})
            await uow.commit()
        except IntegrityError:  # the same event id arrived twice at once: the other request has it
            return error_response(409, "replayed_event", event_ids=sorted(e.event_id for e in events))
    context.nudge()
    order_of = {result["event_id"]: result for result in results}
    return web.json_response({"ok": True, "results": [order_of[event.event_id] for event in events]})
