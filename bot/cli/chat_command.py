"""`rosee-support chat`: the console channel over the configured database."""

from __future__ import annotations

import argparse

from bot.cli.common import open_app, settings_from
from bot.cli.errors import CliError
from bot.domain.phone import InvalidPhoneNumber, normalize_phone


def register(subparsers: argparse._SubParsersAction) -> None:
    chat = subparsers.add_parser("chat", help="talk to the bot in this terminal (or through a pipe)")
    chat.add_argument("--phone", help="act as the customer whose Telegram contact carries this number")
    chat.add_argument("--lang", choices=["vi", "en"], help="the language the client reports")
    chat.add_argument("--user", default="console-user", help="the chat user id to act as")
    chat.set_defaults(func=run_chat)


async def run_chat(args: argparse.Namespace) -> int:
    phone = None
    if args.phone:
        try:
            phone = normalize_phone(args.phone)
        except InvalidPhoneNumber as exc:
            raise CliError(f"--phone: {exc}", exit_code=2) from None
    from bot.channels.console import CHANNEL, ConsoleChat  # heavy: only when chatting

    settings = settings_from(args)
    async with open_app(settings) as app:
        console = ConsoleChat(
            app.conversation,
            phone=phone,
            user_id=args.user,
            language=args.lang,
            after_turn=app.dispatcher.drain,
        )
        app.dispatcher.add_sender(CHANNEL, console)
        return await console.run()
