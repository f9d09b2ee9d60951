"""`rosee-support chat` as an operator runs it: a real process reading a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.wording import around, label, markup, rendered

ROOT = Path(__file__).resolve().parents[2]
WELCOME = rendered("core.welcome", name=markup("core.default_name"))  # a console user has no name
SECTION_7 = around("core.section_button", "title", number=7)[0]  # the title is the policy's own
INCIDENT = around("core.internal_error", "incident")[0]
ASKS_FOR_CONTACT = f"[1] {label('core.share_phone_button')}"


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
    assert WELCOME in result.stdout
    assert rendered("core.help") in result.stdout
    assert "Traceback" not in result.stderr


def test_buttons_are_numbered_and_picked_by_number(tmp_path: Path) -> None:
    result = run_cli("chat", stdin="/privacy\n8\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"[8] {SECTION_7}" in result.stdout
    assert "không mất phí" in result.stdout  # the policy's section 7 (knowledge/), not the catalogue


def test_phone_option_verifies_like_a_telegram_contact(tmp_path: Path) -> None:
    result = run_cli("chat", "--phone", "0912 345 678", stdin="đơn hàng của tôi đâu\n1\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert rendered("core.verify.ask_contact") in result.stdout and ASKS_FOR_CONTACT in result.stdout
    # shared, but no customer has that number (the console's own data is empty)
    assert rendered("identity.unknown_number", phone="+84••••••678") in result.stdout


def test_malformed_input_never_crashes(tmp_path: Path) -> None:
    nasty = "\n".join(
        ["", "   ", "x" * 20_000, "\x00\x01\x1b[31m", "🙂" * 50, "/", "/start " + "y" * 5000, "99"]
    )
    result = run_cli("chat", stdin=nasty + "\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert INCIDENT not in result.stdout


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
    assert "» /start" in first.stdout and WELCOME in first.stdout
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


# Conversations that do not leak into each other -------------------------------------------------------
ORDERS_QUESTION = "đơn hàng của tôi đâu\n"
LAN_ORDER = "RG-2026-900002"  # one of the demo customer Nguyễn Thị Lan's orders


def _with_demo_data(tmp_path: Path) -> None:
    seeded = run_cli("demo-data", tmp_path=tmp_path)
    assert seeded.returncode == 0, seeded.stderr


def test_each_run_is_a_new_conversation_and_a_phone_run_leaves_no_verification(tmp_path: Path) -> None:
    _with_demo_data(tmp_path)
    verified = run_cli("chat", "--phone", "0912345678", stdin=ORDERS_QUESTION + "1\n", tmp_path=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert LAN_ORDER in verified.stdout

    later = run_cli("chat", stdin=ORDERS_QUESTION, tmp_path=tmp_path)
    assert later.returncode == 0, later.stderr
    assert LAN_ORDER not in later.stdout and ASKS_FOR_CONTACT in later.stdout
    assert "new conversation as console-" in later.stderr
    first_user = verified.stderr.split("new conversation as ", 1)[1].split()[0]
    assert first_user not in later.stderr  # a fresh user id every run


COMPLAINT_STARTED = "tôi muốn khiếu nại\n"  # leaves the complaint flow open, waiting for a category
CATEGORY_REMINDER = rendered("complaints.category_reminder")  # what that open step answers to other text


def test_a_flow_left_open_does_not_swallow_the_next_runs_first_message(tmp_path: Path) -> None:
    left_open = run_cli("chat", stdin=COMPLAINT_STARTED, tmp_path=tmp_path)
    assert left_open.returncode == 0, left_open.stderr
    nxt = run_cli("chat", stdin="/privacy\n", tmp_path=tmp_path)
    assert nxt.returncode == 0, nxt.stderr
    assert SECTION_7 in nxt.stdout and CATEGORY_REMINDER not in nxt.stdout


def test_user_option_resumes_a_conversation_but_not_its_verification(tmp_path: Path) -> None:
    _with_demo_data(tmp_path)
    first = run_cli("chat", "--user", "lan", "--phone", "0912 345 678", stdin=ORDERS_QUESTION + "1\n",
                    tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert LAN_ORDER in first.stdout and "resuming the conversation of lan" in first.stderr

    same_phone = run_cli("chat", "--user", "lan", "--phone", "+84912345678", stdin=ORDERS_QUESTION,
                         tmp_path=tmp_path)
    assert LAN_ORDER in same_phone.stdout  # the same customer again: the proof still stands

    without_phone = run_cli("chat", "--user", "lan", stdin=ORDERS_QUESTION, tmp_path=tmp_path)
    assert without_phone.returncode == 0, without_phone.stderr
    assert "earlier verification not carried over" in without_phone.stderr
    assert LAN_ORDER not in without_phone.stdout and ASKS_FOR_CONTACT in without_phone.stdout

    resumed = run_cli("chat", "--user", "lan", "--phone", "0912345678", stdin=ORDERS_QUESTION,
                      tmp_path=tmp_path)
    assert LAN_ORDER not in resumed.stdout and ASKS_FOR_CONTACT in resumed.stdout  # proven anew, not restored


def test_a_resumed_conversation_keeps_its_open_flow(tmp_path: Path) -> None:
    run_cli("chat", "--user", "an", stdin=COMPLAINT_STARTED, tmp_path=tmp_path)
    resumed = run_cli("chat", "--user", "an", stdin="hmm\ngiao hàng chậm quá\n", tmp_path=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming the conversation of an" in resumed.stderr
    assert CATEGORY_REMINDER in resumed.stdout  # still choosing the complaint's category
    # The category typed in words is taken: the order is asked next.
    assert rendered("complaints.choose_order_unverified") in resumed.stdout


def test_user_option_must_be_a_name(tmp_path: Path) -> None:
    result = run_cli("chat", "--user", "x" * 65, stdin="", tmp_path=tmp_path)
    assert result.returncode == 2 and "--user" in result.stderr
