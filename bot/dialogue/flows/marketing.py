"""Marketing opt-out and resume, per channel (email, SMS, calls, Telegram) or all, effective at once.

"ngừng gửi quảng cáo cho tôi", "ko muon nhan sms quang cao nua", "stop sending me marketing emails",
"unsubscribe" (the `marketing_opt_out` intent) or the rights overview's button start it; "nhận lại
quảng cáo", "resume marketing" (`marketing_resume`) or a confirmation's button undo it. The channels
a message names are taken (`bot.domain.marketing.channels_named`); none named, the channels are
offered as buttons. No verification: a linked chat account names the customer; otherwise the email
or phone the customer gives (in the message or when asked) is suppressed and the opt-out is kept
against this chat account, matched to the customer later (`bot.services.marketing`). Each change is
one short confirmation, with a button to undo it; an opt-out is also a completed privacy
request (`YC-…`, in /requests).

| step    | event                                             | reply                                  |
|---------|---------------------------------------------------|----------------------------------------|
| (start) | marketing_opt_out naming channels, customer known | stopped at once; confirmed             |
| (start) | marketing_opt_out naming channels and an address  | stopped at once for it; confirmed      |
| (start) | unlinked, email, SMS or calls named, no address   | asks for the email or phone → address  |
| (start) | naming no channel (or the rights overview)        | the channels as buttons → choose       |
| (start) | marketing_resume naming channels                  | resumed at once; confirmed             |
| choose  | `mkt:<action>:<channel>`, text naming channels    | as at the start, for those channels    |
| choose  | other text                                        | the channels again (stays)             |
| address | a valid email or phone                            | stopped at once for it; confirmed      |
| address | not an email or phone                             | said; asked again (stays)              |
| address | `mkt:skip`                                        | stopped for this chat account alone    |
| (any)   | `mkt:<action>:<channel>` outside the flow         | done at once (a confirmation's button) |
| (any)   | `mkt:skip` outside the address step               | "this button is no longer active"      |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.flows.verify import looks_like_email, typed_email
from bot.dialogue.ports import UnderstandingResult
from bot.dialogue.turn import Turn
from bot.domain.marketing import (
    ADDRESS_KIND,
    ALL_CHANNELS,
    AddressKind,
    MarketingChannel,
    channels_named,
    ordered,
)
from bot.i18n import Markup
from bot.messages.actions import Button, Keyboard
from bot.messages.buttons import ButtonData, MarketingButton, MarketingSkipButton, MarketingTarget
from bot.services.marketing import (
    WORDS_MAX,
    Change,
    Given,
    InvalidAddress,
    MarketingConsents,
    Outcome,
    clean_email,
    clean_phone,
)
from intents.entities import extract

Action = Literal["stop", "resume"]
_ICONS = {"email": "📧", "sms": "💬", "call": "📞", "telegram": "✈️", "all": "🚫"}


def given_in(text: str) -> Given:
    """The emails and phones a message carries, validated and normalised (the invalid ones dropped)."""
    found = extract(text)
    emails: list[str] = []
    phones: list[str] = []
    raw_emails = [str(e.value) for e in found.of_kind("email")]
    if not raw_emails and looks_like_email(text):
        raw_emails = [typed_email(text) or ""]
    for raw in raw_emails:
        try:
            emails.append(clean_email(raw))
        except InvalidAddress:
            continue
    for entity in found.of_kind("phone"):
        try:
            phones.append(clean_phone(str(entity.value)))
        except InvalidAddress:
            continue
    return Given(tuple(dict.fromkeys(emails)), tuple(dict.fromkeys(phones)))


class MarketingFlow(Flow):
    name = "marketing"
    INTENTS = ("marketing_opt_out", "marketing_resume")
    BUTTONS = (MarketingButton, MarketingSkipButton)
    STEPS: ClassVar[Mapping[str, str]] = {"choose": "on_choose", "address": "on_address"}

    def __init__(self, marketing: MarketingConsents) -> None:
        self._marketing = marketing

    async def start(self, turn: Turn, **options: Any) -> None:
        text = str(options.get("text") or turn.event.clean_text or "")[:WORDS_MAX]
        action: Action = "resume" if options.get("intent") == "marketing_resume" else "stop"
        turn.enter(self.name, "choose", action=action, text=text)
        channels = channels_named(text)
        if not channels:
            await self.ask(turn, "choose")
            return
        await self._go(turn, action, channels, text, given_in(text))

    # Steps -------------------------------------------------------------------------------------------
    async def ask(self, turn: Turn, step: str) -> None:
        if step == "address":
            self._ask_address(turn, self._channels(turn))
            return
        action = self._action(turn)
        targets: tuple[MarketingTarget, ...] = (*(c.value for c in ALL_CHANNELS), "all")
        rows = tuple((self._button(turn, action, target),) for target in targets)
        turn.say(f"marketing.choose.{action}", buttons=(*rows, staff_or_menu_row(turn)))

    async def on_choose(self, turn: Turn) -> None:
        """Text while the channels are offered, with no new question in it: channels named, or asked again."""
        text = turn.event.clean_text[:WORDS_MAX]
        channels = channels_named(text)
        if not channels:
            await self.ask(turn, "choose")
            return
        words = " / ".join(part for part in (str(turn.data.get("text") or ""), text) if part)[:WORDS_MAX]
        await self._go(turn, self._action(turn), channels, words, given_in(text))

    async def on_address(self, turn: Turn) -> None:
        text = turn.event.clean_text
        given = given_in(text)
        if not given:
            turn.say("marketing.invalid_address", buttons=self._address_keyboard(turn))
            return
        await self._stop(turn, self._channels(turn), str(turn.data.get("text") or ""), given)

    def accepts_free_text(self, turn: Turn) -> bool:
        """The choice of channels is understood first (a new question leaves); an address is taken."""
        return turn.state.step == "address"

    def takes_text(self, turn: Turn, understood: UnderstandingResult) -> bool:
        """An address step takes what looks like an email or a phone number; other text may leave."""
        text = turn.event.clean_text
        return looks_like_email(text) or sum(ch.isdigit() for ch in text) >= 8 or "@" in text

    # Buttons -----------------------------------------------------------------------------------------
    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if isinstance(button, MarketingButton):
            channels = frozenset(ALL_CHANNELS) if button.target == "all" else frozenset(
                {MarketingChannel(button.target)})
            kept = str(turn.data.get("text") or "") if turn.state.flow == self.name else ""
            turn.enter(self.name, "choose", action=button.action, text=kept)
            await self._go(turn, button.action, channels, kept, Given())
        elif isinstance(button, MarketingSkipButton) and turn.state.flow == self.name \
                and turn.state.step == "address":
            await self._stop(turn, self._channels(turn), str(turn.data.get("text") or ""), Given())
        else:
            turn.say("core.stale_button")

    # Doing it ----------------------------------------------------------------------------------------
    async def _go(self, turn: Turn, action: Action, channels: frozenset[MarketingChannel], words: str,
                  given: Given) -> None:
        chosen = ordered(channels)
        if action == "resume":
            change = await self._marketing.resume(turn.uow, turn.user, chosen, words=words)
            self._resumed(turn, change)
            return
        subject = await self._marketing.subject(turn.uow, turn.user)
        needs = {ADDRESS_KIND[c] for c in chosen} - {AddressKind.TELEGRAM}
        if needs and not subject.linked and not given:  # who to stop: asked once, never verified
            turn.goto("address", action="stop", channels=[c.value for c in chosen], text=words)
            self._ask_address(turn, chosen)
            return
        await self._stop(turn, chosen, words, given)

    async def _stop(self, turn: Turn, channels: Sequence[MarketingChannel], words: str, given: Given) -> None:
        change = await self._marketing.stop(turn.uow, turn.user, channels, words=words,
                                            language=turn.language, given=given)
        turn.finish()
        label = self._label(turn, change.channels)
        if change.outcome is Outcome.ALREADY:
            turn.say("marketing.already_stopped", buttons=self._undo(turn, "resume", change), channels=label)
            return
        reference = change.request.reference if change.request else "—"
        if change.shown:
            turn.say("marketing.stopped_to", buttons=self._undo(turn, "resume", change), channels=label,
                     addresses=", ".join(change.shown), reference=reference)
        elif any(ADDRESS_KIND[c] is not AddressKind.TELEGRAM for c in change.channels) and \
                not (await self._marketing.subject(turn.uow, turn.user)).linked:
            turn.say("marketing.stopped_account", buttons=self._undo(turn, "resume", change), channels=label,
                     reference=reference)
        else:
            turn.say("marketing.stopped", buttons=self._undo(turn, "resume", change), channels=label,
                     reference=reference)

    def _resumed(self, turn: Turn, change: Change) -> None:
        turn.finish()
        key = "marketing.already_receiving" if change.outcome is Outcome.ALREADY else "marketing.resumed"
        turn.say(key, buttons=self._undo(turn, "stop", change), channels=self._label(turn, change.channels))

    # Helpers -----------------------------------------------------------------------------------------
    def _ask_address(self, turn: Turn, channels: Sequence[MarketingChannel]) -> None:
        kinds = {ADDRESS_KIND[c] for c in channels} - {AddressKind.TELEGRAM}
        which = "either" if len(kinds) > 1 else "email" if AddressKind.EMAIL in kinds else "phone"
        turn.say(f"marketing.ask_address.{which}", buttons=self._address_keyboard(turn),
                 channels=self._label(turn, channels))

    def _address_keyboard(self, turn: Turn) -> Keyboard:
        return ((turn.button("marketing.skip_button", MarketingSkipButton()),),)

    def _undo(self, turn: Turn, action: Action, change: Change) -> Keyboard:
        """The way back: one button for all channels, else one a channel."""
        if set(change.channels) == set(ALL_CHANNELS):
            targets: tuple[MarketingTarget, ...] = ("all",)
        else:
            targets = tuple(c.value for c in change.channels)
        return tuple((self._button(turn, action, target, undo=True),) for target in targets)

    def _button(self, turn: Turn, action: Action, target: MarketingTarget, *, undo: bool = False) -> Button:
        label = turn.t("marketing.channels_all") if target == "all" else _name(turn, MarketingChannel(target))
        key = f"marketing.undo_button.{action}" if undo else "marketing.channel_button"
        return turn.button(key, MarketingButton(action, target), icon=_ICONS[target], channel=label)

    def _label(self, turn: Turn, channels: Sequence[MarketingChannel]) -> Markup | str:
        """The channels in words ("email, SMS và cuộc gọi"); one channel keeps its catalogue wording."""
        if set(channels) == set(ALL_CHANNELS):
            return turn.t("marketing.channels_all")
        names = [_name(turn, c) for c in ordered(set(channels))]
        if len(names) == 1:
            return names[0]
        return f"{', '.join(names[:-1])} {turn.t('marketing.and')} {names[-1]}"

    @staticmethod
    def _action(turn: Turn) -> Action:
        return "resume" if turn.data.get("action") == "resume" else "stop"

    @staticmethod
    def _channels(turn: Turn) -> tuple[MarketingChannel, ...]:
        raw = turn.data.get("channels") or []
        return ordered({MarketingChannel(c) for c in raw if c in {m.value for m in MarketingChannel}})


def _name(turn: Turn, c: MarketingChannel) -> Markup:
    return turn.t(f"marketing.channel.{c.value}")
