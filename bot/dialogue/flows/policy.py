"""Answers about the privacy policy, always drawn from the policy text and citing its section.

| event                              | reply                                                  |
|------------------------------------|--------------------------------------------------------|
| policy_question / account_security | the passage with "Theo mục N – …" + related sections   |
| the same, with no passage found    | the sections as buttons                                |
| a question about a right, answered | the passage, and first a button that starts the request |
| /privacy, `menu:privacy`           | the sections as buttons                                |
| `policy:<n>`                       | the section's summary with its citation                |
| `policy:<n>` the policy lacks      | "this button is no longer active"                      |
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.ports import TextUnderstander, UnderstandingResult
from bot.dialogue.turn import Turn
from bot.domain.privacy_request import REQUEST_INTENTS
from bot.messages.actions import Button, Keyboard
from bot.messages.buttons import ButtonData, PolicyButton, PrivacyStartButton


class PolicyFlow(Flow):
    name = "policy"
    INTENTS = ("policy_question", "account_security")
    BUTTONS = (PolicyButton,)

    def __init__(self, understander: TextUnderstander) -> None:
        self._understander = understander

    async def start(self, turn: Turn, **options: Any) -> None:
        result: UnderstandingResult | None = options.get("understanding")
        if result is None or result.section is None or not result.answer:
            self.show_sections(turn)
            return
        self._answer(turn, result)

    def show_sections(self, turn: Turn) -> None:
        sections = self._understander.sections(turn.language)
        rows = tuple((self._section_button(turn, number, title),) for number, title in sections)
        turn.say("core.privacy_sections", buttons=rows)

    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        # The button names a section number; one the policy does not have is refused as stale.
        if not isinstance(button, PolicyButton):
            turn.say("core.stale_button")
            return
        result = self._understander.section_answer(button.section, turn.language)
        if result is None:
            turn.say("core.stale_button")
            return
        self._answer(turn, result)

    def _answer(self, turn: Turn, result: UnderstandingResult) -> None:
        titles = dict(self._understander.sections(turn.language))
        related = [n for n in result.related_sections if n != result.section and n in titles][:3]
        buttons: Keyboard = ()
        kind = REQUEST_INTENTS.get(result.suggested_request or "")
        if kind is not None:  # a question about a right: answered, and one press starts exercising it
            buttons += ((turn.button(f"privacy.start_button.{kind.value}", PrivacyStartButton(kind)),),)
        buttons += tuple((self._section_button(turn, n, titles[n]),) for n in related)
        buttons += (staff_or_menu_row(turn),)
        turn.say("core.policy_answer", buttons=buttons, answer=result.answer)

    @staticmethod
    def _section_button(turn: Turn, number: int, title: str) -> Button:
        if number == 0:  # the introduction has no number: never "Mục 0"
            return turn.button("core.introduction_button", PolicyButton(number))
        return turn.button("core.section_button", PolicyButton(number), number=number, title=title)
