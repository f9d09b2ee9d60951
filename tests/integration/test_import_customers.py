"""Importing customers, on SQLite and PostgreSQL: upsert by phone/email, consent ledger, all or nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.importing.report import ImportFileError
from bot.services.imports import ImportOptions, import_customers
from bot.storage.models import AuditEntry, ConsentEvent, Customer
from bot.storage.uow import UnitOfWorkFactory

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
HEADER = "full_name,phone,email,address,marketing_consent\n"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 25, 5, 0, tzinfo=UTC))


def _csv(tmp_path: Path, body: str, name: str = "customers.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


async def _count(uow_factory: UnitOfWorkFactory, model: type) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_sample_file_imports_and_reimport_changes_nothing(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    first = await import_customers(uow_factory, DATA / "customers.csv", clock=clock)
    assert first.summary() == "customers: 5 rows, 5 created, 0 updated, 0 unchanged, 0 invalid"
    assert first.written and first.ok
    async with uow_factory() as uow:
        lan = await uow.customers.by_phone("+84912345678")
        assert lan is not None
        assert (lan.full_name, lan.email) == ("Nguyễn Thị Lan", "lan.nguyen@example.com")
        nhung = await uow.customers.by_phone("+84381234567")  # written as 0168 123 4567 in the file
        assert nhung is not None and nhung.email is None
        bao = await uow.customers.by_email("bao.pham@example.com")
        assert bao is not None and bao.phone is None
        mai = await uow.customers.by_phone("+84903111222")
        assert mai is not None and mai.address and "\n(giao giờ hành chính)" in mai.address
        assert (await uow.consents.current(lan.id, "marketing")).granted is True  # type: ignore[union-attr]
        assert await uow.consents.current(nhung.id, "marketing") is None
    consents, audits = await _count(uow_factory, ConsentEvent), await _count(uow_factory, AuditEntry)
    assert consents == 4
    clock.advance(timedelta(hours=1))
    second = await import_customers(uow_factory, DATA / "customers.csv", clock=clock)
    assert second.summary() == "customers: 5 rows, 0 created, 0 updated, 5 unchanged, 0 invalid"
    assert await _count(uow_factory, ConsentEvent) == consents
    assert await _count(uow_factory, AuditEntry) == audits
    async with uow_factory() as uow:
        lan = await uow.customers.by_phone("+84912345678")
        assert lan is not None and lan.updated_at == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


async def test_json_file_matches_the_same_customers(
    uow_factory: UnitOfWorkFactory, clock: ManualClock
) -> None:
    await import_customers(uow_factory, DATA / "customers.csv", clock=clock)
    report = await import_customers(uow_factory, DATA / "customers.json", clock=clock)
    # Lan: same data; Bảo: same (consent "có" = already granted); Trang: new
    assert report.summary() == "customers: 3 rows, 1 created, 0 updated, 2 unchanged, 0 invalid"


async def test_changes_update_and_consent_is_recorded_only_when_it_changes(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    await import_customers(uow_factory, _csv(tmp_path, "Lan,0912345678,,Hà Nội,yes\n"), clock=clock)
    clock.advance(timedelta(days=1))
    report = await import_customers(
        uow_factory, _csv(tmp_path, "Nguyễn Thị Lan,+84 912 345 678,lan@example.com,,no\n"), clock=clock
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    async with uow_factory() as uow:
        lan = await uow.customers.by_phone("+84912345678")
        assert lan is not None
        assert (lan.full_name, lan.email, lan.address) == (
            "Nguyễn Thị Lan",
            "lan@example.com",
            "Hà Nội",
        )  # blank kept
        current = await uow.consents.current(lan.id, "marketing")
        assert current is not None and current.granted is False and current.source == "import"
    assert await _count(uow_factory, ConsentEvent) == 2
    # consent alone changing counts as an update
    report = await import_customers(
        uow_factory, _csv(tmp_path, "Nguyễn Thị Lan,0912345678,lan@example.com,,có\n"), clock=clock
    )
    assert (report.updated, report.unchanged) == (1, 0)
    assert await _count(uow_factory, ConsentEvent) == 3


async def test_found_by_email_fills_in_a_missing_phone(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    await import_customers(uow_factory, _csv(tmp_path, "Bảo,,bao@example.com,,\n"), clock=clock)
    report = await import_customers(
        uow_factory, _csv(tmp_path, "Bảo,0987654321,bao@example.com,,\n"), clock=clock
    )
    assert (report.created, report.updated) == (0, 1)
    async with uow_factory() as uow:
        assert await uow.customers.count() == 1
        bao = await uow.customers.by_email("bao@example.com")
        assert bao is not None and bao.phone == "+84987654321"


async def test_conflicts_with_stored_customers_are_bad_rows(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    await import_customers(
        uow_factory, _csv(tmp_path, "Lan,0912345678,lan@example.com,,\nMinh,0987654321,,,\n"), clock=clock
    )
    report = await import_customers(  # Lan's email on Minh's row
        uow_factory, _csv(tmp_path, "Minh,0987654321,lan@example.com,,\n"), clock=clock
    )
    assert report.error_lines() == [
        "customers.csv line 2: email: lan@example.com belongs to another customer (phone +84912345678), "
        "not to +84987654321",
    ]
    assert not report.written
    report = await import_customers(  # Lan found by email, but with another phone
        uow_factory, _csv(tmp_path, "Lan,0977000111,lan@example.com,,\n"), clock=clock
    )
    assert report.error_lines() == [
        "customers.csv line 2: phone: the customer with email lan@example.com has phone "
        "+84912345678 on file, not +84977000111",
    ]
    assert not report.written


async def test_a_bad_file_imports_nothing(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_customers(uow_factory, DATA / "customers_bad.csv", clock=clock)
    assert report.summary() == "customers: 5 rows, 1 created, 0 updated, 0 unchanged, 4 invalid"
    assert report.error_lines() == [
        "customers_bad.csv line 3: full_name: required",
        "customers_bad.csv line 4: phone: not a Vietnamese phone number: '12345'",
        "customers_bad.csv line 4: email: not a valid email address: 'tam@example'",
        "customers_bad.csv line 4: marketing_consent: "
        "expected yes or no (true/false, yes/no, 1/0, có/không), got 'maybe'",
        "customers_bad.csv line 5: phone: duplicate phone +84912345678, also on line 2",
        "customers_bad.csv line 6: phone: a phone number or an email is required",
    ]
    assert not report.written and not report.ok
    assert await _count(uow_factory, Customer) == 0
    assert await _count(uow_factory, ConsentEvent) == 0
    assert await _count(uow_factory, AuditEntry) == 0


async def test_skip_invalid_imports_the_good_rows(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_customers(
        uow_factory, DATA / "customers_bad.csv", clock=clock, options=ImportOptions(skip_invalid=True)
    )
    assert report.written and report.ok
    assert report.outcome_line() == "skipped 4 invalid rows"
    assert await _count(uow_factory, Customer) == 1


async def test_skip_invalid_with_no_valid_row_is_not_ok(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    report = await import_customers(
        uow_factory, _csv(tmp_path, "Lan,123,,,\n"), clock=clock, options=ImportOptions(skip_invalid=True)
    )
    assert not report.ok and not report.written


async def test_dry_run_counts_but_writes_nothing(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> None:
    report = await import_customers(
        uow_factory, DATA / "customers.csv", clock=clock, options=ImportOptions(dry_run=True)
    )
    assert report.summary() == "customers: 5 rows, 5 created, 0 updated, 0 unchanged, 0 invalid"
    assert report.outcome_line() == "dry run: nothing written"
    assert await _count(uow_factory, Customer) == 0


async def test_columns_are_checked_before_any_row(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("full_name,phone,zalo,note\nLan,0912345678,x,y\n", encoding="utf-8")
    with pytest.raises(
        ImportFileError, match=r"unknown columns zalo, note \(accepted columns: full_name, phone"
    ):
        await import_customers(uow_factory, unknown, clock=clock)
    report = await import_customers(
        uow_factory, unknown, clock=clock, options=ImportOptions(ignore_extra_columns=True)
    )
    assert report.created == 1

    missing = tmp_path / "missing.csv"
    missing.write_text("phone,email\n0912345678,\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="missing required column full_name"):
        await import_customers(uow_factory, missing, clock=clock)
    neither = tmp_path / "neither.csv"
    neither.write_text("full_name,address\nLan,Hà Nội\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="missing required column phone or email"):
        await import_customers(uow_factory, neither, clock=clock)
    prose = tmp_path / "notes.txt"
    prose.write_text("Dear team, please find the customers attached.\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="does not look like a customers file"):
        await import_customers(uow_factory, prose, clock=clock)
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    with pytest.raises(ImportFileError, match="header but no rows"):
        await import_customers(uow_factory, header_only, clock=clock)


async def test_utf16_and_bom_files(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    shutil.copy(DATA / "customers_utf16.csv", tmp_path / "u.csv")
    assert (await import_customers(uow_factory, tmp_path / "u.csv", clock=clock)).created == 1
    assert (await import_customers(uow_factory, DATA / "customers_bom.csv", clock=clock)).summary() == (
        "customers: 1 rows, 0 created, 1 updated, 0 unchanged, 0 invalid"
    )  # adds the email


async def test_many_rows_in_batches(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    rows = "".join(
        f"Khách {n},09{n:08d},khach{n}@example.com,,{'có' if n % 2 else 'không'}\n" for n in range(1200)
    )
    path = _csv(tmp_path, rows)
    report = await import_customers(uow_factory, path, clock=clock, options=ImportOptions(batch_size=250))
    assert (report.rows, report.created, report.invalid) == (1200, 1200, 0)
    again = await import_customers(uow_factory, path, clock=clock, options=ImportOptions(batch_size=250))
    assert again.unchanged == 1200
    assert await _count(uow_factory, ConsentEvent) == 1200
