"""Intents whose whole reply is the understanding layer's own answer, with a person offered under it.

The answers are data of the libraries (`knowledge/data/uncovered.toml`, `intents/data/*.toml`), written
in the shop's voice in both languages, so this flow adds only the way out: a person, or the main menu.

| event            | reply                                                                   |
|------------------|-------------------------------------------------------------------------|
| policy_uncovered | "the policy does not address …" (never the nearest passage); a person   |
| frustration      | an apology; a person                                                    |
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.ports import UnderstandingResult
from bot.dialogue.turn import Turn


class AnswerFlow(Flow):
    name = "answer"
    INTENTS = ("policy_uncovered", "frustration")  # identity_help: the verify flow

    async def start(self, turn: Turn, **options: Any) -> None:
        result: UnderstandingResult | None = options.get("understanding")
        if result is None or not result.answer:
            turn.say("core.not_sure", buttons=(staff_or_menu_row(turn),))
            return
        turn.say("core.understood_answer", buttons=(staff_or_menu_row(turn),), answer=result.answer)
