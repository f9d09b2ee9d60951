"""The suppression list as the shop's mailer gets it, on SQLite and PostgreSQL: `rosee-support export
suppression` in a subprocess (stdout, a file, one channel) and `GET /api/marketing/suppressions` over
real HTTP with good, wrong, missing, malformed and stale signatures. Each read is audited."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.storage.models import AuditEntry, Customer
from tests.support.harness import ChatHarness
from tests.support.shop_api import SHOP_SECRET, ShopClient, shop_api

ROOT = Path(__file__).resolve().parents[2]
LAN_PHONE, LAN_EMAIL = "+84912345678", "lan.nguyen@example.com"
ROUTE = "/api/marketing/suppressions"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"shop_api_secret": SHOP_SECRET}


@pytest.fixture
async def opted_out(app: App, harness: ChatHarness) -> App:
    """Lan (linked) stopped SMS and calls; an unknown chat account stopped email, giving its address."""
    async with app.uow_factory() as uow:
        uow.customers.add(Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE, email=LAN_EMAIL))
        await uow.commit()
    lan = harness.user("1001")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    assert (await lan.says("đừng nhắn sms và gọi điện quảng cáo nữa")).said("marketing.stopped_to")
    stranger = harness.user("2002", name="Hoa")
    await stranger.says("hủy nhận email quảng cáo")
    assert (await stranger.says("Hoa.Tran@Example.com")).said("marketing.stopped_to")
    return app


EXPECTED = [("call", "phone", LAN_PHONE), ("email", "email", "hoa.tran@example.com"),
            ("sms", "phone", LAN_PHONE)]


def export(database_url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", str(workdir / "none.env"), "export",
                           "suppression", *args], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def exports_audited(app: App) -> int:
    async with app.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "marketing.suppression_exported")) or 0)


async def test_the_cli_writes_the_list_as_csv_to_stdout_a_file_and_per_channel(
    opted_out: App, database_url: str, tmp_path: Path
) -> None:
    out = export(database_url, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "channel,kind,address,since"
    listed = rows(out.stdout)
    assert [(r["channel"], r["kind"], r["address"]) for r in listed] == EXPECTED
    assert all(r["since"].endswith("Z") and r["since"].startswith("20") for r in listed)

    target = tmp_path / "suppression.csv"
    written = export(database_url, tmp_path, "--output", str(target))
    assert written.returncode == 0, written.stderr
    assert written.stdout == "" and "3 suppressed addresses written" in written.stderr
    assert rows(target.read_text(encoding="utf-8")) == listed

    sms = export(database_url, tmp_path, "--channel", "sms")
    assert [(r["channel"], r["address"]) for r in rows(sms.stdout)] == [("sms", LAN_PHONE)]
    assert await exports_audited(opted_out) == 3
    unwritable = export(database_url, tmp_path, "--output", str(tmp_path / "missing" / "x.csv"))
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr


@pytest.fixture
async def client(opted_out: App) -> AsyncIterator[ShopClient]:
    async with shop_api(opted_out) as shop:
        yield shop


async def test_the_endpoint_answers_a_signed_request_with_the_list(
    opted_out: App, client: ShopClient
) -> None:
    answer = await client.get(ROUTE)
    assert answer.status == 200, answer.body
    assert answer.body["ok"] is True and answer.body["count"] == 3
    assert [(e["channel"], e["kind"], e["address"]) for e in answer.body["suppressions"]] == EXPECTED
    assert answer.body["generated_at"].endswith("Z")
    email = await client.get(ROUTE + "?channel=email")
    assert [e["address"] for e in email.body["suppressions"]] == ["hoa.tran@example.com"]
    assert await exports_audited(opted_out) == 2
    unknown = await client.get(ROUTE + "?channel=fax")
    assert (unknown.status, unknown.body["error"]) == (422, "invalid_channel")


async def test_the_endpoint_refuses_bad_missing_and_stale_signatures(
    opted_out: App, client: ShopClient
) -> None:
    missing = await client.get(ROUTE, headers={})
    assert (missing.status, missing.body) == (401, {"ok": False, "error": "missing_signature"})
    wrong = await client.get(ROUTE, secret="another-secret-that-is-long-enough-0123456789")
    assert (wrong.status, wrong.body["error"]) == (401, "bad_signature")
    forged = await client.get(ROUTE, signature="sha256=" + "0" * 64)
    assert (forged.status, forged.body["error"]) == (401, "bad_signature")
    stale_at = int((opted_out.clock.now() - timedelta(seconds=301)).timestamp())
    stale = await client.get(ROUTE, timestamp=stale_at)
    assert (stale.status, stale.body) == (
        401, {"ok": False, "error": "stale_timestamp", "max_age_seconds": 300})
    ahead = await client.get(ROUTE, timestamp=int((opted_out.clock.now() + timedelta(minutes=6)).timestamp()))
    assert (ahead.status, ahead.body["error"]) == (401, "stale_timestamp")
    malformed = await client.get(ROUTE, headers={"X-Rosee-Timestamp": "yesterday",
                                                 "X-Rosee-Signature": "sha256=00"})
    assert (malformed.status, malformed.body["error"]) == (401, "bad_timestamp")
    assert await exports_audited(opted_out) == 0  # nothing was read
