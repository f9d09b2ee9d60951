"""The staff desk: what staff do in the staff group (STAFF_CHAT_ID), and who may do it.

| inbound (staff chat)                           | does                                                  |
|------------------------------------------------|-------------------------------------------------------|
| anything acting on tickets from someone who is | refused (a short reply for commands and buttons), and |
| not staff (see "Who may act")                  | the attempt audited; general chatter is ignored       |
| /tickets                                       | open tickets, the overdue ones marked                 |
| /stats                                         | counts, median time to first reply, average rating    |
| `desk:<action>:<id>` (take, resolve, reopen)   | that action, and a short reply (its note, in its topic)|
| desk button data that is not one (forged)      | "ticket not found"                                    |
| /requests, `yc:<action>:<id>`                  | the privacy requests' desk (bot.dialogue.staff_requests) |
| the text a `yc:` button waits for              | the privacy requests' desk                            |
| `fwd:<send, keep>:<message id>`                | a forwarded message (its album) sent on, or kept      |
| other buttons, edited messages                 | ignored                                               |
| message in a ticket's topic, or reply to card  | relayed to the customer (text, photos, documents)     |
| the same, starting with "!" (or "！", "❗" …)   | kept as an internal note, not relayed                 |
| an album item                                  | as its album's caption says ("!": all of it a note)   |
| a forwarded message                            | kept; the bot asks "send to the customer?" (buttons)  |
| anything else (general chatter, other commands)| ignored                                               |

The same `desk:<action>:<id>` pressed outside the staff chat reaches `DeskButtonsFlow` (`desk`):

| event                                          | does                                                  |
|------------------------------------------------|-------------------------------------------------------|
| `desk:<action>:<id>` from STAFF_USER_IDS       | as in the staff chat                                  |
| `desk:<action>:<id>` from anyone else          | refused, and the attempt audited                      |

Who may act in the staff chat: with STAFF_USER_IDS set, only those users and the group's anonymous
administrators (a message whose sender is the group itself: only an administrator can post so);
without it, anyone who posts or presses a button there, a member of it by Telegram's own rules (the
engine sends us only events whose chat is STAFF_CHAT_ID). A ticket button pressed anywhere else (a
forwarded card, forged callback data) reaches `DeskButtonsFlow` through the customer router: it is
honoured only for STAFF_USER_IDS, otherwise refused and written to the audit log; data that is not a
desk button at all (desk:take:abc) is answered as a stale button there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from bot.clock import Clock
from bot.config import Settings
from bot.dialogue.flow import Flow
from bot.dialogue.staff_requests import StaffRequestDesk
from bot.dialogue.turn import Turn
from bot.domain.names import clean_name
from bot.i18n import Markup
from bot.messages.actions import Action, Button, Keyboard, SendText
from bot.messages.buttons import (
    ButtonData,
    DeskAction,
    DeskButton,
    ForwardButton,
    RequestDeskButton,
    parse_button,
    prefix_of,
)
from bot.messages.events import InboundEvent
from bot.messages.wording import join
from bot.services.privacy_requests import Staff
from bot.services.sla import current_promise, is_overdue
from bot.services.ticket_desk import TicketDesk
from bot.services.tickets import (
    Outcome,
    Result,
    StaffMember,
    TicketView,
    open_tickets,
    record_refusal,
    source_key,
    ticket_in_staff_chat,
    ticket_stats,
)
from bot.storage.uow import UnitOfWork

DESK_ACTIONS: tuple[DeskAction, ...] = get_args(DeskAction)


class StaffDesk:
    """The engine's staff handler: `await desk(event, uow)` returns the replies for the staff chat.

    Built once (`bot.bootstrap`) on the ticket services; it speaks their staff language.
    """

    def __init__(self, tickets: TicketDesk, settings: Settings, clock: Clock,
                 requests: StaffRequestDesk | None = None) -> None:
        self.tickets = tickets
        self.requests = requests
        self._wording = tickets.wording
        self._settings = settings
        self._clock = clock

    @property
    def language(self) -> str:
        """The language the desk answers staff in (and writes staff notes in)."""
        return self._wording.staff_language

    async def __call__(self, event: InboundEvent, uow: UnitOfWork) -> list[Action]:
        if event.is_edit:
            return []  # an edited message was relayed already as it first was
        staff = self._staff(event)
        if event.button is not None:
            button = parse_button(event.button)
            if isinstance(button, DeskButton | ForwardButton) and not self.may_act(event):
                return self._refuse(uow, event, f"desk:{getattr(button, 'action', 'forward')}",
                                    button.ticket_id if isinstance(button, DeskButton) else None)
            if isinstance(button, DeskButton):
                return await self.act(uow, button, staff, thread_id=event.thread_id)
            if isinstance(button, ForwardButton):
                return await self._forward_choice(uow, event, button, staff)
            if isinstance(button, RequestDeskButton) and self.requests is not None:
                return await self.requests.press(uow, button, self._request_staff(event))
            if button is None and prefix_of(event.button) == DeskButton.prefix:  # forged or malformed
                return [SendText(self._t("unknown_ticket"))]
            if button is None and prefix_of(event.button) == RequestDeskButton.prefix and self.requests:
                return [SendText(self.requests.unknown())]
            return []  # the bot posts no other buttons in the staff chat
        command = event.command
        if command is not None:
            if command[0] not in ("/tickets", "/stats", "/requests"):
                return []
            if not self.may_act(event):
                return self._refuse(uow, event, command[0], None)
            if command[0] == "/tickets":
                return [await self._open_tickets(uow)]
            if command[0] == "/stats":
                return [await self._stats(uow)]
            if command[0] == "/requests" and self.requests is not None:
                return [await self.requests.list_open(uow)]
            return []
        if not (event.clean_text or event.attachments):
            return []
        if self.requests is not None:
            typed = await self.requests.typed(uow, event, self._request_staff(event))
            if typed is not None:
                return typed
        ticket = await ticket_in_staff_chat(uow, event.chat_id, thread_id=event.thread_id,
                                            reply_to_message_id=event.reply_to_message_id)
        if ticket is None:
            return []
        if not self.may_act(event):
            return self._refuse(uow, event, "relay", ticket.id)  # not relayed
        album = None if event.media_group_id is None else (event.chat_id, event.media_group_id)
        result = await self.tickets.staff_message(
            uow, ticket.id, staff,
            text=event.clean_text, attachments=[a for a in event.attachments if a.kind != "sticker"],
            source=source_key(event.channel, event.chat_id, event.message_id),
            album=album, forwarded=event.forwarded,
        )
        if result.outcome is Outcome.AWAITING and result.message_id is not None:
            return [SendText(self._t("forward_question"), self._forward_keyboard(result.message_id))]
        return []

    def may_act(self, event: InboundEvent) -> bool:
        """Staff, as the settings say: STAFF_USER_IDS when set (and anonymous admins), else members."""
        if event.anonymous_admin or not self._settings.staff_user_ids:
            return True
        return _is_staff_user(self._settings, event.user_id)

    def _refuse(self, uow: UnitOfWork, event: InboundEvent, action: str,
                ticket_id: int | None) -> list[Action]:
        record_refusal(uow, self._clock, actor=f"{event.channel}:{event.user_id}", action=action,
                       ticket_id=ticket_id, chat_id=event.chat_id)
        return [SendText(self._t("refused"))]

    async def _forward_choice(self, uow: UnitOfWork, event: InboundEvent, button: ForwardButton,
                              staff: StaffMember) -> list[Action]:
        send = button.choice == "send"
        result = await self.tickets.forwarded_choice(uow, button.message_id, send=send, staff=staff,
                                                     staff_chat_id=event.chat_id)
        if result.outcome is Outcome.NOT_FOUND or result.ticket is None:
            return [SendText(self._t("forward_gone"))]
        return [SendText(self._t("forward_sent" if send else "forward_kept", staff=staff.name,
                                 number=result.ticket.number))]

    def _forward_keyboard(self, message_id: int) -> Keyboard:
        return ((Button.labelled(self._t("forward_send_button"), ForwardButton("send", message_id).pack()),
                 Button.labelled(self._t("forward_keep_button"), ForwardButton("keep", message_id).pack())),)

    async def act(self, uow: UnitOfWork, button: DeskButton, staff: StaffMember, *,
                  thread_id: int | None = None) -> list[Action]:
        """Take, resolve or reopen a ticket; the reply says what happened.

        Pressed in the ticket's own topic, a resolve or reopen needs no reply: the note the service
        writes into that topic (before closing it, after reopening it) says the same, in order.
        """
        action = button.action
        result = await self.perform(uow, action, button.ticket_id, staff)
        ticket = result.ticket
        if result.outcome is Outcome.NOT_FOUND or ticket is None:
            return [SendText(self._t("unknown_ticket"))]
        in_own_topic = (self._settings.staff_chat_is_forum and thread_id is not None
                        and thread_id == ticket.staff_thread_id)
        if in_own_topic and action in ("resolve", "reopen") and result.outcome is Outcome.DONE:
            return []
        return [SendText(self.describe(action, result, staff))]

    async def perform(self, uow: UnitOfWork, action: str, ticket_id: int, staff: StaffMember) -> Result:
        """Take, resolve or reopen (one of DESK_ACTIONS); also what the terminal desk calls."""
        if action == "take":
            return await self.tickets.take(uow, ticket_id, staff)
        if action == "resolve":
            return await self.tickets.resolve(uow, ticket_id, staff)
        return await self.tickets.reopen(uow, ticket_id, staff)

    def describe(self, action: str, result: Result, staff: StaffMember) -> Markup:
        """What happened, in the staff's words ("🙋 Hà took ticket …", "… was already resolved")."""
        ticket = result.ticket
        if ticket is None:
            return self._t("unknown_ticket")
        number = ticket.number
        replies = {
            ("take", Outcome.DONE): ("taken", {"staff": staff.name}),
            ("take", Outcome.ALREADY): ("already_taken", {"staff": ticket.assignee_name or ""}),
            ("take", Outcome.NOT_ALLOWED): ("already_resolved", {}),
            ("resolve", Outcome.DONE): ("resolved", {"staff": staff.name}),
            ("resolve", Outcome.ALREADY): ("already_resolved", {}),
            ("reopen", Outcome.DONE): ("reopened", {"staff": staff.name}),
            ("reopen", Outcome.ALREADY): ("not_resolved", {}),
        }
        key, params = replies.get((action, result.outcome), ("unknown_ticket", {}))
        return self._t(key, number=number, **params)

    # Lists -------------------------------------------------------------------------------------------
    async def _open_tickets(self, uow: UnitOfWork) -> SendText:
        now = self._clock.now()
        tickets = sorted(await open_tickets(uow), key=lambda t: current_promise(t)[1] or now)
        if not tickets:
            return SendText(self._t("tickets_none"))
        overdue = sum(is_overdue(t, now) for t in tickets)
        lines = [self._t("tickets_header", count=len(tickets), overdue=overdue)]
        lines += [self._line(t, now) for t in tickets[:50]]
        return SendText(join(lines))

    def _line(self, ticket: TicketView, now: datetime) -> Markup:
        _, due = current_promise(ticket)
        return self._t(
            "tickets_line", number=ticket.number, category=self._wording.category(ticket),
            status=self._t(f"status.{ticket.status}"),
            assignee=ticket.assignee_name or self._t("unassigned"),
            due=self._wording.moment(due),
            overdue_mark=self._t("overdue_mark") if is_overdue(ticket, now) else "",
        )

    async def _stats(self, uow: UnitOfWork) -> SendText:
        stats = await ticket_stats(uow, self._clock)
        median = stats.median_first_reply_minutes
        if median is None:
            waited = self._t("no_data")
        elif median < 60:
            waited = self._t("minutes", minutes=round(median))
        else:
            waited = self._t("hours", hours=int(median // 60), minutes=round(median % 60))
        average = f"{stats.average_rating:.1f}/5" if stats.average_rating is not None else self._t("no_data")
        return SendText(self._t(
            "stats", open=stats.open, in_progress=stats.in_progress, overdue=stats.overdue,
            resolved=stats.resolved, total=stats.total, median_first_reply=waited,
            average_rating=average, ratings=stats.ratings,
        ))

    # Helpers -----------------------------------------------------------------------------------------
    def _staff(self, event: InboundEvent) -> StaffMember:
        """Who acted; an anonymous administrator is the group, under its signature or title."""
        return StaffMember(event.user_id, (clean_name(event.display_name) or event.user_id)[:200])

    def _request_staff(self, event: InboundEvent) -> Staff:
        return Staff(event.user_id, (event.display_name or event.user_id)[:200])

    def _t(self, key: str, /, **params: object) -> Markup:
        return self._wording.staff_text(key, **params)


class DeskButtonsFlow(Flow):
    """Ticket-card buttons pressed outside the staff chat: only STAFF_USER_IDS, the rest refused."""

    name = "desk"
    BUTTONS = (DeskButton,)

    def __init__(self, desk: StaffDesk) -> None:
        self._desk = desk

    async def start(self, turn: Turn, **options: Any) -> None:
        turn.say("core.stale_button")

    async def on_button(self, turn: Turn, button: ButtonData) -> None:
        if not isinstance(button, DeskButton):
            turn.say("core.stale_button")
            return
        if _is_staff_user(turn.settings, turn.event.user_id):
            staff = StaffMember(turn.event.user_id, turn.display_name or turn.event.user_id)
            for reply in await self._desk.act(turn.uow, button, staff):
                if isinstance(reply, SendText):
                    turn.actions.append(reply)
            return
        record_refusal(turn.uow, turn.clock, actor=turn.actor, action=f"desk:{button.action}",
                       ticket_id=button.ticket_id, chat_id=turn.event.chat_id)
        turn.say("staff.refused")


def _is_staff_user(settings: Settings, user_id: str) -> bool:
    return user_id.isdigit() and int(user_id) in settings.staff_user_ids
