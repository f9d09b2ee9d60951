"""One turn of the conversation: the event, the user's state, the open unit of work and the replies."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.dialogue.memory import drop_suspended
from bot.i18n import Catalog, Markup
from bot.messages.actions import Action, Button, Keyboard, RequestContact, SendText
from bot.messages.buttons import ButtonData
from bot.messages.events import ChatUser, InboundEvent
from bot.services.conversations import ChatAccount, DialogueState
from bot.storage.uow import UnitOfWork


@dataclass
class Turn:
    event: InboundEvent
    state: DialogueState
    chat: ChatAccount
    uow: UnitOfWork
    texts: Catalog
    settings: Settings
    clock: Clock
    actions: list[Action] = field(default_factory=list)
    #: Whether the customer had an open ticket when the turn began (read with the state, in this
    #: turn's transaction); None when not known. Lets the ticket inbox skip its query for most turns.
    has_open_ticket: bool | None = None
    #: The flow to start when the current handler returns, and its options (`hand_over`).
    handed_over: tuple[str, dict[str, Any]] | None = None
    #: Whether `handed_over` resumes that flow (`Flow.resume`) rather than starting it (`resume_flow`).
    resuming: bool = False

    @property
    def user(self) -> ChatUser:
        """Who wrote, as services take it: they load the account and the customer behind it."""
        return self.event.sender

    @property
    def display_name(self) -> str | None:
        return self.chat.display_name

    @property
    def language(self) -> str:
        return self.state.language or self.settings.default_language

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return self.user.actor

    # Wording: every text below is catalogue markup and remembers its key and slots (`Markup.wordings`),
    # which the actions record (`SendText.wording`, `Button.wording`).
    def t(self, key: str, /, **params: object) -> Markup:
        return self.texts.text(self.language, key, **params)

    def button(self, key: str, data: ButtonData, /, **params: object) -> Button:
        return Button.labelled(self.t(key, **params), data.pack())

    def say(self, key: str, /, buttons: Keyboard = (), **params: object) -> None:
        self.actions.append(SendText(self.t(key, **params), buttons))

    def say_markup(self, text: str, buttons: Keyboard = (), *, remove_reply_keyboard: bool = False) -> None:
        """Say text already rendered: catalogue markup (`t`), or several joined (`bot.messages.wording.join`),
        keeps its wordings."""
        self.actions.append(SendText(text, buttons, remove_reply_keyboard))

    def ask_for_contact(self, key: str, /, **params: object) -> None:
        self.actions.append(
            RequestContact(
                self.t(key, **params),
                html.unescape(self.t("core.share_phone_button")),
                html.unescape(self.t("core.cancel_button")),
            )
        )

    # Flow state -------------------------------------------------------------------------------------
    def enter(self, flow: str, step: str, **data: Any) -> None:
        """Begin `flow` at `step`; a draft of the same flow set aside earlier is given up."""
        if self.state.memory:
            drop_suspended(self.state, flow)
        self.state.flow, self.state.step, self.state.data = flow, step, dict(data)

    def goto(self, step: str, **data: Any) -> None:
        self.state.step = step
        self.state.data = {**(self.state.data or {}), **data}

    def finish(self) -> None:
        self.state.flow, self.state.step, self.state.data = None, None, {}

    def hand_over(self, flow: str, **options: Any) -> None:
        """Start the flow named `flow` once the current handler returns (the router does it).

        Flows name each other rather than hold each other: orders hand over to `verify`, which hands
        back to what asked for it; the registry that knows every flow stays with the router.
        """
        self.handed_over = (flow, dict(options))
        self.resuming = False

    def resume_flow(self, flow: str, **point: Any) -> None:
        """Carry on with the flow named `flow` where it asked for verification (`Flow.resume`), once
        the current handler returns; `point` is what that flow kept of where it was (JSON-safe)."""
        self.handed_over = (flow, dict(point))
        self.resuming = True

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.state.data or {})

