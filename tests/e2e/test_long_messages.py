"""Long texts arrive whole. A Telegram message holds up to 4,096 characters; the bot used to cut what
it read at 4,000 without a word, so the end of a long message never reached staff or the customer.
What the bot passes on with a name and a ticket number before it is longer than one message, and is
sent as several, in order. Longer input than Telegram allows (the console) is read up to 4,096
characters, and the reply says so first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.messages.events import MAX_TEXT_CHARS
from tests.e2e.test_staff_desk_telegram import LAN, STAFF_CHAT, in_thread, ticket_in_a_topic
from tests.fakes.bot_api import FakeBotApi
from tests.support.harness import ChatHarness
from tests.support.telegram_bot import TelegramBotUnderTest, says

END = "HẾT-THƯ"


def long_text(characters: int = 4096, end: str = END) -> str:
    """Vietnamese words up to exactly `characters` (one UTF-16 unit each), ending with `end`."""
    words = "Son bị gãy đôi khi mở hộp, hộp móp & giấy gói rách. "
    body = (words * (characters // len(words) + 1))[: characters - len(end) - 1].rstrip()
    return f"{body} {end}".rjust(characters, "x")


def without_spaces(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
async def desk_bot(api: FakeBotApi, sqlite_url: str,
                   telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, staff_chat_id=STAFF_CHAT,
                                      staff_chat_is_forum=True)
    yield under_test
    await under_test.stop()


async def test_a_4096_character_message_reaches_staff_whole_and_the_reply_reaches_the_customer_whole(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    staff, ha, lan, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None
    text = long_text()
    assert len(text) == 4096 and text.endswith(END)

    lan.send_text(text)
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, END), timeout=10)
    parts = [c.result["text"] for c in api.calls_of("sendMessage", ok_only=True)
             if c.chat_id == STAFF_CHAT and c.params.get("message_thread_id") == thread]
    relayed = parts[parts.index(next(p for p in parts if "Son bị gãy đôi" in p)):]
    assert len(relayed) == 2, "one message of the customer's, with its heading, is two in the topic"
    assert without_spaces(text) in without_spaces("".join(relayed))

    answer = long_text(end="HẾT-TRẢ-LỜI")
    assert len(answer) == 4096
    staff.send_text(ha, answer, thread_id=thread)
    await api.wait_for("sendMessage", says(LAN, "HẾT-TRẢ-LỜI"), timeout=10)
    await asyncio.sleep(0.3)
    to_lan = api.sent_texts(LAN)
    start = next(i for i, t in enumerate(to_lan) if "Son bị gãy đôi" in t)
    assert without_spaces(answer) in without_spaces("".join(to_lan[start:]))
    assert all(len(t) <= 4096 for t in to_lan)


async def test_longer_input_than_telegram_allows_is_read_up_to_the_limit_and_said_so(
    harness: ChatHarness,
) -> None:
    lan = harness.user("7007")
    await lan.presses("menu:human")
    reply = await lan.says(long_text(5000))
    assert reply.keys[0] == "core.text_cut" and reply.said_in("vi", "core.text_cut", limit="4.096")
    summary = reply.wording("complaints.no_staff.summary_human").values["description"]
    assert isinstance(summary, str) and len(summary) == MAX_TEXT_CHARS
    assert "Son bị gãy đôi" in summary and END not in summary  # the end was beyond the limit


async def test_a_message_within_the_limit_gets_no_such_notice(harness: ChatHarness) -> None:
    lan = harness.user("7008", language="en")
    await lan.presses("menu:human")
    reply = await lan.says(long_text(MAX_TEXT_CHARS))
    assert not reply.said("core.text_cut")
    assert END in reply.text
