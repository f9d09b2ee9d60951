"""A real `kill -9` of `rosee-support run` mid-burst, then a restart: nothing lost, nothing twice.

The bot runs as its own process (`python -m bot run`) against the fake Bot API in this process, in
polling and in webhook mode, on both Telegram libraries. Customers send a burst of messages; once
part of the answers has arrived, Telegram stops taking messages for a moment (502), so that turns
go on committing replies that cannot be sent, and the process is killed with SIGKILL (no shutdown of
any kind) while updates are fetched but unfinished, turns are in flight and replies are committed
but not yet sent. After a restart every message must have been handled exactly once (one claim per
update id) and every customer must have exactly one answer per message, no more (the fake records
every send).

The 502, waiting until every answer Telegram accepted is recorded as sent, and keeping the 502 a
moment after the kill (a request the dead process had in flight is refused, not carried out), keep
the kill away from the one moment no design can cover: a send that Telegram carried out whose answer the bot
never recorded (the process died in between) is taken for unsent and sent again after the restart,
since Telegram cannot be asked whether a message was sent. That moment lasts one HTTP answer and one
commit (longer when SQLite's writers queue); a kill at a random instant lands in it now and then.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LIBRARIES, free_port

ROOT = Path(__file__).resolve().parents[2]
USERS = tuple(range(7001, 7007))
MESSAGES_EACH = 5
PROBE = 7000
REPLY_LEASE = 2.0  # seconds before another process delivers a reply the killed one had not sent
START_TIMEOUT = 60.0


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    # Telegram keeps retrying a webhook delivery for a long time: while the bot is down, and after.
    async with FakeBotApi(webhook_retry_delay=0.05, webhook_max_attempts=400) as fake:
        yield fake
        fake.assert_no_violations()


class BotProcess:
    """`python -m bot run` with the settings a deployment would give it, here pointing at the fake."""

    def __init__(self, api: FakeBotApi, tmp_path: Path, library: str, mode: str) -> None:
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_", "DATABASE_", "REDIS_"))}
        self.database = tmp_path / "crash.db"
        self.env.update({
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE": api.base_url,
            "TELEGRAM_LIBRARY": library,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "ALLOW_NO_STAFF": "true",
            "VERIFICATION_CODE_SECRET": "kill-nine-test-secret-0123456789abcdef",
            "REPLY_LEASE_SECONDS": str(REPLY_LEASE),
            "OUTBOX_POLL_SECONDS": "0.2",
            "LOG_LEVEL": "INFO",
        })
        if mode == "webhook":
            port = free_port()
            self.env.update({"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
                             "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                             "WEBHOOK_SECRET": "kill-nine-webhook-secret"})
        self.env_file = tmp_path / "none.env"
        self.log = tmp_path / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "--env-file", str(self.env_file), "run"],
                env=self.env, cwd=self.database.parent, stdout=log, stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def claimed_update_ids(self) -> list[int]:
        with sqlite3.connect(self.database) as db:
            rows = db.execute("SELECT event_key FROM processed_events WHERE channel = 'telegram'").fetchall()
        return sorted(int(key) for (key,) in rows)

    def sent_rows(self) -> int:
        chats = ",".join(f"'{user}'" for user in USERS)
        with sqlite3.connect(self.database) as db:
            query = f"SELECT count(*) FROM outbox WHERE status = 'sent' AND chat_id IN ({chats})"
            return int(db.execute(query).fetchone()[0])

    def undelivered_replies(self) -> int:
        with sqlite3.connect(self.database) as db:
            return int(db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0])

    def outbox_to(self, chat_id: int) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as db:
            return db.execute("SELECT id, status, attempts, created_at, sent_at, locked_until, last_error "
                              "FROM outbox WHERE chat_id = ? ORDER BY id", (str(chat_id),)).fetchall()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def bot_process(api: FakeBotApi, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[BotProcess]:
    library, mode = request.param
    process = BotProcess(api, tmp_path, library, mode)
    yield process
    process.stop()


def sends_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return api.sent_texts(chat_id)


async def wait_until(condition: object, timeout: float, what: str, process: BotProcess) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the bot's log:\n{process.output()}")
        await asyncio.sleep(0.05)


async def ready(api: FakeBotApi, process: BotProcess, mode: str, calls_before: int) -> None:
    """The (re)started bot takes updates: it polls, or its webhook is registered."""
    method = "getUpdates" if mode == "polling" else "setWebhook"
    await wait_until(lambda: any(c.method == method and c.ok for c in api.calls[calls_before:]),
                     START_TIMEOUT, f"the bot's first {method}", process)


@pytest.mark.parametrize(
    "bot_process",
    [(library, mode) for library in LIBRARIES for mode in ("polling", "webhook")],
    indirect=True,
    ids=lambda param: f"{param[0]}-{param[1]}",
)
async def test_a_kill_9_mid_burst_loses_no_message_and_repeats_no_reply(
    api: FakeBotApi, bot_process: BotProcess
) -> None:
    mode = "webhook" if "WEBHOOK_URL" in bot_process.env else "polling"
    bot_process.start()
    await ready(api, bot_process, mode, 0)

    # What one message is answered with, from a customer outside the burst.
    probe = api.user(PROBE, "Probe")
    probe.send_text("/help")
    await wait_until(lambda: sends_to(api, PROBE), 30, "the answer to the probe", bot_process)
    await asyncio.sleep(1.0)
    answer = sends_to(api, PROBE)

    api.set_latency(0.02)  # every call takes a little while, as over the internet
    burst = []
    for _ in range(MESSAGES_EACH):
        for user_id in USERS:
            burst.append(api.user(user_id, f"Khách {user_id}").send_text("/help")["update_id"])
    expected = len(USERS) * MESSAGES_EACH * len(answer)
    kill_after = expected // 3
    await wait_until(lambda: sum(len(sends_to(api, u)) for u in USERS) >= kill_after, 60,
                     f"{kill_after} answers", bot_process)
    api.fail_next("sendMessage", 502, times=1_000_000)
    marks = {"fault": time.monotonic()}
    # Sends in flight are answered and recorded; turns go on, their replies unsendable.
    await wait_until(lambda: bot_process.sent_rows() == sum(len(sends_to(api, u)) for u in USERS), 20,
                     "every delivered answer recorded as sent", bot_process)
    # The kill must catch a reply committed but not delivered: on a loaded machine the first wait can
    # end before any turn has committed one, so wait for it (the burst is far from handled by then).
    await wait_until(lambda: bot_process.undelivered_replies() > 0, 20, "a reply committed, not delivered",
                     bot_process)
    bot_process.kill()
    marks["kill"] = time.monotonic()
    await asyncio.sleep(1.0)  # a request the dead process still had in flight is refused, to no one
    api.faults.failures.clear()
    # What the kill caught: messages not handled yet, and replies committed but not delivered.
    unhandled = set(burst) - set(bot_process.claimed_update_ids())
    undelivered = bot_process.undelivered_replies()
    assert unhandled and undelivered, f"the kill caught too little: {unhandled=}, {undelivered=}"

    calls_before = len(api.calls)
    bot_process.start()
    await ready(api, bot_process, mode, calls_before)
    await wait_until(lambda: sum(len(sends_to(api, u)) for u in USERS) >= expected, 90,
                     "every answer after the restart", bot_process)
    await asyncio.sleep(REPLY_LEASE + 1.5)  # a reply delivered twice would arrive by now

    for user_id in USERS:
        assert sends_to(api, user_id) == answer * MESSAGES_EACH, (
            f"customer {user_id}: {bot_process.outbox_to(user_id)}\n{marks}\n"
            f"{[(c.time, c.status) for c in api.calls_of('sendMessage') if c.chat_id == user_id]}\n"
            f"{bot_process.output()}")
    claimed = bot_process.claimed_update_ids()
    assert [u for u in claimed if u in burst] == sorted(burst), "every message handled, each once"
