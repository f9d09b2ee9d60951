"""Dedupe keys of old deliveries are forgotten; recent ones keep guarding against retries."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.messages.events import InboundEvent
from bot.scheduling import PROCESSED_EVENTS_KEPT, forget_old_processed_events


async def test_old_keys_are_forgotten_recent_ones_kept(app: App, clock: ManualClock) -> None:
    def hello(key: str) -> InboundEvent:
        return InboundEvent(channel="telegram", user_id="9", chat_id="9", text="xin chào", event_key=key)

    assert await app.conversation.handle(hello("old"))
    clock.advance(PROCESSED_EVENTS_KEPT + timedelta(hours=1))
    assert await app.conversation.handle(hello("recent"))
    assert await forget_old_processed_events(app) == 1
    assert await forget_old_processed_events(app) == 0  # idempotent
    assert await app.conversation.handle(hello("recent")) == []  # still deduplicated
