"""The rights the policy promises (section 7): see one's data, correct it free of charge, stop marketing.

Until these requests are taken end to end by the bot, this flow says honestly what the customer is
entitled to and hands them to a person; it never claims a request was recorded.

| event                                                  | reply                                      |
|--------------------------------------------------------|--------------------------------------------|
| access_request / correction_request / marketing_opt_out | the right, from the policy; offer a person |
| erasure_request / objection_request                    | the right, from the law; offer a person    |
| `menu:rights`                                          | the three rights as an overview            |
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.turn import Turn

_WORDING = {
    "access_request": "core.rights.access",
    "correction_request": "core.rights.correction",
    "marketing_opt_out": "core.rights.marketing",
    "erasure_request": "core.rights.erasure",
    "objection_request": "core.rights.objection",
}


class RightsFlow(Flow):
    name = "rights"
    INTENTS = tuple(_WORDING)

    async def start(self, turn: Turn, **options: Any) -> None:
        key = _WORDING.get(options.get("intent", ""), "core.rights.overview")
        turn.say(
            key,
            buttons=(staff_or_menu_row(turn),),
        )
