"""Running the Telegram channel on python-telegram-bot: its `Application` with our long polling
(bot/channels/bot_api/polling.py) by default, our webhook server (bot/channels/bot_api/webhook.py,
with /healthz) when WEBHOOK_URL is set, and the outbox dispatcher beside either, in one process.

    runtime = PtbRuntime.create(app)           # app from bot.bootstrap.build_app
    await runtime.start()                      # or runtime.start(mode="webhook")
    ...
    await runtime.stop()                       # or: await runtime.run_until_stopped()

One `TypeHandler` receives every update and hands it to the shared channel; the update processor
(processing.py) keeps each user's updates in order. A webhook request goes through the same
processor and is answered once its update was handled. Polling is our loop over the public
`Bot.get_updates`, not the `Updater`: that one queues a fetched batch and polls again at once, which
confirms the batch while it waits in the queue, and a crash would lose it. An update is confirmed
once its turn committed; a polled update goes through the processor as a webhook one does.

Shutdown: stop taking updates (our polling stops; the webhook server stops accepting and
finishes the requests in hand), let the Application finish the updates in hand, let the outbox
finish its pass and run one more, then shut the Application (its HTTP clients) and the limiter down.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, TypeHandler
from telegram.request import HTTPXRequest

from bot.bootstrap import App
from bot.channels.bot_api import CHANNEL
from bot.channels.bot_api.channel import TelegramChannel
from bot.channels.bot_api.commands import MENU_LANGUAGES, command_menu
from bot.channels.bot_api.ordering import BUSY_UPDATES_PER_TURN, POLL_MAX_DELAY, RecentUpdates, UserSequencer
from bot.channels.bot_api.polling import UpdatePolling
from bot.channels.bot_api.rate_limit import RateLimiter, create_rate_limiter
from bot.channels.bot_api.runtime import DRAIN_TIMEOUT, Mode, RuntimeLoops
from bot.channels.bot_api.sender import BotApiSender
from bot.channels.bot_api.updates import UpdateTranslator
from bot.channels.bot_api.webhook import UnreadableUpdate, create_webhook_app, webhook_path
from bot.channels.ptb.polling import ReadableUpdatesRequest
from bot.channels.ptb.processing import OrderedUpdateProcessor
from bot.channels.ptb.transport import PtbTransport
from bot.i18n import LANGUAGES

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
CONNECTIONS = 256  # the bot's HTTP connections for calls (getUpdates has its own)
_TRANSIENT = (NetworkError, TimedOut, RetryAfter)
_JOINED = {"member", "administrator", "creator", "restricted"}
PtbApplication = Application[Any, Any, Any, Any, Any, Any]


class PacedBot(ExtBot[None]):
    """getUpdates waits while the bot has many updates in hand (bot/channels/telegram/pacing.py
    explains why): a busy bot fetches in batches, an idle one long-polls as before."""

    def __init__(self, token: str, *, sequencer: UserSequencer, busy_at: int, **kwargs: Any) -> None:
        self._sequencer = sequencer
        self._busy_at = busy_at
        super().__init__(token, **kwargs)

    def pace(self, *, busy_at: int) -> None:
        """Hold polls back while `busy_at` or more updates are in hand."""
        self._busy_at = busy_at

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        await self._sequencer.wait_fewer_than(self._busy_at, POLL_MAX_DELAY)
        return await super().get_updates(*args, **kwargs)


def create_bot(token: str, api_base: str, sequencer: UserSequencer, busy_at: int) -> PacedBot:
    base = api_base.rstrip("/")
    return PacedBot(token, sequencer=sequencer, busy_at=busy_at, base_url=f"{base}/bot",
                    base_file_url=f"{base}/file/bot",
                    request=HTTPXRequest(connection_pool_size=CONNECTIONS),
                    get_updates_request=ReadableUpdatesRequest())


@dataclass
class PtbRuntime(RuntimeLoops):
    library = "python-telegram-bot"
    app: App
    application: PtbApplication
    limiter: RateLimiter
    sender: BotApiSender
    channel: TelegramChannel
    translator: UpdateTranslator
    processor: OrderedUpdateProcessor
    polling_timeout: int = 10
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _outbox_wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _outbox_last_pass: bool = False
    _webhook_runner: web.AppRunner | None = None
    _mode: Mode | None = None
    _started: bool = False
    _polling: UpdatePolling | None = None

    @classmethod
    def create(cls, app: App, *, limiter: RateLimiter | None = None, polling_timeout: int = 10) -> PtbRuntime:
        settings = app.settings
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        limiter = limiter or create_rate_limiter(settings.redis_url)
        sequencer = UserSequencer()
        wake = asyncio.Event()
        # The bot is built before the channel, which decides the turns in flight; the pace follows it.
        bot = create_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base,
                         sequencer, busy_at=BUSY_UPDATES_PER_TURN)
        sender = BotApiSender(PtbTransport(bot), limiter, uow_factory=app.uow_factory, clock=app.clock,
                              on_enqueued=wake.set)
        channel = TelegramChannel(app.conversation, sender, app.dispatcher, texts=app.texts,
                                  settings=settings, uow_factory=app.uow_factory, clock=app.clock)
        bot.pace(busy_at=BUSY_UPDATES_PER_TURN * channel.turns_at_once)
        processor = OrderedUpdateProcessor(sequencer, RecentUpdates())
        application: PtbApplication = ApplicationBuilder().bot(bot).concurrent_updates(processor).build()
        cancel_labels = [app.texts.text(lang, "core.cancel_button") for lang in LANGUAGES]
        runtime = cls(app, application, limiter, sender, channel, UpdateTranslator(cancel_labels), processor,
                      polling_timeout, _outbox_wake=wake)
        application.add_handler(TypeHandler(Update, runtime.on_update))
        application.add_error_handler(runtime.on_error)
        app.dispatcher.add_sender(CHANNEL, sender)
        app.dispatcher.on_nudge(wake.set)  # what a reply leaves to the outbox goes at once
        return runtime

    @property
    def sequencer(self) -> UserSequencer:
        return self.processor.sequencer

    def _in_hand(self) -> UserSequencer:
        return self.sequencer

    async def _open(self) -> None:
        # initialize() asks getMe: Telegram may be away at start, keep trying until it answers.
        await self._until_done(self.application.initialize, "getMe", _TRANSIENT)
        await self.application.start()
        self._started = True

    async def _stop_intake(self) -> None:
        if self._started:
            await self.application.stop()  # handles what was fetched, waits for the tasks in hand

    async def _close(self) -> None:
        if self._started:
            await self.application.shutdown()
        else:
            await self.application.bot.shutdown()

    # -- updates --------------------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Translate, then hand over; no business logic."""
        if update.message is not None:
            event = self.translator.from_message(update.message, update.update_id)
        elif update.edited_message is not None:
            event = self.translator.from_message(update.edited_message, update.update_id, is_edit=True)
        elif update.callback_query is not None:
            query = update.callback_query
            try:
                event = self.translator.from_callback(query, update.update_id)
                if event is not None:
                    await self.channel.handle(event)
            finally:  # every press is answered, or the client keeps spinning
                await self.sender.answer_callback(query.id)
            return
        elif update.my_chat_member is not None:
            await self._membership(update)
            return
        else:
            return  # channel posts and the rest: not a place for customer support
        if event is not None:
            await self.channel.handle(event)

    async def _membership(self, update: Update) -> None:
        member = update.my_chat_member
        assert member is not None
        old, new = member.old_chat_member.status, member.new_chat_member.status
        chat_id = str(member.chat.id)
        if member.chat.type == "private":
            if new == "kicked" or old == "kicked":
                await self.channel.private_chat_blocked(chat_id, blocked=new == "kicked")
        elif member.chat.type in ("group", "supergroup") and new in _JOINED and old not in _JOINED:
            await self.channel.added_to_group(chat_id, member.from_user.language_code)
        elif member.chat.type in ("group", "supergroup") and old in _JOINED and new not in _JOINED:
            await self.channel.removed_from_group(chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        incident = secrets.token_hex(4).upper()
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("incident %s: error in update %s", incident, update_id, exc_info=context.error)

    async def _feed(self, data: dict[str, Any]) -> None:
        """A webhook update: through the same processor as polled ones, answered once handled."""
        try:
            update = Update.de_json(data, self.application.bot)
        except (KeyError, TypeError, ValueError) as exc:
            raise UnreadableUpdate(repr(exc)) from None
        await self._process(update)

    async def _process(self, update: Update) -> None:
        await self.processor.process_update(update, self.application.process_update(update))

    # -- internals ------------------------------------------------------------------------------

    async def _set_commands(self) -> None:
        for language_code, language in MENU_LANGUAGES:
            menu = [BotCommand(name, text) for name, text in command_menu(self.app.texts, language)]
            await self.application.bot.set_my_commands(menu, language_code=language_code)

    async def _run_polling(self) -> None:
        bot = self.application.bot
        await self._until_done(lambda: bot.delete_webhook(drop_pending_updates=False), "deleteWebhook",
                               _TRANSIENT)
        if self._stopping.is_set():
            return

        async def fetch(offset: int | None, wait: int, limit: int) -> tuple[Update, ...]:
            return await bot.get_updates(offset=offset, timeout=wait, limit=limit,
                                         allowed_updates=ALLOWED_UPDATES)

        self._polling = UpdatePolling(fetch, self._process, lambda update: update.update_id,
                                      timeout=self.polling_timeout)
        await self._polling.run()

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
        bot = self.application.bot

        async def register() -> None:
            await self._until_done(
                lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES),
                "setWebhook", _TRANSIENT,
            )

        self._tasks.append(asyncio.create_task(register(), name="telegram-set-webhook"))
