"""Import field parsers and row validation: dates, money, yes/no, statuses, items, history, files."""

from __future__ import annotations

import codecs
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.order_status import OrderStatus
from bot.importing import parsing
from bot.importing.customers import CustomerRecord, DuplicateCustomers, validate_customer
from bot.importing.orders import DuplicateOrders, OrderItem, OrderRecord, validate_order
from bot.importing.parsing import FieldError
from bot.importing.readers import SourceRow, read_table
from bot.importing.report import ImportFileError, ImportReport, Location, RowError

LINE_2 = Location("line", 2)


# --- money ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1250000", 1_250_000),
        ("1.250.000", 1_250_000),
        ("1,250,000", 1_250_000),
        ("1,250,000 ₫", 1_250_000),
        ("1.250.000đ", 1_250_000),
        ("1.250.000 VND", 1_250_000),
        ("1 250 000 vnđ", 1_250_000),
        ("1\u00a0250\u00a0000 ₫", 1_250_000),
        ("1.250.000,00", 1_250_000),
        ("1,250,000.00", 1_250_000),
        ("1250000.00", 1_250_000),
        ("189.000", 189_000),
        ("0", 0),
        (1_250_000, 1_250_000),
        (1250000.0, 1_250_000),
    ],
)
def test_money_in_the_forms_people_write_it(raw: object, expected: int) -> None:
    assert parsing.money_vnd(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1.5", "1,25", "12.50.000", "1.250,000", "-100000", "abc", "1.250.000,50", True, 12.5, "", "1e6"]
)
def test_money_that_is_not_whole_dong_is_refused(raw: object) -> None:
    with pytest.raises(FieldError):
        parsing.money_vnd(raw)


# --- dates and times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected_utc"),
    [
        ("2026-03-15T14:30:00+07:00", datetime(2026, 3, 15, 7, 30, tzinfo=UTC)),
        ("2026-03-15T07:30:00Z", datetime(2026, 3, 15, 7, 30, tzinfo=UTC)),
        ("2026-03-15T14:30", datetime(2026, 3, 15, 7, 30, tzinfo=UTC)),  # naive = Vietnamese time
        ("2026-03-15 14:30:00", datetime(2026, 3, 15, 7, 30, tzinfo=UTC)),
        ("2026-03-15", datetime(2026, 3, 14, 17, 0, tzinfo=UTC)),  # midnight in Hà Nội
        ("15/03/2026 14:30", datetime(2026, 3, 15, 7, 30, tzinfo=UTC)),
        ("15/03/2026 14:30:15", datetime(2026, 3, 15, 7, 30, 15, tzinfo=UTC)),
        ("5/3/2026 8:05", datetime(2026, 3, 5, 1, 5, tzinfo=UTC)),
        ("15-03-2026", datetime(2026, 3, 14, 17, 0, tzinfo=UTC)),
        ("15.03.2026 14h30", datetime(2026, 3, 15, 7, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_iso_and_vietnamese_naive_times_are_ho_chi_minh_time(
    raw: str, expected_utc: datetime
) -> None:
    parsed = parsing.timestamp(raw)
    assert parsed == expected_utc
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "raw", ["31/02/2026", "2026-13-01", "15/03/26", "yesterday", "03/15/2026 25:00", "", 20260315]
)
def test_bad_timestamps_are_refused(raw: object) -> None:
    with pytest.raises(FieldError):
        parsing.timestamp(raw)


def test_dates() -> None:
    assert parsing.calendar_date("2026-11-26") == date(2026, 11, 26)
    assert parsing.calendar_date("26/11/2026") == date(2026, 11, 26)
    for bad in ("26/11/2026 10:00", "2026-02-30", "soon"):
        with pytest.raises(FieldError):
            parsing.calendar_date(bad)


# --- yes / no, statuses ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["true", "TRUE", "yes", "Y", "1", "có", "Có", "co", True, 1])
def test_yes(raw: object) -> None:
    assert parsing.boolean(raw) is True


@pytest.mark.parametrize("raw", ["false", "no", "N", "0", "không", "Không", "khong", False, 0])
def test_no(raw: object) -> None:
    assert parsing.boolean(raw) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "đồng ý?", 5])
def test_neither_yes_nor_no(raw: object) -> None:
    with pytest.raises(FieldError):
        parsing.boolean(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("delivered", OrderStatus.DELIVERED),
        (" Delivering ", OrderStatus.DELIVERING),
        ("đã giao", OrderStatus.DELIVERED),
        ("Đã giao", OrderStatus.DELIVERED),
        ("đang giao", OrderStatus.DELIVERING),
        ("đang giao hàng", OrderStatus.DELIVERING),
        ("đã huỷ", OrderStatus.CANCELLED),
        ("đã hủy", OrderStatus.CANCELLED),  # the other tone-mark placement
        ("da huy", OrderStatus.CANCELLED),
        ("chờ xác nhận", OrderStatus.PENDING),
        ("đã xác nhận", OrderStatus.CONFIRMED),
        ("đang đóng gói", OrderStatus.PACKING),
        ("đã gửi hàng", OrderStatus.SHIPPED),
        ("trả hàng", OrderStatus.RETURNED),
        ("giao thành công", OrderStatus.DELIVERED),
    ],
)
def test_order_statuses_from_the_vocabulary_and_vietnamese_labels(raw: str, expected: OrderStatus) -> None:
    assert parsing.order_status(raw) is expected


def test_unknown_status_names_the_allowed_ones() -> None:
    with pytest.raises(FieldError, match="allowed: pending, confirmed"):
        parsing.order_status("sent")


def test_the_vietnamese_labels_do_not_leak_into_the_enum() -> None:
    with pytest.raises(ValueError):
        OrderStatus.parse("đã giao")


def test_vietnamese_text_is_stored_composed() -> None:
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Lan"
    assert parsing.single_line(decomposed, max_length=200) == "Nguyễn Thị Lan"
    assert parsing.single_line("  Nguyễn \n Thị   Lan ", max_length=200) == "Nguyễn Thị Lan"


# --- customer rows ------------------------------------------------------------------------------------------


def _row(**values: object) -> SourceRow:
    return SourceRow(LINE_2, dict(values))


def test_a_good_customer_row() -> None:
    record = validate_customer(
        _row(
            full_name="Nguyễn Thị Lan",
            phone="0912 345 678",
            email="Lan.Nguyen@Example.com",
            address="Hà Nội",
            marketing_consent="có",
        )
    )
    assert record == CustomerRecord(
        "Nguyễn Thị Lan", "+84912345678", "lan.nguyen@example.com", "Hà Nội", True, LINE_2
    )


def test_a_customer_row_reports_every_bad_field() -> None:
    errors = validate_customer(_row(full_name="", phone="12345", email="x@y", marketing_consent="maybe"))
    assert isinstance(errors, list)
    assert [(e.field, e.location) for e in errors] == [
        ("full_name", LINE_2),
        ("phone", LINE_2),
        ("email", LINE_2),
        ("marketing_consent", LINE_2),
    ]
    assert errors[0].reason == "required"


def test_a_customer_needs_a_phone_or_an_email() -> None:
    errors = validate_customer(_row(full_name="Lan", phone="", email=" "))
    assert isinstance(errors, list)
    assert errors[0].field == "phone"
    assert "phone number or an email" in errors[0].reason
    assert isinstance(validate_customer(_row(full_name="Lan", email="lan@example.com")), CustomerRecord)


def test_json_phone_numbers_written_as_numbers() -> None:
    record = validate_customer(_row(full_name="Lan", phone=912345678))
    assert isinstance(record, CustomerRecord)
    assert record.phone == "+84912345678"


def test_duplicate_phone_or_email_in_one_file_names_the_first_line() -> None:
    duplicates = DuplicateCustomers()
    assert duplicates.check(SourceRow(Location("line", 4), {"phone": "0912345678"})) == []
    assert duplicates.check(SourceRow(Location("line", 5), {"email": "a@example.com"})) == []
    errors = duplicates.check(
        SourceRow(Location("line", 9), {"phone": "+84 912 345 678", "email": "A@example.com"})
    )
    assert [e.format("c.csv") for e in errors] == [
        "c.csv line 9: phone: duplicate phone +84912345678, also on line 4",
        "c.csv line 9: email: duplicate email a@example.com, also on line 5",
    ]


# --- order rows ---------------------------------------------------------------------------------------------


def test_a_good_csv_order_row_with_items_as_text() -> None:
    record = validate_order(
        _row(
            code="rg-2026-000101",
            customer_phone="0912345678",
            status="đã giao",
            total_vnd="408.000 ₫",
            placed_at="02/11/2026 09:15",
            items="Son kem lì Rosee Velvet x2 @ 189.000; Kẹp tóc ngọc trai ×1",
            expected_delivery="05/11/2026",
            carrier="GHN",
        )
    )
    assert isinstance(record, OrderRecord)
    assert record.code == "RG-2026-000101"
    assert record.status is OrderStatus.DELIVERED
    assert record.total_vnd == 408_000
    assert record.placed_at == datetime(2026, 11, 2, 2, 15, tzinfo=UTC)
    assert record.items == (
        OrderItem("Son kem lì Rosee Velvet", 2, 189_000),
        OrderItem("Kẹp tóc ngọc trai", 1, None),
    )
    assert record.expected_delivery == date(2026, 11, 5)
    assert record.history is None


def test_items_and_history_as_json_text_and_the_total_from_the_items() -> None:
    record = validate_order(
        _row(
            code="RG-1",
            customer_email="lan@example.com",
            placed_at="2026-11-01T10:00",
            items='[{"name": "Serum dưỡng da Rosee Glow", "quantity": 2, "price_vnd": "459.000"}]',
            history='[{"status": "đang giao", "at": "2026-11-03 08:00"}, '
            '{"status": "pending", "at": "2026-11-01T10:00"}]',
        )
    )
    assert isinstance(record, OrderRecord)
    assert record.total_vnd == 918_000
    assert record.status is OrderStatus.DELIVERING  # from the latest history event
    assert [event.status for event in record.history or ()] == [OrderStatus.PENDING, OrderStatus.DELIVERING]


def test_without_status_or_history_an_order_is_pending() -> None:
    record = validate_order(_row(code="RG-1", customer_phone="0912345678", placed_at="2026-11-01"))
    assert isinstance(record, OrderRecord)
    assert record.status is OrderStatus.PENDING
    assert record.total_vnd == 0


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"code": ""}, "code", "required"),
        ({"code": "RG 1"}, "code", "without spaces"),
        ({"placed_at": ""}, "placed_at", "required"),
        ({"customer_phone": "", "customer_email": ""}, "customer_phone", "phone or email is required"),
        ({"status": "sent"}, "status", "unknown order status"),
        ({"total_vnd": "1,5"}, "total_vnd", "whole đồng"),
        ({"items": '[{"name": "A", "quantity": 0}]'}, "items", "quantity must be between"),
        ({"items": '[{"name": "A", "colour": "red"}]'}, "items", "unknown field colour"),
        ({"items": "[oops"}, "items", "not valid JSON"),
        ({"history": "shipped"}, "history", "must be a JSON list"),
        ({"history": '[{"status": "shipped"}]'}, "history", "status and at are required"),
        (
            {"status": "delivered", "history": '[{"status": "shipped", "at": "2026-11-02"}]'},
            "history",
            "latest event is shipped",
        ),
        ({"expected_delivery": "soon"}, "expected_delivery", "not a valid date"),
    ],
)
def test_bad_order_fields(values: dict[str, str], field: str, reason: str) -> None:
    row = {"code": "RG-1", "customer_phone": "0912345678", "placed_at": "2026-11-01", **values}
    errors = validate_order(_row(**row))
    assert isinstance(errors, list)
    assert any(e.field == field and reason in e.reason for e in errors), errors


def test_duplicate_order_codes_ignore_case() -> None:
    duplicates = DuplicateOrders()
    assert duplicates.check(SourceRow(Location("item", 1), {"code": "RG-1"})) == []
    assert duplicates.check(SourceRow(Location("item", 3), {"code": " rg-1 "})) == [
        RowError(Location("item", 3), "code", "duplicate order code RG-1, also on item 1")
    ]


# --- reading files ------------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_csv_line_numbers_are_physical_lines_with_the_header_as_line_1(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", 'Full Name,Phone\nLan,0912345678\n\n"Minh\nTrần",0987654321\nHà,0977123456\n'
    )
    table = read_table(path, collection="customers")
    assert table.columns == ["full_name", "phone"]
    rows = list(table.rows)
    assert [row.location.number for row in rows] == [2, 4, 6]
    assert rows[1].values["full_name"] == "Minh\nTrần"


def test_semicolons_tabs_bom_and_utf16(tmp_path: Path) -> None:
    bom = _write(tmp_path, "bom.csv", codecs.BOM_UTF8 + b"full_name;phone\nLan;0912345678\n")
    assert next(iter(read_table(bom, collection="customers").rows)).values == {
        "full_name": "Lan",
        "phone": "0912345678",
    }
    utf16 = _write(tmp_path, "u.txt", "full_name\tphone\nLan\t0912345678\n".encode("utf-16"))
    assert next(iter(read_table(utf16, collection="customers").rows)).values["phone"] == "0912345678"


def test_json_items_are_numbered_and_a_wrapper_object_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.json", '{"customers": [{"full_name": "Lan"}, 5]}')
    table = read_table(path, collection="customers")
    rows = list(table.rows)
    assert [str(row.location) for row in rows] == ["item 1", "item 2"]
    assert rows[1].problem and "expected an object" in rows[1].problem


def test_format_is_sniffed_when_the_extension_says_nothing(tmp_path: Path) -> None:
    assert (
        read_table(_write(tmp_path, "export", '[{"full_name": "Lan"}]'), collection="customers").format
        == "json"
    )
    assert (
        read_table(_write(tmp_path, "export.dat", "full_name\nLan\n"), collection="customers").format == "csv"
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("blank.csv", b"\n \n", "file is empty"),
        ("empty.json", b"[]", "file is empty"),
        ("latin1.csv", "full_name\nLê\n".encode("latin-1"), "not UTF-8 text (byte 0xea on line 2)"),
        ("book.csv", b"PK\x03\x04rest-of-zip", "spreadsheet workbook (.xlsx)"),
        ("nul.csv", b"f\x00u\x00l\x00l\x00", "not a text file"),
        ("bad.json", b'[{"full_name": "Lan",}]', "not valid JSON"),
        ("obj.json", b'{"rows": []}', "expected a JSON list of customers"),
        ("dup.csv", b"phone,Phone\n1,2\n", "phone appears twice"),
    ],
)
def test_unreadable_files_get_one_clear_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        table = read_table(_write(tmp_path, name, data), collection="customers")
        list(table.rows)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        read_table(tmp_path / "nope.csv", collection="customers")


# --- the report ------------------------------------------------------------------------------------------


def test_report_lines() -> None:
    report = ImportReport("customers", source="c.csv", rows=10, created=7, updated=1, unchanged=0)
    report.add_errors(
        [
            RowError(Location("line", 5), "phone", "bad"),
            RowError(Location("line", 3), None, "broken"),
            RowError(Location("line", 5), "email", "bad too"),
        ]
    )
    assert report.summary() == "customers: 10 rows, 7 created, 1 updated, 0 unchanged, 2 invalid"
    assert report.error_lines() == [
        "c.csv line 3: broken",
        "c.csv line 5: phone: bad",
        "c.csv line 5: email: bad too",
    ]
    assert not report.ok
    assert report.outcome_line() == (
        "nothing imported: 2 invalid rows; fix them, or import the 8 valid rows with --skip-invalid"
    )
