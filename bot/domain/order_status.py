"""The order status vocabulary: what imports accept and what customers are told."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "pending"  # placed, awaiting confirmation
    CONFIRMED = "confirmed"  # confirmed by the shop
    PACKING = "packing"  # being prepared in the warehouse
    SHIPPED = "shipped"  # handed to the courier
    DELIVERING = "delivering"  # out for delivery
    DELIVERED = "delivered"  # received by the customer
    CANCELLED = "cancelled"  # cancelled before delivery
    RETURNED = "returned"  # returned to the shop

    @classmethod
    def parse(cls, raw: str) -> OrderStatus:
        key = raw.strip().lower().replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            allowed = ", ".join(status.value for status in cls)
            raise ValueError(f"unknown order status {raw!r} (allowed: {allowed})") from None

    @property
    def is_final(self) -> bool:
        return self in {OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED}
