"""Errors are not mistaken for duplicates: only the event's claim says "handled before".

An IntegrityError in a turn used to be logged at INFO as a duplicate delivery and the customer got
nothing. Now a conflict is a race with a concurrent turn: the turn runs once more on what that turn
committed; if it fails again it is an incident (traceback logged under an id, an apology with that
id). Two instances on one database (two apps, as two processes would be) take a new customer's two
first messages at once, and both are answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.dialogue.ports import TextUnderstander
from bot.storage.models import ChannelAccount, DialogueStateRow, ProcessedEvent
from bot.storage.repositories.dialogue_states import DialogueStateRepository
from tests.integration.test_concurrent_turns import Meeting, hold_before
from tests.support.harness import ChatHarness


def conflict() -> IntegrityError:
    cause = Exception("UNIQUE constraint failed: tickets.number")
    return IntegrityError("INSERT INTO tickets ...", {}, cause)


def failing_save(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """The state's write-back raises an IntegrityError the first `times` times."""
    original = DialogueStateRepository.save
    raised: list[int] = []

    async def save(self: DialogueStateRepository, *args: Any, **kwargs: Any) -> Any:
        if len(raised) < times:
            raised.append(1)
            raise conflict()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(DialogueStateRepository, "save", save)
    return raised


async def claims(app: App, key: str) -> int:
    async with app.uow_factory() as uow:
        query = select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_key == key)
        return int(await uow.session.scalar(query) or 0)


async def test_a_conflict_once_is_a_race_the_turn_runs_again_and_answers(
    harness: ChatHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    raised = failing_save(monkeypatch, times=1)
    reply = await harness.user("6001").says("chính sách bảo mật")

    assert raised == [1]
    assert reply.texts and not reply.said("core.internal_error")
    assert "duplicate" not in caplog.text


async def test_a_conflict_that_stays_is_an_incident_with_an_apology_not_a_duplicate(
    harness: ChatHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    failing_save(monkeypatch, times=2)
    caplog.set_level(logging.INFO)
    user = harness.user("6002")
    reply = await user.says("chính sách bảo mật")

    apology = reply.wording("core.internal_error")
    incident = str(dict(apology.slots)["incident"])
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and incident in r.getMessage()]
    assert errors and errors[0].exc_info is not None, "the traceback is logged under the incident id"
    assert "duplicate" not in caplog.text
    # Nothing of the failed turn was kept, its claim neither: a redelivery is handled, not skipped.
    again = await user.says("chính sách bảo mật")
    assert again.texts and not again.said("core.internal_error")


async def test_a_true_duplicate_is_answered_once_and_says_so_at_info(
    harness: ChatHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = harness.user("6003")
    first = await user.says("xin chào")
    event = harness.last_event
    assert first.texts and event is not None
    assert await harness.app.conversation.handle(event) == []
    assert await claims(harness.app, str(event.event_key)) == 1
    assert any(r.levelno == logging.INFO and "handled before" in r.getMessage() for r in caplog.records)


@pytest.fixture
async def second_instance(settings: Settings, clock: ManualClock,
                          understander: TextUnderstander) -> AsyncIterator[App]:
    """Another app on the same database: what a second process (replica) of the bot is."""
    other = await build_app(settings, clock=clock, understander=understander, migrate=False)
    yield other
    await other.close()


async def test_two_instances_answer_a_new_customers_two_first_messages(
    harness: ChatHarness, second_instance: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = Meeting()
    hold_before(monkeypatch, "create", meeting)  # both turns reach the state's creation together
    other = ChatHarness(second_instance)
    on_one, on_other = harness.user("6004", name="Minh"), other.user("6004", name="Minh")

    first, second = await asyncio.gather(on_one.says("xin chào"), on_other.says("chính sách bảo mật"))

    assert first.texts and second.texts, "neither message may go unanswered"
    assert not first.said("core.internal_error") and not second.said("core.internal_error")
    async with harness.app.uow_factory() as uow:
        states = await uow.session.scalar(
            select(func.count()).select_from(DialogueStateRow).where(DialogueStateRow.user_id == "6004"))
        accounts = await uow.session.scalar(
            select(func.count()).select_from(ChannelAccount).where(ChannelAccount.channel_user_id == "6004"))
    assert (states, accounts) == (1, 1)
