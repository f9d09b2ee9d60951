"""Two turns of one customer at once (two instances, each with an update of theirs) serialise on the
customer's dialogue-state row: the second reads what the first wrote, nothing is overwritten.

Each turn is held just before it writes its state back until the other turn gets there too, or a
second has passed. Without the row lock both turns read the state before either wrote it, so both
reach that point and the later write replaces the earlier one (an album's second photo loses the
first). With it, the second turn cannot read the state until the first has committed: the first
waits out its second alone, commits, and the second then adds to what the first kept.

On SQLite, BEGIN IMMEDIATE already runs one writing transaction at a time; the same story holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models import ChannelAccount, DialogueStateRow
from bot.storage.repositories.dialogue_states import DialogueStateRepository
from tests.support.harness import ChatHarness, HarnessUser

HOLD_SECONDS = 1.0


class Meeting:
    """Whoever arrives waits for the other, at most `HOLD_SECONDS`."""

    def __init__(self) -> None:
        self.arrived = 0
        self._both = asyncio.Event()

    async def attend(self) -> None:
        self.arrived += 1
        if self.arrived >= 2:
            self._both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._both.wait(), HOLD_SECONDS)


def hold_before(
    monkeypatch: pytest.MonkeyPatch, name: str, meeting: Meeting
) -> Callable[..., Any]:
    original = getattr(DialogueStateRepository, name)

    async def held(self: DialogueStateRepository, *args: Any, **kwargs: Any) -> Any:
        await meeting.attend()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(DialogueStateRepository, name, held)
    return original


async def at_attachments_step(harness: ChatHarness) -> HarnessUser:
    lan = harness.user("4004")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:product")
    await lan.presses("complaint:order:-")
    await lan.says("Hộp son bị móp, thỏi son gãy đôi")
    return lan


async def test_an_album_split_over_two_turns_keeps_both_photos(
    harness: ChatHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    lan = await at_attachments_step(harness)
    meeting = Meeting()
    original_save = hold_before(monkeypatch, "save", meeting)

    first, second = await asyncio.gather(
        lan.sends_file("photo", "album-1"), lan.sends_file("photo", "album-2")
    )

    counts = sorted(r.wording("complaints.attachment_received").values["count"] for r in (first, second))
    assert counts == [1, 2]
    async with harness.app.uow_factory() as uow:
        state = await uow.dialogue_states.get("telegram", "4004")
    assert state is not None
    assert sorted(item["file_id"] for item in state.data["attachments"]) == ["album-1", "album-2"]
    monkeypatch.setattr(DialogueStateRepository, "save", original_save)
    summary = await lan.presses("complaint:continue")
    assert summary.said("complaints.no_staff.summary", attachments="2")


async def test_a_new_customers_first_two_messages_at_once_are_both_answered(
    harness: ChatHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = Meeting()
    # On PostgreSQL both turns saw no state yet and both create it; on SQLite the second one waits
    # for the first's transaction and finds the state made.
    hold_before(monkeypatch, "create", meeting)
    minh = harness.user("5005", name="Minh")

    first, second = await asyncio.gather(minh.says("xin chào"), minh.says("chính sách bảo mật"))

    assert first.texts and second.texts, "neither message may go unanswered"
    async with harness.app.uow_factory() as uow:
        states = await uow.session.scalar(
            select(func.count()).select_from(DialogueStateRow).where(DialogueStateRow.user_id == "5005")
        )
        accounts = await uow.session.scalar(
            select(func.count()).select_from(ChannelAccount).where(ChannelAccount.channel_user_id == "5005")
        )
    assert (states, accounts) == (1, 1)
