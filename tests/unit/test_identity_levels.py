"""Levels as pure logic: which factors hold, which are fresh, what the strong level needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.identity.levels import Factor, Level, LevelTooLow, identity_of
from bot.storage.models import ChannelAccount, Customer

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
PHONE, EMAIL = "+84912345678", "lan@example.com"


def customer(phone: str | None = PHONE, email: str | None = EMAIL) -> Customer:
    return Customer(id=1, full_name="Nguyễn Thị Lan", phone=phone, email=email)


def account(*, phone_at: datetime | None = None, email_at: datetime | None = None,
            order_at: datetime | None = None, phone: str = PHONE, email: str = EMAIL) -> ChannelAccount:
    return ChannelAccount(
        channel="telegram", channel_user_id="1001", customer_id=1,
        verified_phone=phone if phone_at else None, phone_verified_at=phone_at,
        verified_email=email if email_at else None, email_verified_at=email_at,
        order_code_verified_at=order_at,
    )


def test_one_factor_links_and_allows_no_more() -> None:
    identity = identity_of(account(phone_at=NOW - timedelta(days=30)), customer(), NOW, WINDOW)
    assert identity.level is Level.LINKED and identity.held == {Factor.PHONE}
    assert identity.missing_for_strong == (Factor.PHONE, Factor.EMAIL)  # the old phone proof is not fresh
    assert identity.customer_at(Level.LINKED).id == 1
    with pytest.raises(LevelTooLow):
        identity.customer_at(Level.STRONG)


def test_both_factors_fresh_are_strong_until_the_older_one_ages() -> None:
    identity = identity_of(account(phone_at=NOW - timedelta(minutes=5), email_at=NOW - timedelta(minutes=1)),
                           customer(), NOW, WINDOW)
    assert identity.level is Level.STRONG
    assert identity.strong_until == NOW + timedelta(minutes=10)
    later = identity_of(account(phone_at=NOW - timedelta(minutes=16), email_at=NOW - timedelta(minutes=1)),
                        customer(), NOW, WINDOW)
    assert later.level is Level.LINKED and later.missing_for_strong == (Factor.PHONE,)


@pytest.mark.parametrize(
    ("on_file", "proof", "needed"),
    [
        ({"phone": PHONE, "email": None}, {"phone_at": NOW}, (Factor.PHONE, Factor.ORDER_CODE)),
        ({"phone": None, "email": EMAIL}, {"email_at": NOW}, (Factor.EMAIL, Factor.ORDER_CODE)),
    ],
    ids=["phone-only", "email-only"],
)
def test_with_one_factor_on_file_an_order_code_completes_the_strong_level(
    on_file: dict[str, str | None], proof: dict[str, datetime], needed: tuple[Factor, ...]
) -> None:
    linked = identity_of(account(**proof), customer(**on_file), NOW, WINDOW)
    assert linked.level is Level.LINKED and linked.needed_for_strong == needed
    strong = identity_of(account(**proof, order_at=NOW), customer(**on_file), NOW, WINDOW)
    assert strong.level is Level.STRONG


def test_an_order_code_alone_is_nothing_and_does_not_replace_a_second_factor_on_file() -> None:
    assert identity_of(account(order_at=NOW), customer(), NOW, WINDOW).level is Level.NONE
    both_on_file = identity_of(account(phone_at=NOW, order_at=NOW), customer(), NOW, WINDOW)
    assert both_on_file.level is Level.LINKED and both_on_file.missing_for_strong == (Factor.EMAIL,)


def test_a_proof_of_what_is_no_longer_on_file_leaves_the_link_stale() -> None:
    changed_number = identity_of(account(phone_at=NOW), customer(phone="+84381234567"), NOW, WINDOW)
    assert changed_number.level is Level.NONE and changed_number.stale and changed_number.customer is None
    changed_email = identity_of(account(email_at=NOW), customer(email="new@example.com"), NOW, WINDOW)
    assert changed_email.level is Level.NONE and changed_email.stale


def test_levels_kept_by_label_read_back_and_an_unknown_label_asks_for_the_most() -> None:
    assert Level.named("linked") is Level.LINKED and Level.named("strong") is Level.STRONG
    assert Level.named("bogus") is Level.STRONG and Level.LINKED.label == "linked"


def test_a_phone_proof_expires_after_its_age() -> None:
    """PHONE_PROOF_DAYS (issue 15, part 10): a phone shared long ago must be shared again."""
    age = timedelta(days=180)
    young = identity_of(account(phone_at=NOW - timedelta(days=179)), customer(), NOW, WINDOW,
                        phone_max_age=age)
    assert young.level is Level.LINKED
    old = identity_of(account(phone_at=NOW - timedelta(days=181), order_at=NOW), customer(), NOW, WINDOW,
                      phone_max_age=age)
    assert old.level is Level.NONE and old.customer is None
    with_email = identity_of(account(phone_at=NOW - timedelta(days=181), email_at=NOW), customer(), NOW,
                             WINDOW, phone_max_age=age)
    assert with_email.level is Level.LINKED and with_email.held == {Factor.EMAIL}
