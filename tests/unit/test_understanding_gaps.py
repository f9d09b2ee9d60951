"""Issue 16's remaining gaps, library side: openers that only announce a question, a person asked
for in so many words, an order code settling order_status against request_status, understood shop
questions, and follow-ups whose pronoun stands for the customer's data.

The sentences here are not training examples (the conversation set and the held-out set hold others).
"""

from __future__ import annotations

import pytest

from bot.understanding import SHOP_TOPIC, Topic, Understander
from intents.discourse import asks_for_person, strip_social
from intents.slots import shop_business


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


@pytest.mark.parametrize(
    "text",
    ["ad ơi cho e hỏi", "em muốn hỏi", "I have a question", "shop oi cho minh hoi 1 chut",
     "hello, can I ask you something?", "chào shop ạ, em có câu hỏi"],
)
def test_an_opener_that_only_announces_a_question_is_a_greeting(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text).intent == "greeting"


@pytest.mark.parametrize(
    ("text", "rest"),
    [("cho e hỏi đơn hàng của e đâu", "đơn hàng của e đâu"),
     ("em muốn hỏi về việc hoàn tiền", "về việc hoàn tiền"),
     ("I have a quick question: where is my order?", "where is my order?")],
)
def test_the_announcement_is_not_the_question(text: str, rest: str) -> None:
    assert strip_social(text) == rest


def test_a_question_after_the_announcement_is_understood(understander: Understander) -> None:
    assert understander.understand("cho mình hỏi, đơn hàng của mình tới đâu rồi").intent == "order_status"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("e muốn gặp nhân viên để hỏi về việc hoàn tiền", "để hỏi về việc hoàn tiền"),
     ("cho minh noi chuyen voi nhan vien ve viec doi hang", "ve viec doi hang"),
     ("can I speak to someone about my invoice", "about my invoice"),
     ("cho mình gặp nhân viên", "")],
)
def test_a_person_asked_for_in_so_many_words(text: str, reason: str) -> None:
    assert asks_for_person(text) == reason


@pytest.mark.parametrize("text", ["nhân viên giao hàng rất thô lỗ", "tôi đã gặp nhân viên rồi mà chưa xong",
                                  "your staff member was rude"])
def test_a_person_named_is_not_a_person_asked_for(text: str) -> None:
    assert asks_for_person(text) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [("e muốn gặp nhân viên để hỏi về việc hoàn tiền", "human_handoff"),
     ("I want to talk to a person about my refund", "human_handoff"),
     ("tôi muốn gặp nhân viên để khiếu nại, hàng giao tới bị vỡ hết", "complaint")],
)
def test_a_person_asked_for_goes_to_a_person_unless_it_is_a_complaint(
    understander: Understander, text: str, intent: str
) -> None:
    assert understander.understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [("rg2026900001 cua e sao r ad", "order_status"),
     ("đơn RG-2026-900002 tới đâu rồi", "order_status"),
     ("yêu cầu của tôi đến đâu rồi?", "request_status")],
)
def test_a_code_settles_order_against_request_status(
    understander: Understander, text: str, intent: str
) -> None:
    assert understander.understand(text).intent == intent


@pytest.mark.parametrize(
    "text", ["phí ship bao nhiêu", "shop có bán son không", "do you sell perfume?", "sp nay con hang ko ad",
             "does the shop sell sunscreen"]
)
def test_an_understood_shop_question_is_out_of_scope_about_the_shop(
    understander: Understander, text: str
) -> None:
    result = understander.understand(text)
    assert (result.intent, result.topic) == ("out_of_scope", SHOP_TOPIC)


@pytest.mark.parametrize("text", ["thời tiết hôm nay thế nào", "messi ghi bao nhiêu bàn", "tell me a joke"])
def test_other_out_of_scope_is_not_about_the_shop(understander: Understander, text: str) -> None:
    result = understander.understand(text)
    assert result.intent == "out_of_scope" and result.topic is None
    assert not shop_business(text)


def test_a_pronoun_in_a_privacy_follow_up_is_the_customers_data(understander: Understander) -> None:
    result = understander.understand("and what do you use it for?", None, Topic("policy_question", 1))
    assert (result.intent, result.section, result.follow_up) == ("policy_question", 2, True)


def test_a_bare_pronoun_says_nothing_to_resolve(understander: Understander) -> None:
    result = understander.understand("còn cái đó thì sao", None, Topic("policy_question", 2))
    assert result.intent != "erasure_request"
