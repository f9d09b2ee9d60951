"""The email factor in the chat: the address (or the one on file), the code, resends, "it did not arrive".

Started by `verify` with its `Goal` and a purpose: *link* (not linked yet: the customer types the
address they ordered with, and is answered the same whether or not it is on file) or *strong* (linked
already: the code goes to the address on file, shown masked). A right code hands back to `verify`,
which decides what is next for the goal.

| step                      | event                                 | next                                 |
|---------------------------|---------------------------------------|--------------------------------------|
| (start)                   | link, no address given                | ask for it → awaiting_address        |
| (start), awaiting_address | asked, sent (link: also if off file)  | "if on file, a code is on its way"   |
| (start), awaiting_address | asked < 1 min ago, 5 times an hour    | say from when (stays)                |
| (start), awaiting_address | locked out                            | say until when, a person; finish     |
| (start)                   | strong, no email on file              | say so, offer a person; finish       |
| awaiting_address          | not an address                        | ask again; the third time, finish    |
| awaiting_code             | the right code (in any typed form)    | hand back to `verify`                |
| awaiting_code             | a wrong code                          | tries left; the fifth spends it      |
| awaiting_code             | spent or expired code, or none sent   | say so, offer a new one              |
| awaiting_code             | another address (link)                | a code for it: the old one is void   |
| awaiting_code             | "I did not get it"                    | as `verify:code:not_arrived`         |
| awaiting_code             | no code, or two numbers               | ask for the code (no attempt)        |
| (in flow)                 | a contact                             | the router hands it to verify        |
| (in flow)                 | `verify:code:resend`                  | ask for a code again, in the limits  |
| (in flow)                 | `verify:code:not_arrived`             | spam, address, resend, phone, person |
| (in flow)                 | /cancel                               | finish, nothing kept                 |
| (no flow)                 | `verify:code:<action>`                | stale button                         |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.flows.verify import locked_reply, looks_like_email, typed_email
from bot.dialogue.levels import Goal, current_identity
from bot.dialogue.turn import Turn
from bot.domain.one_time_code import CODE_TTL, CodeFind, CodePurpose, find_code
from bot.messages.actions import Keyboard
from bot.messages.buttons import ButtonData, EmailCodeButton, VerifyButton
from bot.services.identity import settle_level
from bot.services.identity.email_code import (
    CheckOutcome,
    RequestOutcome,
    check_code,
    request_code,
)

MAX_REMINDERS = 3
# "I did not get the code" typed instead of pressed (identity_help in the intents library).
_NOT_ARRIVED = re.compile(
    r"(không|ko|k|chưa|chua|khong) (nhận|nhan|thấy|thay|có|co)|not (arrive|come|get|receive)|"
    r"didn'?t (arrive|come|get|receive)|no (code|email|mail)",
    re.IGNORECASE,
)


class EmailCodeFlow(Flow):
    name = "email_code"
    STEPS: ClassVar[Mapping[str, str]] = {
        "awaiting_address": "on_awaiting_address",
        "awaiting_code": "on_awaiting_code",
    }
    BUTTONS = (EmailCodeButton,)

    async def start(self, turn: Turn, **options: Any) -> None:
        goal = Goal.from_data(options.get("goal"))
        purpose = CodePurpose.STRONG if options.get("purpose") == "strong" else CodePurpose.LINK
        if not turn.settings.can_send_codes():
            turn.finish()
            turn.say_markup(turn.t("identity.email_unavailable"), (staff_or_menu_row(turn),),
                            remove_reply_keyboard=True)
            return
        turn.enter(self.name, "awaiting_address", goal=goal.to_data(), purpose=purpose.value, reminders=0)
        address = options.get("address")
        if purpose is CodePurpose.LINK and not address:
            turn.say_markup(turn.t("identity.code.ask_address"), remove_reply_keyboard=True)
            return
        await self._request(turn, address=address)

    # Asking for a code -------------------------------------------------------------------------------
    async def _request(self, turn: Turn, *, address: str | None) -> None:
        purpose = CodePurpose(turn.data.get("purpose", "link"))
        if purpose is CodePurpose.LINK:
            address = address or turn.data.get("address")
        result = await request_code(turn.uow, turn.clock, turn.settings, turn.texts, turn.user,
                                    purpose=purpose, language=turn.language, typed_address=address)
        outcome = result.outcome
        if outcome is RequestOutcome.LOCKED:
            locked_reply(turn, result.until)
        elif outcome is RequestOutcome.INVALID_ADDRESS:
            await self._ask_address_again(turn)
        elif outcome in (RequestOutcome.NO_EMAIL_ON_FILE, RequestOutcome.NOT_LINKED):
            turn.finish()
            key = ("identity.code.no_email_on_file" if outcome is RequestOutcome.NO_EMAIL_ON_FILE
                   else "identity.code.not_linked")
            turn.say_markup(turn.t(key), (staff_or_menu_row(turn),), remove_reply_keyboard=True)
        elif outcome in (RequestOutcome.WAIT, RequestOutcome.HOURLY_LIMIT):
            if turn.state.step == "awaiting_address":
                turn.goto("awaiting_address")
            key = "identity.code.wait" if outcome is RequestOutcome.WAIT else "identity.code.hourly_limit"
            turn.say(key, buttons=self._code_buttons(turn), until=self._time(turn, result.until))
        else:
            data = {"address": address} if purpose is CodePurpose.LINK else {}
            turn.goto("awaiting_code", **data)
            key = "identity.code.sent_link" if purpose is CodePurpose.LINK else "identity.code.sent_strong"
            minutes = int(CODE_TTL.total_seconds() // 60)
            turn.say_markup(turn.t(key, email=result.masked_email or "", minutes=minutes),
                            self._code_buttons(turn), remove_reply_keyboard=True)

    async def _ask_address_again(self, turn: Turn) -> None:
        reminders = int(turn.data.get("reminders", 0)) + 1
        if reminders >= MAX_REMINDERS:
            turn.finish()
            turn.say("core.verify.gave_up", buttons=(staff_or_menu_row(turn),))
            return
        turn.goto("awaiting_address", reminders=reminders)
        turn.say("identity.code.invalid_address")

    async def ask(self, turn: Turn, step: str) -> None:
        if step == "awaiting_address":
            turn.say_markup(turn.t("identity.code.ask_address"), remove_reply_keyboard=True)
            return
        turn.say("identity.code.need_code", buttons=self._code_buttons(turn))

    async def on_awaiting_address(self, turn: Turn) -> None:
        text = turn.event.clean_text
        await self._request(turn, address=typed_email(text) or text)

    # Taking the code ---------------------------------------------------------------------------------
    async def on_awaiting_code(self, turn: Turn) -> None:
        text = turn.event.clean_text
        purpose = CodePurpose(turn.data.get("purpose", "link"))
        found = find_code(text)
        if found.outcome is CodeFind.NONE:
            if purpose is CodePurpose.LINK and looks_like_email(text):
                await self._request(turn, address=typed_email(text))  # another address: the old code is void
                return
            if _NOT_ARRIVED.search(text):
                await self.on_button(turn, EmailCodeButton("not_arrived"))
                return
            turn.say("identity.code.need_code", buttons=self._code_buttons(turn))
            return
        if found.outcome is CodeFind.AMBIGUOUS:
            turn.say("identity.code.ambiguous")
            return
        before = (await current_identity(turn)).level
        result = await check_code(turn.uow, turn.clock, turn.settings, turn.texts, turn.user,
                                  found.code or "", purpose=purpose)
        outcome = result.outcome
        if outcome is CheckOutcome.VERIFIED:
            goal = Goal.from_data(turn.data.get("goal"))
            name = result.customer.full_name if result.customer else ""
            turn.finish()
            turn.say("identity.code.verified", name=name)
            await settle_level(turn.uow, turn.clock, turn.settings, turn.user, before=before)
            turn.hand_over("verify", goal=goal.to_data())
        elif outcome is CheckOutcome.LOCKED:
            locked_reply(turn, result.until)
        elif outcome is CheckOutcome.WRONG:
            turn.say("identity.code.wrong", buttons=self._code_buttons(turn), tries=result.tries_left)
        else:  # spent, expired, or no code waiting: a new one may be asked for
            key = ("identity.code.spent" if outcome is CheckOutcome.SPENT
                   else "identity.code.expired" if outcome is CheckOutcome.EXPIRED
                   else "identity.code.no_code")
            turn.say(key, buttons=self._code_buttons(turn))

    # Buttons -----------------------------------------------------------------------------------------
    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if not isinstance(button, EmailCodeButton) or turn.state.flow != self.name:
            turn.say("core.stale_button")
            return
        if button.action == "resend":
            await self._request(turn, address=None)
            return
        purpose = CodePurpose(turn.data.get("purpose", "link"))
        rows: list[Any] = [(turn.button("identity.code.resend_button", EmailCodeButton("resend")),)]
        if purpose is CodePurpose.LINK:
            rows.append((turn.button("identity.phone_button", VerifyButton("phone")),))
        rows.append(staff_or_menu_row(turn))
        turn.say("identity.code.not_arrived", buttons=tuple(rows))

    def _code_buttons(self, turn: Turn) -> Keyboard:
        return ((turn.button("identity.code.resend_button", EmailCodeButton("resend")),
                 turn.button("identity.code.not_arrived_button", EmailCodeButton("not_arrived"))),)

    @staticmethod
    def _time(turn: Turn, moment: datetime | None) -> str:
        return "—" if moment is None else moment.astimezone(turn.settings.zone).strftime("%H:%M")

    def accepts_free_text(self, turn: Turn) -> bool:
        return True
