"""The console chat: the real conversation core in a terminal or behind a pipe.

Buttons are shown as numbered choices; typing the number presses the button. With `--phone`, the
"share my phone number" choice sends a contact carrying that number as the user's own, the way the
Telegram contact button would, so identity flows can be tried on demo data.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from bot.dialogue.engine import Conversation
from bot.domain.one_time_code import unseal_text
from bot.messages.actions import (
    Action,
    Address,
    Button,
    CloseTopic,
    OpenTopic,
    ReopenTopic,
    RequestContact,
    SendAttachment,
    SendDocument,
    SendEmail,
    SendText,
)
from bot.messages.events import InboundEvent, SharedContact

CHANNEL = "console"
_TAG = re.compile(r"</?(?:b|strong|i|em|u|s|code|pre|a|span|blockquote)(?:\s[^>]*)?>")


def html_to_plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


@dataclass(frozen=True)
class _Choice:
    label: str
    button: Button | None = None
    share_contact: bool = False
    text: str | None = None


class ConsoleChat:
    def __init__(
        self,
        conversation: Conversation,
        *,
        read_line: Callable[[], str] | None = None,
        output: TextIO | None = None,
        phone: str | None = None,
        user_id: str,
        language: str | None = None,
        echo_input: bool | None = None,
        after_turn: Callable[[], Any] | None = None,
    ) -> None:
        self._conversation = conversation
        self._read_line = read_line or sys.stdin.readline
        self._out = output or sys.stdout
        self._phone = phone
        self._user_id = user_id
        self._language = language
        self._echo = (not sys.stdin.isatty()) if echo_input is None else echo_input
        self._choices: list[_Choice] = []
        self._after_turn = after_turn

    async def run(self) -> int:
        """Talk until end of input; returns the exit code (0)."""
        while True:
            line = await asyncio.to_thread(self._read_line)
            if line == "":  # end of input
                return 0
            line = line.rstrip("\r\n")
            if self._echo:
                shown = "".join(ch for ch in line if ch.isprintable())
                self._print(f"» {shown[:200]}{'…' if len(shown) > 200 else ''}")
            event = self._event_for(line)
            actions = await self._conversation.handle(event)
            self._render(actions)
            if self._after_turn is not None:
                await self._after_turn()

    def _event_for(self, line: str) -> InboundEvent:
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "user_id": self._user_id,
            "chat_id": self._user_id,
            "language_hint": self._language,
            "display_name": None,
        }
        stripped = line.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._choices):
            choice = self._choices[int(stripped) - 1]
            if choice.share_contact:
                if self._phone is None:
                    self._print("(chưa có số điện thoại: chạy lại với --phone +84… / no --phone given)")
                    return InboundEvent(text="", **base)
                return InboundEvent(contact=SharedContact(self._phone, self._user_id), **base)
            if choice.button is not None:
                return InboundEvent(button=choice.button.data, **base)
            return InboundEvent(text=choice.text or "", **base)
        return InboundEvent(text=line, **base)

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        """Outbox delivery to this console user (confirmations, replies relayed from staff)."""
        self._render([action])
        return {}

    def _render(self, actions: list[Action]) -> None:
        choices: list[_Choice] = []
        for action in actions:
            if isinstance(action, SendText):
                self._print(html_to_plain(action.text))
                for row in action.buttons:
                    choices.extend(_Choice(button.label, button=button) for button in row)
            elif isinstance(action, RequestContact):
                self._print(html_to_plain(action.text))
                choices.append(_Choice(action.button_label, share_contact=True))
                choices.append(_Choice(action.cancel_label, text="/cancel"))
            elif isinstance(action, SendDocument):
                self._print(f"[tệp / file: {action.file_name}, {len(action.content)} bytes]")
            elif isinstance(action, SendAttachment):
                self._print(f"[{action.attachment.kind}: {action.attachment.file_name or ''}]")
            elif isinstance(action, OpenTopic | CloseTopic | ReopenTopic | SendEmail):
                continue  # staff-side actions have no meaning in a customer's console
        for number, choice in enumerate(choices, start=1):
            self._print(f"  [{number}] {choice.label}")
        self._choices = choices
        self._print("")
        self._out.flush()

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")


class ConsoleMailbox:
    """The console demo's mailbox: mail to customers (one-time codes) shown in the terminal.

    Used by `rosee-support chat` when no SMTP_HOST is set, so that the email way of verifying can be
    tried on demo data (Phạm Quốc Bảo, bao.pham@example.com). The code is unsealed only here, as the
    mail sender would (bot.domain.one_time_code).
    """

    def __init__(self, key: bytes, output: TextIO | None = None) -> None:
        self._key = key
        self._out = output or sys.stdout

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        if not isinstance(action, SendEmail):
            return {}
        body = unseal_text(self._key, action.body)
        framed = "\n".join(f"  │ {line}" for line in body.splitlines())
        self._out.write(f"📧 [hộp thư demo / demo mailbox] → {action.to}: {action.subject}\n{framed}\n\n")
        self._out.flush()
        return {}
