"""Button data: every family packs to the data the bot has always sent, and refuses what it never sends."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.ticket_category import TicketCategory
from bot.messages.buttons import (
    MAX_ID,
    NO_ORDER,
    ButtonData,
    ButtonDataError,
    ComplaintButton,
    ComplaintCategoryButton,
    ComplaintOrderButton,
    DeskButton,
    IntentButton,
    LanguageButton,
    MenuButton,
    OrderButton,
    PolicyButton,
    RatingButton,
    TicketStatusButton,
    parse_button,
    prefix_of,
)

# Buttons already sitting in customers' chats carry these strings: they must keep meaning the same.
WIRE = [
    (MenuButton("privacy"), "menu:privacy"),
    (MenuButton("main"), "menu:main"),
    (LanguageButton("en"), "lang:en"),
    (IntentButton("marketing_opt_out"), "intent:marketing_opt_out"),
    (PolicyButton(7), "policy:7"),
    (OrderButton("RG-2026-000101"), "order:RG-2026-000101"),
    (ComplaintButton("submit"), "complaint:submit"),
    (ComplaintCategoryButton(TicketCategory.PERSONAL_DATA), "complaint:cat:personal_data"),
    (ComplaintOrderButton(NO_ORDER), "complaint:order:-"),
    (ComplaintOrderButton("RG-2026-000101"), "complaint:order:RG-2026-000101"),
    (TicketStatusButton(), "complaint:status"),
    (TicketStatusButton(12), "complaint:status:12"),
    (RatingButton(12, 5), "rate:12:5"),
    (RatingButton(12, "skip"), "rate:12:skip"),
    (DeskButton("reopen", 12), "desk:reopen:12"),
]


@pytest.mark.parametrize(("button", "data"), WIRE, ids=[data for _, data in WIRE])
def test_each_family_packs_the_data_sent_before_and_reads_it_back(button: ButtonData, data: str) -> None:
    assert button.pack() == data
    assert parse_button(data) == button
    assert type(button).unpack(data) == button


@pytest.mark.parametrize(
    "data",
    [
        "desk:take:abc", "desk:explode:12", "desk:take", "desk:take:12:13", "desk:take:-1", "desk:take:+1",
        "desk:take: 1", "desk:take:１２", f"desk:take:{MAX_ID + 1}", "desk:take:99999999999",
        "rate:1:99", "rate:1:0", "rate:1:05", "rate:abc:5", "rate:1", "rate::5",
        "complaint:status:abc", "complaint:status:", f"complaint:status:{10**12}", "complaint:list:3",
        "complaint:cat:bogus", "complaint:order:" + "A" * 41, "complaint", "complaint:explode",
        "menu:nowhere", "lang:fr", "intent:DROP TABLE", "intent:", "policy:one", "order:",
        "order:ABC-1:../../etc", "x" * 65, "desk:take:" + "1" * 60, "", "nothing-of-ours", ":",
    ],
)
def test_data_no_button_of_ours_carries_is_refused(data: str) -> None:
    assert parse_button(data) is None


def test_unpacking_the_wrong_class_is_an_error_not_a_wrong_button() -> None:
    with pytest.raises(ButtonDataError):
        DeskButton.unpack("rate:12:5")
    with pytest.raises(ButtonDataError):
        ComplaintButton.unpack("complaint:cat:delivery")  # a category button, not a complaint step


def test_the_longest_prefix_decides_the_class() -> None:
    assert prefix_of("complaint:cat:bogus") == "complaint:cat"
    assert prefix_of("complaint:whatever") == "complaint"
    assert prefix_of("desk:take:abc") == "desk"
    assert prefix_of("nothing:here") is None


def test_packing_checks_the_64_byte_limit_and_the_fields() -> None:
    with pytest.raises(ButtonDataError):
        OrderButton("A" * 41).pack()  # longer than any order code
    with pytest.raises(ButtonDataError):
        DeskButton("take", MAX_ID + 1).pack()
    with pytest.raises(ButtonDataError):
        RatingButton(1, True).pack()  # type: ignore[arg-type]
    with pytest.raises(ButtonDataError):
        OrderButton("A:B").pack()  # the separator cannot be part of a field
    assert len(RatingButton(MAX_ID, "skip").pack().encode()) <= 64


def test_a_family_too_long_for_telegram_is_refused_when_packed() -> None:
    @dataclass(frozen=True)
    class Wide(ButtonData, prefix="test-wide"):
        first: str
        second: str

    assert Wide("a", "b").pack() == "test-wide:a:b"
    with pytest.raises(ButtonDataError, match="64"):
        Wide("a" * 30, "b" * 30).pack()


def test_a_prefix_is_taken_once() -> None:
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class AnotherDesk(ButtonData, prefix="desk"):
            action: str
