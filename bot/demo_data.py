"""A realistic, reproducible Vietnamese demo data set: customers, orders and their status histories.

Everything derives from the seed: the same seed and sizes give the same data (with the same Faker
version), and the data is written through the import upsert, so running `demo-data` twice changes
nothing. Dates are relative to an anchor derived from the seed, not to today: a seed that reads as a
date (20261125 → 25/11/2026) is that date at noon Vietnamese time; any other seed maps to a day in
2026–2035. Orders are placed over the 365 days before the anchor.

Phone numbers are generated from real Vietnamese mobile prefixes (all pass `normalize_phone`); emails use
the reserved example.com/.net/.org domains, so a demo database can never mail a real person.

The fixed demo customers (`FIXED_CUSTOMERS`, always included, documented in docs/import-formats.md):

| name               | phone         | email                  | orders                         |
|--------------------|---------------|------------------------|--------------------------------|
| Nguyễn Thị Lan     | +84912345678  | lan.nguyen@example.com | delivered, delivering, pending |
| Trần Văn Minh      | +84987654321  | minh.tran@example.com  | cancelled, returned            |
| Lê Thị Hồng Nhung  | +84381234567  | —                      | packing                        |
| Phạm Quốc Bảo      | —             | bao.pham@example.com   | shipped                        |
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.domain.order_status import OrderStatus
from bot.domain.payment_status import PaymentStatus
from bot.importing.customers import CustomerRecord
from bot.importing.orders import OrderItem, OrderRecord, StatusEvent
from bot.importing.parsing import SHOP_TIMEZONE, fold

DEFAULT_SEED = 20261125
DEFAULT_CUSTOMERS = 1000
DEFAULT_ORDERS = 5000

CARRIERS = ("GHN", "GHTK", "Viettel Post", "J&T Express", "VNPost")
CATALOGUE = (
    ("Son kem lì Rosee Velvet", 189_000),
    ("Son dưỡng có màu Rosee Tint Balm", 159_000),
    ("Serum dưỡng da Rosee Glow", 459_000),
    ("Kem chống nắng Rosee Sun SPF50+", 329_000),
    ("Sữa rửa mặt dịu nhẹ Rosee Pure", 199_000),
    ("Nước hoa hồng Rosee Rose Water", 229_000),
    ("Mặt nạ ngủ Rosee Night Repair", 279_000),
    ("Phấn nước Rosee Cushion Glow", 399_000),
    ("Kẻ mắt nước Rosee Sharp Liner", 149_000),
    ("Nước hoa Rosee Eau de Parfum 50ml", 890_000),
    ("Áo sơ mi lụa Rosee Silk", 520_000),
    ("Váy midi hoa nhí Rosee Garden", 690_000),
    ("Túi xách mini Rosee Petite", 750_000),
    ("Khăn lụa vuông Rosee Scarf", 250_000),
    ("Kẹp tóc ngọc trai Rosee Pearl", 89_000),
)
SHIPPING_FEE_VND = 30_000
FREE_SHIPPING_FROM_VND = 500_000

# Mobile prefixes in use since the 2018 renumbering (Viettel, Vinaphone, Mobifone, Vietnamobile, Gmobile).
_MOBILE_PREFIXES = (
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "86",
    "96",
    "97",
    "98",
    "81",
    "82",
    "83",
    "84",
    "85",
    "88",
    "91",
    "94",
    "70",
    "76",
    "77",
    "78",
    "79",
    "89",
    "90",
    "93",
    "52",
    "56",
    "58",
    "92",
    "59",
    "99",
)
_PLACES = (
    ("Hà Nội", ("Hoàn Kiếm", "Ba Đình", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Thanh Xuân", "Tây Hồ")),
    ("TP. Hồ Chí Minh", ("Sài Gòn", "Bến Thành", "Tân Định", "Bình Thạnh", "Phú Nhuận", "Gò Vấp", "Thủ Đức")),
    ("Đà Nẵng", ("Hải Châu", "Sơn Trà", "Thanh Khê", "Ngũ Hành Sơn")),
    ("Hải Phòng", ("Lê Chân", "Ngô Quyền", "Hồng Bàng")),
    ("Cần Thơ", ("Ninh Kiều", "Cái Khế", "An Bình")),
    ("Huế", ("Phú Xuân", "Thuận Hóa", "Vỹ Dạ")),
    ("Khánh Hòa", ("Nha Trang", "Bắc Nha Trang", "Tây Nha Trang")),
    ("Đồng Nai", ("Biên Hòa", "Trấn Biên", "Tam Hiệp")),
)
_FEMALE_MIDDLE = ("Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Phương", "Minh", "Khánh")
_MALE_MIDDLE = ("Văn", "Đức", "Minh", "Quang", "Hoàng", "Hữu", "Thành", "Quốc")
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class DemoDataSet:
    anchor: datetime
    customers: list[CustomerRecord]
    orders: list[OrderRecord]


def anchor_for(seed: int) -> datetime:
    """The 'now' of the data set: the seed read as YYYYMMDD when it is a date, else a day in 2026–2035."""
    try:
        day = date(seed // 10_000, seed // 100 % 100, seed % 100)
        if not 2000 <= day.year <= 2100:
            raise ValueError(day)
    except ValueError:
        day = date(2026, 1, 1) + timedelta(days=seed % 3650)
    return datetime.combine(day, time(12, 0), SHOP_TIMEZONE).astimezone(UTC)


def _local(anchor: datetime, *, days: float = 0, hours: float = 0) -> datetime:
    return anchor - timedelta(days=days, hours=hours)


def fixed_data(anchor: datetime) -> tuple[list[CustomerRecord], list[OrderRecord]]:
    """The documented demo customers and their orders; the same for every seed (relative to the anchor)."""
    lan = CustomerRecord(
        "Nguyễn Thị Lan",
        "+84912345678",
        "lan.nguyen@example.com",
        "Số 12 ngõ 56 Trần Duy Hưng, phường Yên Hòa, Hà Nội",
        True,
    )
    minh = CustomerRecord(
        "Trần Văn Minh",
        "+84987654321",
        "minh.tran@example.com",
        "45 Nguyễn Thị Minh Khai, phường Bến Thành, TP. Hồ Chí Minh",
        False,
    )
    nhung = CustomerRecord(
        "Lê Thị Hồng Nhung", "+84381234567", None, "Số 8 đường Bạch Đằng, phường Hải Châu, Đà Nẵng"
    )
    bao = CustomerRecord(
        "Phạm Quốc Bảo", None, "bao.pham@example.com", "102 Lạch Tray, phường Lê Chân, Hải Phòng", True
    )

    def order(
        number: int,
        customer: CustomerRecord,
        placed_days_ago: float,
        steps: Sequence[tuple[str, float]],
        items: Sequence[tuple[int, int]],
        carrier: str | None = None,
        tracking: str | None = None,
        expected_in_days: int | None = None,
        payment: PaymentStatus = PaymentStatus.COD,
    ) -> OrderRecord:
        placed = _local(anchor, days=placed_days_ago)
        history = tuple(
            StatusEvent(OrderStatus(status), placed + timedelta(hours=hours)) for status, hours in steps
        )
        lines = tuple(OrderItem(CATALOGUE[i][0], quantity, CATALOGUE[i][1]) for i, quantity in items)
        return OrderRecord(
            code=f"RG-{placed.astimezone(SHOP_TIMEZONE).year}-{900_000 + number:06d}",
            customer_phone=customer.phone,
            customer_email=customer.email,
            status=history[-1].status,
            total_vnd=_total(lines),
            placed_at=placed,
            shipping_address=customer.address,
            carrier=carrier,
            tracking_code=tracking,
            items=lines,
            history=history,
            payment_status=payment,
            expected_delivery=(anchor + timedelta(days=expected_in_days)).astimezone(SHOP_TIMEZONE).date()
            if expected_in_days is not None
            else None,
        )

    full_path = [
        ("pending", 0),
        ("confirmed", 1),
        ("packing", 5),
        ("shipped", 20),
        ("delivering", 50),
        ("delivered", 56),
    ]
    orders = [
        order(1, lan, 21, full_path, [(0, 2), (2, 1)], "GHN", "GHNLAN0001VN", payment=PaymentStatus.PAID),
        order(2, lan, 3, full_path[:5], [(3, 1), (5, 1)], "GHTK", "S22845671.MB3.A1", expected_in_days=1,
              payment=PaymentStatus.PAID),
        order(3, lan, 2 / 24, full_path[:1], [(9, 1)], payment=PaymentStatus.UNPAID),
        order(4, minh, 40, [("pending", 0), ("confirmed", 2), ("cancelled", 9)], [(10, 1)],
              payment=PaymentStatus.REFUNDED),
        order(
            5,
            minh,
            60,
            [*full_path, ("returned", 24 * 5)],
            [(11, 1), (13, 2)],
            "Viettel Post",
            "1866123456789",
            payment=PaymentStatus.REFUNDED,
        ),
        order(6, nhung, 1, full_path[:3], [(1, 3)]),
        order(7, bao, 2, full_path[:4], [(12, 1)], "J&T Express", "852012345678", expected_in_days=2),
    ]
    return [lan, minh, nhung, bao], orders


def generate(
    seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS, orders: int = DEFAULT_ORDERS
) -> DemoDataSet:
    """`customers` generated customers and `orders` generated orders, plus the fixed demo data."""
    from faker import Faker  # imported here: the CLI should not pay for Faker on every command

    rng = random.Random(seed)
    fake = Faker("vi_VN")
    fake.seed_instance(seed)
    anchor = anchor_for(seed)
    fixed_customers, fixed_orders = fixed_data(anchor)
    people = list(_customers(rng, fake, customers, fixed_customers))
    placed = [_order(rng, anchor, rng.choice(people)) for _ in range(orders)] if people else []
    placed.sort(key=lambda pair: pair[0])
    # Payment comes from a stream of its own, so that adding it changed none of the data drawn before.
    paying = random.Random(f"{seed}:payment")
    numbered = [
        replace(_with_code(draft, f"RG-{moment.astimezone(SHOP_TIMEZONE).year}-{number:06d}"),
                payment_status=_payment(paying, draft))
        for number, (moment, draft) in enumerate(placed, start=1)
    ]
    return DemoDataSet(anchor, fixed_customers + people, fixed_orders + numbered)


def _customers(
    rng: random.Random, fake: Any, count: int, fixed: list[CustomerRecord]
) -> Iterator[CustomerRecord]:
    phones = {c.phone for c in fixed if c.phone}
    emails = {c.email for c in fixed if c.email}
    for _ in range(count):
        female = rng.random() < 0.8
        family = fake.last_name()
        given = fake.first_name_female() if female else fake.first_name_male()
        middle = rng.choice(_FEMALE_MIDDLE if female else _MALE_MIDDLE)
        phone = None
        while phone is None or phone in phones:
            phone = "+84" + rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        phones.add(phone)
        email = None
        if rng.random() < 0.75:
            while email is None or email in emails:
                local = f"{fold(given)}.{fold(family)}{rng.randrange(1, 10_000)}".replace(" ", "")
                email = f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
            emails.add(email)
        city, wards = rng.choice(_PLACES)
        address = f"{fake.street_address()}, phường {rng.choice(wards)}, {city}"
        consent = rng.choices((True, False, None), weights=(55, 30, 15))[0]
        yield CustomerRecord(f"{family} {middle} {given}", phone, email, address, consent)


def _order(rng: random.Random, anchor: datetime, customer: CustomerRecord) -> tuple[datetime, OrderRecord]:
    day = (anchor.astimezone(SHOP_TIMEZONE) - timedelta(days=rng.randrange(0, 365))).date()
    placed = datetime.combine(
        day, time(rng.randrange(7, 23), rng.randrange(60), rng.randrange(60)), SHOP_TIMEZONE
    ).astimezone(UTC)
    if placed > anchor:
        placed = anchor - timedelta(minutes=rng.randrange(5, 300))
    lines = tuple(
        OrderItem(name, rng.choices((1, 2, 3), weights=(75, 20, 5))[0], price)
        for name, price in rng.sample(CATALOGUE, rng.choices((1, 2, 3, 4), weights=(50, 30, 15, 5))[0])
    )
    history = _history(rng, placed, anchor)
    statuses = {event.status for event in history}
    shipped = next((event.at for event in history if event.status is OrderStatus.SHIPPED), None)
    carrier = tracking = expected = None
    if shipped is not None:
        carrier = rng.choice(CARRIERS)
        tracking = _tracking_code(rng, carrier)
        expected = (shipped + timedelta(days=rng.randint(2, 4))).astimezone(SHOP_TIMEZONE).date()
    draft = OrderRecord(
        code="",
        customer_phone=customer.phone,
        customer_email=customer.email,
        status=history[-1].status,
        total_vnd=_total(lines),
        placed_at=placed,
        shipping_address=customer.address,
        carrier=carrier,
        tracking_code=tracking,
        expected_delivery=expected if OrderStatus.CANCELLED not in statuses else None,
        items=lines,
        history=history,
    )
    return placed, draft


def _history(rng: random.Random, placed: datetime, anchor: datetime) -> tuple[StatusEvent, ...]:
    """pending → confirmed → packing → shipped → delivering → delivered (→ returned), or cancelled early;
    only the steps that happened before the anchor."""
    fate = rng.random()
    steps: list[tuple[OrderStatus, timedelta]] = [
        (OrderStatus.CONFIRMED, timedelta(minutes=rng.randint(10, 360))),
        (OrderStatus.PACKING, timedelta(hours=rng.uniform(2, 20))),
        (OrderStatus.SHIPPED, timedelta(hours=rng.uniform(3, 24))),
        (OrderStatus.DELIVERING, timedelta(hours=rng.uniform(20, 72))),
        (OrderStatus.DELIVERED, timedelta(hours=rng.uniform(1, 10))),
    ]
    if fate < 0.07:  # cancelled by the customer or the shop, before packing
        steps = [*steps[: rng.randint(0, 1)], (OrderStatus.CANCELLED, timedelta(hours=rng.uniform(0.5, 30)))]
    elif fate < 0.11:
        steps.append((OrderStatus.RETURNED, timedelta(days=rng.uniform(2, 7))))
    events = [StatusEvent(OrderStatus.PENDING, placed)]
    moment = placed
    for status, delay in steps:
        moment += delay
        if moment > anchor:
            break
        events.append(StatusEvent(status, moment.replace(microsecond=0)))
    return tuple(events)


def _payment(rng: random.Random, draft: OrderRecord) -> PaymentStatus:
    """Most customers pay the courier; the others pay online (a cancelled online order is refunded)."""
    online = rng.random() < 0.4
    if draft.status is OrderStatus.RETURNED:
        return PaymentStatus.REFUNDED
    if draft.status is OrderStatus.CANCELLED:
        return PaymentStatus.REFUNDED if online else PaymentStatus.COD
    if not online:
        return PaymentStatus.COD
    return PaymentStatus.UNPAID if draft.status is OrderStatus.PENDING else PaymentStatus.PAID


def _tracking_code(rng: random.Random, carrier: str) -> str:
    digits = "0123456789"
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    if carrier == "GHN":
        return "GY" + "".join(rng.choices(letters + digits, k=8))
    if carrier == "GHTK":
        return (
            f"S{rng.randrange(10**8):08d}.{rng.choice(('MB', 'SG', 'HN'))}{rng.randint(1, 9)}"
            f".{rng.choice(letters)}{rng.randint(1, 9)}"
        )
    if carrier == "Viettel Post":
        return "".join(rng.choices(digits, k=13))
    if carrier == "J&T Express":
        return "85" + "".join(rng.choices(digits, k=10))
    return "E" + rng.choice(letters) + "".join(rng.choices(digits, k=9)) + "VN"


def _total(lines: tuple[OrderItem, ...]) -> int:
    subtotal = sum((item.price_vnd or 0) * item.quantity for item in lines)
    return subtotal + (0 if subtotal >= FREE_SHIPPING_FROM_VND else SHIPPING_FEE_VND)


def _with_code(draft: OrderRecord, code: str) -> OrderRecord:
    return replace(draft, code=code)
