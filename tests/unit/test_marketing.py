"""The opt-out's pure logic: which channels a sentence names, the current choice the ledger gives,
the addresses a message carries, how the list shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dialogue.flows.marketing import given_in
from bot.domain.marketing import ALL_CHANNELS, AddressKind, MarketingChannel, channels_named, ordered
from bot.services.consent_matching import Plan, latest_choices
from bot.services.marketing import (
    Given,
    InvalidAddress,
    Subject,
    SuppressionEntry,
    _shown,
    clean_email,
    clean_phone,
)
from bot.storage.models import ConsentEvent, Customer

EMAIL, SMS, CALL, TELEGRAM = (MarketingChannel.EMAIL, MarketingChannel.SMS, MarketingChannel.CALL,
                              MarketingChannel.TELEGRAM)


@pytest.mark.parametrize(("text", "channels"), [
    ("ngừng gửi quảng cáo cho tôi", set()),
    ("unsubscribe", set()),
    ("ko muon nhan sms quang cao nua", {SMS}),
    ("stop sending me marketing emails", {EMAIL}),
    ("hủy nhận Email quảng cáo", {EMAIL}),
    ("đừng gọi điện quảng cáo nữa", {CALL}),
    ("please stop calling me about offers", {CALL}),
    ("tắt tin nhắn telegram quảng cáo", {TELEGRAM}),
    ("đừng nhắn sms và gọi điện quảng cáo nữa", {SMS, CALL}),
    ("no more promo texts or calls", {SMS, CALL}),
    ("ngừng quảng cáo tất cả các kênh", set(ALL_CHANNELS)),
    ("stop everything", set(ALL_CHANNELS)),
    ("dung gui bat ky email hay sms nao", {EMAIL, SMS}),
])
def test_the_channels_a_message_names(text: str, channels: set[MarketingChannel]) -> None:
    assert channels_named(text) == channels


def test_channels_are_always_named_in_the_same_order() -> None:
    assert ordered({TELEGRAM, EMAIL, CALL}) == (EMAIL, CALL, TELEGRAM)


def _event(channel: str | None, granted: bool) -> ConsentEvent:
    return ConsentEvent(channel=channel, granted=granted, purpose="marketing", source="x")


def test_the_latest_event_per_channel_is_the_choice_and_an_import_sets_every_channel() -> None:
    assert latest_choices([]) == {}
    events = [_event(None, True), _event("email", False), _event("sms", False), _event("sms", True)]
    assert latest_choices(events) == {EMAIL: False, SMS: True, CALL: True, TELEGRAM: True}
    # The shop's file after the chat: every channel takes the file's flag (the suppression list does not).
    assert latest_choices([*events, _event(None, False)]) == dict.fromkeys(ALL_CHANNELS, False)


def test_the_addresses_a_message_carries_are_validated_and_normalised() -> None:
    assert given_in("email của em là Lan.Moi@Gmail.com ạ") == Given(("lan.moi@gmail.com",), ())
    assert given_in("ko muon nhan sms 0912.345.678 nua") == Given((), ("+84912345678",))
    assert given_in("cả lan@example.com và +84 912 345 678") == Given(("lan@example.com",), ("+84912345678",))
    assert not given_in("lan.moi@gmail")  # no domain: not an address
    assert not given_in("số 12345")  # not a phone number
    with pytest.raises(InvalidAddress):
        clean_email("lan@@example.com")
    with pytest.raises(InvalidAddress):
        clean_phone("0123")
    assert clean_phone("01688 123 456") == "+84388123456"  # renumbered in 2018, as the shop's records


def test_the_chat_shows_addresses_masked_and_never_a_telegram_id() -> None:
    shown = _shown({("email", "lan@example.com"), ("sms", "+84912345678"), ("call", "+84912345678"),
                    ("telegram", "1001")})
    assert len(shown) == 2 and "lan@example.com" not in shown and "+84912345678" not in shown
    assert all("1001" not in s for s in shown)


def test_what_a_subject_can_be_reached_at_without_asking() -> None:
    lan = Customer(full_name="Lan", phone="+84912345678", email=None)
    linked = Subject(lan, ("telegram", "1001"))
    assert linked.linked and linked.has(AddressKind.PHONE) and not linked.has(AddressKind.EMAIL)
    unknown = Subject(None, ("console", "c-1"))
    assert not unknown.linked and not unknown.has(AddressKind.PHONE) and not unknown.has(AddressKind.TELEGRAM)
    plan = Plan()
    plan.add(EMAIL, None)
    plan.add(SMS, "+84912345678")
    assert plan.pairs() == {("sms", "+84912345678")}


def test_an_entry_is_written_with_its_time_in_utc() -> None:
    entry = SuppressionEntry("sms", "phone", "+84912345678", datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    assert entry.as_json() == {"channel": "sms", "kind": "phone", "address": "+84912345678",
                               "since": "2026-12-02T07:00:00Z"}
