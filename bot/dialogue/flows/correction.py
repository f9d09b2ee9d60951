"""Correction of the customer's own data, free of charge: the field, the new value, proven, applied.

Started by "đổi email của tôi thành lan.moi@gmail.com" (the `correction_request` intent: the field and
the value the message names fill both slots), by the rights overview's correction button, or by a
field button. Strong verification first (`require_level`); what the message said is kept across it.
The service (`bot.services.corrections`) changes only the verified customer's own row, audits the old
and new value and records the privacy request (completed when applied, left for staff for review).

| step          | event                                      | next                                        |
|---------------|--------------------------------------------|---------------------------------------------|
| (start)       | below the strong level                     | refused for now; verification, then resume  |
| (start)       | strong                                     | the first empty slot (field, then value)    |
| choose_field  | `fix:field:<field>`, text naming the field | new_value (or on, if the value was given)   |
| choose_field  | other text                                 | the fields again (stays)                    |
| new_value     | name or address, valid                     | applied at once; request completed; finish  |
| new_value     | an email, no mailbox configured            | say so, offer a person; finish              |
| new_value     | an email, valid                            | a code to the new address → email_code      |
| new_value     | a phone, valid                             | ask for the own contact → phone_contact     |
| new_value     | not valid, the same as on file, another's  | said politely; asked again (stays)          |
| email_code    | the right code                             | the new email on file; request completed    |
| email_code    | a wrong code                               | tries left (stays); the fifth spends it     |
| email_code    | spent, expired, or no code                 | say so, offer a new one (stays)             |
| email_code    | another address                            | a code for it instead                       |
| email_code    | `fix:do:resend`                            | a new code, in the limits                   |
| phone_contact | the own contact carrying the number        | the new phone on file; request completed    |
| phone_contact | someone else's or a forwarded contact      | refused; ask again, or staff review (stays) |
| phone_contact | the own contact with another number        | said; ask again, or staff review (stays)    |
| phone_contact | `fix:do:review`                            | recorded for staff to check; finish         |
| phone_contact | text                                       | ask for the contact again (stays)           |
| (in flow)     | the strong level expired before applying   | verification again, then on from there      |
| (in flow)     | `fix:do:cancel`, /cancel                   | finish, nothing changed                     |
| (any)         | a button of this flow outside it           | "this button is no longer active"           |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.flows.verify import looks_like_email, typed_email
from bot.dialogue.levels import current_identity, require_level
from bot.dialogue.turn import Turn
from bot.domain.masking import mask_phone
from bot.domain.one_time_code import CODE_TTL, CodeFind, find_code
from bot.messages.actions import Keyboard
from bot.messages.buttons import ButtonData, CorrectionButton, CorrectionFieldButton
from bot.services.corrections import Change, Corrections, Field, InvalidValue, Outcome, clean_value
from bot.services.identity import Level
from intents.entities import extract

# The field a message names; an email before an address ("địa chỉ email" is an email).
_FIELD_WORDS: tuple[tuple[Field, re.Pattern[str]], ...] = (
    (Field.EMAIL, re.compile(r"e-?mail|\bmail\b|thư điện tử|thu dien tu", re.IGNORECASE)),
    (Field.PHONE, re.compile(r"điện thoại|dien thoai|\bs[đd]t\b|\bsố đt\b|phone|\bmobile\b", re.IGNORECASE)),
    (Field.ADDRESS, re.compile(r"địa chỉ|dia chi|\baddress\b|giao hàng|giao hang", re.IGNORECASE)),
    (Field.NAME, re.compile(r"\btên\b|\bten\b|họ tên|ho ten|\bname\b", re.IGNORECASE)),
)


def named_field(text: str) -> Field | None:
    """The field a message names in words, if any."""
    return next((field for field, words in _FIELD_WORDS if words.search(text)), None)


def prefill(text: str) -> dict[str, str]:
    """The slots a message fills: the field it names, and the new email or phone it carries."""
    found = extract(text)
    emails = [str(e.value) for e in found.of_kind("email")]
    phones = [str(e.value) for e in found.of_kind("phone")]
    field = named_field(text)
    if field is None or (field is Field.ADDRESS and emails and "email" in text.lower()):
        field = Field.EMAIL if emails else Field.PHONE if phones else field
    slots: dict[str, str] = {"field": field.value} if field else {}
    if field is Field.EMAIL and emails:
        slots["value"] = emails[0]
    elif field is Field.PHONE and phones:
        slots["value"] = phones[0]
    return slots


class CorrectionFlow(Flow):
    name = "correction"
    INTENTS = ("correction_request",)
    BUTTONS = (CorrectionFieldButton, CorrectionButton)
    STEPS: ClassVar[Mapping[str, str]] = {
        "choose_field": "on_choose_field",
        "new_value": "on_new_value",
        "email_code": "on_email_code",
        "phone_contact": "on_phone_contact",
    }
    SLOTS: ClassVar[Mapping[str, str]] = {"choose_field": "field", "new_value": "value"}

    def __init__(self, corrections: Corrections) -> None:
        self._corrections = corrections

    async def start(self, turn: Turn, **options: Any) -> None:
        slots = {k: str(options[k]) for k in ("field", "value") if options.get(k)}
        if not slots and options.get("text"):
            slots = prefill(str(options["text"]))
        if slots.get("field") not in {f.value for f in Field}:
            slots = {}
        turn.enter(self.name, "choose_field", **slots)
        if not await self._strong(turn):
            return
        await self.fill_next(turn)

    async def _strong(self, turn: Turn) -> bool:
        """At the strong level; else refused for now and verification started, what was said kept."""
        if (await current_identity(turn)).at_least(Level.STRONG):
            return True
        point = {k: v for k, v in turn.data.items() if k in ("field", "value")}
        turn.finish()
        turn.say("correction.needs_strong")
        await require_level(turn, Level.STRONG, flow=self.name, reason="personal_data", **point)
        return False

    # Slots -------------------------------------------------------------------------------------------
    async def ask(self, turn: Turn, step: str) -> None:
        field = self._field(turn)
        if step == "choose_field" or field is None:
            rows = tuple((turn.button(f"correction.field.{f.value}", CorrectionFieldButton(f.value)),)
                         for f in Field)
            turn.say("correction.choose_field", buttons=(*rows, self._cancel_row(turn)))
        elif step == "new_value":
            turn.say(f"correction.ask.{field.value}", buttons=(self._cancel_row(turn),))
        elif step == "email_code":
            turn.say("correction.code.need", buttons=self._code_buttons(turn))
        else:
            self._ask_contact(turn, "correction.phone.ask_contact")

    async def slots_filled(self, turn: Turn) -> None:
        field = self._field(turn)
        if field is None:
            await self._again(turn, "field")
            return
        raw = str(turn.data.get("value") or "")
        try:
            value = clean_value(field, raw)
        except InvalidValue:
            turn.say(f"correction.invalid.{field.value}")
            await self._again(turn, "value")
            return
        if field is Field.EMAIL and not turn.settings.can_send_codes():  # no mailbox: no way to prove it
            turn.finish()
            turn.say_markup(turn.t("identity.email_unavailable"), (staff_or_menu_row(turn),))
        elif field is Field.EMAIL:
            await self._send_code(turn, value)
        elif field is Field.PHONE:
            turn.goto("phone_contact", value=value)
            self._ask_contact(turn, "correction.phone.ask_contact")
        else:
            await self._apply(turn, field, value)

    async def _again(self, turn: Turn, slot: str) -> None:
        """Empty `slot` (the field empties the value too) and ask for it."""
        data = {k: v for k, v in turn.data.items() if k != slot and (slot != "field" or k != "value")}
        turn.enter(self.name, "choose_field", **data)
        await self.fill_next(turn)

    async def on_choose_field(self, turn: Turn) -> None:
        slots = prefill(turn.event.clean_text)
        if "field" not in slots:
            await self.ask(turn, "choose_field")
            return
        turn.goto("choose_field", **slots)
        await self.fill_next(turn)

    async def on_new_value(self, turn: Turn) -> None:
        turn.goto("new_value", value=turn.event.clean_text[:600])
        await self.fill_next(turn)

    # Applying ----------------------------------------------------------------------------------------
    async def _apply(self, turn: Turn, field: Field, value: str) -> None:
        change = await self._corrections.apply(turn.uow, turn.user, field, value, language=turn.language)
        await self._told(turn, change)

    async def _told(self, turn: Turn, change: Change) -> None:
        """What the service did, said; a refusal asks for the value again."""
        outcome = change.outcome
        if outcome is Outcome.NOT_ALLOWED:  # the strong level expired between two steps
            await self._strong(turn)
            return
        label = turn.t(f"correction.field.{change.field.value}") if change.field else ""
        if outcome in (Outcome.UNCHANGED, Outcome.TAKEN):
            key = "correction.unchanged" if outcome is Outcome.UNCHANGED else "correction.taken"
            turn.say(key, field=label, value=change.shown)
            await self._again(turn, "value")
            return
        request = change.request
        reference = request.reference if request else "—"
        due = self._corrections.day(request.due_at) if request else "—"
        turn.finish()
        key = "correction.applied" if outcome is Outcome.APPLIED else "correction.for_review"
        turn.say_markup(turn.t(key, field=label, value=change.shown, reference=reference, due=due),
                        (staff_or_menu_row(turn),), remove_reply_keyboard=True)

    # Email: a code to the new address ----------------------------------------------------------------
    async def _send_code(self, turn: Turn, address: str) -> None:
        change = await self._corrections.send_email_code(turn.uow, turn.user, address, language=turn.language)
        outcome = change.outcome
        if outcome is Outcome.SENT:
            turn.goto("email_code", value=address)
            minutes = int(CODE_TTL.total_seconds() // 60)
            turn.say("correction.code.sent", buttons=self._code_buttons(turn), email=change.shown,
                     minutes=minutes)
        elif outcome is Outcome.WAIT:
            turn.goto("email_code", value=address)
            turn.say("correction.code.wait", buttons=self._code_buttons(turn),
                     until=self._time(turn, change.until))
        elif outcome is Outcome.LOCKED:
            self._locked(turn, change.until)
        else:
            await self._told(turn, change)

    async def on_email_code(self, turn: Turn) -> None:
        text = turn.event.clean_text
        found = find_code(text)
        if found.outcome is CodeFind.NONE:
            if looks_like_email(text):  # another address: a code for that one instead
                turn.goto("new_value", value=typed_email(text) or text)
                await self.fill_next(turn)
                return
            turn.say("correction.code.need", buttons=self._code_buttons(turn))
            return
        if found.outcome is CodeFind.AMBIGUOUS:
            turn.say("identity.code.ambiguous")
            return
        change = await self._corrections.confirm_email_code(turn.uow, turn.user, found.code or "",
                                                            language=turn.language)
        outcome = change.outcome
        if outcome is Outcome.WRONG:
            turn.say("correction.code.wrong", buttons=self._code_buttons(turn), tries=change.tries_left)
        elif outcome in (Outcome.SPENT, Outcome.EXPIRED, Outcome.NO_CODE):
            key = ("correction.code.spent" if outcome is Outcome.SPENT
                   else "correction.code.expired" if outcome is Outcome.EXPIRED
                   else "correction.code.no_code")
            turn.say(key, buttons=self._code_buttons(turn))
        elif outcome is Outcome.LOCKED:
            self._locked(turn, change.until)
        else:
            await self._told(turn, change)

    # Phone: the customer's own contact, or staff review ----------------------------------------------
    def _ask_contact(self, turn: Turn, key: str) -> None:
        shown = mask_phone(str(turn.data.get("value") or ""))
        turn.ask_for_contact(key, phone=shown)
        turn.say("correction.phone.review_offer", buttons=(
            (turn.button("correction.review_button", CorrectionButton("review")),), self._cancel_row(turn)))

    def accepts_contact(self, turn: Turn) -> bool:
        return turn.state.step == "phone_contact"

    async def on_phone_contact(self, turn: Turn) -> None:
        contact = turn.event.contact
        if contact is None:
            if extract(turn.event.clean_text).of_kind("phone"):  # another number typed
                turn.goto("new_value", value=turn.event.clean_text)
                await self.fill_next(turn)
                return
            self._ask_contact(turn, "correction.phone.reminder")
            return
        change = await self._corrections.by_contact(turn.uow, turn.user, str(turn.data.get("value") or ""),
                                                    contact, language=turn.language)
        if change.outcome is Outcome.NOT_OWN_CONTACT:
            self._ask_contact(turn, "correction.phone.not_own")
        elif change.outcome is Outcome.CONTACT_MISMATCH:
            self._ask_contact(turn, "correction.phone.mismatch")
        else:
            await self._told(turn, change)

    # Buttons -----------------------------------------------------------------------------------------
    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if isinstance(button, CorrectionFieldButton):
            if turn.state.flow != self.name:
                await self.start(turn, field=button.field)
                return
            turn.enter(self.name, "choose_field", field=button.field)
            if await self._strong(turn):
                await self.fill_next(turn)
            return
        if not isinstance(button, CorrectionButton) or turn.state.flow != self.name:
            turn.say("core.stale_button")
            return
        value = str(turn.data.get("value") or "")
        if button.action == "cancel":
            await self.cancel(turn)
        elif button.action == "resend" and turn.state.step == "email_code" and value:
            await self._send_code(turn, value)
        elif button.action == "review" and turn.state.step == "phone_contact" and value:
            change = await self._corrections.for_review(turn.uow, turn.user, Field.PHONE, value,
                                                        language=turn.language, reason="no own contact")
            await self._told(turn, change)
        else:
            turn.say("core.stale_button")

    async def cancel(self, turn: Turn) -> None:
        turn.finish()
        turn.say_markup(turn.t("correction.cancelled"), (staff_or_menu_row(turn),),
                        remove_reply_keyboard=True)

    def accepts_free_text(self, turn: Turn) -> bool:
        """The field is understood first (a new question leaves); a value or a code is taken as typed."""
        return turn.state.step != "choose_field"

    # Helpers -----------------------------------------------------------------------------------------
    def _field(self, turn: Turn) -> Field | None:
        raw = turn.data.get("field")
        return Field(raw) if raw in {f.value for f in Field} else None

    def _cancel_row(self, turn: Turn) -> tuple[Any, ...]:
        return (turn.button("correction.cancel_button", CorrectionButton("cancel")),)

    def _code_buttons(self, turn: Turn) -> Keyboard:
        return ((turn.button("correction.resend_button", CorrectionButton("resend")),),
                self._cancel_row(turn))

    def _locked(self, turn: Turn, until: datetime | None) -> None:
        turn.finish()
        turn.say_markup(turn.t("correction.locked", until=self._time(turn, until)),
                        (staff_or_menu_row(turn),), remove_reply_keyboard=True)

    @staticmethod
    def _time(turn: Turn, moment: datetime | None) -> str:
        return "—" if moment is None else moment.astimezone(turn.settings.zone).strftime("%H:%M")
