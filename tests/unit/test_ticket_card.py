"""The staff card, topic name and complaints email: what staff see, and what they must not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import load_settings
from bot.domain.masking import mask_phone
from bot.domain.ticket_category import TicketCategory, ticket_number
from bot.i18n import Catalog
from bot.messages.actions import CALLBACK_DATA_MAX_BYTES
from bot.messages.buttons import MAX_ID
from bot.services.ticket_rendering import TicketRenderer
from bot.storage.models import Ticket
from tests.support.wording import key, label, markup, rendered, worded

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def make_ticket(**fields: object) -> Ticket:
    values: dict[str, object] = dict(
        id=123,
        number="KN-2026-000123",
        kind="complaint",
        category="delivery",
        status="open",
        channel="telegram",
        channel_user_id="1001",
        chat_id="1001",
        customer_name="Nguyễn Thị Lan",
        order_code="RG-2026-000101",
        description="Hộp bị móp <b>nặng</b> & son gãy",
        language="vi",
        created_at=NOW,
        first_reply_due_at=datetime(2026, 11, 23, 4, 0, tzinfo=UTC),
        resolution_due_at=datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
        handling_due_at=datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
    )
    values.update(fields)
    return Ticket(**values)


def wording(**overrides: object) -> TicketRenderer:
    settings = load_settings(None, staff_chat_id=-100123, **overrides)
    return TicketRenderer(Catalog.load(), settings)


def test_card_shows_what_staff_need_and_masks_the_phone() -> None:
    card = wording().render_card(
        make_ticket(), phone=mask_phone("+84912345678"), verified=True, attachments=2
    )
    assert worded(
        card, "staff.card", number="KN-2026-000123", kind=key("staff.kind.complaint"),
        category=key("complaints.category.delivery"), order="RG-2026-000101", name="Nguyễn Thị Lan",
        phone="+84••••••678", verified=key("staff.verified"), first_reply_due="11:00 23/11/2026",
        resolution_due="09:00 27/11/2026", handling_due="09:00 03/12/2026",
        attachments=key("staff.attachments_count", count=2), hint=key("staff.hint_forum"),
    )
    assert "912345678" not in card.text
    # The customer's words are escaped: they cannot format or inject markup into the staff chat.
    assert "&lt;b&gt;nặng&lt;/b&gt; &amp; son gãy" in card.text
    datas = [button.data for row in card.buttons for button in row]
    assert datas == ["desk:take:123", "desk:resolve:123", "desk:reopen:123"]
    assert all(len(d.encode()) <= CALLBACK_DATA_MAX_BYTES for d in datas)


def test_unverified_customer_and_typed_order_are_marked() -> None:
    card = wording().render_card(
        make_ticket(order_code="XYZ<1>"), phone=mask_phone(None), verified=False, attachments=0
    )
    assert worded(card, "staff.card", verified=key("staff.unverified"),
                  order=key("staff.order_unchecked", code="XYZ<1>"), attachments=key("staff.no_attachments"))
    assert "XYZ&lt;1&gt;" in card.text


@pytest.mark.parametrize(("forum", "hint"), [(True, "staff.hint_forum"), (False, "staff.hint_reply")])
def test_card_explains_how_to_answer(forum: bool, hint: str) -> None:
    card = wording(staff_chat_is_forum=forum).render_card(
        make_ticket(), phone="—", verified=False, attachments=0
    )
    assert worded(card, "staff.card", hint=key(hint))


def test_request_for_a_person_is_labelled_as_such() -> None:
    ticket = make_ticket(kind="human", category="other", number="HT-2026-000124", order_code=None)
    n = wording()
    human = markup("complaints.category.human")
    assert n.topic_name(ticket) == rendered("staff.topic_name", number="HT-2026-000124", category=human)
    card = n.render_card(ticket, phone="—", verified=False, attachments=0)
    assert worded(card, "staff.card", kind=key("staff.kind.human"), category=key("complaints.category.human"))


def test_topic_name_is_number_and_category_within_telegram_limit() -> None:
    n = wording()
    delivery = markup("complaints.category.delivery")
    expected = rendered("staff.topic_name", number="KN-2026-000123", category=delivery)
    assert n.topic_name(make_ticket()) == expected
    for category in TicketCategory:
        assert len(n.topic_name(make_ticket(category=category.value))) <= 128


def test_email_is_plain_text_with_the_facts() -> None:
    email = wording().compose_email(
        make_ticket(), "khieunai@roseeorder.com", phone="+84••••••678", verified=True, attachments=1
    )
    assert email.to == "khieunai@roseeorder.com"
    assert email.subject == rendered("staff.email_subject", number="KN-2026-000123",
                                     kind=markup("staff.kind.complaint"),
                                     category=markup("complaints.category.delivery"))
    assert "Hộp bị móp <b>nặng</b> & son gãy" in email.body  # plain text: no HTML escaping
    assert "+84••••••678" in email.body and "11:00 23/11/2026" in email.body and "&amp;" not in email.body


def test_ticket_numbers() -> None:
    assert ticket_number("complaint", 2026, 123) == "KN-2026-000123"
    assert ticket_number("human", 2027, 1234567) == "HT-2027-1234567"


def test_rating_buttons_fit_callback_data() -> None:
    keyboard = wording().rating_keyboard(make_ticket(id=MAX_ID))
    assert [b.data for b in keyboard[0]] == [f"rate:{MAX_ID}:{n}" for n in range(1, 6)]
    assert keyboard[0][4].label == label("complaints.rate_button", stars="⭐⭐⭐⭐⭐")
