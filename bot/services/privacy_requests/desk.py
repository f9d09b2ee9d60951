"""Privacy requests as the shop works them: opened by the customer, taken, completed, extended or
refused by staff, withdrawn by the customer. The API other packages call.

    requests = app.privacy_requests                     # built once in bot.bootstrap
    view = await requests.open_request(uow, user, NewRequest(RequestKind.ERASURE, {"text": ...}))
    await requests.take(uow, view.id, staff)
    await requests.complete(uow, view.id, staff, delivered={"text": "deleted profile, chats"})

Every method takes the unit of work of the event it serves (one event, one transaction: the
change, its history row, its audit row and its outbox rows commit together). Every status change
goes through `_move`, which checks the status machine (`bot.domain.privacy_request`), appends the
history row (time, actor, from, to, reason) and the audit row (`bot.services.audit.record_access`).
A customer reaches only requests made from their own chat account or by the customer that account
is proven to be; ids from buttons are hints, checked here. Staff identity is established by the
staff desk before these are called.

Customers are told of every change staff make through the outbox (`RequestNotices.tell_customer`);
what the customer does themselves is answered in their own turn.
"""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.domain.privacy_request import (
    OPEN_STATUSES,
    RequestKind,
    RequestStatus,
    can_move,
    request_reference,
)
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.identity import Level, LevelTooLow, chat_account, identify, proven_customer
from bot.services.privacy_requests.deadlines import deadlines_for, extended_due, local_day, reminder_for
from bot.services.privacy_requests.handlers import KindHandlers
from bot.services.privacy_requests.notices import RequestNotices
from bot.services.privacy_requests.views import (
    NewRequest,
    Outcome,
    RequestEvent,
    RequestView,
    Result,
    Staff,
)
from bot.storage.models import PrivacyRequest, PrivacyRequestEvent
from bot.storage.uow import UnitOfWork

TEXT_MAX = 2000
#: Staff actions that need a text typed by the staff member first (what was delivered, or why).
TEXT_ACTIONS = ("complete", "extend", "refuse")
#: The reason a request never verified is closed with (by the sweep, after PRIVACY_UNVERIFIED_CLOSE_DAYS).
NOT_VERIFIED = "not verified"
STAFF_OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS, RequestStatus.EXTENDED)


class PrivacyRequests:
    def __init__(self, *, clock: Clock, settings: Settings, notices: RequestNotices,
                 handlers: KindHandlers | None = None) -> None:
        self._clock = clock
        self._settings = settings
        self.notices = notices
        self.handlers = handlers or KindHandlers()

    @property
    def extension_days(self) -> int:
        """How long the one extension is (PRIVACY_EXTENSION_MAX_DAYS, in PRIVACY_DAYS_UNIT)."""
        return self._settings.privacy_extension_max_days

    # Customer side -----------------------------------------------------------------------------------
    async def open_request(self, uow: UnitOfWork, user: ChatUser, new: NewRequest, *,
                           pending: bool = False, announce: bool = True) -> RequestView:
        """Record the request and start its clock; staff are told; the kind's handler is called.

        The chat user must be at the kind's level (`KindHandlers.required_level`), else `LevelTooLow`;
        with `pending`, a request below its level is recorded as waiting for verification instead
        (no clock, no staff yet), and `verified` carries it on. Without `announce` staff get no card:
        for a request the bot completes in the same turn (a marketing opt-out), which nobody works.
        """
        identity = await identify(uow, self._clock, self._settings, user)
        level = self.handlers.required_level(new.kind)
        waiting = not identity.at_least(level)
        if waiting and not pending:
            raise LevelTooLow(f"{new.kind} needs the {level.label} level")
        account = await chat_account(uow, user)
        customer = identity.customer if identity.at_least(Level.LINKED) else None
        now = self._clock.now()
        year = local_day(now, self._settings).year
        deadlines = deadlines_for(new.kind, now, self._settings, third_party=new.third_party)
        row = await uow.privacy_requests.add(PrivacyRequest(
            reference=request_reference(year, await uow.privacy_requests.next_sequence(year)),
            customer_id=customer.id if customer else None, kind=new.kind.value,
            status=RequestStatus.RECEIVED.value, details=_clean(new.details), channel=user.channel,
            channel_user_id=user.user_id, chat_id=account.chat_id or user.user_id, language=new.language,
            third_party=new.third_party, received_at=now, respond_by=deadlines.respond_by,
            due_at=deadlines.due_at, remind_at=None if waiting else deadlines.remind_at,
        ))
        start = RequestStatus.WAITING_VERIFICATION if waiting else RequestStatus.RECEIVED
        row.status = start.value
        self._history(uow, row, None, start, user.actor)
        record_access(uow, self._clock, actor=user.actor, action="privacy_requests.opened",
                      customer_id=row.customer_id, purpose="record the customer's data-rights request",
                      reference=row.reference, kind=row.kind, status=row.status)
        if not waiting:
            await self._received(uow, row, user, announce=announce)
        return RequestView.of(row)

    async def verified(self, uow: UnitOfWork, user: ChatUser, request_id: int) -> Result:
        """The customer reached the kind's level: the waiting request is received, its clock restarts."""
        row = await self._own_locked(uow, user, request_id)
        if row is None:
            return Result(Outcome.NOT_FOUND)
        if row.status != RequestStatus.WAITING_VERIFICATION:
            return Result.of(Outcome.ALREADY, row)
        identity = await identify(uow, self._clock, self._settings, user)
        if not identity.at_least(self.handlers.required_level(RequestKind(row.kind))):
            return Result.of(Outcome.NOT_ALLOWED, row)
        now = self._clock.now()
        deadlines = deadlines_for(RequestKind(row.kind), now, self._settings, third_party=row.third_party)
        row.received_at, row.respond_by, row.due_at = now, deadlines.respond_by, deadlines.due_at
        row.remind_at = deadlines.remind_at
        if identity.customer is not None:
            row.customer_id = identity.customer.id
        self._move(uow, row, RequestStatus.RECEIVED, user.actor)
        await self._received(uow, row, user)
        return Result.of(Outcome.DONE, row)

    async def withdraw(self, uow: UnitOfWork, user: ChatUser, request_id: int) -> Result:
        row = await self._own_locked(uow, user, request_id)
        if row is None:
            return Result(Outcome.NOT_FOUND)
        if not can_move(row.status, RequestStatus.WITHDRAWN):
            return Result.of(Outcome.NOT_ALLOWED, row)
        event = self._move(uow, row, RequestStatus.WITHDRAWN, user.actor)
        row.closed_at, row.awaiting_input, row.awaiting_input_by = event.occurred_at, None, None
        await self.notices.tell_desk(uow, row, "withdrawn", dedupe="withdrawn")
        return Result.of(Outcome.DONE, row)

    async def for_customer(self, uow: UnitOfWork, user: ChatUser, *, limit: int = 10) -> list[RequestView]:
        """The chat user's own requests, newest first."""
        account = await chat_account(uow, user)
        customer = await proven_customer(uow, account)
        rows = await uow.privacy_requests.for_account(user.channel, user.user_id,
                                                      customer.id if customer else None, limit=limit)
        return [RequestView.of(row) for row in rows]

    async def customer_request(self, uow: UnitOfWork, user: ChatUser, request_id: int) -> RequestView | None:
        row = await self._own(uow, user, request_id)
        return None if row is None else RequestView.of(row)

    # Staff side --------------------------------------------------------------------------------------
    async def for_staff(self, uow: UnitOfWork) -> list[RequestView]:
        """Open requests (verified ones), the soonest due first."""
        rows = await uow.privacy_requests.in_statuses([s.value for s in STAFF_OPEN])
        return [RequestView.of(row) for row in rows]

    async def take(self, uow: UnitOfWork, request_id: int, staff: Staff) -> Result:
        row = await uow.privacy_requests.lock(request_id)
        if row is None or row.status == RequestStatus.WAITING_VERIFICATION:
            return Result(Outcome.NOT_FOUND)
        if row.assignee_id is not None and row.assignee_id != staff.user_id:
            return Result.of(Outcome.ALREADY, row)
        if row.status not in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS, RequestStatus.EXTENDED):
            return Result.of(Outcome.NOT_ALLOWED, row)
        first = row.assignee_id is None
        row.assignee_id, row.assignee_name = staff.user_id, staff.name
        if row.status == RequestStatus.RECEIVED:
            event = self._move(uow, row, RequestStatus.IN_PROGRESS, staff.actor)
            row.responded_at = row.responded_at or event.occurred_at
            await self.notices.tell_requester(uow, row, "in_progress", dedupe=event.to_status,
                                             due=self.notices.day(row.due_at))
        elif first:
            record_access(uow, self._clock, actor=staff.actor, action="privacy_requests.taken",
                          customer_id=row.customer_id, purpose="handle the customer's data-rights request",
                          reference=row.reference)
        return Result.of(Outcome.DONE, row)

    async def begin(self, uow: UnitOfWork, request_id: int, staff: Staff, *,
                    reason: str | None = None) -> Result:
        """A kind's handler carries the request out itself (the access copy): in progress, assigned to
        it, `reason` in the history row; the handler tells the customer what it does, so nothing is
        sent here."""
        row = await uow.privacy_requests.lock(request_id)
        if row is None or row.status != RequestStatus.RECEIVED:
            return Result.of(Outcome.NOT_ALLOWED, row) if row is not None else Result(Outcome.NOT_FOUND)
        event = self._move(uow, row, RequestStatus.IN_PROGRESS, staff.actor,
                           reason=(reason or "")[:TEXT_MAX] or None)
        row.responded_at = row.responded_at or event.occurred_at
        self._assign_if_none(row, staff)
        return Result.of(Outcome.DONE, row)

    async def complete(self, uow: UnitOfWork, request_id: int, staff: Staff, *,
                       delivered: dict[str, Any], tell_requester: bool = True) -> Result:
        """Done; `delivered` records what was given or done (`{"text": ...}` from staff, or a handler's).

        `tell_requester=False` where the caller's own reply in the chat already says it is done (a
        correction the bot applied while the customer waits): one confirmation, not two.
        """
        row = await uow.privacy_requests.lock(request_id)
        if row is None or row.status == RequestStatus.WAITING_VERIFICATION:
            return Result(Outcome.NOT_FOUND)
        if not can_move(row.status, RequestStatus.COMPLETED):
            return Result.of(Outcome.ALREADY, row)
        if not delivered:
            return Result.of(Outcome.NEEDS_TEXT, row)
        event = self._move(uow, row, RequestStatus.COMPLETED, staff.actor)
        row.delivered = _clean(delivered)
        row.completed_at = row.closed_at = event.occurred_at
        row.responded_at = row.responded_at or event.occurred_at
        self._assign_if_none(row, staff)
        if tell_requester:
            await self.notices.tell_requester(uow, row, "completed", dedupe=event.to_status,
                                             delivered=str(row.delivered.get("text") or "—"))
        handler = self.handlers.get(RequestKind(row.kind))
        if handler is not None:
            await handler.completed(uow, RequestView.of(row))
        return Result.of(Outcome.DONE, row)

    async def extend(self, uow: UnitOfWork, request_id: int, staff: Staff, *, reason: str,
                     days: int | None = None) -> Result:
        """The one extension (at most PRIVACY_EXTENSION_MAX_DAYS); the reason goes to the customer."""
        row = await uow.privacy_requests.lock(request_id)
        if row is None or row.status == RequestStatus.WAITING_VERIFICATION:
            return Result(Outcome.NOT_FOUND)
        if row.extended_until is not None:
            return Result.of(Outcome.ALREADY, row)
        if not can_move(row.status, RequestStatus.EXTENDED):
            return Result.of(Outcome.NOT_ALLOWED, row)
        reason = reason.strip()[:TEXT_MAX]
        if not reason:
            return Result.of(Outcome.NEEDS_TEXT, row)
        until = extended_due(row.due_at, days or self._settings.privacy_extension_max_days, self._settings)
        event = self._move(uow, row, RequestStatus.EXTENDED, staff.actor, reason=reason)
        row.extended_until = row.due_at = until
        row.extension_reason = reason
        row.reminded_at = row.escalated_at = None  # a new promise, watched afresh
        row.remind_at = reminder_for(until, event.occurred_at, self._settings)
        self._assign_if_none(row, staff)
        await self.notices.tell_requester(uow, row, "extended", dedupe=event.to_status, reason=reason,
                                         due=self.notices.day(until))
        return Result.of(Outcome.DONE, row)

    async def refuse(self, uow: UnitOfWork, request_id: int, staff: Staff, *, reason: str) -> Result:
        row = await uow.privacy_requests.lock(request_id)
        if row is None or row.status == RequestStatus.WAITING_VERIFICATION:
            return Result(Outcome.NOT_FOUND)
        if not can_move(row.status, RequestStatus.REFUSED):
            return Result.of(Outcome.ALREADY, row)
        reason = reason.strip()[:TEXT_MAX]
        if not reason:
            return Result.of(Outcome.NEEDS_TEXT, row)
        event = self._move(uow, row, RequestStatus.REFUSED, staff.actor, reason=reason)
        row.refusal_reason, row.closed_at = reason, event.occurred_at
        row.responded_at = row.responded_at or event.occurred_at
        self._assign_if_none(row, staff)
        await self.notices.tell_requester(uow, row, "refused", dedupe=event.to_status, reason=reason)
        return Result.of(Outcome.DONE, row)

    async def close_unverified(self, uow: UnitOfWork, row: PrivacyRequest, *, actor: str, days: int) -> bool:
        """A request that waited for verification too long: refused ("not verified"), nothing done; the
        customer is told and may ask again. False when it is no longer waiting."""
        if row.status != RequestStatus.WAITING_VERIFICATION:
            return False
        event = self._move(uow, row, RequestStatus.REFUSED, actor, reason=NOT_VERIFIED)
        row.refusal_reason, row.closed_at = NOT_VERIFIED, event.occurred_at
        await self.notices.tell_requester(uow, row, "closed_unverified", dedupe=event.to_status, days=days)
        return True

    async def ask_for_text(self, uow: UnitOfWork, request_id: int, staff: Staff, action: str) -> Result:
        """Staff pressed complete, extend or refuse: their next message about the request is its text."""
        if action not in TEXT_ACTIONS:
            raise ValueError(action)
        row = await uow.privacy_requests.lock(request_id)
        if row is None or row.status == RequestStatus.WAITING_VERIFICATION:
            return Result(Outcome.NOT_FOUND)
        if row.status not in OPEN_STATUSES or (action == "extend" and row.extended_until is not None):
            return Result.of(Outcome.ALREADY if row.extended_until else Outcome.NOT_ALLOWED, row)
        row.awaiting_input, row.awaiting_input_by = action, staff.user_id
        return Result.of(Outcome.NEEDS_TEXT, row)

    async def staff_typed(self, uow: UnitOfWork, staff_chat_id: str, staff: Staff, text: str, *,
                          thread_id: int | None, reply_to_message_id: int | None
                          ) -> tuple[str, Result] | None:
        """A staff message in the staff chat: the text a pressed button waits for, if it is one.

        It belongs to a request when it is written in the request's topic or as a reply to its card,
        or, failing both, when exactly one request waits for this staff member's text.
        """
        row = None
        if thread_id is not None:
            row = await uow.privacy_requests.by_staff_thread(staff_chat_id, thread_id)
        if row is None and reply_to_message_id is not None:
            row = await uow.privacy_requests.by_staff_card(staff_chat_id, reply_to_message_id)
        if row is None and thread_id is None:
            waiting = await uow.privacy_requests.awaiting_input_from(staff_chat_id, staff.user_id)
            row = waiting[0] if len(waiting) == 1 else None
        if row is None or row.awaiting_input is None or row.awaiting_input_by != staff.user_id:
            return None
        action, row.awaiting_input, row.awaiting_input_by = row.awaiting_input, None, None
        if action == "complete":
            delivered = {"text": text.strip()[:TEXT_MAX]}
            return action, await self.complete(uow, row.id, staff, delivered=delivered)
        if action == "extend":
            return action, await self.extend(uow, row.id, staff, reason=text)
        return action, await self.refuse(uow, row.id, staff, reason=text)

    async def history(self, uow: UnitOfWork, request_id: int) -> list[RequestEvent]:
        """Every status change of the request, oldest first (for staff and the access package)."""
        return [RequestEvent(e.occurred_at, e.actor, e.from_status, e.to_status, e.reason)
                for e in await uow.privacy_requests.events(request_id)]

    # Internals ---------------------------------------------------------------------------------------
    async def _received(self, uow: UnitOfWork, row: PrivacyRequest, user: ChatUser, *,
                        announce: bool = True) -> None:
        if announce:
            account = await chat_account(uow, user)
            customer = await proven_customer(uow, account)
            identity = await identify(uow, self._clock, self._settings, user)
            name = (customer.full_name if customer else account.display_name) or "—"
            await self.notices.announce(uow, row, name=name, phone=customer.phone if customer else None,
                                        verified=identity.level.label)
        handler = self.handlers.get(RequestKind(row.kind))
        if handler is not None:
            await handler.opened(uow, RequestView.of(row))

    def _move(self, uow: UnitOfWork, row: PrivacyRequest, target: RequestStatus, actor: str, *,
              reason: str | None = None) -> PrivacyRequestEvent:
        if not can_move(row.status, target):
            raise ValueError(f"{row.reference}: {row.status} cannot become {target}")
        before = RequestStatus(row.status)
        row.status = target.value
        event = self._history(uow, row, before, target, actor, reason=reason)
        record_access(uow, self._clock, actor=actor, action=f"privacy_requests.{target.value}",
                      customer_id=row.customer_id, purpose="handle the customer's data-rights request",
                      reference=row.reference, kind=row.kind, from_status=before.value)
        return event

    def _history(self, uow: UnitOfWork, row: PrivacyRequest, before: RequestStatus | None,
                 target: RequestStatus, actor: str, *, reason: str | None = None) -> PrivacyRequestEvent:
        event = PrivacyRequestEvent(request_id=row.id, occurred_at=self._clock.now(), actor=actor,
                                    from_status=None if before is None else before.value,
                                    to_status=target.value, reason=reason)
        uow.privacy_requests.add_event(event)
        return event

    @staticmethod
    def _assign_if_none(row: PrivacyRequest, staff: Staff) -> None:
        if row.assignee_id is None:
            row.assignee_id, row.assignee_name = staff.user_id, staff.name

    async def _own(self, uow: UnitOfWork, user: ChatUser, request_id: int) -> PrivacyRequest | None:
        row = await uow.privacy_requests.get(request_id)
        return row if row is not None and await self._owns(uow, user, row) else None

    async def _own_locked(self, uow: UnitOfWork, user: ChatUser, request_id: int) -> PrivacyRequest | None:
        row = await uow.privacy_requests.lock(request_id)
        return row if row is not None and await self._owns(uow, user, row) else None

    async def _owns(self, uow: UnitOfWork, user: ChatUser, row: PrivacyRequest) -> bool:
        if row.channel == user.channel and row.channel_user_id == user.user_id:
            return True
        if row.customer_id is None:
            return False
        customer = await proven_customer(uow, await chat_account(uow, user))
        return customer is not None and customer.id == row.customer_id


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe, bounded: what the customer or staff typed is kept, cut at TEXT_MAX."""
    return {str(k)[:40]: (v[:TEXT_MAX] if isinstance(v, str) else v) for k, v in details.items()}
