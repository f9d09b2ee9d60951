"""The privacy requests' side of the staff desk: their card buttons, `/requests`, and the texts staff
type for them (what was delivered, why an extension, why a refusal).

| inbound (staff chat)                     | does                                                  |
|------------------------------------------|-------------------------------------------------------|
| /requests                                | open requests, the soonest due first, overdue marked  |
| `yc:take:<id>`                           | taken (in progress; the customer told)                |
| `yc:<complete, extend, refuse>:<id>`     | asks the presser for the text (what was done, why)    |
| the presser's next message there         | completed / extended / refused with it; customer told |
| `yc:` data that is not one (forged)      | "request not found"                                   |

"There" is the request's topic, a reply to its card or, with neither, the staff chat when exactly one
request waits for that staff member's text.

Called by `StaffDesk` (bot.dialogue.staff_desk) for the staff chat only; who may act is settled there.
A message that no button waits for is not this desk's (the ticket desk may take it).
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.i18n import Markup
from bot.messages.actions import Action, SendText
from bot.messages.buttons import RequestDeskButton
from bot.messages.events import InboundEvent
from bot.messages.wording import join
from bot.services.privacy_requests import Outcome, PrivacyRequests, RequestView, Result, Staff
from bot.storage.uow import UnitOfWork

LIST_MAX = 50
_ASK = {"complete": "ask.complete", "extend": "ask.extend", "refuse": "ask.refuse"}
_DONE = {"take": "done.take", "complete": "done.complete", "extend": "done.extend", "refuse": "done.refuse"}


class StaffRequestDesk:
    def __init__(self, requests: PrivacyRequests, clock: Clock) -> None:
        self._requests = requests
        self._notices = requests.notices
        self._clock = clock

    async def press(self, uow: UnitOfWork, button: RequestDeskButton, staff: Staff) -> list[Action]:
        if button.action == "take":
            result = await self._requests.take(uow, button.request_id, staff)
        else:
            result = await self._requests.ask_for_text(uow, button.request_id, staff, button.action)
        return [SendText(self._describe(button.action, result, staff))]

    async def typed(self, uow: UnitOfWork, event: InboundEvent, staff: Staff) -> list[Action] | None:
        """The text a pressed button waits for, acted on; None when the message is not one."""
        if not event.clean_text:
            return None
        done = await self._requests.staff_typed(uow, event.chat_id, staff, event.clean_text,
                                                thread_id=event.thread_id,
                                                reply_to_message_id=event.reply_to_message_id)
        if done is None:
            return None
        action, result = done
        return [SendText(self._describe(action, result, staff, typed=True))]

    async def list_open(self, uow: UnitOfWork) -> SendText:
        now = self._clock.now()
        views = await self._requests.for_staff(uow)
        if not views:
            return SendText(self._words("list_none"))
        overdue = sum(view.is_overdue(now) for view in views)
        lines = [self._words("list_header", count=len(views), overdue=overdue)]
        lines += [self._line(view, now) for view in views[:LIST_MAX]]
        return SendText(join(lines))

    def unknown(self) -> Markup:
        return self._words("unknown_request")

    def _line(self, view: RequestView, now: datetime) -> Markup:
        language = self._notices.staff_language
        return self._words("list_line", reference=view.reference,
                       kind=self._notices.kind_label(view.kind, language),
                       status=self._notices.status_label(view.status, language),
                       assignee=view.assignee_name or self._words("unassigned"),
                       due=self._notices.moment(view.due_at),
                       overdue_mark=self._words("overdue_mark") if view.is_overdue(now) else "")

    def _describe(self, action: str, result: Result, staff: Staff, *, typed: bool = False) -> Markup:
        view = result.request
        if view is None or result.outcome is Outcome.NOT_FOUND:
            return self._words("unknown_request")
        reference, outcome = view.reference, result.outcome
        if outcome is Outcome.NEEDS_TEXT:
            key = "typed_empty" if typed else _ASK.get(action, "typed_empty")
            return self._words(key, reference=reference, staff=staff.name,
                               max_days=self._requests.extension_days,
                               unit=self._notices.period_unit(self._notices.staff_language))
        if outcome is Outcome.DONE:
            done = _DONE.get(action, "done.take")
            return self._words(done, reference=reference, staff=staff.name,
                               due=self._notices.moment(view.due_at))
        if outcome is Outcome.ALREADY and action == "take":
            return self._words("already_taken", reference=reference, staff=view.assignee_name or "")
        if outcome is Outcome.ALREADY and action == "extend" and view.extended_until is not None:
            return self._words("already_extended", reference=reference, due=self._notices.moment(view.due_at))
        return self._words("not_open", reference=reference,
                       status=self._notices.status_label(view.status, self._notices.staff_language))

    def _words(self, key: str, /, **params: object) -> Markup:
        return self._notices.desk_text(key, **params)
