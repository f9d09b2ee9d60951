"""Every scripted conversation of tests/data/conversations.toml reaches its outcome through the real
Telegram channel (the benchmark `python -m tests.benchmarks.conversations` reports the share; here
each one must).

One bot serves the whole module (started once, long-polling the fake Bot API, its database seeded
once); each conversation is a Telegram user it has never seen, and its buttons are pressed as
callback queries on the messages that carried them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.clock import ManualClock
from tests.conftest import START_OF_TEST_TIME
from tests.support.conversations import (
    STYLES,
    Conversation,
    load_conversations,
    run_conversation,
)
from tests.support.telegram_conversations import TelegramConversations

CONVERSATIONS = load_conversations()
TARGET_SHARE = 0.90  # issue 16: conversations reaching their outcome

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def telegram(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TelegramConversations]:
    database = tmp_path_factory.mktemp("conversations") / "bot.db"
    async with TelegramConversations.running(f"sqlite+aiosqlite:///{database}",
                                             clock=ManualClock(START_OF_TEST_TIME)) as running:
        yield running


def test_the_set_is_large_and_varied_enough() -> None:
    assert len(CONVERSATIONS) >= 60
    assert {c.style for c in CONVERSATIONS} == set(STYLES)
    assert len({c.id for c in CONVERSATIONS}) == len(CONVERSATIONS)
    assert all(c.expect for c in CONVERSATIONS), "a conversation without an outcome proves nothing"


def _marked(conversation: Conversation) -> object:
    if conversation.known_miss is None:
        return conversation
    return pytest.param(conversation, marks=pytest.mark.xfail(reason=conversation.known_miss, strict=True))


def test_known_misses_stay_under_the_target() -> None:
    missed = [c.id for c in CONVERSATIONS if c.known_miss]
    assert 1 - len(missed) / len(CONVERSATIONS) >= TARGET_SHARE, missed


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "conversation", [_marked(c) for c in CONVERSATIONS], ids=[c.id for c in CONVERSATIONS]
)
async def test_the_conversation_reaches_its_outcome(
    telegram: TelegramConversations, conversation: Conversation
) -> None:
    result = await run_conversation(telegram.customer(conversation), conversation, telegram.knowledge)
    assert result.reached, "\n".join([*result.problems, "", *result.transcript])
