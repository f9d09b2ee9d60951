"""Wiring: builds the application from settings, in one place, for every entry point and the tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import garbage_collection
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.email_sender import EmailSender
from bot.dialogue.engine import Conversation
from bot.dialogue.flow import Flow, FlowRegistry
from bot.dialogue.flows.answer import AnswerFlow
from bot.dialogue.flows.complaint import ComplaintFlow, TicketRatingFlow
from bot.dialogue.flows.menu import MenuFlow
from bot.dialogue.flows.order import OrderFlow
from bot.dialogue.flows.policy import PolicyFlow
from bot.dialogue.flows.rights import RightsFlow
from bot.dialogue.flows.verify import VerifyFlow
from bot.dialogue.ports import TextUnderstander
from bot.dialogue.router import TurnRouter
from bot.dialogue.staff_desk import DeskButtonsFlow, StaffDesk
from bot.i18n import Catalog
from bot.services.staff_reach import staff_reachable
from bot.storage.db import create_engine, sqlite_database_file
from bot.storage.schema import ensure_schema
from bot.storage.uow import UnitOfWorkFactory
from bot.storage.wal_checkpoints import WalCheckpointer

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    texts: Catalog
    clock: Clock
    understander: TextUnderstander
    flows: FlowRegistry
    conversation: Conversation
    dispatcher: OutboxDispatcher
    extras: dict[str, object] = field(default_factory=dict)
    #: SQLite only: takes the WAL checkpoints out of the bot's commits (run by bot.scheduling).
    checkpointer: WalCheckpointer | None = None

    async def close(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.close()
        await self.engine.dispose()  # the last connection to close checkpoints what is left


def load_understander() -> TextUnderstander:
    from bot.understanding import Understander

    return Understander.load()


def build_flows(understander: TextUnderstander, extra: list[Flow] | None = None) -> FlowRegistry:
    return FlowRegistry(
        [MenuFlow(), PolicyFlow(understander), AnswerFlow(), VerifyFlow(), OrderFlow(), RightsFlow(),
         ComplaintFlow(), TicketRatingFlow(), *(extra or [])]
    )


def warn_about_unreachable_staff(settings: Settings) -> None:
    """Say at start, loudly, when no staff would ever see a ticket (see bot.services.staff_reach)."""
    if not staff_reachable(settings):
        log.warning(
            "neither STAFF_CHAT_ID, COMPLAINTS_EMAIL with SMTP_HOST nor CONSOLE_DESK is set: complaints and "
            "requests for a person are recorded, reach no staff member, and promise customers no reply time"
        )
    elif settings.complaints_email and not settings.smtp_host:
        log.warning("COMPLAINTS_EMAIL is set but SMTP_HOST is not: no complaint copies will be emailed")


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    understander: TextUnderstander | None = None,
    migrate: bool | None = None,
) -> App:
    """Create the engine, bring the schema up to date (or refuse), and wire the conversation core."""
    garbage_collection.tune_for_service()
    engine = create_engine(settings.database_url)
    try:
        await ensure_schema(engine, auto_migrate=settings.db_auto_migrate if migrate is None else migrate)
    except Exception:
        await engine.dispose()
        raise
    uow_factory = UnitOfWorkFactory(engine)
    clock = clock or SystemClock()
    texts = Catalog.load()
    understander = understander or load_understander()
    staff_desk = StaffDesk(texts, settings, clock)
    flows = build_flows(understander, [DeskButtonsFlow(staff_desk)])
    complaints = flows.get("complaint")
    inbox = complaints if isinstance(complaints, ComplaintFlow) else None
    conversation = Conversation(
        uow_factory=uow_factory,
        texts=texts,
        settings=settings,
        clock=clock,
        router=TurnRouter(flows, understander, inbox=inbox),
        staff_handler=staff_desk,
    )
    dispatcher = OutboxDispatcher(uow_factory, {}, clock, max_attempts=settings.outbox_max_attempts,
                                  on_delivered=staff_desk.notifier.on_delivered)
    if settings.complaints_email and settings.smtp_host:
        dispatcher.add_sender("email", EmailSender(settings))
    warn_about_unreachable_staff(settings)
    database = sqlite_database_file(engine)
    checkpointer = WalCheckpointer(database) if database is not None else None
    return App(settings, engine, uow_factory, texts, clock, understander, flows, conversation, dispatcher,
               checkpointer=checkpointer)
