"""Running the Telegram channel: long polling by default, a webhook when WEBHOOK_URL is set, and the
outbox dispatcher beside either, in one process.

    runtime = TelegramRuntime.create(app)      # app from bot.bootstrap.build_app
    await runtime.start()                      # or runtime.start(mode="webhook")
    ...
    await runtime.stop()                       # or: await runtime.run_until_stopped()

Polling is our own loop (bot/channels/bot_api/polling.py) over aiogram's public `GetUpdates` call and
`Dispatcher.feed_update`, not `start_polling`: that one confirms a batch as soon as it is fetched, while
its handlers still run, and a crash would lose them. An update is confirmed once its turn committed.

Shutdown (SIGTERM/SIGINT or `stop()`): stop taking updates (polling stops; the webhook server stops
accepting and finishes the requests in hand), finish the updates in hand (and confirm them), let the
outbox dispatcher finish its pass and run one more, then close the Bot API session and the rate limiter.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.bootstrap import App
from bot.channels.bot_api import CHANNEL
from bot.channels.bot_api.channel import TelegramChannel
from bot.channels.bot_api.ordering import BUSY_UPDATES_PER_TURN, RecentUpdates, UserSequencer
from bot.channels.bot_api.polling import UpdatePolling
from bot.channels.bot_api.rate_limit import RateLimiter, create_rate_limiter
from bot.channels.bot_api.runtime import DRAIN_TIMEOUT, Mode, RuntimeLoops
from bot.channels.bot_api.sender import BotApiSender
from bot.channels.bot_api.updates import UpdateTranslator
from bot.channels.bot_api.webhook import UnreadableUpdate, create_webhook_app, webhook_path
from bot.channels.telegram.commands import set_commands
from bot.channels.telegram.pacing import PollingPace
from bot.channels.telegram.router import create_dispatcher
from bot.channels.telegram.session import BotApiSession
from bot.channels.telegram.transport import AiogramTransport
from bot.i18n import LANGUAGES

log = logging.getLogger(__name__)

_TRANSIENT = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter)


def create_bot(token: str, api_base: str) -> Bot:
    session = BotApiSession(api=TelegramAPIServer.from_base(api_base))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@dataclass
class TelegramRuntime(RuntimeLoops):
    library = "aiogram"
    app: App
    bot: Bot
    limiter: RateLimiter
    sender: BotApiSender
    channel: TelegramChannel
    dispatcher: Dispatcher
    sequencer: UserSequencer
    polling_timeout: int = 10
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _outbox_wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _outbox_last_pass: bool = False
    _webhook_runner: web.AppRunner | None = None
    _mode: Mode | None = None
    _polling: UpdatePolling | None = None

    @classmethod
    def create(cls, app: App, *, bot: Bot | None = None, limiter: RateLimiter | None = None,
               polling_timeout: int = 10) -> TelegramRuntime:
        settings = app.settings
        if bot is None:
            if settings.telegram_bot_token is None:
                raise ValueError("TELEGRAM_BOT_TOKEN is not set")
            bot = create_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)
        limiter = limiter or create_rate_limiter(settings.redis_url)
        wake = asyncio.Event()
        sender = BotApiSender(AiogramTransport(bot), limiter, uow_factory=app.uow_factory, clock=app.clock,
                                on_enqueued=wake.set)
        channel = TelegramChannel(app.conversation, sender, app.dispatcher, texts=app.texts,
                                  settings=settings, uow_factory=app.uow_factory, clock=app.clock)
        cancel_labels = [app.texts.text(lang, "core.cancel_button") for lang in LANGUAGES]
        sequencer = UserSequencer()
        # Poll in batches while a few updates per turn slot are still waiting (see pacing.py).
        bot.session.middleware(PollingPace(sequencer, busy_at=BUSY_UPDATES_PER_TURN * channel.turns_at_once))
        dispatcher = create_dispatcher(channel, UpdateTranslator(cancel_labels), sequencer, RecentUpdates())
        app.dispatcher.add_sender(CHANNEL, sender)
        app.dispatcher.on_nudge(wake.set)  # what a reply leaves to the outbox goes at once
        return cls(app, bot, limiter, sender, channel, dispatcher, sequencer, polling_timeout,
                   _outbox_wake=wake)

    @property
    def allowed_updates(self) -> list[str]:
        return self.dispatcher.resolve_used_update_types()

    def _in_hand(self) -> UserSequencer:
        return self.sequencer

    async def _set_commands(self) -> None:
        await set_commands(self.bot, self.app.texts)

    async def _close(self) -> None:
        await self.bot.session.close()

    # -- internals ------------------------------------------------------------------------------

    async def _run_polling(self) -> None:
        # Telegram may be unreachable at start: keep trying until it answers or we are stopped.
        await self._until_done(lambda: self.bot.delete_webhook(drop_pending_updates=False), "deleteWebhook",
                               _TRANSIENT)
        if self._stopping.is_set():
            return
        self._polling = UpdatePolling(self._get_updates, self._handle_polled, lambda update: update.update_id,
                                      timeout=self.polling_timeout)
        await self._polling.run()

    async def _get_updates(self, offset: int | None, wait: int, limit: int) -> list[Update]:
        call = GetUpdates(offset=offset, timeout=wait, limit=limit, allowed_updates=self.allowed_updates)
        # The HTTP request waits out the long poll, as aiogram's own polling lets it.
        return await self.bot(call, request_timeout=int(self.bot.session.timeout + wait))

    async def _handle_polled(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    async def _start_webhook(self) -> None:
        settings = self.app.settings
        assert settings.webhook_url is not None
        secret = settings.effective_webhook_secret()
        web_app = create_webhook_app(self._feed, path=webhook_path(settings.webhook_url),
                                     secret=secret, health=self.health)
        self._webhook_runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=DRAIN_TIMEOUT)
        await self._webhook_runner.setup()
        host, port = settings.listen_host_port
        await web.TCPSite(self._webhook_runner, host, port).start()
        url = settings.webhook_url

        async def register() -> None:
            await self._until_done(
                lambda: self.bot.set_webhook(url, secret_token=secret, allowed_updates=self.allowed_updates),
                "setWebhook", _TRANSIENT,
            )

        self._tasks.append(asyncio.create_task(register(), name="telegram-set-webhook"))

    async def _feed(self, data: dict[str, Any]) -> None:
        try:
            update = Update.model_validate(data, context={"bot": self.bot})
        except ValidationError as exc:
            raise UnreadableUpdate(str(exc)) from None
        await self.dispatcher.feed_update(self.bot, update)
