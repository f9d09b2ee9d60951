"""Texts are data: both languages complete, placeholders aligned, values escaped; and the wording tests.

Every other test asserts what the bot said by key and slots (`tests/support/wording.py`), so that a
copy edit breaks none of them. The wording itself is held here: the tone of the Vietnamese, escaping,
what the truthful texts without staff must not claim, and the exact words of three key messages
(a copy edit to those three is meant to be made here too, on purpose).
"""

from __future__ import annotations

import re

import pytest

from bot.i18n import Catalog, Markup, normalize_language
from tests.support.wording import plain


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_english_has_exactly_the_vietnamese_keys(catalog: Catalog) -> None:
    assert catalog.keys("vi"), "no Vietnamese texts found"
    assert catalog.keys("vi") - catalog.keys("en") == set()
    assert catalog.keys("en") - catalog.keys("vi") == set()


def test_placeholders_match_between_languages(catalog: Catalog) -> None:
    for key in catalog.keys("vi"):
        assert catalog.placeholders("vi", key) == catalog.placeholders("en", key), key


def test_values_are_escaped_but_markup_is_kept(catalog: Catalog) -> None:
    text = catalog.text("vi", "core.welcome", name="<script>&")
    assert "&lt;script&gt;&amp;" in text
    assert "<b>RoseeGlory</b>" in text
    nested = catalog.text("vi", "core.policy_answer", answer=Markup("<b>ok</b>"))
    assert nested == "<b>ok</b>"


def test_vietnamese_wording_addresses_the_customer_consistently(catalog: Catalog) -> None:
    # One form of address across the bot: "Quý khách", never "bạn" mixed in; and to customers the bot
    # is "tôi"/"chúng tôi", never the "em" / "anh, chị" of a staff member's own voice.
    for key in catalog.keys("vi"):
        text = str(catalog.text("vi", key, **{n: "x" for n in catalog.placeholders("vi", key)}))
        words = re.findall(r"\w+", text.lower())
        assert "bạn" not in words, key
        if key.startswith(("core.", "complaints.")):
            assert not {"em", "anh", "chị"} & set(words), key


def filled(catalog: Catalog, language: str, key: str) -> str:
    return plain(catalog.text(language, key, **{n: "X" for n in catalog.placeholders(language, key)}))


def test_without_staff_the_texts_say_recorded_and_claim_no_one_took_it(catalog: Catalog) -> None:
    # The twins of bot/services/staff_reach.py: "Send records it", "recorded, no reply time", and no
    # one "in charge" or "staff" receiving what is only kept in the ticket.
    assert "để ghi nhận phiếu khiếu nại" in filled(catalog, "vi", "complaints.no_staff.summary")
    for key in ("complaints.no_staff.created", "complaints.no_staff.created_human"):
        assert "chưa thể hẹn thời gian phản hồi" in filled(catalog, "vi", key)
        assert "we cannot promise when you will get a reply" in filled(catalog, "en", key)
    assert "nhân viên" not in filled(catalog, "vi", "complaints.no_staff.relayed").lower()
    assert "staff" not in filled(catalog, "en", "complaints.no_staff.relayed").lower()
    already = filled(catalog, "vi", "complaints.no_staff.already_open")
    assert "sẽ được lưu vào phiếu này" in already and "phụ trách" not in already
    assert "chưa hẹn được thời gian phản hồi" in filled(catalog, "vi", "complaints.no_staff.next_step")
    assert "No reply time has been promised" in filled(catalog, "en", "complaints.no_staff.next_step")
    assert "Press “Send” to record it" in filled(catalog, "en", "complaints.no_staff.summary_human")


def test_the_exact_words_of_three_key_messages(catalog: Catalog) -> None:
    # The promise made when a ticket is opened, in Vietnamese, with its values in bold.
    created = catalog.text("vi", "complaints.created", number="KN-2026-000001",
                           first_reply_due="11:00 23/11/2026", resolution_due="09:00 26/11/2026")
    assert created == (
        "Đã tiếp nhận khiếu nại. Mã phiếu: <b>KN-2026-000001</b>.\n"
        "Nhân viên sẽ phản hồi Quý khách trước <b>11:00 23/11/2026</b>, và giải quyết trước "
        "<b>09:00 26/11/2026</b> (theo giờ làm việc, trừ cuối tuần và ngày lễ).\n"
        "Quý khách cứ nhắn tiếp tại đây, tin nhắn sẽ được chuyển tới nhân viên phụ trách."
    )
    # The truth told when nobody can answer, in English.
    assert catalog.text("en", "complaints.no_staff.created_human", number="HT-2026-000001") == (
        "Your request to talk to a person has been recorded. Ticket number: <b>HT-2026-000001</b>.\n"
        "This chat is not connected to our staff yet, so we cannot promise when you will get a reply.\n"
        "You can keep writing here; your messages are added to the ticket."
    )
    # The apology for an internal failure, its incident code set as code.
    assert catalog.text("vi", "core.internal_error", incident="1A2B3C4D") == (
        "Xin lỗi Quý khách, hệ thống vừa gặp sự cố nên chưa xử lý được tin nhắn này. "
        "Quý khách vui lòng thử lại sau ít phút. Mã sự cố: <code>1A2B3C4D</code>"
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("vi", "vi"), ("en-US", "en"), ("EN", "en"), ("fr", None), (None, None), ("", None)]
)
def test_client_language_codes(raw: str | None, expected: str | None) -> None:
    assert normalize_language(raw) == expected
