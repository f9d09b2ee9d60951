"""`rosee-support chat`: the console channel over the configured database.

Each run is a new conversation under a fresh console user id, printed at the start, so that nothing an
earlier run left (a verified customer, a flow half way through) leaks into it. `--user NAME` resumes the
conversation of NAME instead. `--phone` acts as the customer whose Telegram contact carries that number;
what a run proved with it lasts only for that run: a later run of the same user without `--phone` (or
with another number) starts unverified. Without SMTP_HOST (and COMPLAINTS_EMAIL), mail to customers
(one-time codes) is shown in the terminal as the demo's mailbox, so the email way can be tried too.
"""

from __future__ import annotations

import argparse
import secrets
import sys

from bot.cli.common import open_app, settings_from
from bot.cli.errors import CliError
from bot.domain.phone import InvalidPhoneNumber, normalize_phone

_USER_ID_MAX = 64
NEW_USER_PREFIX = "console-"


def add_console_options(parser: argparse.ArgumentParser) -> None:
    """The options of a console conversation (shared with `start`, which opens one without a token)."""
    parser.add_argument("--phone", help="act as the customer whose Telegram contact carries this number")
    parser.add_argument("--lang", choices=["vi", "en"], help="the language the client reports")
    parser.add_argument("--user", metavar="NAME",
                        help="resume the conversation of this console user (default: a new conversation)")


def register(subparsers: argparse._SubParsersAction) -> None:
    chat = subparsers.add_parser("chat", help="talk to the bot in this terminal (or through a pipe)")
    add_console_options(chat)
    chat.set_defaults(func=run_chat)


def console_user(requested: str | None) -> str:
    """The console user id: the one asked for (to resume), or a new one."""
    if requested is None:
        return NEW_USER_PREFIX + secrets.token_hex(4)
    name = requested.strip()
    if not name or len(name) > _USER_ID_MAX or not name.isprintable():
        raise CliError(f"--user: a name of 1 to {_USER_ID_MAX} printable characters, not {requested!r}",
                       exit_code=2)
    return name


async def run_chat(args: argparse.Namespace) -> int:
    phone = None
    if args.phone:
        try:
            phone = normalize_phone(args.phone)
        except InvalidPhoneNumber as exc:
            raise CliError(f"--phone: {exc}", exit_code=2) from None
    user_id = console_user(args.user)
    from bot.channels.console import CHANNEL, ConsoleChat, ConsoleMailbox  # heavy: only when chatting
    from bot.services.identity import end_verification

    settings = settings_from(args)
    if not settings.smtp_host and not settings.complaints_email:
        # No mail server: codes mailed to demo customers are shown here instead (ConsoleMailbox).
        settings = settings.model_copy(update={"console_mailbox": True})
    async with open_app(settings) as app:
        if args.user is not None:
            async with app.uow_factory() as uow:
                ended = await end_verification(
                    uow, app.clock, channel=CHANNEL, channel_user_id=user_id, keep_phone=phone,
                    reason="a new console session without the phone the earlier one acted with",
                )
                await uow.commit()
            resumed = f"resuming the conversation of {user_id}"
            print(f"{resumed} (earlier verification not carried over)" if ended else resumed, file=sys.stderr)
        else:
            print(f"new conversation as {user_id} (resume it with --user {user_id})", file=sys.stderr)
        console = ConsoleChat(
            app.conversation,
            phone=phone,
            user_id=user_id,
            language=args.lang,
            after_turn=app.dispatcher.drain,
        )
        # Its own user's messages only, also while it waits for input (a reply from `rosee-support desk`).
        app.dispatcher.add_sender(CHANNEL, console, chat_id=user_id)
        if settings.console_mailbox:
            app.dispatcher.add_sender("email", ConsoleMailbox(settings.code_key()))
        async with app.dispatcher.delivering(settings.outbox_poll_seconds):
            return await console.run()
