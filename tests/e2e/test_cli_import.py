"""`rosee-support import` and `demo-data` as an operator runs them: a subprocess, a fresh SQLite file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "import"


@dataclass
class Cli:
    """`python -m bot …` in a subprocess against its own SQLite file, no .env."""

    workdir: Path

    @property
    def database(self) -> Path:
        return self.workdir / "rosee.db"

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}", "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", str(self.workdir / "none.env"), *args],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_good_file_then_reimport_is_a_no_op(run: Cli) -> None:
    first = run("import", "customers", str(DATA / "customers.csv"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "customers: 5 rows, 5 created, 0 updated, 0 unchanged, 0 invalid"
    second = run("import", "customers", str(DATA / "customers.csv"))
    assert second.returncode == 0
    assert second.stdout.strip() == "customers: 5 rows, 0 created, 0 updated, 5 unchanged, 0 invalid"
    orders = run("import", "orders", str(DATA / "orders.csv"))
    assert orders.returncode == 0, orders.stderr
    assert orders.stdout.strip() == "orders: 4 rows, 4 created, 0 updated, 0 unchanged, 0 invalid"
    assert _count(run.database, "customers") == 5 and _count(run.database, "orders") == 4


def test_json_variant(run: Cli) -> None:
    result = run("import", "customers", str(DATA / "customers.json"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "customers: 3 rows, 3 created, 0 updated, 0 unchanged, 0 invalid"
    result = run("import", "orders", str(DATA / "orders.json"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "orders: 2 rows, 2 created, 0 updated, 0 unchanged, 0 invalid"


def test_bad_file_reports_each_row_exits_1_and_writes_nothing(run: Cli) -> None:
    result = run("import", "customers", str(DATA / "customers_bad.csv"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "customers_bad.csv line 3: full_name: required",
        "customers_bad.csv line 4: phone: not a Vietnamese phone number: '12345'",
        "customers_bad.csv line 4: email: not a valid email address: 'tam@example'",
        "customers_bad.csv line 4: marketing_consent: "
        "expected yes or no (true/false, yes/no, 1/0, có/không), got 'maybe'",
        "customers_bad.csv line 5: phone: duplicate phone +84912345678, also on line 2",
        "customers_bad.csv line 6: phone: a phone number or an email is required",
        "nothing imported: 4 invalid rows; fix them, or import the 1 valid row with --skip-invalid",
    ]
    assert result.stdout.strip() == "customers: 5 rows, 1 created, 0 updated, 0 unchanged, 4 invalid"
    assert _count(run.database, "customers") == 0
    skipped = run("import", "customers", "--skip-invalid", str(DATA / "customers_bad.csv"))
    assert skipped.returncode == 0
    assert "skipped 4 invalid rows" in skipped.stdout
    assert _count(run.database, "customers") == 1


def test_dry_run_writes_nothing(run: Cli) -> None:
    result = run("import", "customers", "--dry-run", str(DATA / "customers.csv"))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "customers: 5 rows, 5 created, 0 updated, 0 unchanged, 0 invalid",
        "dry run: nothing written",
    ]
    assert _count(run.database, "customers") == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "customers_latin1.csv",
            "rosee-support: customers_latin1.csv: not UTF-8 text (byte 0xe9 on line 2); "
            "save the file as 'CSV UTF-8' (Excel) or convert it to UTF-8",
        ),
        ("empty.csv", "rosee-support: empty.csv: file is empty"),
    ],
)
def test_unreadable_file_gets_one_line(run: Cli, name: str, message: str) -> None:
    result = run("import", "customers", str(DATA / name))
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert result.stdout == ""


def test_binary_file_and_missing_file(run: Cli, tmp_path: Path) -> None:
    picture = tmp_path / "customers.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run("import", "customers", str(picture))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "not a text file" in result.stderr
    result = run("import", "orders", str(tmp_path / "nope.csv"))
    assert result.returncode == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr


def test_utf16_export_from_excel_is_read(run: Cli, tmp_path: Path) -> None:
    shutil.copy(DATA / "customers_utf16.csv", tmp_path / "export.txt")
    result = run("import", "customers", str(tmp_path / "export.txt"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("customers: 1 rows, 1 created")


def test_demo_data_twice(run: Cli) -> None:
    first = run("demo-data", "--customers", "50", "--orders", "200")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:2] == [
        "customers: 54 rows, 54 created, 0 updated, 0 unchanged, 0 invalid",
        "orders: 207 rows, 207 created, 0 updated, 0 unchanged, 0 invalid",
    ]
    second = run("demo-data", "--customers", "50", "--orders", "200")
    assert second.stdout.splitlines()[:2] == [
        "customers: 54 rows, 0 created, 0 updated, 54 unchanged, 0 invalid",
        "orders: 207 rows, 0 created, 0 updated, 207 unchanged, 0 invalid",
    ]
