"""The shape every dialogue flow has: a name, a table of steps, and handlers for what may arrive.

A flow module reads top to bottom as its state table (`STEPS`): each step names the handler that
takes the next event while the user is in that step. A flow names the button families it takes
(`BUTTONS`, classes from `bot.messages.buttons`); a press is routed to that flow even when the user is
elsewhere (a rating pressed days later), so every button handler re-checks what the button names
against the database.

Every flow module's docstring holds the flow's table, written so that a test can hold it against the
code (`tests/unit/test_state_tables.py`); the router's and the staff desk's tables follow the same rules:
- A Markdown table, one per flow. A module with two flows introduces each table with a line naming
  the flow in backticks (`` `rate` ``); a cell never contains "|".
- A flow with steps has `step` as its first column; each cell there is a step of `STEPS`, several
  separated by ", ", or a pseudo-step: `(start)` (what `start` does), `(in flow)` (in any of the
  flow's steps), `(any)` (in any step, or in no flow), `(no flow)` (in no flow). Every step of
  `STEPS` has a row. A flow without steps needs no `step` column (if it has one, only pseudo-steps).
- A button press is written as its data in backticks, a field as `<name>`: `complaint:cat:<category>`,
  `complaint:status[:<id>]`. Every family of `BUTTONS` appears, and every family that appears is the
  flow's own or one the router takes itself (`menu:`, `lang:`, `intent:`, `resume:`). Commands are
  written plainly (/status); the router's and the staff desk's are checked against the commands they
  handle.

Slots. A flow that collects things declares, in `SLOTS`, the slot each step fills, in the order they
are asked (as a form with required slots does in Rasa). `fill_next` goes to the first step whose
slot is still empty and asks its question (`ask`); when every slot is filled, `slots_filled` runs
(a summary to confirm, say). A flow started from a message takes what that message already says
(`prefill`: an order code, the category a complaint is about, the reason given with "gặp nhân
viên") and asks only for the rest; a flow resumed after verification or an interruption fills on
from where it was. So no flow asks twice for what it was told.

Every flow with steps can ask its current step's question again (`ask`): after /lang (in the new
language), /help, or when a suspended flow is taken up again (`bot.dialogue.memory`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from bot.dialogue.ports import UnderstandingResult
from bot.dialogue.turn import Turn
from bot.messages.buttons import ButtonData

StepHandler = Callable[[Turn], Awaitable[None]]


class Flow(ABC):
    name: ClassVar[str]
    #: step name -> name of the method that handles the next event in that step
    STEPS: ClassVar[Mapping[str, str]] = {}
    #: intents this flow starts from free text
    INTENTS: ClassVar[tuple[str, ...]] = ()
    #: the button families this flow takes (each family is taken by one flow)
    BUTTONS: ClassVar[tuple[type[ButtonData], ...]] = ()
    #: step -> the slot (a key of the flow's data) it fills, in the order the steps are asked
    SLOTS: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    async def start(self, turn: Turn, **options: Any) -> None:
        """Begin the flow (from an intent, a menu button, a deep link or another flow)."""

    async def handle(self, turn: Turn) -> None:
        """Route the event to the handler of the user's current step."""
        method_name = self.STEPS.get(turn.state.step or "")
        if method_name is None:  # a step renamed by an upgrade: start over rather than fail
            turn.finish()
            await self.start(turn)
            return
        handler: StepHandler = getattr(self, method_name)
        await handler(turn)

    async def resume(self, turn: Turn, **point: Any) -> None:
        """Carry on after verification reached the level this flow asked for (bot.dialogue.levels).

        `point` is what the flow kept of where it was when it asked; by default the flow starts again
        with it as options. A flow that asked in the middle of a step restores that step here.
        """
        await self.start(turn, **point)

    async def ask(self, turn: Turn, step: str) -> None:
        """Ask the question of `step` (the user is in it). Every flow with `STEPS` says how."""
        raise NotImplementedError(f"flow {self.name!r} cannot ask its step {step!r} again")

    def slot_steps(self, turn: Turn) -> Mapping[str, str]:
        """The slots this conversation fills (a flow with variants, like a complaint or a request for
        a person, picks its own); `SLOTS` by default."""
        return self.SLOTS

    async def fill_next(self, turn: Turn) -> None:
        """Ask for the first slot still empty; with all of them filled, `slots_filled`."""
        data = turn.state.data or {}
        for step, slot in self.slot_steps(turn).items():
            if slot not in data:
                turn.goto(step)
                await self.ask(turn, step)
                return
        await self.slots_filled(turn)

    async def slots_filled(self, turn: Turn) -> None:
        """Every slot of `SLOTS` is filled; a flow with slots says what comes next."""
        raise NotImplementedError(f"flow {self.name!r} declares slots but not what follows them")

    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        """A button of one of this flow's `BUTTONS` families was pressed; by default it is stale."""
        turn.say("core.stale_button")

    async def cancel(self, turn: Turn) -> None:
        """The user typed /cancel inside this flow; nothing the flow was collecting is kept."""
        turn.finish()
        turn.say("core.cancelled")

    def accepts_attachments(self, turn: Turn) -> bool:
        return False

    def accepts_contact(self, turn: Turn) -> bool:
        """Whether the current step takes a shared phone contact (verification does)."""
        return False

    def accepts_free_text(self, turn: Turn) -> bool:
        """Whether the current step wants raw text (a description) rather than an understood intent."""
        return True

    def takes_text(self, turn: Turn, understood: UnderstandingResult) -> bool:
        """Whether this text is the step's answer, for a step that accepts free text. A step that
        expects something precise (an order code, a button) says False for text that is not it, so
        that a message clearly asking for something else leaves the step (it is suspended)."""
        return True


class FlowRegistry:
    def __init__(self, flows: list[Flow]) -> None:
        names = [flow.name for flow in flows]
        families = [family for flow in flows for family in flow.BUTTONS]
        if len(set(names)) < len(names) or len(set(families)) < len(families):
            raise ValueError(f"two flows share a name or a button family: {names}")
        self._flows = {flow.name: flow for flow in flows}
        self._by_intent = {intent: flow for flow in flows for intent in flow.INTENTS}
        self._by_button = {family: flow for flow in flows for family in flow.BUTTONS}

    def get(self, name: str | None) -> Flow | None:
        return self._flows.get(name or "")

    def for_intent(self, intent: str) -> Flow | None:
        return self._by_intent.get(intent)

    def for_button(self, button: ButtonData) -> Flow | None:
        return self._by_button.get(type(button))

    def names(self) -> list[str]:
        return list(self._flows)
