"""The test-harness channel: drives the real conversation core and records what it would send.

Tests talk as customers (`harness.user("1001")`) or staff, read the replies by what they say
(`reply.said("complaints.created", number=...)`, `reply.button("complaints.new_ticket_button")`; see
`tests/support/wording.py`) or as plain text with their buttons, press buttons by data, and deliver the
outbox to a recording sender, whose deliveries are read the same way (`sender.said_to(chat, key, ...)`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.bootstrap import App
from bot.messages.actions import Action, Address, RequestContact, SendText, wording_of
from bot.messages.events import Attachment, InboundEvent, SharedContact
from bot.messages.wording import Wording
from tests.support.wording import describe, find, plain, wording_is

__all__ = ["ChatHarness", "HarnessUser", "RecordingSender", "Reply", "plain"]

CHANNEL = "telegram"
_event_ids = itertools.count(1)  # unique across harnesses, as update ids are across restarts


@dataclass
class Reply:
    actions: list[Action]

    def __repr__(self) -> str:
        return f"Reply({describe(self.wordings)}; buttons {describe(self.button_wordings)})"

    # What was said, by key ----------------------------------------------------------------------------
    @property
    def wordings(self) -> list[Wording]:
        """The catalogue texts of the reply's messages, in order (a joined message gives several)."""
        return [w for a in self.actions for w in wording_of(a)]

    @property
    def keys(self) -> list[str]:
        return [w.key for w in self.wordings]

    def said(self, key: str, /, **slots: object) -> bool:
        """Whether some message of the reply was rendered from `key` with (at least) these slots."""
        return find(self.wordings, key, **slots) is not None

    def said_in(self, language: str, key: str, /, **slots: object) -> bool:
        """`said`, and in that language."""
        return find([w for w in self.wordings if w.language == language], key, **slots) is not None

    def wording(self, key: str, /, **slots: object) -> Wording:
        """The first wording of `key` (to read a slot the test does not know in advance)."""
        found = find(self.wordings, key, **slots)
        if found is None:
            raise AssertionError(f"nothing said as {key} {slots or ''} in {self!r}")
        return found

    @property
    def button_wordings(self) -> list[Wording]:
        return [w for a in self.actions if isinstance(a, SendText)
                for row in a.buttons for b in row for w in b.wording]

    def button(self, key: str, /, **slots: object) -> str:
        """The data of the first button labelled with `key` (and these slots)."""
        for action in self.actions:
            if isinstance(action, SendText):
                for row in action.buttons:
                    for button in row:
                        if any(wording_is(w, key, **slots) for w in button.wording):
                            return button.data
        raise AssertionError(f"no button {key} {slots or ''} in {self!r}")

    # What was said, as text ---------------------------------------------------------------------------

    @property
    def texts(self) -> list[str]:
        return [plain(a.text) for a in self.actions if isinstance(a, SendText | RequestContact)]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> dict[str, str]:
        """label -> callback data, over every keyboard in the reply."""
        found: dict[str, str] = {}
        for action in self.actions:
            if isinstance(action, SendText):
                for row in action.buttons:
                    for button in row:
                        found[button.label] = button.data
        return found

    @property
    def asks_for_contact(self) -> bool:
        return any(isinstance(a, RequestContact) for a in self.actions)

    def button_data(self, fragment: str) -> str:
        """The data of the first button whose label or data contains `fragment`."""
        for label, data in self.buttons.items():
            if fragment in label or fragment in data:
                return data
        raise AssertionError(f"no button like {fragment!r} in {list(self.buttons)}")


class RecordingSender:
    """An outbox sender that records deliveries; can be told to fail."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Address, Action]] = []
        self.results: list[dict[str, Any]] = []
        self.fail_with: Exception | None = None
        self._next_thread = 1000

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        if self.fail_with is not None:
            raise self.fail_with
        self.delivered.append((address, action))
        result: dict[str, Any] = {"message_id": len(self.delivered)}
        if type(action).__name__ == "OpenTopic":
            self._next_thread += 1
            result["message_thread_id"] = self._next_thread
        self.results.append(result)
        return result

    def texts_to(self, chat_id: str) -> list[str]:
        return [
            plain(a.text) for addr, a in self.delivered if addr.chat_id == chat_id and isinstance(a, SendText)
        ]

    def wordings_to(self, chat_id: str) -> list[Wording]:
        """The catalogue texts delivered to a chat, in order (read back from the outbox payloads)."""
        return [w for address, action in self.delivered if address.chat_id == chat_id
                for w in wording_of(action)]

    def said_to(self, chat_id: str, key: str, /, **slots: object) -> bool:
        return find(self.wordings_to(chat_id), key, **slots) is not None

    def saying(self, chat_id: str, key: str, /, **slots: object) -> SendText:
        """The delivered message to a chat rendered from `key` (and these slots)."""
        for address, action in self.delivered:
            if (address.chat_id == chat_id and isinstance(action, SendText)
                    and find(action.wording, key, **slots) is not None):
                return action
        raise AssertionError(f"nothing sent to {chat_id} as {key} {slots or ''}: "
                             f"{describe(self.wordings_to(chat_id))}")


@dataclass
class HarnessUser:
    harness: ChatHarness
    user_id: str
    chat_id: str
    language: str | None = "vi"
    name: str = "Lan"
    chat_kind: str = "private"
    _counter: list[int] = field(default_factory=lambda: [0])

    async def _send(self, **fields: Any) -> Reply:
        self.harness.event_counter = next(_event_ids)
        event = InboundEvent(
            channel=CHANNEL,
            user_id=self.user_id,
            chat_id=self.chat_id,
            language_hint=self.language,
            display_name=self.name,
            event_key=str(self.harness.event_counter),
            message_id=self.harness.event_counter,
            chat_kind=self.chat_kind,  # type: ignore[arg-type]
            **fields,
        )
        self.harness.last_event = event
        return Reply(await self.harness.app.conversation.handle(event))

    async def says(self, text: str, **fields: Any) -> Reply:
        return await self._send(text=text, **fields)

    async def presses(self, data: str) -> Reply:
        return await self._send(button=data)

    async def shares_contact(self, phone: str, *, own: bool = True) -> Reply:
        owner = self.user_id if own else "999999"
        return await self._send(contact=SharedContact(phone, owner, self.name))

    async def sends_file(
        self, kind: str = "photo", file_id: str = "file-1", name: str | None = None
    ) -> Reply:
        return await self._send(attachments=(Attachment(kind, file_id, name),))  # type: ignore[arg-type]


class ChatHarness:
    def __init__(self, app: App) -> None:
        self.app = app
        self.sender = RecordingSender()
        self.app.dispatcher.add_sender(CHANNEL, self.sender)
        self.event_counter = 0
        self.last_event: InboundEvent | None = None

    def user(self, user_id: str = "1001", *, language: str | None = "vi", name: str = "Lan") -> HarnessUser:
        return HarnessUser(self, user_id, user_id, language, name)

    def member_of(self, chat_id: str, user_id: str, name: str = "Staff") -> HarnessUser:
        return HarnessUser(self, user_id, chat_id, "vi", name, chat_kind="group")

    async def deliver_outbox(self) -> None:
        await self.app.dispatcher.drain()
