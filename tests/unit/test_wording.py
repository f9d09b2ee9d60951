"""Texts remember what they say: the catalogue key and slots, kept by the actions and by the outbox."""

from __future__ import annotations

import json

import pytest

from bot.i18n import Catalog, Markup
from bot.messages.actions import (
    Button,
    OpenTopic,
    RequestContact,
    SendAttachment,
    SendEmail,
    SendText,
    action_from_payload,
    action_to_payload,
)
from bot.messages.events import Attachment
from bot.messages.wording import Wording, join, slot_value


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_a_rendered_text_records_its_key_and_the_raw_slot_values(catalog: Catalog) -> None:
    text = catalog.text("vi", "core.welcome", name="<Lan & Bình>")
    assert "&lt;Lan &amp; Bình&gt;" in text  # escaped in the text ...
    assert text.wordings == (Wording("core.welcome", (("name", "<Lan & Bình>"),), "vi"),)  # ... raw in a slot
    assert catalog.text("en", "core.welcome", name="Sam").wordings[0].language == "en"


def test_catalogue_text_in_a_slot_is_recorded_as_its_wording(catalog: Catalog) -> None:
    category = catalog.text("vi", "complaints.category.delivery")
    text = catalog.text("vi", "complaints.list_line", number="KN-2026-000001", category=category,
                        status=catalog.text("vi", "complaints.status_value.open"), created="—")
    (wording,) = text.wordings
    assert wording.values == {
        "number": "KN-2026-000001",
        "category": Wording("complaints.category.delivery", language="vi"),
        "status": Wording("complaints.status_value.open", language="vi"),
        "created": "—",
    }


def test_numbers_stay_numbers_and_hand_made_markup_is_its_string() -> None:
    assert slot_value(3) == 3 and slot_value(2.5) == 2.5
    assert slot_value(Markup("<b>ok</b>")) == "<b>ok</b>"
    assert slot_value(None) == "None"  # what the template printed


def test_joined_text_records_every_part_and_escapes_plain_parts(catalog: Catalog) -> None:
    header = catalog.text("vi", "complaints.list_header")
    joined = join([header, "a < b", catalog.text("vi", "core.thanks")])
    assert joined == f"{header}\na &lt; b\n{catalog.text('vi', 'core.thanks')}"
    assert [w.key for w in joined.wordings] == ["complaints.list_header", "core.thanks"]
    assert slot_value(joined) == joined.wordings


def test_string_operations_forget_the_wording_as_they_forget_the_safety(catalog: Catalog) -> None:
    text = catalog.text("vi", "core.thanks")
    assert SendText(text).wording == text.wordings
    assert SendText(text + "!").wording == ()
    assert SendText(str(text)).wording == ()


def test_actions_take_the_wording_of_their_text_and_buttons_that_of_their_label(catalog: Catalog) -> None:
    label = catalog.text("vi", "complaints.status_button")
    button = Button.labelled(label, "complaint:status:1")
    assert "&" not in button.label and button.wording == (Wording("complaints.status_button", (), "vi"),)
    asked = RequestContact(catalog.text("vi", "core.verify.ask_contact"), "📱", "Huỷ")
    assert [w.key for w in asked.wording] == ["core.verify.ask_contact"]
    explicit = SendText("plain", wording=(Wording("core.thanks"),))
    assert explicit.wording == (Wording("core.thanks"),)


NUMBER = "KN-2026-000001"
NESTED = Wording.of("complaints.status", number=NUMBER, category=Wording("complaints.category.other"),
                    next_step=(Wording.of("complaints.next_first_reply", due="11:00 23/11/2026"),), count=2)


@pytest.mark.parametrize(
    "action",
    [
        SendText("<b>Phiếu</b>", ((Button("A", "menu:a", (Wording("core.menu.back"),)), Button("B", "b")),),
                 wording=(NESTED, Wording("core.thanks"))),
        RequestContact("share", "📱", "Huỷ", (Wording("core.verify.reminder", language="en"),)),
        SendAttachment(Attachment("photo", "f-1"), "ảnh",
                       (Wording.of("complaints.staff_attachment", number=NUMBER),)),
        OpenTopic(f"{NUMBER} · Giao hàng", 1, (Wording.of("staff.topic_name", number=NUMBER),)),
        SendEmail("cskh@roseeorder.com", "Khiếu nại", "Nội dung",
                  (Wording("staff.email_subject"), Wording("staff.email_body"))),
    ],
)
def test_the_wording_survives_the_outbox(action: object) -> None:
    payload = json.loads(json.dumps(action_to_payload(action)))  # type: ignore[arg-type]
    back = action_from_payload(payload)
    assert back == action
    assert back.wording == action.wording  # type: ignore[union-attr, attr-defined]


def test_a_payload_without_wording_is_as_before_and_still_read() -> None:
    assert action_to_payload(SendText("hi", ((Button("A", "menu:a"),),))) == {
        "kind": "text", "text": "hi", "buttons": [[["A", "menu:a"]]], "remove_reply_keyboard": False,
    }
    old_row = {"kind": "text", "text": "hi", "buttons": [[["A", "menu:a"]]]}
    assert action_from_payload(old_row) == SendText("hi", ((Button("A", "menu:a"),),))
