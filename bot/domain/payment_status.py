"""Whether an order is paid: the vocabulary imports accept and customers are told (`core.payment_status`).

The shop's system knows; the bot only repeats it. An order imported before the column existed has
none (None), and then the bot says nothing about payment rather than guess.
"""

from __future__ import annotations

from enum import StrEnum

from intents.text import fold


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"  # to be paid online, not paid yet
    PAID = "paid"  # paid (online, by transfer)
    COD = "cod"  # cash on delivery: paid to the courier on receipt
    REFUNDED = "refunded"  # paid, then given back

    @classmethod
    def parse(cls, raw: str) -> PaymentStatus:
        """A status as the shop's export writes it: the value, or a Vietnamese label (accents optional)."""
        key = fold(raw.strip()).lower()
        found = _LABELS.get(key)
        if found is not None:
            return found
        try:
            return cls(key.replace(" ", "_"))
        except ValueError:
            allowed = ", ".join(status.value for status in cls)
            raise ValueError(f"unknown payment status {raw!r} (allowed: {allowed})") from None


_LABELS = {
    fold(label).lower(): status
    for status, labels in {
        PaymentStatus.UNPAID: ("chưa thanh toán", "chờ thanh toán"),
        PaymentStatus.PAID: ("đã thanh toán", "đã chuyển khoản"),
        PaymentStatus.COD: ("thanh toán khi nhận hàng", "ship cod", "cod"),
        PaymentStatus.REFUNDED: ("đã hoàn tiền", "hoàn tiền"),
    }.items()
    for label in labels
}
