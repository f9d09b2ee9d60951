"""Reading an order-event request body into `OrderEvent`s, or the exact problems with it.

A body that is not JSON (or not UTF-8) is `Malformed` (400); JSON of the wrong shape is `Invalid`
(422) with one line per problem, naming the event by its position. Pure: no database, no clock.
Shapes: docs/order-events.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.order_status import OrderStatus
from bot.importing import parsing
from bot.importing.parsing import FieldError

MAX_BATCH = 500
EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
EVENT_FIELDS = frozenset({"event_id", "status", "occurred_at", "note"})
BATCH_EVENT_FIELDS = EVENT_FIELDS | {"order_code"}


class Malformed(Exception):
    """Not JSON at all."""


class Invalid(Exception):
    """JSON, but not events: `problems` says each thing wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OrderEvent:
    order_code: str
    event_id: str
    status: OrderStatus
    occurred_at: datetime
    note: str | None


def one_event(body: bytes, order_code: str) -> OrderEvent:
    """The body of `POST /api/orders/{code}/events`: one event object."""
    data = _json(body)
    if not isinstance(data, dict):
        raise Invalid(["the body must be a JSON object with event_id, status, occurred_at"])
    problems: list[str] = []
    event = _event(data, order_code, EVENT_FIELDS, "", problems)
    if event is None:
        raise Invalid(problems)
    return event


def batch(body: bytes) -> list[OrderEvent]:
    """The body of `POST /api/orders/events`: {"events": [ {order_code, event_id, ...}, ... ]}."""
    data = _json(body)
    if not isinstance(data, dict) or set(data) != {"events"} or not isinstance(data["events"], list):
        raise Invalid(['the body must be a JSON object {"events": [...]} and nothing else'])
    listed = data["events"]
    if not 1 <= len(listed) <= MAX_BATCH:
        raise Invalid([f"a batch holds 1 to {MAX_BATCH} events, got {len(listed)}"])
    problems: list[str] = []
    events: list[OrderEvent] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(listed, start=1):
        where = f"event {number}: "
        if not isinstance(entry, dict):
            problems.append(where + "must be an object")
            continue
        code = entry.get("order_code")
        if not isinstance(code, str) or not code.strip():
            problems.append(where + "order_code is required")
            code = ""
        event = _event(entry, code, BATCH_EVENT_FIELDS, where, problems)
        if event is None:
            continue
        first = seen.setdefault(event.event_id, number)
        if first != number:
            problems.append(where + f"event_id {event.event_id} is also event {first}'s")
        events.append(event)
    if problems:
        raise Invalid(problems)
    return events


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Malformed(f"the body is not JSON: {exc}") from None


def _event(data: dict[str, Any], order_code: str, accepted: frozenset[str], where: str,
           problems: list[str]) -> OrderEvent | None:
    before = len(problems)
    unknown = sorted(set(data) - accepted)
    if unknown:
        names = ", ".join(sorted(accepted))
        problems.append(where + f"unknown field {', '.join(unknown)} (accepted: {names})")
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        problems.append(where + "event_id is required: 1-100 of A-Z a-z 0-9 . _ : -, a letter or digit first")
    status: OrderStatus | None = None
    try:
        status = parsing.order_status(data.get("status"))
    except FieldError as exc:
        problems.append(where + f"status: {exc}")
    occurred_at: datetime | None = None
    try:
        occurred_at = parsing.timestamp(data.get("occurred_at"))
    except FieldError as exc:
        problems.append(where + f"occurred_at: {exc}")
    note = data.get("note")
    if note is not None:
        try:
            note = parsing.text(note, max_length=1000)
        except FieldError as exc:
            problems.append(where + f"note: {exc}")
    if len(problems) > before or status is None or occurred_at is None or not isinstance(event_id, str):
        return None
    return OrderEvent(order_code.strip().upper(), event_id, status, occurred_at, note)
