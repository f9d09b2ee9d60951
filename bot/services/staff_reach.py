"""Whether a ticket reaches someone who can answer it, and so what its customer may be promised.

A ticket is always recorded. Whether the customer is promised a reply time (and told that their
messages "go to staff") depends on one thing only, decided here from the settings:

| staff destination                         | setting                          | counts                     |
|-------------------------------------------|----------------------------------|----------------------------|
| the staff group on Telegram               | STAFF_CHAT_ID                    | yes                        |
| the complaints mailbox                    | COMPLAINTS_EMAIL and SMTP_HOST   | yes                        |
| the terminal desk (`rosee-support desk`)  | CONSOLE_DESK=true                | yes, when the operator says|
| none of these                             |                                  | no: recorded, no promise   |

The terminal desk counts only when the operator declares it: it is a view over the database that
anyone may open at any moment, and nothing tells the bot whether someone sits at it. Opening it does
not make a promise true; an operator who staffs it says so with CONSOLE_DESK=true. Without any staff
destination the desk still works (a reply from it reaches the customer); the customer was simply never
promised one.

What changes without a staff destination:
- the wording (`customer_wording`): the confirmation of a new ticket, its summary, the status answer,
  "you already have a ticket" and "passed to staff" use their truthful twins in
  `complaints.no_staff.*`: the ticket number, that it is recorded, no reply time;
- the SLA sweep apologises to nobody for a promise that was never made (`bot.services.sla`);
- `rosee-support run` refuses to start unless ALLOW_NO_STAFF=true (`NO_STAFF_DESTINATION`).

The decision follows the current settings, not the settings a ticket was opened under: a ticket
opened while no staff were reachable is answered truthfully ("no reply time yet") until a destination
is configured, and then like every other ticket.
"""

from __future__ import annotations

from bot.config import Settings

NO_STAFF_DESTINATION = (
    "no staff destination: set STAFF_CHAT_ID (the staff group), or COMPLAINTS_EMAIL and SMTP_HOST "
    "(the complaints mailbox), or CONSOLE_DESK=true if staff answer in `rosee-support desk`; "
    "ALLOW_NO_STAFF=true starts anyway (tickets are recorded, no reply time is promised)"
)

#: Customer texts that promise what only a reachable staff member can keep, and their truthful twins.
_WITHOUT_STAFF = {
    "complaints.summary": "complaints.no_staff.summary",
    "complaints.summary_human": "complaints.no_staff.summary_human",
    "complaints.created": "complaints.no_staff.created",
    "complaints.created_human": "complaints.no_staff.created_human",
    "complaints.already_open": "complaints.no_staff.already_open",
    "complaints.relayed": "complaints.no_staff.relayed",
    "complaints.back_in_ticket_conversation": "complaints.no_staff.back_in_ticket_conversation",
    "complaints.next_first_reply": "complaints.no_staff.next_step",
    "complaints.next_resolution": "complaints.no_staff.next_step",
    "core.orders.request_created": "core.orders.no_staff.request_created",
    "core.orders.late_ticket_created": "core.orders.no_staff.late_ticket_created",
}


def staff_destinations(settings: Settings) -> tuple[str, ...]:
    """The settings through which tickets reach staff; empty when none is configured."""
    found = []
    if settings.staff_chat_id is not None:
        found.append("STAFF_CHAT_ID")
    if settings.complaints_email and settings.smtp_host:
        found.append("COMPLAINTS_EMAIL")
    if settings.console_desk:
        found.append("CONSOLE_DESK")
    return tuple(found)


def staff_reachable(settings: Settings) -> bool:
    """Whether customers may be promised a reply: some staff destination is configured."""
    return bool(staff_destinations(settings))


def customer_wording(settings: Settings, key: str) -> str:
    """The catalogue key to tell a ticket's customer `key` with: its truthful twin when no staff
    member is reachable, `key` itself otherwise (and for every text that promises nothing)."""
    if staff_reachable(settings):
        return key
    return _WITHOUT_STAFF.get(key, key)


def promised_texts() -> dict[str, str]:
    """Every promising text and its twin (for the test that both exist with the same placeholders)."""
    return dict(_WITHOUT_STAFF)
