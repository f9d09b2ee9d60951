"""The polling offset confirms only finished updates (bot/channels/bot_api/polling.py)."""

from __future__ import annotations

from bot.channels.bot_api.polling import ConfirmedOffset
from bot.channels.bot_api.sender import is_private_chat


def test_nothing_seen_confirms_nothing() -> None:
    assert ConfirmedOffset().offset is None


def test_the_offset_stays_at_the_oldest_update_in_hand() -> None:
    offsets = ConfirmedOffset()
    assert [offsets.take(u) for u in (5, 6, 7)] == [True, True, True]
    assert offsets.offset == 5  # a poll now confirms nothing of the batch
    offsets.finish(6)
    offsets.finish(7)
    assert offsets.offset == 5  # 5 is still in hand: 6 and 7 wait for it
    offsets.finish(5)
    assert offsets.offset == 8 and offsets.in_hand == 0


def test_updates_returned_again_are_not_handled_twice() -> None:
    offsets = ConfirmedOffset()
    offsets.take(10)
    offsets.take(11)
    offsets.finish(11)
    # The next poll (offset 10) brings 10 and 11 back, and 12 new.
    assert [offsets.take(u) for u in (10, 11, 12)] == [False, False, True]
    offsets.finish(10)
    assert offsets.offset == 12
    assert offsets.take(9) is False  # below the offset: confirmed long ago


def test_gaps_in_update_ids_do_not_hold_the_offset() -> None:
    offsets = ConfirmedOffset()
    offsets.take(3)
    offsets.take(9)
    offsets.finish(3)
    assert offsets.offset == 9
    offsets.finish(9)
    assert offsets.offset == 10


def test_only_people_have_private_chats() -> None:
    assert is_private_chat("1001")
    assert not is_private_chat("-1002000000001") and not is_private_chat("-42")
    assert not is_private_chat("console-1a2b")
