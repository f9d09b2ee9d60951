"""The order-event endpoint over real HTTP, on SQLite and PostgreSQL: good, bad, stale and replayed
signatures, malformed and invalid bodies, unknown orders, batches; every refusal changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.storage.models import (
    AuditEntry,
    Order,
    OrderEventReceipt,
    OrderStatusEvent,
    OutboxMessage,
    OutboxPriority,
    OutboxPurpose,
)
from tests.conftest import START_OF_TEST_TIME
from tests.support.shop_api import SHOP_SECRET, ShopClient, add_order, shop_api

CODE = "RG-2026-900001"
OTHER = "RG-2026-900002"
LAN_PHONE = "+84912345678"
PLACED = START_OF_TEST_TIME - timedelta(days=2)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"shop_api_secret": SHOP_SECRET}


@pytest.fixture
async def client(app: App) -> AsyncIterator[ShopClient]:
    await add_order(app, CODE, phone=LAN_PHONE, placed_at=PLACED, chat_id="1001")
    await add_order(app, OTHER, phone=LAN_PHONE, placed_at=PLACED, status="confirmed")
    async with shop_api(app) as shop:
        yield shop


async def snapshot(app: App) -> tuple[object, ...]:
    """Everything an event may change: statuses, history, receipts, audit rows, outbox rows."""
    async with app.uow_factory() as uow:
        session = uow.session
        statuses = tuple((await session.execute(select(Order.code, Order.status).order_by(Order.code))).all())
        counts = [int(await session.scalar(select(func.count()).select_from(model)) or 0)
                  for model in (OrderStatusEvent, OrderEventReceipt, AuditEntry, OutboxMessage)]
        return (statuses, *counts)


async def status_of(app: App, code: str) -> str:
    async with app.uow_factory() as uow:
        return str(await uow.session.scalar(select(Order.status).where(Order.code == code)))


async def test_a_signed_event_changes_the_status_records_it_and_queues_a_notification(
    app: App, client: ShopClient
) -> None:
    at = START_OF_TEST_TIME - timedelta(minutes=5)
    answer = await client.event("rg-2026-900001", "evt-1", "shipped", at, note="GHN nhận hàng")
    assert answer.status == 200, answer.body
    assert answer.body == {"ok": True, "results": [
        {"event_id": "evt-1", "order_code": CODE, "outcome": "changed"}]}
    assert await status_of(app, CODE) == "shipped"
    async with app.uow_factory() as uow:
        history = (await uow.session.execute(
            select(OrderStatusEvent.status, OrderStatusEvent.occurred_at, OrderStatusEvent.note)
            .join(Order).where(Order.code == CODE).order_by(OrderStatusEvent.occurred_at))).all()
        assert [(row.status, row.note) for row in history] == [
            ("packing", None), ("shipped", "GHN nhận hàng")]
        assert history[-1].occurred_at == at
        receipt = await uow.session.scalar(select(OrderEventReceipt))
        assert receipt is not None and receipt.event_id == "evt-1" and receipt.status == "shipped"
        notice = (await uow.session.scalars(select(OutboxMessage))).one()
        assert (notice.purpose, notice.priority, notice.chat_id) == (
            OutboxPurpose.ORDER_UPDATE, OutboxPriority.BULK, "1001")
        assert notice.next_attempt_at == START_OF_TEST_TIME  # 09:00 in Hanoi: not quiet hours
        assert CODE in notice.payload["text"]
        audit = await uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.status_event"))
        assert audit is not None and audit.details["code"] == CODE


async def test_a_bad_signature_is_refused_and_changes_nothing(app: App, client: ShopClient) -> None:
    before = await snapshot(app)
    at = START_OF_TEST_TIME.isoformat()
    body = {"event_id": "evt-2", "status": "shipped", "occurred_at": at}
    wrong_key = await client.post(f"/api/orders/{CODE}/events", body,
                                  secret="another-secret-0123456789abcdefghij")
    assert (wrong_key.status, wrong_key.body["error"]) == (401, "bad_signature")
    # Signed for one body, sent with another: the signature covers the raw bytes.
    signed = await client.post(f"/api/orders/{CODE}/events", body)
    assert signed.status == 200
    tampered_body = {"event_id": "evt-3", "status": "cancelled", "occurred_at": at}
    from bot.shop_api.signing import sign

    moment = int(START_OF_TEST_TIME.timestamp())
    good_for_other = sign(SHOP_SECRET.encode(), moment, b'{"event_id": "evt-3"}')
    tampered = await client.post(f"/api/orders/{CODE}/events", tampered_body, timestamp=moment,
                                 signature=good_for_other)
    assert (tampered.status, tampered.body["error"]) == (401, "bad_signature")
    unsigned = await client.post(f"/api/orders/{CODE}/events", tampered_body, headers={})
    assert (unsigned.status, unsigned.body["error"]) == (401, "missing_signature")
    not_a_time = await client.post(f"/api/orders/{CODE}/events", tampered_body,
                                   headers={"X-Rosee-Timestamp": "yesterday",
                                            "X-Rosee-Signature": "sha256=00"})
    assert (not_a_time.status, not_a_time.body["error"]) == (401, "bad_timestamp")
    after = await snapshot(app)
    assert after[0] != before[0]  # only the one signed event changed the order
    assert await status_of(app, CODE) == "shipped"


async def test_a_stale_or_future_timestamp_is_refused(app: App, client: ShopClient,
                                                      clock: ManualClock) -> None:
    before = await snapshot(app)
    body = {"event_id": "evt-4", "status": "shipped", "occurred_at": START_OF_TEST_TIME.isoformat()}
    now = int(clock.now().timestamp())
    for moment in (now - 301, now + 301):
        answer = await client.post(f"/api/orders/{CODE}/events", body, timestamp=moment)
        assert (answer.status, answer.body["error"]) == (401, "stale_timestamp")
        assert answer.body["max_age_seconds"] == 300
    assert await snapshot(app) == before
    inside = await client.post(f"/api/orders/{CODE}/events", body, timestamp=now - 299)
    assert inside.status == 200


async def test_a_replayed_event_is_refused_with_409_and_changes_nothing(app: App, client: ShopClient,
                                                                        clock: ManualClock) -> None:
    at = START_OF_TEST_TIME - timedelta(minutes=1)
    assert (await client.event(CODE, "evt-5", "shipped", at)).status == 200
    before = await snapshot(app)
    clock.advance(timedelta(hours=2))  # signed afresh, hours later: the event id still gives it away
    replay = await client.event(CODE, "evt-5", "shipped", at)
    assert (replay.status, replay.body) == (409, {"ok": False, "error": "replayed_event",
                                                  "event_ids": ["evt-5"]})
    again_other_status = await client.event(CODE, "evt-5", "delivered", at + timedelta(minutes=1))
    assert again_other_status.status == 409
    assert await snapshot(app) == before


async def test_malformed_and_invalid_bodies_get_precise_json_errors(app: App, client: ShopClient) -> None:
    before = await snapshot(app)
    not_json = await client.post(f"/api/orders/{CODE}/events", raw=b"status=shipped")
    assert (not_json.status, not_json.body["error"]) == (400, "malformed_body")
    not_utf8 = await client.post(f"/api/orders/{CODE}/events", raw=b'{"event_id": "\xff"}')
    assert not_utf8.status == 400
    a_list = await client.post(f"/api/orders/{CODE}/events", [1, 2])
    assert (a_list.status, a_list.body["error"]) == (422, "invalid_event")
    wrong = await client.post(f"/api/orders/{CODE}/events", {
        "event_id": "bad id with spaces", "status": "teleported", "occurred_at": "soon", "colour": "red"})
    assert wrong.status == 422
    problems = " | ".join(wrong.body["problems"])
    for fragment in ("unknown field colour", "event_id is required", "status:", "occurred_at:"):
        assert fragment in problems
    missing = await client.post(f"/api/orders/{CODE}/events", {"event_id": "evt-6"})
    assert missing.status == 422 and len(missing.body["problems"]) == 2
    assert await snapshot(app) == before


async def test_an_unknown_order_is_404_and_changes_nothing(app: App, client: ShopClient) -> None:
    before = await snapshot(app)
    answer = await client.event("RG-2026-999999", "evt-7", "shipped", START_OF_TEST_TIME)
    assert (answer.status, answer.body) == (404, {"ok": False, "error": "unknown_order",
                                                  "order_codes": ["RG-2026-999999"]})
    nowhere = await client.post("/api/nothing-here", {})
    assert (nowhere.status, nowhere.body["error"]) == (404, "not_found")
    assert await snapshot(app) == before


async def test_the_status_it_already_has_and_a_late_event(app: App, client: ShopClient) -> None:
    same = await client.event(CODE, "evt-8", "packing", START_OF_TEST_TIME)
    assert same.body["results"][0]["outcome"] == "unchanged"
    assert (await client.event(CODE, "evt-9", "delivering", START_OF_TEST_TIME)).status == 200
    late = await client.event(CODE, "evt-10", "shipped", START_OF_TEST_TIME - timedelta(hours=3))
    assert late.body["results"][0]["outcome"] == "late"
    assert await status_of(app, CODE) == "delivering"  # a late event goes into the history only
    async with app.uow_factory() as uow:
        notices = (await uow.session.scalars(select(OutboxMessage))).all()
        assert len(notices) == 1  # delivering only


async def test_a_batch_is_recorded_in_order_or_refused_whole(app: App, client: ShopClient) -> None:
    t = START_OF_TEST_TIME - timedelta(hours=1)
    later = (t + timedelta(minutes=30)).isoformat()
    events = [
        {"order_code": CODE, "event_id": "b-2", "status": "delivering", "occurred_at": later},
        {"order_code": CODE, "event_id": "b-1", "status": "shipped", "occurred_at": t.isoformat()},
        {"order_code": OTHER.lower(), "event_id": "b-3", "status": "đã huỷ", "occurred_at": t.isoformat()},
    ]
    before = await snapshot(app)
    unknown = await client.post("/api/orders/events", {"events": [
        *events,
        {"order_code": "RG-0", "event_id": "b-4", "status": "shipped", "occurred_at": t.isoformat()}]})
    assert (unknown.status, unknown.body["order_codes"]) == (404, ["RG-0"])
    twice = await client.post("/api/orders/events", {"events": [*events, {**events[0], "status": "shipped"}]})
    assert twice.status == 422 and "b-2 is also event 1's" in twice.body["problems"][0]
    empty = await client.post("/api/orders/events", {"events": []})
    assert empty.status == 422
    assert await snapshot(app) == before

    answer = await client.post("/api/orders/events", {"events": events})
    assert answer.status == 200, answer.body
    assert [r["outcome"] for r in answer.body["results"]] == ["changed", "changed", "changed"]
    assert await status_of(app, CODE) == "delivering"  # oldest first: the latest status wins
    assert await status_of(app, OTHER) == "cancelled"
    replay = await client.post("/api/orders/events", {"events": [events[2]]})
    assert (replay.status, replay.body["event_ids"]) == (409, ["b-3"])
