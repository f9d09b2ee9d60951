"""One field at a time: text, dates, money, yes/no, order statuses and order items as people write them.

Every parser takes the raw cell (a string from CSV, or any JSON value) and returns the typed value, or
raises `FieldError` with a reason meant for the import report. Empty cells are handled by the caller.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.order_status import OrderStatus

SHOP_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


class FieldError(ValueError):
    """The value of one field is not acceptable; the message says why."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, *, max_length: int) -> str:
    """Trimmed, NFC-normalised text (files saved on some systems carry decomposed Vietnamese letters)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(f"expected text, got {_json_kind(value)}")
    result = unicodedata.normalize("NFC", str(value)).strip()
    if len(result) > max_length:
        raise FieldError(f"too long ({len(result)} characters, at most {max_length})")
    return result


def single_line(value: Any, *, max_length: int) -> str:
    """Text with runs of white space (line breaks included) collapsed to one space: names, codes."""
    result = " ".join(text(value, max_length=10 * max_length).split())
    if len(result) > max_length:
        raise FieldError(f"too long ({len(result)} characters, at most {max_length})")
    return result


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


# --- yes / no ---------------------------------------------------------------------------------------

_TRUE = {"true", "yes", "y", "1", "có", "co", "x"}
_FALSE = {"false", "no", "n", "0", "không", "khong"}


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFC", str(value)).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise FieldError(f"expected yes or no (true/false, yes/no, 1/0, có/không), got {value!r}")


# --- money --------------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"(₫|vnđ|vnd|đồng|đ|d)$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")
_ZERO_DECIMALS = re.compile(r"^(?P<whole>.+?)(?P<sep>[.,])0{1,2}$")


def money_vnd(value: Any) -> int:
    """Whole đồng: 1250000, "1.250.000", "1,250,000 ₫", "1 250 000 VND", "1.250.000,00"."""
    if isinstance(value, bool):
        raise FieldError("expected an amount in đồng, got true/false")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise FieldError(f"amounts are whole đồng, got {value!r}")
        amount = int(value)
    elif isinstance(value, str):
        amount = _parse_money_text(value)
    else:
        raise FieldError(f"expected an amount in đồng, got {_json_kind(value)}")
    if amount < 0:
        raise FieldError(f"amount cannot be negative: {value!r}")
    if amount > 10**13:
        raise FieldError(f"amount is implausibly large: {value!r}")
    return amount


def _parse_money_text(raw: str) -> int:
    compact = re.sub(r"[\s\u00a0\u202f]", "", unicodedata.normalize("NFC", raw)).lower()
    compact = _CURRENCY.sub("", compact)
    if compact.isdigit():
        return int(compact)
    decimals = _ZERO_DECIMALS.match(compact)
    if decimals:
        whole = decimals.group("whole")
        grouped = _GROUPED.match(whole)
        # "1.250.000,00" or "1250000.00"; the decimal mark must differ from the grouping mark.
        if whole.isdigit() or (grouped and grouped.group(1) != decimals.group("sep")):
            compact = whole
    if compact.isdigit():
        return int(compact)
    if _GROUPED.match(compact):
        return int(re.sub(r"[.,]", "", compact))
    raise FieldError(f"not an amount in whole đồng: {raw!r} (write e.g. 1250000 or 1.250.000)")


# --- dates and times ------------------------------------------------------------------------------------

_VN_DATE = re.compile(
    r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})"
    r"(?:[ T,]+(?P<H>\d{1,2})[:hg](?P<M>\d{2})?(?::(?P<S>\d{2}))?)?$"
)


def timestamp(value: Any) -> datetime:
    """An aware UTC datetime from ISO 8601 or dd/mm/yyyy [HH:MM[:SS]]; naive times are Vietnamese time."""
    if not isinstance(value, str):
        raise FieldError(f"expected a date and time, got {_json_kind(value)}")
    raw = value.strip()
    moment = _vietnamese_datetime(raw) or _iso_datetime(raw)
    if moment is None:
        raise FieldError(
            f"not a date and time: {value!r} (write 2026-03-15T14:30, 2026-03-15 or 15/03/2026 14:30)"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHOP_TIMEZONE)
    return moment.astimezone(UTC)


def calendar_date(value: Any) -> date:
    """A date from 2026-03-15 or 15/03/2026."""
    if not isinstance(value, str):
        raise FieldError(f"expected a date, got {_json_kind(value)}")
    raw = value.strip()
    match = _VN_DATE.match(raw)
    try:
        if match and match.group("H") is None:
            return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if not match:
            return date.fromisoformat(raw)
    except ValueError as exc:
        raise FieldError(f"not a valid date: {value!r} ({exc})") from None
    raise FieldError(f"expected a date without a time, got {value!r}")


def _vietnamese_datetime(raw: str) -> datetime | None:
    match = _VN_DATE.match(raw)
    if not match:
        return None
    try:
        day = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        clock = time(int(match.group("H") or 0), int(match.group("M") or 0), int(match.group("S") or 0))
    except ValueError as exc:
        raise FieldError(f"not a valid date and time: {raw!r} ({exc})") from None
    return datetime.combine(day, clock)


def _iso_datetime(raw: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", raw):
        return None
    try:
        return datetime.fromisoformat(raw.replace(" ", "T", 1) if len(raw) > 10 else raw)
    except ValueError as exc:
        raise FieldError(f"not a valid date and time: {raw!r} ({exc})") from None


# --- order statuses ------------------------------------------------------------------------------------

# Labels the shop's back office and couriers use, compared without diacritics ("đã huỷ" = "da huy").
_VIETNAMESE_STATUSES = {
    OrderStatus.PENDING: ["chờ xác nhận", "chờ duyệt", "đơn mới", "mới", "chờ xử lý"],
    OrderStatus.CONFIRMED: ["đã xác nhận", "xác nhận"],
    OrderStatus.PACKING: ["đang đóng gói", "đóng gói", "đang chuẩn bị hàng", "chờ lấy hàng"],
    OrderStatus.SHIPPED: [
        "đã gửi hàng",
        "đã bàn giao vận chuyển",
        "đã giao cho đơn vị vận chuyển",
        "đang vận chuyển",
        "đã lấy hàng",
    ],
    OrderStatus.DELIVERING: ["đang giao", "đang giao hàng"],
    OrderStatus.DELIVERED: [
        "đã giao",
        "đã giao hàng",
        "giao thành công",
        "giao hàng thành công",
        "đã nhận hàng",
        "hoàn thành",
    ],
    OrderStatus.CANCELLED: ["đã huỷ", "đã hủy", "huỷ", "hủy", "huỷ đơn", "hủy đơn"],
    OrderStatus.RETURNED: ["đã hoàn", "hoàn hàng", "đã hoàn hàng", "trả hàng", "đã trả hàng"],
}


def fold(raw: str) -> str:
    """Lower case without diacritics or extra spaces: 'Đã  Huỷ' → 'da huy'."""
    decomposed = unicodedata.normalize("NFD", raw.strip().lower().replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


_STATUS_BY_LABEL = {
    fold(label): status for status, labels in _VIETNAMESE_STATUSES.items() for label in labels
}


def order_status(value: Any) -> OrderStatus:
    if not isinstance(value, str):
        raise FieldError(f"expected an order status, got {_json_kind(value)}")
    found = _STATUS_BY_LABEL.get(fold(value))
    if found is not None:
        return found
    try:
        return OrderStatus.parse(value)
    except ValueError as exc:
        raise FieldError(
            f"{exc}; Vietnamese labels such as 'đang giao' or 'đã huỷ' are accepted too"
        ) from None


def vietnamese_status_labels() -> dict[str, list[str]]:
    """For the documentation: the accepted Vietnamese labels of each status."""
    return {status.value: labels for status, labels in _VIETNAMESE_STATUSES.items()}


# --- JSON inside a CSV cell ------------------------------------------------------------------------------


def json_list(value: Any, *, what: str) -> list[Any] | None:
    """A JSON list given as a list (JSON files) or as JSON text (CSV cells); None when it is not JSON."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.lstrip().startswith(("[", "{")):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise FieldError(
                f"{what} look like JSON but are not valid JSON: {exc.msg} at column {exc.colno}"
            ) from None
        if not isinstance(parsed, list):
            raise FieldError(f"{what} must be a JSON list, got {_json_kind(parsed)}")
        return parsed
    if isinstance(value, str):
        return None
    raise FieldError(f"{what} must be a list, got {_json_kind(value)}")
