"""The data subject's rights (policy section 7; Law 91/2025/QH15 art. 4): explained, then taken as
requests (`bot.services.privacy_requests`) the customer can follow and withdraw.

A question about a right ("tôi muốn xem dữ liệu của tôi", "xoa tai khoan cua toi") is answered with
what the right is, and a button starts the request: nothing is recorded until the customer asks for
it. What they wrote is kept with the request (its details) for staff. A kind that needs a level
(`KindHandlers.required_level`: access and correction the strong one, erasure and objection a
linked customer) is recorded as waiting for verification and verification starts; once it is
reached the request is received. An unverified request is never carried out.

| step    | event                                    | reply                                              |
|---------|------------------------------------------|----------------------------------------------------|
| (start) | access_request                           | the right explained; a button to start it          |
| (start) | erasure_request                          | the right explained; a button to start it          |
| (start) | objection_request                        | the right explained; a button to start it          |
| (start) | `menu:rights`                            | the rights as an overview, a button for each       |
| offered | text                                     | the offer again (new questions: the router's)      |
| offered | the router offers the flow back          | the offer again                                    |
| (any)   | `privacy:start:correction`               | the correction flow takes it (field, value, proof) |
| (any)   | `privacy:start:marketing_opt_out`        | the marketing flow takes it (channels, at once)    |
| (any)   | `privacy:start:<kind>` at its level      | recorded: reference, due date, what happens next   |
| (any)   | `privacy:start:access`, strong level     | recorded; the copy sent: note, JSON, HTML          |
| (any)   | `privacy:start:<kind>` below its level   | recorded as waiting; verification starts           |
| (any)   | `privacy:start:<kind>`, one open already | that one again (its reference and due date)        |
| (any)   | verification reached (resume)            | the waiting request is received, as above          |
| (any)   | `privacy:list`, /requests                | the customer's own requests, withdraw buttons      |
| (any)   | `privacy:withdraw:<id>`                  | withdrawn (own open request only), else not found  |

Access at the strong level is carried out by the bot (`bot.services.privacy_requests.access`): the
note and the two files of the copy are queued in the same turn, and the acknowledgement says so.
A marketing opt-out is the marketing flow's (`bot.dialogue.flows.marketing`, which owns the
`marketing_opt_out` intent): per channel, at once, recorded as a request completed in the same turn.
Erasure and objection are acknowledged item by item: what is deleted or stopped, what is kept and why
(`bot.services.privacy_requests.retention`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from bot.dialogue.flow import Flow
from bot.dialogue.flows.menu import staff_or_menu_row
from bot.dialogue.levels import require_level
from bot.dialogue.turn import Turn
from bot.domain.privacy_request import OPEN_STATUSES, RequestKind, RequestStatus
from bot.messages.actions import Keyboard
from bot.messages.buttons import ButtonData, PrivacyListButton, PrivacyStartButton, PrivacyWithdrawButton
from bot.messages.wording import join
from bot.services.identity import Level
from bot.services.privacy_requests import NewRequest, Outcome, PrivacyRequests, RequestView

INTENT_KINDS: dict[str, RequestKind] = {
    "access_request": RequestKind.ACCESS,
    "erasure_request": RequestKind.ERASURE,
    "objection_request": RequestKind.OBJECTION,
}
_EXPLAINED = {
    RequestKind.ACCESS: "core.rights.access",
    RequestKind.CORRECTION: "core.rights.correction",
    RequestKind.ERASURE: "core.rights.erasure",
    RequestKind.OBJECTION: "core.rights.objection",
}
#: The rights overview's buttons, in order; correction and marketing are handed to their own flows.
OVERVIEW_KINDS = (RequestKind.ACCESS, RequestKind.CORRECTION, RequestKind.MARKETING_OPT_OUT,
                  RequestKind.ERASURE, RequestKind.OBJECTION)
HANDED_OVER = {RequestKind.CORRECTION: "correction", RequestKind.MARKETING_OPT_OUT: "marketing"}
DETAILS_MAX = 1000
LIST_MAX = 10


class RightsFlow(Flow):
    name = "rights"
    INTENTS = tuple(INTENT_KINDS)
    STEPS: ClassVar = {"offered": "on_offered"}
    BUTTONS = (PrivacyStartButton, PrivacyListButton, PrivacyWithdrawButton)

    def __init__(self, requests: PrivacyRequests) -> None:
        self._requests = requests

    async def start(self, turn: Turn, **options: Any) -> None:
        kind = INTENT_KINDS.get(str(options.get("intent", "")))
        if kind is None:
            turn.finish()
            rows = tuple((turn.button(f"privacy.start_button.{k.value}", PrivacyStartButton(k)),)
                         for k in OVERVIEW_KINDS)
            turn.say("core.rights.overview", buttons=(*rows, staff_or_menu_row(turn)))
            return
        turn.enter(self.name, "offered", kind=kind.value, text=turn.event.clean_text[:DETAILS_MAX])
        turn.say(_EXPLAINED.get(kind, "core.rights.overview"), buttons=(
            (turn.button(f"privacy.start_button.{kind.value}", PrivacyStartButton(kind)),),
            staff_or_menu_row(turn),
        ))

    def accepts_free_text(self, turn: Turn) -> bool:
        """Text after the offer is understood first: a new question leaves it, small talk keeps it."""
        return False

    async def ask(self, turn: Turn, step: str) -> None:
        """The offer again (after small talk, or when the router offers the flow back)."""
        await self.on_offered(turn)

    async def on_offered(self, turn: Turn) -> None:
        """Text while the offer stands and the router found no new question in it: offered again."""
        kind = RequestKind(turn.data.get("kind", RequestKind.ACCESS.value))
        turn.say("privacy.offer_again", buttons=(
            (turn.button(f"privacy.start_button.{kind.value}", PrivacyStartButton(kind)),),))

    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if isinstance(button, PrivacyStartButton):
            await self._open(turn, button.kind)
        elif isinstance(button, PrivacyListButton):
            await self.show_requests(turn)
        elif isinstance(button, PrivacyWithdrawButton):
            await self._withdraw(turn, button.request_id)
        else:
            turn.say("core.stale_button")

    async def resume(self, turn: Turn, **point: Any) -> None:
        """Verification reached the level a waiting request needs: it is received now."""
        request_id = point.get("request_id")
        if not isinstance(request_id, int):
            turn.say("core.stale_button")
            return
        result = await self._requests.verified(turn.uow, turn.user, request_id)
        if result.request is None:
            turn.say("privacy.not_found")
        elif result.outcome is Outcome.DONE:
            self._acknowledge(turn, result.request)
        elif result.outcome is Outcome.NOT_ALLOWED:
            await self._ask_verification(turn, result.request)
        else:
            await self.show_requests(turn)

    # Opening -----------------------------------------------------------------------------------------
    async def _open(self, turn: Turn, kind: RequestKind) -> None:
        kept = turn.data if turn.state.flow == self.name and turn.data.get("kind") == kind.value else {}
        details = {"text": str(kept.get("text") or "")}
        turn.finish()
        if kind in HANDED_OVER:  # correction field by field, proven; marketing per channel, at once
            turn.hand_over(HANDED_OVER[kind], text=details["text"])
            return
        mine = await self._requests.for_customer(turn.uow, turn.user, limit=LIST_MAX)
        existing = next((v for v in mine if v.kind == kind and v.status in OPEN_STATUSES), None)
        if existing is not None:  # pressed twice, or asked again: the open one, not a second
            if existing.status == RequestStatus.WAITING_VERIFICATION:
                await self._ask_verification(turn, existing)
            else:
                turn.say("privacy.already_open", buttons=self._request_keyboard(turn, existing),
                         reference=existing.reference, kind=self._kind(turn, existing),
                         due=self._requests.notices.day(existing.due_at))
            return
        view = await self._requests.open_request(
            turn.uow, turn.user, NewRequest(kind, details, language=turn.language), pending=True)
        if view.status == RequestStatus.WAITING_VERIFICATION:
            await self._ask_verification(turn, view)
            return
        self._acknowledge(turn, view)

    async def _ask_verification(self, turn: Turn, view: RequestView) -> None:
        level = self._requests.handlers.required_level(view.kind)
        key = "privacy.needs_strong" if level >= Level.STRONG else "privacy.needs_linked"
        turn.say(key, reference=view.reference, kind=self._kind(turn, view))
        await require_level(turn, level, flow=self.name, reason="personal_data", request_id=view.id)

    def _acknowledge(self, turn: Turn, view: RequestView) -> None:
        """At once (the law allows 2 working days): the reference, the due date, what happens next."""
        notices = self._requests.notices
        parts: list[str] = [turn.t("privacy.received", reference=view.reference, kind=self._kind(turn, view),
                                   due=notices.day(view.due_at), basis=notices.due_basis(turn.language))]
        items = notices.items(view.kind, turn.language)
        if items:
            parts += [turn.t("privacy.items_intro"), items]
        if view.kind is RequestKind.ACCESS and "package" in view.details:  # the bot sends the copy itself
            parts.append(turn.t("privacy.access.sending"))
        else:
            parts.append(turn.t("privacy.next_steps"))
        turn.say_markup(join(parts), self._request_keyboard(turn, view))

    # Lists and withdrawal ----------------------------------------------------------------------------
    async def show_requests(self, turn: Turn, *, quiet_if_none: bool = False) -> bool:
        """The customer's own requests; whether there were any (`quiet_if_none`: say nothing then)."""
        views = await self._requests.for_customer(turn.uow, turn.user, limit=LIST_MAX)
        if not views:
            if not quiet_if_none:
                turn.say("privacy.list_none", buttons=(
                    (turn.button("core.menu.rights", _rights_menu()),),))
            return False
        notices = self._requests.notices
        lines = [turn.t("privacy.list_header", count=len(views))]
        for view in views:
            due = view.due_at if view.status in OPEN_STATUSES else view.closed_at
            key = "privacy.list_line.open" if view.status in OPEN_STATUSES else "privacy.list_line.closed"
            lines.append(turn.t(key,
                                reference=view.reference, kind=self._kind(turn, view),
                                status=notices.status_label(view.status, turn.language),
                                due=notices.day(due)))
        rows = tuple((turn.button("privacy.withdraw_button", PrivacyWithdrawButton(view.id),
                                  reference=view.reference),)
                     for view in views if view.status in OPEN_STATUSES)
        turn.say_markup(join(lines), rows)
        return True

    async def _withdraw(self, turn: Turn, request_id: int) -> None:
        result = await self._requests.withdraw(turn.uow, turn.user, request_id)
        if result.request is None:
            turn.say("privacy.not_found")
        elif result.outcome is Outcome.DONE:
            turn.say("privacy.withdrawn", reference=result.request.reference)
        else:
            turn.say("privacy.cannot_withdraw", reference=result.request.reference,
                     status=self._requests.notices.status_label(result.request.status, turn.language))

    # Helpers -----------------------------------------------------------------------------------------
    def _kind(self, turn: Turn, view: RequestView) -> str:
        return self._requests.notices.kind_label(view.kind, turn.language)

    def _request_keyboard(self, turn: Turn, view: RequestView) -> Keyboard:
        withdraw = turn.button("privacy.withdraw_button", PrivacyWithdrawButton(view.id),
                               reference=view.reference)
        return ((withdraw,), (turn.button("privacy.list_button", PrivacyListButton()),))


def _rights_menu() -> ButtonData:
    from bot.messages.buttons import MenuButton

    return MenuButton("rights")
