"""`rosee-support audit verify` as an operator runs it: a subprocess against a fresh SQLite file whose
audit rows an import wrote; OK with the count and the head, or the first row altered or removed, with
a non-zero exit status."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.domain.audit_chain import ChainRow
from bot.storage.audit_chain import CHAIN_COLUMNS, audit_table, head_table
from bot.storage.db import create_engine

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = ROOT / "tests" / "data" / "import" / "customers.csv"
OK = re.compile(r"^audit chain OK: (\d+) rows, head (\d+):([0-9a-f]{64})$")


@dataclass
class Cli:
    workdir: Path

    @property
    def database(self) -> Path:
        return self.workdir / "rosee.db"

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}", "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", str(self.workdir / "none.env"), *args],
            cwd=self.workdir, env=env, capture_output=True, text=True, timeout=120, check=False,
        )

    def sql(self, statement: str) -> None:
        with sqlite3.connect(self.database) as connection:
            connection.execute(statement)


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    assert cli("db", "upgrade").returncode == 0
    return cli


def test_an_empty_log_and_an_imported_one_verify(run: Cli) -> None:
    empty = run("audit", "verify")
    assert empty.returncode == 0, empty.stderr
    assert OK.match(empty.stdout.strip()) and empty.stdout.startswith("audit chain OK: 0 rows, head 0:")
    assert run("import", "customers", str(CUSTOMERS)).returncode == 0
    imported = run("audit", "verify", "--batch", "2")
    match = OK.match(imported.stdout.strip())
    assert imported.returncode == 0 and match is not None, imported.stdout
    assert match[1] == match[2] == "5"
    anchored = run("audit", "verify", "--anchor", f"{match[2]}:{match[3]}")
    assert anchored.returncode == 0, anchored.stdout


def test_an_edited_row_is_reported_with_its_seq_and_id(run: Cli) -> None:
    assert run("import", "customers", str(CUSTOMERS)).returncode == 0
    run.sql("UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 3")
    result = run("audit", "verify")
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "audit chain BROKEN at seq 3 (id 3) altered: its fields no longer match its hash"
        " (2 rows verified before it)"
    )


def test_a_deleted_row_is_reported(run: Cli) -> None:
    assert run("import", "customers", str(CUSTOMERS)).returncode == 0
    run.sql("DELETE FROM audit_log WHERE seq = 2")
    result = run("audit", "verify")
    assert result.returncode == 1
    assert result.stdout.startswith(
        "audit chain BROKEN at seq 2 removed: seq 2 missing, the chain goes on at seq 3")
    run.sql("DELETE FROM audit_log WHERE seq >= 3")
    assert "seq 2 to 5 missing at the end" in run("audit", "verify").stdout


def test_a_recomputed_chain_is_caught_by_an_anchor_written_down_before(run: Cli) -> None:
    assert run("import", "customers", str(CUSTOMERS)).returncode == 0
    match = OK.match(run("audit", "verify").stdout.strip())
    assert match is not None
    asyncio.run(_rewrite_from(run.database, seq=2))  # an edit, and every hash after it recomputed
    assert run("audit", "verify").returncode == 0  # the chain alone cannot tell
    result = run("audit", "verify", "--anchor", f"{match[2]}:{match[3]}")
    assert result.returncode == 1
    assert result.stdout.startswith("audit chain BROKEN at seq 5 (id 5) altered: its hash is not the anchor")
    bad = run("audit", "verify", "--anchor", "5:nothex")
    assert bad.returncode != 0 and "expected SEQ:HASH" in bad.stderr


async def _rewrite_from(database: Path, *, seq: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            rows = (await connection.execute(
                select(*CHAIN_COLUMNS).where(audit_table.c.seq >= seq - 1).order_by(audit_table.c.seq)
            )).mappings().all()
            prev = str(rows[0]["row_hash"])
            for values in rows[1:]:
                row = ChainRow(**{**values, "purpose": "rewritten"})
                digest = row.expected_hash(prev, int(values["seq"]))
                await connection.execute(update(audit_table).where(audit_table.c.id == row.id).values(
                    purpose="rewritten", prev_hash=prev, body_hash=row.expected_body(), row_hash=digest))
                prev = digest
            await connection.execute(update(head_table).values(row_hash=prev))
    finally:
        await engine.dispose()
