"""The terminal desk: the staff side of tickets in a terminal (or behind a pipe), over the bot's database.

Staff read the open tickets and a ticket's whole thread, reply to the customer, add internal notes,
take, resolve and reopen, exactly as in the staff group: the same services (the `TicketDesk`,
through `StaffDesk.perform` for the buttons' actions), the same audit rows, and replies relayed
through the outbox to the customer's own channel (a console chat, or Telegram via `rosee-support
run`). This module only reads lines, names tickets and prints; nothing here decides anything. It is
built by `bot.bootstrap.build_console_desk`, with a staff desk that speaks the terminal's language.

| command                           | does                                                    |
|-----------------------------------|---------------------------------------------------------|
| list                              | open tickets: number, category, status, customer, masked |
|                                   | phone, assignee, deadlines                               |
| open [ticket]                     | the whole thread; the ticket becomes the current one     |
| reply [number] text               | `TicketDesk.staff_message`: relayed ("!": a note)        |
| note [number] text                | the same with the "!" marker: kept, never sent           |
| take / resolve / reopen [ticket]  | `StaffDesk.perform`, then its own words for the result   |
| help, quit                        | the commands; leave (end of input leaves too)            |

A ticket is named by its number (`KN-2026-000001`) or the id in it (`1`); `reply` and `note` accept
only the full number before their text, so a reply that starts with a figure stays a reply. With no
ticket named, a command acts on the current ticket. One unit of work per command. Every command says
what happened on stdout; a mistake (unknown command, unknown ticket) gets one precise line on stderr
and the desk goes on; the exit code is 1 when any command failed, else 0.

Who may act: whoever can run this command on a machine with the database's credentials can read and
change every row anyway; the desk names them (`--name`, default the OS user) so that their actions
are audited as `staff:desk:<name>`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from bot.channels.console import html_to_plain
from bot.clock import Clock
from bot.config import Settings
from bot.dialogue.staff_desk import DESK_ACTIONS, StaffDesk
from bot.i18n import Catalog
from bot.services.staff_reach import staff_reachable
from bot.services.ticket_rendering import format_moment
from bot.services.ticket_views import (
    OpenTickets,
    TicketSummary,
    TicketThread,
    find_ticket,
    is_ticket_reference,
    looks_like_ticket_number,
    open_ticket_summaries,
    read_thread,
)
from bot.services.tickets import INTERNAL_NOTE_MARKER, Outcome, StaffMember
from bot.storage.models import Ticket
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

ALIASES = {"ls": "list", "show": "open", "exit": "quit", "?": "help"}
NO_ARGUMENT = ("list", "help", "quit")
WITH_TEXT = ("reply", "note")
WITH_REFERENCE = ("open", *DESK_ACTIONS)
LIST_LIMIT = 50
MESSAGE_KEYS = {("customer", False): "message_customer", ("customer", True): "message_customer",
                ("staff", False): "message_staff", ("staff", True): "message_note"}


class DeskError(Exception):
    """A command that cannot be done; `key` names its wording in desk.toml."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class DeskCommand:
    name: str
    reference: str | None = None
    text: str = ""


def parse_command(line: str) -> DeskCommand | None:
    """A typed line as a command; None for a blank line; `DeskError` for one that is not a command."""
    words = line.strip().split(maxsplit=1)
    if not words:
        return None
    typed = words[0]
    name = ALIASES.get(typed.lower(), typed.lower())
    rest = words[1].strip() if len(words) > 1 else ""
    if name in NO_ARGUMENT:
        if rest:
            raise DeskError("no_argument", command=name)
        return DeskCommand(name)
    if name in WITH_REFERENCE:
        if not rest:
            return DeskCommand(name)
        if len(rest.split()) > 1:
            raise DeskError("one_reference", command=name)
        if not is_ticket_reference(rest):
            raise DeskError("not_a_reference", reference=rest)
        return DeskCommand(name, reference=rest)
    if name in WITH_TEXT:
        first, _, after = rest.partition(" ")
        reference = first if looks_like_ticket_number(first) else None
        text = after.strip() if reference else rest
        if not text:
            raise DeskError("text_needed", command=name)
        return DeskCommand(name, reference=reference, text=text)
    raise DeskError("unknown_command", command=_printable(typed)[:40])


def _printable(text: str) -> str:
    """Text from customers and typists without terminal control sequences (newlines kept)."""
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")


class ConsoleDesk:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        texts: Catalog,
        settings: Settings,
        clock: Clock,
        staff: StaffMember,
        desk: StaffDesk,
        *,
        read_line: Callable[[], str] | None = None,
        output: TextIO | None = None,
        errors: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._texts = texts
        self._settings = settings
        self._clock = clock
        self._staff = staff
        self._desk = desk
        self._language = desk.language  # the desk's answers and this terminal's words alike
        self._read_line = read_line or sys.stdin.readline
        self._out = output or sys.stdout
        self._err = errors or sys.stderr
        self._interactive = sys.stdin.isatty() if interactive is None else interactive
        self._current: int | None = None
        self._current_number: str | None = None

    async def run(self) -> int:
        """Read commands until end of input or `quit`; 1 when any command failed, else 0."""
        if self._interactive:
            self._say_to(self._err, self._t("banner", name=self._staff.name,
                                            database=self._settings.database_url.split("@")[-1]))
        if not staff_reachable(self._settings):
            self._say_to(self._err, self._t("no_staff_hint"))
        failed = False
        while True:
            if self._interactive:
                current = f" {self._current_number}" if self._current_number else ""
                self._out.write(f"{self._t('prompt')}{current}> ")
                self._out.flush()
            line = await asyncio.to_thread(self._read_line)
            if line == "":
                return 1 if failed else 0
            line = line.rstrip("\r\n")
            if not self._interactive:
                self._say(f"» {_printable(line)[:200]}")
            try:
                command = parse_command(line)
                if command is None:
                    continue
                if command.name == "quit":
                    return 1 if failed else 0
                ok = await self.execute(command)
            except DeskError as error:
                self._say_to(self._err, self._t(error.key, **error.params))
                ok = False
            failed = failed or not ok
            self._out.flush()

    async def execute(self, command: DeskCommand) -> bool:
        """Do one command in its own unit of work; True when it did what was asked."""
        if command.name == "help":
            self._say(self._t("help"))
            return True
        async with self._uow_factory() as uow:
            if command.name == "list":
                text = self._render_list(await open_ticket_summaries(uow, self._clock, self._staff,
                                                                     limit=LIST_LIMIT))
                await uow.commit()
                self._say(text)
                return True
            ticket = await self._target(uow, command)
            if command.name == "open":
                thread = await read_thread(uow, self._clock, ticket.id, self._staff)
                await uow.commit()
                if thread is None:  # deleted between finding and reading it
                    raise DeskError("no_such_ticket", reference=ticket.number)
                self._say(self._render_thread(thread))
                return True
            if command.name in WITH_TEXT:
                text = command.text if command.name == "reply" else f"{INTERNAL_NOTE_MARKER} {command.text}"
                result = await self._desk.tickets.staff_message(uow, ticket.id, self._staff, text=text,
                                                                source=None)
                await uow.commit()
                key = "noted" if result.outcome is Outcome.NOTE else "replied"
                self._say(self._t(key, number=ticket.number, channel=ticket.channel))
                return True
            result = await self._desk.perform(uow, command.name, ticket.id, self._staff)
            await uow.commit()
            words = html_to_plain(self._desk.describe(command.name, result, self._staff))
            if result.outcome is Outcome.DONE:
                self._say(words)
                return True
            self._say_to(self._err, words)
            return False

    async def _target(self, uow: UnitOfWork, command: DeskCommand) -> Ticket:
        """The ticket the command names, or the current one; it becomes the current one."""
        if command.reference is None:
            if self._current is None:
                raise DeskError("no_current", command=command.name)
            ticket = await uow.tickets.get(self._current)
            reference = self._current_number or str(self._current)
        else:
            ticket = await find_ticket(uow, command.reference)
            reference = command.reference.upper()
        if ticket is None:
            raise DeskError("no_such_ticket", reference=reference)
        self._current, self._current_number = ticket.id, ticket.number
        return ticket

    # Rendering -----------------------------------------------------------------------------------
    def _render_list(self, tickets: OpenTickets) -> str:
        if not tickets.total:
            return self._t("list_none")
        lines = [self._t("list_header", count=tickets.total, overdue=tickets.overdue)]
        for ticket in tickets.shown:
            lines.append(self._t(
                "list_line", number=ticket.number, category=self._category(ticket),
                status=self._staff_t(f"status.{ticket.status}"), name=self._name(ticket), phone=ticket.phone,
                assignee=ticket.assignee_name or self._staff_t("unassigned"),
                overdue_mark=self._staff_t("overdue_mark") if ticket.overdue else "",
            ))
            lines.append(self._deadlines(ticket))
        if tickets.total > len(tickets.shown):
            lines.append(self._t("list_more", count=tickets.total - len(tickets.shown)))
        return "\n".join(lines)

    def _render_thread(self, thread: TicketThread) -> str:
        ticket = thread.summary
        lines = [
            self._t("thread_header", number=ticket.number, kind=self._staff_t(f"kind.{ticket.kind}"),
                    category=self._category(ticket), status=self._staff_t(f"status.{ticket.status}"),
                    assignee=ticket.assignee_name or self._staff_t("unassigned")),
            self._t("thread_customer", name=self._name(ticket), phone=ticket.phone,
                    verified=self._staff_t("verified" if ticket.verified else "unverified"),
                    channel=ticket.channel),
            self._t("thread_order", order=ticket.order_code or self._staff_t("no_order")),
            self._t("thread_received", created=self._moment(ticket.created_at)),
            self._deadlines(ticket),
        ]
        if ticket.resolved_at is not None:
            lines.append(self._t("thread_resolved", at=self._moment(ticket.resolved_at)))
        if ticket.rating is not None:
            lines.append(self._t("thread_rating", rating=ticket.rating))
        if thread.rating_comment:
            lines.append(self._t("thread_rating_comment", comment=_printable(thread.rating_comment)))
        lines.append(self._t("thread_messages", count=len(thread.messages)))
        for message in thread.messages:
            key = MESSAGE_KEYS.get((message.author, message.internal), "message_system")
            name = message.name or (self._name(ticket) if message.author == "customer" else "")
            text = _printable(message.text).replace("\n", "\n    ")
            lines.append(self._t(key, at=self._moment(message.created_at), name=name, text=text))
            for attachment in message.attachments:
                lines.append(self._t("message_attachment", kind=attachment.kind,
                                     name=attachment.file_name or self._t("unnamed_file")))
        return "\n".join(lines)

    def _deadlines(self, ticket: TicketSummary) -> str:
        if ticket.first_staff_reply_at is not None:
            first = self._t("first_reply_done", at=self._moment(ticket.first_staff_reply_at))
        else:
            first = self._t("first_reply_due", due=self._moment(ticket.first_reply_due_at))
        return self._t("deadlines", first_reply=first, resolution_due=self._moment(ticket.resolution_due_at),
                       handling_due=self._moment(ticket.handling_due_at))

    def _category(self, ticket: TicketSummary) -> str:
        key = f"complaints.category.{ticket.category}"
        return self._plain(self._texts.text(self._language, key if self._texts.has(key)
                                            else "complaints.category.other"))

    def _name(self, ticket: TicketSummary) -> str:
        return _printable(ticket.customer_name or self._staff_t("unknown_name"))

    def _moment(self, value: datetime | None) -> str:
        return format_moment(value, self._settings)

    def _t(self, key: str, /, **params: object) -> str:
        return self._plain(self._texts.text(self._language, f"desk.{key}", **params))

    def _staff_t(self, key: str, /, **params: object) -> str:
        return self._plain(self._texts.text(self._language, f"staff.{key}", **params))

    @staticmethod
    def _plain(text: str) -> str:
        return html_to_plain(text)

    def _say(self, text: str) -> None:
        self._say_to(self._out, text)

    def _say_to(self, stream: TextIO, text: str) -> None:
        stream.write(text + "\n")
        stream.flush()
