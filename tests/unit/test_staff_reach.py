"""Whether customers may be promised a reply: one decision from the settings, and truthful twins."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.i18n import Catalog
from bot.services.staff_reach import (
    NO_STAFF_DESTINATION,
    customer_wording,
    promised_texts,
    staff_destinations,
    staff_reachable,
)

MAILBOX = "khieunai@roseeorder.com"


@pytest.mark.parametrize(
    ("overrides", "destinations"),
    [
        ({}, ()),
        ({"staff_chat_id": -100123}, ("STAFF_CHAT_ID",)),
        ({"complaints_email": MAILBOX, "smtp_host": "mail.example.com"}, ("COMPLAINTS_EMAIL",)),
        ({"complaints_email": MAILBOX}, ()),  # nothing would send the email
        ({"smtp_host": "mail.example.com"}, ()),
        ({"console_desk": True}, ("CONSOLE_DESK",)),
        ({"allow_no_staff": True}, ()),  # accepting it does not make anyone reachable
        ({"staff_chat_id": -100123, "console_desk": True}, ("STAFF_CHAT_ID", "CONSOLE_DESK")),
    ],
)
def test_staff_destinations_come_from_the_settings(
    overrides: dict[str, object], destinations: tuple[str, ...]
) -> None:
    settings = load_settings(None, **overrides)
    assert staff_destinations(settings) == destinations
    assert staff_reachable(settings) is bool(destinations)


def test_without_staff_every_promising_text_has_a_truthful_twin() -> None:
    texts = Catalog.load()
    nobody = load_settings(None)
    staffed = load_settings(None, staff_chat_id=-100123)
    assert promised_texts(), "no promising texts listed"
    for key, twin in promised_texts().items():
        assert customer_wording(staffed, key) == key
        assert customer_wording(nobody, key) == twin
        for language in ("vi", "en"):
            assert texts.has(key) and texts.has(twin)
            # The twin needs nothing its original's callers do not pass, and names no time.
            assert texts.placeholders(language, twin) <= texts.placeholders(language, key), twin
            assert not texts.placeholders(language, twin) & {"due", "first_reply_due", "resolution_due"}
    assert customer_wording(nobody, "complaints.taken") == "complaints.taken"  # promises nothing


def test_the_refusal_says_what_to_set_in_one_line() -> None:
    assert "\n" not in NO_STAFF_DESTINATION
    for name in ("STAFF_CHAT_ID", "COMPLAINTS_EMAIL", "SMTP_HOST", "CONSOLE_DESK", "ALLOW_NO_STAFF"):
        assert name in NO_STAFF_DESTINATION
