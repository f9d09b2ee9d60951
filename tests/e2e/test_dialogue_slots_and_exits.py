"""The conversation core, walked as customers do: what a message already says fills the flow, every step
can be left, an interruption is set aside and offered back, and an open ticket does not trap anyone."""

from __future__ import annotations

import pytest

from tests.e2e.test_complaint_flow import (
    BINH_ORDER,
    LAN_ORDER,
    LAN_PHONE,
    STAFF_CHAT,
    messages,
    seed,
    tickets,
)
from tests.support.harness import ChatHarness
from tests.support.wording import key


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_chat_is_forum": True}


# Slots: nothing is asked twice ---------------------------------------------------------------------------
async def test_a_complaints_first_message_fills_category_order_and_story(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001")
    await lan.shares_contact(LAN_PHONE)
    story = f"tôi muốn khiếu nại, đơn {LAN_ORDER} giao trễ 5 ngày rồi mà chưa thấy ai liên hệ"
    first = await lan.says(story)
    # Category, order and description were all in the message: only the optional files are asked for.
    assert first.said("complaints.ask_attachments")
    assert not first.said("complaints.choose_category") and not first.said("complaints.ask_description")
    summary = await lan.says("không có")
    assert summary.said("complaints.summary", category=key("complaints.category.delivery"), order=LAN_ORDER,
                        description=story)
    # What was guessed can be corrected at the summary, and only that is asked again.
    assert summary.button("complaints.edit_category_button") == "complaint:edit_category"
    asked = await lan.presses("complaint:edit_category")
    assert asked.said("complaints.choose_category")
    again = await lan.presses("complaint:cat:product")
    assert again.said("complaints.summary", category=key("complaints.category.product"), order=LAN_ORDER,
                      description=story)
    await lan.presses("complaint:submit")
    (ticket,) = await tickets(harness)
    assert (ticket.category, ticket.order_code, ticket.description) == ("product", LAN_ORDER, story)


async def test_someone_elses_code_in_the_first_message_is_not_taken(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001")
    await lan.shares_contact(LAN_PHONE)
    first = await lan.says(f"bị trừ tiền 2 lần cho đơn {BINH_ORDER}")
    assert first.said("complaints.order_not_found")  # the same words as for a code that does not exist
    assert first.button("core.orders.details_button", code=LAN_ORDER) == f"complaint:order:{LAN_ORDER}"
    assert BINH_ORDER not in str(first.buttons)


async def test_a_reason_given_with_the_request_for_a_person_is_the_ticket(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    asked = "tôi muốn gặp nhân viên để hỏi về việc hoàn tiền"
    reply = await lan.says(asked)
    assert reply.said("complaints.summary_human", description=asked)
    assert not reply.said("complaints.ask_description_short")
    bare = await harness.user("1002").says("cho mình gặp nhân viên với")
    assert bare.said("complaints.ask_description_short")


async def test_words_in_the_order_step_are_not_an_order_code(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:delivery")
    reply = await lan.says("hmm để xem")
    assert reply.said("complaints.order_code_expected")
    assert reply.said("complaints.choose_order_unverified")
    typed = await lan.says("mã đơn là rg 2026 000101 ạ")
    assert typed.said("complaints.order_noted_unverified", code=LAN_ORDER)
    assert typed.said("complaints.ask_description")


# No trap --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("words", ["thôi", "Thoi!", "không cần nữa", "never mind"])
async def test_stop_words_leave_any_step(harness: ChatHarness, words: str) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:delivery")
    await lan.presses("complaint:order:-")
    left = await lan.says(words)
    assert left.said("complaints.cancelled")
    assert (await lan.says("/cancel")).said("core.nothing_to_cancel")


async def test_stop_words_leave_the_verification_step_and_a_greeting_is_answered_there(
    harness: ChatHarness,
) -> None:
    lan = harness.user("1001")
    asked = await lan.says("đơn hàng của tôi đâu")
    assert asked.asks_for_contact
    hello = await lan.says("xin chào")
    assert hello.said("core.in_flow.greeting") and hello.asks_for_contact
    assert (await lan.says("thôi")).said("core.cancelled")


async def test_lang_keeps_the_flow_and_asks_its_question_in_the_new_language(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    switched = await lan.says("/lang en")
    assert switched.said_in("en", "core.language_set")
    assert switched.said_in("en", "complaints.choose_category")
    # Still in the same step: the category button works.
    assert (await lan.presses("complaint:cat:payment")).said_in("en", "complaints.choose_order_unverified")


async def test_help_inside_a_flow_keeps_it(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:payment")
    helped = await lan.says("/help")
    assert helped.said("core.help") and helped.said("complaints.choose_order_unverified")


async def test_a_clear_new_question_suspends_the_flow_and_it_is_offered_back(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:payment")
    answered = await lan.says("shop có chia sẻ số điện thoại của tôi cho bên thứ ba không?")
    assert answered.said("core.policy_answer")
    offer = answered.wording("core.resume.offer")
    assert offer.slots == (("what", key("core.resume.flow.complaint")),) or offer.slots
    assert answered.button("core.resume.go_button") == "resume:go:complaint"
    resumed = await lan.presses("resume:go:complaint")
    # Back where it was, with the category kept: the order is asked, not the category.
    assert resumed.said("complaints.choose_order_unverified")
    await lan.presses("complaint:order:-")
    story = "Bị trừ tiền hai lần cho cùng một đơn hàng"
    await lan.says(story)
    summary = await lan.presses("complaint:continue")
    assert summary.said("complaints.summary", category=key("complaints.category.payment"),
                        order=key("complaints.no_order"), description=story,
                        attachments=key("complaints.no_attachments"))


async def test_a_suspended_flow_is_offered_once_and_can_be_let_go(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    first = await lan.says("chính sách bảo mật thu thập những thông tin gì")
    assert first.said("core.resume.offer")
    second = await lan.says("dữ liệu của tôi được lưu ở đâu")
    assert not second.said("core.resume.offer")  # offered once, not after every answer
    dropped = await lan.presses("resume:drop:complaint")
    assert dropped.said("core.resume.dropped")
    assert (await lan.presses("resume:go:complaint")).said("core.stale_button")


async def test_a_contact_shared_mid_complaint_keeps_the_draft(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:product")
    await lan.presses("complaint:order:-")
    linked = await lan.shares_contact(LAN_PHONE)
    assert linked.said("core.resume.offer")
    resumed = await lan.presses("resume:go:complaint")
    assert resumed.said("complaints.ask_description")


async def test_start_forgets_what_was_set_aside(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.says("chính sách bảo mật thu thập những thông tin gì")
    await lan.says("/start")
    assert (await lan.presses("resume:go:complaint")).said("core.stale_button")


async def test_forged_resume_buttons_are_stale(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    forged = ("resume:go:complaint", "resume:go:admin", "resume:go:", "resume:jump:complaint",
              "resume:go:" + "x" * 60)
    for data in forged:
        assert (await lan.presses(data)).said("core.stale_button")


# An open ticket -------------------------------------------------------------------------------------------
async def test_an_open_ticket_acknowledges_a_burst_once_and_can_be_left_and_rejoined(
    harness: ChatHarness,
) -> None:
    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Tôi cần đổi địa chỉ nhận hàng")
    await lan.presses("complaint:submit")
    first = await lan.says("Địa chỉ mới là 12 Lý Thường Kiệt")
    second = await lan.says("Phường 7, Quận 10 ạ")
    assert first.said("complaints.relayed", number="HT-2026-000001")
    assert not second.said("complaints.relayed")  # the same burst: not acknowledged again
    left = await lan.presses("complaint:leave")
    assert left.said("complaints.left_ticket_conversation")
    # Now the assistant answers, and nothing more goes to staff.
    hello = await lan.says("xin chào")
    assert hello.said("core.welcome") or hello.said("core.menu_prompt")
    assert [m.text for m in await messages(harness)][-1] == "Phường 7, Quận 10 ạ"
    back = await lan.presses("complaint:back")
    assert back.said("complaints.back_in_ticket_conversation", number="HT-2026-000001")
    relayed = await lan.says("Nhờ shop đổi giúp em nhé")
    assert relayed.said("complaints.relayed", number="HT-2026-000001")
    assert [m.text for m in await messages(harness)][-1] == "Nhờ shop đổi giúp em nhé"
