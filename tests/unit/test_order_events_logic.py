"""Pure logic of order events: quiet hours, request signatures, reading event bodies."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.order_status import OrderStatus
from bot.services.order_updates import quiet_until
from bot.shop_api import event_body
from bot.shop_api.signing import Refusal, check, sign

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT, MORNING = time(21, 0), time(8, 0)


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


@pytest.mark.parametrize(("moment", "until"), [
    (hanoi(2, 20, 59), None),
    (hanoi(2, 21, 0), hanoi(3, 8, 0)),
    (hanoi(2, 23, 30), hanoi(3, 8, 0)),
    (hanoi(3, 0, 10), hanoi(3, 8, 0)),
    (hanoi(3, 7, 59), hanoi(3, 8, 0)),
    (hanoi(3, 8, 0), None),
    (hanoi(3, 12, 0), None),
])
def test_quiet_hours_across_midnight_end_in_the_morning(moment: datetime, until: datetime | None) -> None:
    assert quiet_until(moment, HANOI, NIGHT, MORNING) == until


def test_quiet_hours_within_a_day_and_none() -> None:
    assert quiet_until(hanoi(2, 12, 30), HANOI, time(12, 0), time(13, 30)) == hanoi(2, 13, 30)
    assert quiet_until(hanoi(2, 14, 0), HANOI, time(12, 0), time(13, 30)) is None
    assert quiet_until(hanoi(2, 23, 0), HANOI, time(0, 0), time(0, 0)) is None  # equal: never quiet


SECRET = b"k" * 32


def test_a_signature_checks_body_and_time_in_constant_time() -> None:
    body = b'{"event_id": "e1"}'
    good = sign(SECRET, 1_000_000, body)
    assert good.startswith("sha256=") and len(good) == 7 + 64
    kwargs = {"now": 1_000_100.0, "max_age": 300.0}
    assert check(SECRET, timestamp="1000000", signature=good, body=body, **kwargs) is None
    extra = body + b" "
    assert check(SECRET, timestamp="1000000", signature=good, body=extra, **kwargs) is Refusal.BAD_SIGNATURE
    assert check(b"x" * 32, timestamp="1000000", signature=good, body=body, **kwargs) is Refusal.BAD_SIGNATURE
    # The timestamp is signed: moving it forward breaks the signature, not the freshness check.
    assert check(SECRET, timestamp="1000100", signature=good, body=body, **kwargs) is Refusal.BAD_SIGNATURE
    assert check(SECRET, timestamp="1000000", signature=good, body=body, now=1_000_301.0,
                 max_age=300.0) is Refusal.STALE
    assert check(SECRET, timestamp=None, signature=good, body=body, **kwargs) is Refusal.MISSING
    assert check(SECRET, timestamp="-5", signature=good, body=body, **kwargs) is Refusal.BAD_TIMESTAMP


def test_one_event_and_a_batch_are_read_or_refused_precisely() -> None:
    event = event_body.one_event(b'{"event_id": "e-1", "status": "Dang giao", "occurred_at": '
                                 b'"2026-12-02T09:00:00+07:00", "note": " GHN "}', "rg-1")
    assert (event.order_code, event.status, event.note) == ("RG-1", OrderStatus.DELIVERING, "GHN")
    assert event.occurred_at == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    with pytest.raises(event_body.Malformed):
        event_body.one_event(b"{", "RG-1")
    with pytest.raises(event_body.Invalid) as invalid:
        event_body.batch(b'{"events": [{"event_id": "e"}, 3]}')
    assert invalid.value.problems[0].startswith("event 1: order_code is required")
    assert "event 2: must be an object" in invalid.value.problems
    with pytest.raises(event_body.Invalid):
        event_body.batch(b'{"events": [], "more": 1}')
