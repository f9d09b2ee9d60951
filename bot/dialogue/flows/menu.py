"""The main menu and the small talk around it: greeting, help, thanks, goodbye, language.

The menu's and the language buttons are the router's own (`menu:<target>`, `lang:<code>`); it calls
`start` and `choose_language` here.

| event                              | reply                                   |
|------------------------------------|-----------------------------------------|
| /start, greeting                   | welcome + main menu                     |
| /menu, `menu:main`                 | the main menu again                     |
| /help, help                        | what the bot can do + main menu         |
| thanks / goodbye                   | a short polite closing                  |
| /lang, `lang:<code>`               | switch language (locks it) + main menu  |
| /lang with no or an unknown code   | the choice of languages                 |
"""

from __future__ import annotations

from typing import Any, Literal

from bot.dialogue.flow import Flow
from bot.dialogue.turn import Turn
from bot.i18n import LANGUAGES
from bot.messages.actions import Button, Keyboard
from bot.messages.buttons import LanguageButton, MenuButton


def main_menu(turn: Turn) -> Keyboard:
    other: Literal["vi", "en"] = "en" if turn.language == "vi" else "vi"
    return (
        (turn.button("core.menu.privacy", MenuButton("privacy")),
         turn.button("core.menu.orders", MenuButton("orders"))),
        (turn.button("core.menu.rights", MenuButton("rights")),
         turn.button("core.menu.human", MenuButton("human"))),
        (turn.button(f"core.menu.language_{other}", LanguageButton(other)),),
    )


def staff_or_menu_row(turn: Turn) -> tuple[Button, Button]:
    """The way out offered under an answer: a person, or back to the main menu."""
    return (turn.button("core.menu.human", MenuButton("human")),
            turn.button("core.menu.back", MenuButton("main")))


class MenuFlow(Flow):
    name = "menu"
    INTENTS = ("greeting", "help", "thanks", "goodbye")

    async def start(self, turn: Turn, **options: Any) -> None:
        intent = options.get("intent", "greeting")
        if intent == "help":
            turn.say("core.help", buttons=main_menu(turn))
        elif intent == "thanks":
            turn.say("core.thanks")
        elif intent == "goodbye":
            turn.say("core.goodbye")
        elif options.get("returning"):
            turn.say("core.menu_prompt", buttons=main_menu(turn))
        else:
            turn.say(
                "core.welcome",
                buttons=main_menu(turn),
                name=polite_name(turn, turn.display_name),
            )


def polite_name(turn: Turn, name: str | None) -> str:
    """A customer's name only ever with a polite form ("Quý khách Lan"), or the polite form alone."""
    return turn.t("core.polite_name", name=name) if name else turn.t("core.default_name")


def choose_language(turn: Turn, code: str | None, *, in_flow: bool = False) -> bool:
    """Switch to `code` (True), or offer the choice when no valid code was given (False).

    `in_flow`: a flow is under way and will ask its question again, so no menu is shown under it.
    """
    if code not in LANGUAGES:
        turn.say(
            "core.language_choose",
            buttons=(
                (
                    turn.button("core.menu.language_vi", LanguageButton("vi")),
                    turn.button("core.menu.language_en", LanguageButton("en")),
                ),
            ),
        )
        return False
    turn.state.language = code
    turn.state.language_locked = True
    turn.say("core.language_set", buttons=() if in_flow else main_menu(turn))
    return True
