"""A real SMTP server on this machine for the tests (aiosmtpd), and what it received."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, rcpt_answer: str | None = None) -> None:
        self.received: list[EmailMessage] = []
        self.rcpt_answer = rcpt_answer

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for mail in self.received if mail["To"] == address]

    def last_code(self, address: str) -> str:
        """The 6-digit code in the latest mail to `address`."""
        mails = self.to(address)
        assert mails, f"no mail to {address}"
        found = re.search(r"\b(\d{6})\b", mails[-1].get_content())
        assert found is not None, mails[-1].get_content()
        return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(port: int, mailbox: Mailbox) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp_port() -> int:
    """A free loopback port for the test's SMTP server (and the bot's SMTP_PORT)."""
    return free_port()


@pytest.fixture
def mailbox(smtp_port: int) -> Iterator[Mailbox]:
    """A real SMTP server on `smtp_port` for the test; what it received."""
    received = Mailbox()
    controller = serve(smtp_port, received)
    try:
        yield received
    finally:
        controller.stop()
