"""Closing and reopening a ticket's topic as Bot API calls: the row's thread, never a message."""

from __future__ import annotations

import pytest
from aiogram.methods import CloseForumTopic, ReopenForumTopic

from bot.channels.bot_api.rendering import render
from bot.channels.telegram.rendering import to_method
from bot.messages.actions import Address, CloseTopic, ReopenTopic


@pytest.mark.parametrize(("action", "method"), [(CloseTopic(5), CloseForumTopic),
                                                (ReopenTopic(5), ReopenForumTopic)])
def test_the_topic_of_the_rows_thread(action: CloseTopic | ReopenTopic, method: type) -> None:
    (step,) = render(action, Address("telegram", "-1002000000001", 42))
    call = to_method(step)
    assert isinstance(call, CloseForumTopic | ReopenForumTopic) and type(call) is method
    assert (call.chat_id, call.message_thread_id) == (-1002000000001, 42) and not step.is_message


@pytest.mark.parametrize("action", [CloseTopic(5), ReopenTopic(5)])
def test_without_a_thread_there_is_nothing_to_call(action: CloseTopic | ReopenTopic) -> None:
    assert render(action, Address("telegram", "-1002000000001")) == []
