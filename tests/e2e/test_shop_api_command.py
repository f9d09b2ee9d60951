"""The shop API as an operator starts it: beside the bot in `rosee-support run`, or alone with
`rosee-support shop-api`; real processes, real HTTP, signed requests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.shop_api.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.e2e.test_console_desk import LiveProcess, run_cli
from tests.support.telegram_bot import free_port

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
SECRET = "s" * 40
RUN = {"TELEGRAM_BOT_TOKEN": "123:fake", "TELEGRAM_API_BASE": "http://127.0.0.1:9", "ALLOW_NO_STAFF": "true",
       "VERIFICATION_CODE_SECRET": "v" * 40}


def post(url: str, body: dict[str, object], secret: str = SECRET) -> tuple[int, dict[str, object]]:
    data = json.dumps(body).encode()
    moment = int(time.time())
    request = urllib.request.Request(url, data, {TIMESTAMP_HEADER: str(moment),
                                                 SIGNATURE_HEADER: sign(secret.encode(), moment, data)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_run_refuses_a_shop_api_without_a_secret_in_one_line(tmp_path: Path) -> None:
    result = run_cli("run", tmp_path=tmp_path, extra={**RUN, "SHOP_API_LISTEN": "127.0.0.1:8081"})
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and "SHOP_API_SECRET" in line


def test_run_serves_the_shop_api_beside_the_bot(tmp_path: Path) -> None:
    port = free_port()
    bot = LiveProcess("run", tmp_path=tmp_path, extra={
        **RUN, "SHOP_API_LISTEN": f"127.0.0.1:{port}", "SHOP_API_SECRET": SECRET})
    try:
        bot.wait_for(f"shop API listening on 127.0.0.1:{port}", on="err")
        event = {"event_id": "erp-1", "status": "shipped", "occurred_at": "2026-12-02T09:00:00+07:00"}
        url = f"http://127.0.0.1:{port}/api/orders/RG-2026-000404/events"
        assert post(url, event) == (404, {"ok": False, "error": "unknown_order",
                                          "order_codes": ["RG-2026-000404"]})
        assert post(url, event, secret="x" * 40) == (401, {"ok": False, "error": "bad_signature"})
    finally:
        code = bot.stop()
    assert code == 0, bot.stderr


def test_the_shop_api_alone_records_an_event_for_the_bot_to_deliver(tmp_path: Path) -> None:
    for kind in ("customers", "orders"):
        assert run_cli("import", kind, str(DATA / f"{kind}.csv"), tmp_path=tmp_path).returncode == 0
    port = free_port()
    api = LiveProcess("shop-api", "--listen", f"127.0.0.1:{port}", tmp_path=tmp_path,
                      extra={"SHOP_API_SECRET": SECRET})
    try:
        api.wait_for(f"shop API listening on 127.0.0.1:{port}")
        event = {"event_id": "erp-2", "status": "delivered", "occurred_at": "2026-11-27T09:00:00+07:00"}
        url = f"http://127.0.0.1:{port}/api/orders/rg-2026-000102/events"
        status, body = post(url, event)
        assert status == 200, body
        assert body["results"] == [
            {"event_id": "erp-2", "order_code": "RG-2026-000102", "outcome": "changed"}]
        assert post(url, event)[0] == 409
    finally:
        code = api.stop()
    assert code == 0, api.stderr
