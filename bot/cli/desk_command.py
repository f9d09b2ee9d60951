"""`rosee-support desk`: the staff side of tickets in this terminal, over the configured database.

Beside `rosee-support chat` (another terminal, same database) it lets one person try both sides of a
complaint without Telegram; beside `rosee-support run` it is a way for staff to work tickets too.
The desk delivers nothing itself: what it queues for a customer leaves through the outbox of the
process serving the customer's channel (the chat, or the Telegram bot).
"""

from __future__ import annotations

import argparse
import getpass

from bot.cli.common import open_storage, settings_from
from bot.cli.errors import CliError

NAME_MAX = 60


def register(subparsers: argparse._SubParsersAction) -> None:
    desk = subparsers.add_parser("desk", help="the staff side of tickets in this terminal (or a pipe)")
    desk.add_argument("--name", help="the staff member at the desk, as audited and shown to colleagues "
                                     "(default: the user logged in)")
    desk.add_argument("--lang", choices=["vi", "en"], help="the desk's language (default: DEFAULT_LANGUAGE)")
    desk.set_defaults(func=run_desk)


def staff_name(value: str | None) -> str:
    """The name given with --name, or the OS user's; one line of printable text."""
    if value is None:
        try:
            value = getpass.getuser()
        except (KeyError, OSError):  # no user name in this environment (a bare container, say)
            value = "staff"
    name = " ".join(value.split())
    if not name or not name.isprintable() or len(name) > NAME_MAX:
        raise CliError(f"--name: give a name of 1 to {NAME_MAX} printable characters", exit_code=2)
    return name


async def run_desk(args: argparse.Namespace) -> int:
    name = staff_name(args.name)
    settings = settings_from(args)
    from bot.bootstrap import build_console_desk
    from bot.clock import SystemClock
    from bot.i18n import Catalog
    from bot.services.tickets import StaffMember

    async with open_storage(settings) as uow_factory:
        desk = build_console_desk(uow_factory, Catalog.load(), settings, SystemClock(),
                                  StaffMember(f"desk:{name}", name), language=args.lang)
        return await desk.run()
