"""The request's status machine, its references, and the legal clock's defaults (Decree 356/2025)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.config import SettingsError, load_settings
from bot.domain.privacy_request import (
    FINAL_STATUSES,
    RequestKind,
    RequestStatus,
    can_move,
    request_reference,
)
from bot.services.identity import Level
from bot.services.privacy_requests import REQUIRED_LEVEL, KindHandlers
from bot.services.privacy_requests.deadlines import deadlines_for, due_days, extended_due
from bot.services.privacy_requests.retention import items_for


def test_references() -> None:
    assert request_reference(2026, 45) == "YC-2026-000045"
    with pytest.raises(ValueError):
        request_reference(2026, 0)
    with pytest.raises(ValueError):
        request_reference(2026, 1_000_000)


def test_the_status_machine() -> None:
    assert can_move("received", "in_progress") and can_move("in_progress", "completed")
    assert can_move("received", "refused") and can_move("extended", "completed")
    assert can_move("waiting_verification", "received") and can_move("waiting_verification", "withdrawn")
    assert not can_move("waiting_verification", "completed")  # never carried out unverified
    assert not can_move("extended", "extended")
    assert not can_move("in_progress", "received")
    for final in FINAL_STATUSES:
        assert not any(can_move(final, target) for target in RequestStatus)


def test_the_decree_356_defaults() -> None:
    settings = load_settings(None)
    for kind in (RequestKind.CONSENT_WITHDRAWAL, RequestKind.MARKETING_OPT_OUT, RequestKind.RESTRICTION,
                 RequestKind.OBJECTION):
        assert due_days(kind, settings) == 15
        assert due_days(kind, settings, third_party=True) == 20
    assert due_days(RequestKind.ACCESS, settings, third_party=True) == 10  # the 20 days are not theirs
    assert settings.privacy_extension_max_days == 15 and settings.privacy_ack_working_days == 2


def test_deadlines_in_calendar_days_by_default_or_working_days() -> None:
    received = datetime(2027, 2, 1, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hanoi
    calendar = load_settings(None)
    assert calendar.privacy_days_unit == "calendar"
    deadlines = deadlines_for(RequestKind.OBJECTION, received, calendar)
    assert deadlines.due_at.astimezone(calendar.zone).date() == date(2027, 2, 16)  # 15 days
    assert deadlines.respond_by.astimezone(calendar.zone).date() == date(2027, 2, 3)  # 2 working days
    working = load_settings(None, privacy_days_unit="working")
    by_working = deadlines_for(RequestKind.OBJECTION, received, working)
    assert by_working.due_at.astimezone(working.zone).date() == date(2027, 3, 1)  # Tết skipped
    assert by_working.respond_by == deadlines.respond_by  # the answer is in working days either way
    with_third_party = deadlines_for(RequestKind.OBJECTION, received, calendar, third_party=True)
    assert with_third_party.due_at > deadlines.due_at


def test_one_extension_of_at_most_fifteen_days() -> None:
    settings = load_settings(None)
    due = deadlines_for(RequestKind.ERASURE, datetime(2027, 2, 1, 2, 0, tzinfo=UTC), settings).due_at
    assert due.astimezone(settings.zone).date() == date(2027, 2, 11)  # the 10th day, 11/02, follows Tết
    assert extended_due(due, 15, settings).astimezone(settings.zone).date() == date(2027, 2, 26)
    with pytest.raises(ValueError):
        extended_due(due, 16, settings)
    with pytest.raises(SettingsError):
        load_settings(None, privacy_extension_max_days=20)


def test_levels_and_the_handler_registry() -> None:
    assert REQUIRED_LEVEL[RequestKind.ACCESS] == REQUIRED_LEVEL[RequestKind.CORRECTION] == Level.STRONG
    assert REQUIRED_LEVEL[RequestKind.MARKETING_OPT_OUT] == Level.NONE
    assert set(REQUIRED_LEVEL) == set(RequestKind)
    handlers = KindHandlers()

    class Noop:
        async def opened(self, uow: object, request: object) -> None: ...
        async def completed(self, uow: object, request: object) -> None: ...

    handlers.register(RequestKind.ACCESS, Noop())  # type: ignore[arg-type]
    assert handlers.get(RequestKind.ACCESS) is not None and handlers.get(RequestKind.ERASURE) is None
    with pytest.raises(ValueError):
        handlers.register(RequestKind.ACCESS, Noop())  # type: ignore[arg-type]


def test_erasure_keeps_orders_and_invoices_and_says_why() -> None:
    erasure = {item.item: item for item in items_for(RequestKind.ERASURE)}
    assert erasure["profile"].fate == "deleted"
    assert erasure["orders"].fate == "kept" and erasure["orders"].ground == "accounting"
    assert erasure["invoices"].fate == "kept" and erasure["invoices"].ground
    assert all(item.ground for item in erasure.values() if item.fate != "deleted")
    assert items_for(RequestKind.ACCESS) == ()
