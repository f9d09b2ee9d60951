"""`rosee-support chat` as an operator runs it: a real process reading a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str,
    stdin: str = "",
    tmp_path: Path,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "STAFF_"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", "PYTHONPATH": str(ROOT)})
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )


def test_piped_chat_prints_replies_and_exits_zero(tmp_path: Path) -> None:
    result = run_cli("chat", stdin="xin chào\n/help\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "» xin chào" in result.stdout
    assert "RoseeGlory" in result.stdout or "Chào" in result.stdout
    assert "/cancel" in result.stdout  # the help text
    assert "Traceback" not in result.stderr


def test_buttons_are_numbered_and_picked_by_number(tmp_path: Path) -> None:
    result = run_cli("chat", stdin="/privacy\n8\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[8] Mục 7" in result.stdout
    assert "không mất phí" in result.stdout


def test_phone_option_verifies_like_a_telegram_contact(tmp_path: Path) -> None:
    result = run_cli("chat", "--phone", "0912 345 678", stdin="đơn hàng của tôi đâu\n1\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[1] 📱 Chia sẻ số điện thoại" in result.stdout
    assert "xác minh" in result.stdout.lower()


def test_malformed_input_never_crashes(tmp_path: Path) -> None:
    nasty = "\n".join(
        ["", "   ", "x" * 20_000, "\x00\x01\x1b[31m", "🙂" * 50, "/", "/start " + "y" * 5000, "99"]
    )
    result = run_cli("chat", stdin=nasty + "\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Mã sự cố" not in result.stdout


def test_wrong_setting_stops_with_one_line(tmp_path: Path) -> None:
    result = run_cli("chat", stdin="", tmp_path=tmp_path, extra_env={"STAFF_CHAT_ID": "abc"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "STAFF_CHAT_ID" in result.stderr


def test_invalid_phone_option_is_refused(tmp_path: Path) -> None:
    result = run_cli("chat", "--phone", "12", stdin="", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "--phone" in result.stderr


def test_start_without_a_token_seeds_demo_data_once_then_chats(tmp_path: Path) -> None:
    first = run_cli("start", stdin="/start\n", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo data added" in first.stderr
    assert "» /start" in first.stdout and "RoseeGlory" in first.stdout
    again = run_cli("start", stdin="", tmp_path=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "demo data added" not in again.stderr  # the database is no longer empty


def test_run_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_cli("run", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and result.stderr.strip().count("\n") == 0


def test_healthcheck_reports_the_database(tmp_path: Path) -> None:
    result = run_cli("healthcheck", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database: ok" in result.stdout
