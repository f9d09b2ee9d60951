"""Both sides of a ticket on one machine, as a newcomer runs them: `rosee-support chat` in one process,
`rosee-support desk` in another, over the same SQLite file; and `run`'s refusal without staff.

Real processes reading pipes. The chat stays open while the desk works, as a terminal would, so these
tests prove that a staff reply reaches a customer who is only waiting, not typing.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.wording import around, label, markup, rendered

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_OF_THE_HOST = ("TELEGRAM_", "STAFF_", "COMPLAINTS_", "SMTP_", "CONSOLE_DESK", "ALLOW_NO_STAFF")
NUMBER = "HT-2026-000001"
# The promise of a reply time, as the confirmation and the status answer word it, up to the time.
PROMISE = around("complaints.created_human", "first_reply_due", number=NUMBER)[0]
PROMISE_IN_STATUS = around("complaints.next_first_reply", "due")[0]
PROMISED_TIME = re.compile(re.escape(PROMISE) + r"\d{1,2}:\d{2}")
WAIT = 90.0  # seconds; a loaded CI machine starts the chat (the classifier) in a few


def environment(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_OF_THE_HOST)}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'both-sides.db'}", "PYTHONPATH": str(ROOT),
                "OUTBOX_POLL_SECONDS": "0.2"})
    env.update(extra or {})
    return env


def command(*args: str, tmp_path: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"), *args]


def run_cli(*args: str, tmp_path: Path, stdin: str = "", extra: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args, tmp_path=tmp_path), input=stdin, capture_output=True, text=True,
                          timeout=WAIT, cwd=tmp_path, env=environment(tmp_path, extra), check=False)


class LiveProcess:
    """A command that keeps running: lines written to its stdin, its output collected as it comes."""

    def __init__(self, *args: str, tmp_path: Path, extra: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            command(*args, tmp_path=tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1, cwd=tmp_path, env=environment(tmp_path, extra),
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[tuple[str, str]] = queue.Queue()
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()

    def _pump(self, name: str, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._lines.put((name, line))

    def _collect(self, timeout: float) -> None:
        try:
            name, line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return
        (self.out if name == "out" else self.err).append(line)

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def say(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for(self, fragment: str, *, on: str = "out", after: int = 0) -> str:
        """Wait until `fragment` appears in the output (past the first `after` characters)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            seen = self.stdout if on == "out" else self.stderr
            if fragment in seen[after:]:
                return seen[after:]
            if self.process.poll() is not None and self._lines.empty():
                break
            self._collect(0.2)
        raise AssertionError(f"{fragment!r} never came; stdout:\n{self.stdout}\nstderr:\n{self.stderr}")

    def close(self, timeout: float = 30.0) -> int:
        if self.process.stdin is not None:
            self.process.stdin.close()
        code = self.process.wait(timeout=timeout)
        while not self._lines.empty():
            self._collect(0)
        return code

    def stop(self, timeout: float = 30.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.close(timeout)


ASK_FOR_A_PERSON = "tôi muốn gặp nhân viên\nCần đổi địa chỉ giao hàng cho đơn tuần này\n1\n/status\n"


def test_no_staff_destination_the_ticket_is_recorded_and_no_time_promised(tmp_path: Path) -> None:
    chat = run_cli("chat", tmp_path=tmp_path, stdin=ASK_FOR_A_PERSON)
    assert chat.returncode == 0, chat.stderr
    assert rendered("complaints.no_staff.created_human", number=NUMBER) in chat.stdout
    assert rendered("complaints.no_staff.next_step") in chat.stdout  # the /status answer
    assert PROMISE not in chat.stdout and PROMISE_IN_STATUS not in chat.stdout
    desk = run_cli("desk", tmp_path=tmp_path, stdin="list\n")
    assert desk.returncode == 0, desk.stderr
    waiting = around("desk.list_line", "name", number=NUMBER, category=markup("complaints.category.human"),
                     status=markup("staff.status.open"))[0]
    assert waiting in desk.stdout  # recorded, waiting for staff
    assert "CONSOLE_DESK=true" in desk.stderr  # the desk says why customers were promised nothing


@pytest.mark.parametrize("setting", [{"STAFF_CHAT_ID": "-1001234567890"}, {"CONSOLE_DESK": "true"}],
                         ids=["staff-chat", "console-desk"])
def test_with_a_staff_destination_the_reply_time_is_promised(tmp_path: Path, setting: dict[str, str]) -> None:
    chat = run_cli("chat", tmp_path=tmp_path, stdin=ASK_FOR_A_PERSON, extra=setting)
    assert chat.returncode == 0, chat.stderr
    assert PROMISED_TIME.search(chat.stdout)  # the number, and the reply promised by a time
    assert rendered("complaints.no_staff.created_human", number=NUMBER) not in chat.stdout


def test_run_refuses_without_a_staff_destination(tmp_path: Path) -> None:
    result = run_cli("run", tmp_path=tmp_path, extra={"TELEGRAM_BOT_TOKEN": "123:fake"})
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert all(name in line for name in ("STAFF_CHAT_ID", "COMPLAINTS_EMAIL", "SMTP_HOST", "ALLOW_NO_STAFF"))


def test_run_refuses_without_a_code_secret_in_one_line(tmp_path: Path) -> None:
    extra = {"TELEGRAM_BOT_TOKEN": "123:fake", "ALLOW_NO_STAFF": "true"}
    result = run_cli("run", tmp_path=tmp_path, extra=extra)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and "VERIFICATION_CODE_SECRET" in line


@pytest.mark.parametrize("setting", [{"ALLOW_NO_STAFF": "true"}, {"STAFF_CHAT_ID": "-1001234567890"}],
                         ids=["accepted", "staff-chat"])
def test_run_starts_past_the_check_when_accepted_or_staffed(tmp_path: Path, setting: dict[str, str]) -> None:
    # A Bot API nobody listens on: the bot starts, keeps retrying, and stops cleanly on SIGTERM.
    extra = {"TELEGRAM_BOT_TOKEN": "123:fake", "TELEGRAM_API_BASE": "http://127.0.0.1:9",
             "VERIFICATION_CODE_SECRET": "s" * 40, **setting}
    bot = LiveProcess("run", tmp_path=tmp_path, extra=extra)
    try:
        bot.wait_for("Telegram channel running", on="err")
    finally:
        code = bot.stop()
    assert code == 0, bot.stderr
    assert "no staff destination" not in bot.stderr


def test_both_sides_of_a_ticket_in_two_terminals(tmp_path: Path) -> None:
    seeded = run_cli("demo-data", tmp_path=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    chat = LiveProcess("chat", "--phone", "0912345678", tmp_path=tmp_path)
    try:
        chat.say("đơn hàng của tôi")
        chat.wait_for(label("core.share_phone_button"))
        chat.say("1")  # share the contact: now Nguyễn Thị Lan, verified
        lan = rendered("core.polite_name", name="Nguyễn Thị Lan")
        chat.wait_for(rendered("core.verify.linked", name=lan))
        for line in ASK_FOR_A_PERSON.splitlines()[:3]:
            chat.say(line)
        chat.wait_for(NUMBER)

        desk = run_cli("desk", "--name", "Hà", tmp_path=tmp_path, stdin=(
            "list\nopen HT-2026-000001\nnote khách quen, gọi lại nếu cần\n"
            "reply Dạ, chúng tôi đã đổi địa chỉ giao hàng cho Quý khách ạ.\n"
        ))
        assert desk.returncode == 0, desk.stderr
        human = markup("complaints.category.human")
        listed = around("desk.list_line", "assignee", number=NUMBER, category=human,
                        status=markup("staff.status.open"), name="Nguyễn Thị Lan", phone="+84••••••678")[0]
        assert listed in desk.stdout
        said = around("desk.message_customer", "at", name="Nguyễn Thị Lan",
                      text="Cần đổi địa chỉ giao hàng cho đơn tuần này")[1]  # after the time it was said
        assert said in desk.stdout
        assert rendered("desk.noted", number=NUMBER) in desk.stdout
        assert around("desk.replied", "channel", number=NUMBER)[0] in desk.stdout
        # The chat was only waiting for input; the reply arrives anyway.
        chat.wait_for("Dạ, chúng tôi đã đổi địa chỉ giao hàng cho Quý khách ạ.")
        assert rendered("complaints.staff_reply", number=NUMBER,
                        text="Dạ, chúng tôi đã đổi địa chỉ giao hàng cho Quý khách ạ.") in chat.stdout

        shown = len(chat.stdout)
        resolved = run_cli("desk", "--name", "Hà", tmp_path=tmp_path, stdin="resolve HT-2026-000001\n")
        assert resolved.returncode == 0, resolved.stderr
        assert rendered("staff.resolved", staff="Hà", number=NUMBER) in resolved.stdout
        stars = "⭐⭐⭐⭐⭐"
        rating = chat.wait_for(f"[5] {label('complaints.rate_button', stars=stars)}", after=shown)
        assert rendered("complaints.resolved", number=NUMBER) in rating
        chat.say("5")
        chat.wait_for(rendered("complaints.rating_thanks", stars=stars), after=shown)
    finally:
        code = chat.close()
    assert code == 0, chat.stderr
    assert "khách quen" not in chat.stdout  # the internal note never reached the customer
    thread = run_cli("desk", tmp_path=tmp_path, stdin="open 1\n")
    note = around("desk.message_note", "at", name="Hà", text="khách quen, gọi lại nếu cần")[1]
    assert rendered("desk.thread_rating", rating=5) in thread.stdout and note in thread.stdout


def test_desk_mistakes_are_one_line_each_never_a_traceback(tmp_path: Path) -> None:
    result = run_cli("desk", tmp_path=tmp_path, stdin="open KN-2026-000099\nresolve 7\nhello\nreply\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert rendered("desk.no_such_ticket", reference="KN-2026-000099") in result.stderr
    assert rendered("desk.no_such_ticket", reference="7") in result.stderr
    assert rendered("desk.unknown_command", command="hello") in result.stderr
    assert rendered("desk.text_needed", command="reply") in result.stderr
    bad_name = run_cli("desk", "--name", "", tmp_path=tmp_path)
    assert bad_name.returncode == 2 and "--name" in bad_name.stderr


def test_a_reply_goes_to_its_own_customers_console_only(tmp_path: Path) -> None:
    first = run_cli("chat", "--user", "lan", tmp_path=tmp_path, stdin=ASK_FOR_A_PERSON)
    assert first.returncode == 0 and "HT-2026-000001" in first.stdout, first.stderr
    desk = run_cli("desk", tmp_path=tmp_path, stdin="reply HT-2026-000001 Dạ, chị Lan ơi, hàng đã đổi ạ\n")
    assert desk.returncode == 0, desk.stderr
    # Lan's chat is closed. Someone else's new conversation never shows her reply ...
    other = run_cli("chat", tmp_path=tmp_path, stdin="xin chào\n")
    assert other.returncode == 0 and "chị Lan ơi" not in other.stdout
    # ... and Lan, resuming hers, gets it.
    again = run_cli("chat", "--user", "lan", tmp_path=tmp_path, stdin="/status\n")
    reply = rendered("complaints.staff_reply", number=NUMBER, text="Dạ, chị Lan ơi, hàng đã đổi ạ")
    assert reply in again.stdout
