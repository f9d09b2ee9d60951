"""An order row, validated into an `OrderRecord`.

Columns: code (required), customer_phone or customer_email (one is required; the customer must exist),
status, total_vnd, placed_at (required), shipping_address, carrier, tracking_code, expected_delivery,
items, history, payment_status. The natural key is the order code, stored upper-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.email import InvalidEmail, normalize_email
from bot.domain.order_status import OrderStatus
from bot.domain.payment_status import PaymentStatus
from bot.domain.phone import InvalidPhoneNumber, normalize_phone
from bot.importing import parsing
from bot.importing.parsing import FieldError
from bot.importing.readers import SourceRow
from bot.importing.report import Location, RowError
from intents.order_codes import ORDER_CODE

COLUMNS = (
    "code",
    "customer_phone",
    "customer_email",
    "status",
    "total_vnd",
    "placed_at",
    "shipping_address",
    "carrier",
    "tracking_code",
    "expected_delivery",
    "items",
    "history",
    "payment_status",
)
REQUIRED = ("code", "placed_at")
ONE_OF = (("customer_phone", "customer_email"),)

_ITEM_TEXT = re.compile(
    r"^(?P<name>.+?)(?:\s*[x×*]\s*(?P<quantity>\d+))?(?:\s*@\s*(?P<price>[\d.,\s]+(?:₫|đ|vnd|vnđ)?))?$",
    re.IGNORECASE,
)
MAX_ITEMS = 200


@dataclass(frozen=True)
class OrderItem:
    name: str
    quantity: int
    price_vnd: int | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "quantity": self.quantity, "price_vnd": self.price_vnd}


@dataclass(frozen=True)
class StatusEvent:
    status: OrderStatus
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class OrderRecord:
    code: str
    customer_phone: str | None
    customer_email: str | None
    status: OrderStatus
    total_vnd: int
    placed_at: datetime
    shipping_address: str | None = None
    carrier: str | None = None
    tracking_code: str | None = None
    expected_delivery: date | None = None
    items: tuple[OrderItem, ...] | None = None  # None: keep what is stored
    history: tuple[StatusEvent, ...] | None = None  # None: derive from the status
    payment_status: PaymentStatus | None = None  # None: keep what is stored
    location: Location | None = None


def validate_order(row: SourceRow) -> OrderRecord | list[RowError]:
    errors: list[RowError] = []
    values = row.values

    def fail(field: str | None, reason: str) -> None:
        errors.append(RowError(row.location, field, reason))

    def present(field: str) -> bool:
        return not parsing.is_blank(values.get(field))

    if row.problem:
        fail(None, row.problem)
        return errors

    code = None
    if not present("code"):
        fail("code", "required")
    else:
        try:
            code = parsing.single_line(values["code"], max_length=40).upper()
            if not ORDER_CODE.match(code):
                fail("code", f"order codes are letters, digits and - . _ / without spaces, got {code!r}")
        except FieldError as exc:
            fail("code", str(exc))

    phone = email = None
    if present("customer_phone"):
        try:
            phone = normalize_phone(parsing.text(values["customer_phone"], max_length=40))
        except (InvalidPhoneNumber, FieldError) as exc:
            fail("customer_phone", str(exc))
    if present("customer_email"):
        try:
            email = normalize_email(parsing.text(values["customer_email"], max_length=254))
        except (InvalidEmail, FieldError) as exc:
            fail("customer_email", str(exc))
    if not present("customer_phone") and not present("customer_email"):
        fail("customer_phone", "the customer's phone or email is required")

    placed_at = None
    if not present("placed_at"):
        fail("placed_at", "required")
    else:
        try:
            placed_at = parsing.timestamp(values["placed_at"])
        except FieldError as exc:
            fail("placed_at", str(exc))

    history = None
    if present("history"):
        try:
            history = _history(values["history"]) or None
        except FieldError as exc:
            fail("history", str(exc))

    status = None
    if present("status"):
        try:
            status = parsing.order_status(values["status"])
        except FieldError as exc:
            fail("status", str(exc))
    elif history:
        status = history[-1].status
    else:
        status = OrderStatus.PENDING
    if status is not None and history and history[-1].status != status:
        fail(
            "history",
            f"the latest event is {history[-1].status.value}, but the status column says {status.value}",
        )

    items = None
    if present("items"):
        try:
            items = _items(values["items"])
        except FieldError as exc:
            fail("items", str(exc))

    total = None
    if present("total_vnd"):
        try:
            total = parsing.money_vnd(values["total_vnd"])
        except FieldError as exc:
            fail("total_vnd", str(exc))
    elif items is not None:
        total = sum((item.price_vnd or 0) * item.quantity for item in items)
    else:
        total = 0

    optional: dict[str, Any] = {}
    for field, max_length in (("shipping_address", 500), ("carrier", 80), ("tracking_code", 80)):
        if present(field):
            try:
                parse = parsing.text if field == "shipping_address" else parsing.single_line
                optional[field] = parse(values[field], max_length=max_length)
            except FieldError as exc:
                fail(field, str(exc))
    if present("expected_delivery"):
        try:
            optional["expected_delivery"] = parsing.calendar_date(values["expected_delivery"])
        except FieldError as exc:
            fail("expected_delivery", str(exc))

    if present("payment_status"):
        try:
            optional["payment_status"] = PaymentStatus.parse(parsing.single_line(values["payment_status"],
                                                                                  max_length=40))
        except (FieldError, ValueError) as exc:
            fail("payment_status", str(exc))

    if errors or code is None or placed_at is None or status is None or total is None:
        return errors
    return OrderRecord(
        code=code,
        customer_phone=phone,
        customer_email=email,
        status=status,
        total_vnd=total,
        placed_at=placed_at,
        items=items,
        history=history,
        location=row.location,
        **optional,
    )


def _items(value: Any) -> tuple[OrderItem, ...]:
    """JSON [{name, quantity, price_vnd}], or in a CSV cell "Son kem lì x2 @ 250.000; Serum x1"."""
    listed = parsing.json_list(value, what="items")
    if listed is None:
        entries = [part.strip() for part in str(value).split(";") if part.strip()]
        items = tuple(_item_from_text(entry, number) for number, entry in enumerate(entries, start=1))
    else:
        items = tuple(_item_from_json(entry, number) for number, entry in enumerate(listed, start=1))
    if len(items) > MAX_ITEMS:
        raise FieldError(f"at most {MAX_ITEMS} items per order, got {len(items)}")
    return items


def _item_from_text(entry: str, number: int) -> OrderItem:
    match = _ITEM_TEXT.match(entry)
    if not match:
        raise FieldError(f"item {number}: write 'name x2' or 'name x2 @ 250000', got {entry!r}")
    quantity = int(match.group("quantity") or 1)
    price = None
    if match.group("price"):
        try:
            price = parsing.money_vnd(match.group("price"))
        except FieldError as exc:
            raise FieldError(f"item {number}: {exc}") from None
    return _checked_item(match.group("name"), quantity, price, number)


def _item_from_json(entry: Any, number: int) -> OrderItem:
    if not isinstance(entry, dict):
        raise FieldError(f"item {number}: expected an object with name, quantity, price_vnd")
    unknown = sorted(set(entry) - {"name", "quantity", "price_vnd"})
    if unknown:
        raise FieldError(
            f"item {number}: unknown field {', '.join(unknown)} (accepted: name, quantity, price_vnd)"
        )
    quantity = entry.get("quantity", 1)
    if isinstance(quantity, str) and quantity.strip().isdigit():
        quantity = int(quantity)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise FieldError(f"item {number}: quantity must be a whole number, got {quantity!r}")
    price = None
    if not parsing.is_blank(entry.get("price_vnd")):
        try:
            price = parsing.money_vnd(entry["price_vnd"])
        except FieldError as exc:
            raise FieldError(f"item {number}: price_vnd: {exc}") from None
    if parsing.is_blank(entry.get("name")):
        raise FieldError(f"item {number}: name is required")
    return _checked_item(entry["name"], quantity, price, number)


def _checked_item(raw_name: Any, quantity: int, price: int | None, number: int) -> OrderItem:
    try:
        name = parsing.single_line(raw_name, max_length=200)
    except FieldError as exc:
        raise FieldError(f"item {number}: name: {exc}") from None
    if not 1 <= quantity <= 10_000:
        raise FieldError(f"item {number}: quantity must be between 1 and 10000, got {quantity}")
    return OrderItem(name, quantity, price)


def _history(value: Any) -> tuple[StatusEvent, ...]:
    """JSON [{status, at, note}], in any order; returned oldest first, exact repeats dropped."""
    listed = parsing.json_list(value, what="history")
    if listed is None:
        raise FieldError('history must be a JSON list like [{"status": "pending", "at": "2026-03-15T09:00"}]')
    events: dict[tuple[OrderStatus, datetime], StatusEvent] = {}
    for number, entry in enumerate(listed, start=1):
        if not isinstance(entry, dict):
            raise FieldError(f"event {number}: expected an object with status, at, note")
        unknown = sorted(set(entry) - {"status", "at", "note"})
        if unknown:
            raise FieldError(
                f"event {number}: unknown field {', '.join(unknown)} (accepted: status, at, note)"
            )
        try:
            if parsing.is_blank(entry.get("status")) or parsing.is_blank(entry.get("at")):
                raise FieldError("status and at are required")
            status = parsing.order_status(entry["status"])
            at = parsing.timestamp(entry["at"])
            note = (
                None if parsing.is_blank(entry.get("note")) else parsing.text(entry["note"], max_length=1000)
            )
        except FieldError as exc:
            raise FieldError(f"event {number}: {exc}") from None
        events.setdefault((status, at), StatusEvent(status, at, note))
    return tuple(sorted(events.values(), key=lambda event: event.at))


class DuplicateOrders:
    """Within one file each order code may appear once; a later occurrence is a bad row."""

    def __init__(self) -> None:
        self._codes: dict[str, Location] = {}

    def check(self, row: SourceRow) -> list[RowError]:
        raw = row.values.get("code")
        if parsing.is_blank(raw) or not isinstance(raw, str | int) or isinstance(raw, bool):
            return []
        code = " ".join(str(raw).split()).upper()
        first = self._codes.setdefault(code, row.location)
        if first != row.location:
            return [RowError(row.location, "code", f"duplicate order code {code}, also on {first}")]
        return []
