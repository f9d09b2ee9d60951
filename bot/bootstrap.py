"""Wiring: builds the application from settings, in one place, for every entry point and the tests.

Services that need collaborators are objects built here once, and handed to what uses them: the
ticket services (`build_ticket_services`: wording, routing, the `TicketDesk`) to the complaint and
rating flows, the staff desk and the terminal desk; the privacy requests (`build_privacy_requests`)
to the rights flow and the staff desk; the delivery hooks to the outbox dispatcher; the
`DeadlineSweep` and the `RequestSweep` to the scheduler. Packages that fulfil a kind of privacy
request register their handler on `App.privacy_requests.handlers`. Nothing below this module builds a service.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
from bot.dialogue.flows.correction import CorrectionFlow
from bot.dialogue.flows.email_code import EmailCodeFlow
from bot.dialogue.flows.marketing import MarketingFlow
from bot.dialogue.flows.menu import MenuFlow
from bot.dialogue.flows.order import OrderFlow
from bot.dialogue.flows.order_notifications import OrderNotificationsFlow
from bot.dialogue.flows.policy import PolicyFlow
from bot.dialogue.flows.rights import RightsFlow
from bot.dialogue.flows.verify import VerifyFlow
from bot.dialogue.ports import TextUnderstander
from bot.dialogue.router import TurnRouter
from bot.dialogue.staff_desk import DeskButtonsFlow, StaffDesk
from bot.dialogue.staff_requests import StaffRequestDesk
from bot.domain.privacy_request import RequestKind
from bot.i18n import Catalog
from bot.services.corrections import Corrections
from bot.services.marketing import MarketingConsents
from bot.services.order_updates import OrderNotifier
from bot.services.outbox import DeliveryHooks, OnDelivered, give_up_on_chat
from bot.services.privacy_requests import PrivacyRequests, RequestNotices, RequestSweep
from bot.services.privacy_requests.access import AccessPackageHandler
from bot.services.sla import DeadlineSweep
from bot.services.staff_reach import staff_reachable
from bot.services.ticket_desk import TicketDesk
from bot.services.ticket_rendering import TicketRenderer
from bot.services.ticket_routing import TicketRouter
from bot.services.tickets import StaffMember
from bot.storage.db import create_engine, sqlite_database_file
from bot.storage.models import OutboxPurpose
from bot.storage.schema import ensure_schema
from bot.storage.uow import UnitOfWorkFactory
from bot.storage.wal_checkpoints import WalCheckpointer

if TYPE_CHECKING:
    from bot.channels.console_desk import ConsoleDesk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketServices:
    """The ticket services, built together: what they say, where it goes, and what is done."""

    wording: TicketRenderer
    router: TicketRouter
    desk: TicketDesk

    def delivery_hooks(self, privacy: PrivacyRequests | None = None) -> DeliveryHooks:
        """What the dispatcher does when a ticket's (or a privacy request's) topic or card has arrived."""
        hooks: dict[OutboxPurpose, OnDelivered] = {
            OutboxPurpose.TICKET_TOPIC: self.router.topic_opened,
            OutboxPurpose.TICKET_CARD: self.router.card_sent,
        }
        if privacy is not None:
            hooks[OutboxPurpose.REQUEST_TOPIC] = privacy.notices.topic_opened
            hooks[OutboxPurpose.REQUEST_CARD] = privacy.notices.card_sent
            access = privacy.handlers.get(RequestKind.ACCESS)
            if isinstance(access, AccessPackageHandler):  # the copy is completed once delivered
                hooks[OutboxPurpose.ACCESS_PACKAGE] = access.delivered
        return DeliveryHooks(hooks)


def build_ticket_services(
    texts: Catalog, settings: Settings, clock: Clock, *, staff_language: str | None = None
) -> TicketServices:
    """Staff read the bot in `staff_language` (DEFAULT_LANGUAGE unless a terminal desk chose another)."""
    wording = TicketRenderer(texts, settings, staff_language=staff_language)
    router = TicketRouter(wording, settings, clock)
    return TicketServices(wording, router, TicketDesk(clock=clock, settings=settings, wording=wording,
                                                      router=router))


def build_privacy_requests(texts: Catalog, settings: Settings, clock: Clock) -> PrivacyRequests:
    """The privacy requests' service and the kinds the bot carries out itself: access (the customer's
    copy of their data, `AccessPackageHandler`); staff handle the others (corrections are applied by
    `Corrections`, which opens and completes its own requests)."""
    privacy = PrivacyRequests(clock=clock, settings=settings, notices=RequestNotices(texts, settings, clock))
    privacy.handlers.register(RequestKind.ACCESS, AccessPackageHandler(requests=privacy, texts=texts,
                                                                        settings=settings, clock=clock))
    return privacy


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
    tickets: TicketDesk
    staff_desk: StaffDesk
    deadline_sweep: DeadlineSweep
    privacy_requests: PrivacyRequests
    #: The marketing opt-out: consent ledger and suppression list (the flow, the CLI, the shop API).
    marketing: MarketingConsents
    request_sweep: RequestSweep
    #: The dispatcher's `on_delivered`: a ticket's topic opened, its card sent.
    delivery_hooks: DeliveryHooks
    extras: dict[str, object] = field(default_factory=dict)
    #: SQLite only: takes the WAL checkpoints out of the bot's commits (run by bot.scheduling).
    checkpointer: WalCheckpointer | None = None

    @property
    def order_notifier(self) -> OrderNotifier:
        """Writes order-status notifications (the shop API's order events, imports); stateless."""
        return OrderNotifier(self.texts, self.settings, self.clock)

    async def close(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.close()
        await self.engine.dispose()  # the last connection to close checkpoints what is left


def load_understander() -> TextUnderstander:
    from bot.understanding import Understander

    return Understander.load()


def build_flows(understander: TextUnderstander, tickets: TicketDesk, extra: list[Flow] | None = None, *,
                privacy: PrivacyRequests, corrections: Corrections,
                marketing: MarketingConsents) -> FlowRegistry:
    return FlowRegistry(
        [MenuFlow(), PolicyFlow(understander), AnswerFlow(), VerifyFlow(), EmailCodeFlow(),
         OrderFlow(tickets), RightsFlow(privacy), CorrectionFlow(corrections), MarketingFlow(marketing),
         ComplaintFlow(tickets),
         TicketRatingFlow(tickets), OrderNotificationsFlow(),
         *(extra or [])]
    )


def build_console_desk(
    uow_factory: UnitOfWorkFactory, texts: Catalog, settings: Settings, clock: Clock, staff: StaffMember, *,
    language: str | None = None, **terminal: Any,
) -> ConsoleDesk:
    """The terminal desk over the database: its own ticket services, speaking the desk's language (the
    notes it writes into a ticket's topic too). `terminal`: ConsoleDesk's input and output options."""
    from bot.channels.console_desk import ConsoleDesk

    tickets = build_ticket_services(texts, settings, clock, staff_language=language).desk
    return ConsoleDesk(uow_factory, texts, settings, clock, staff, StaffDesk(tickets, settings, clock),
                       **terminal)


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
    extra_flows: list[Flow] | None = None,
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
    tickets = build_ticket_services(texts, settings, clock)
    privacy = build_privacy_requests(texts, settings, clock)
    staff_desk = StaffDesk(tickets.desk, settings, clock, requests=StaffRequestDesk(privacy, clock))
    corrections = Corrections(clock=clock, settings=settings, texts=texts, requests=privacy)
    marketing = MarketingConsents(clock=clock, settings=settings, requests=privacy)
    for kind in (RequestKind.ERASURE, RequestKind.OBJECTION):  # marketing stops on receipt (retention.py)
        privacy.handlers.register(kind, marketing)
    flows = build_flows(understander, tickets.desk, [DeskButtonsFlow(staff_desk), *(extra_flows or [])],
                        privacy=privacy, corrections=corrections, marketing=marketing)
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
    delivery_hooks = tickets.delivery_hooks(privacy)
    dispatcher = OutboxDispatcher(uow_factory, {}, clock, max_attempts=settings.outbox_max_attempts,
                                  on_delivered=delivery_hooks, on_unreachable=give_up_on_chat)
    if settings.smtp_host:  # the complaints mailbox, and the customers' one-time codes
        dispatcher.add_sender("email", EmailSender(settings))
    warn_about_unreachable_staff(settings)
    database = sqlite_database_file(engine)
    checkpointer = WalCheckpointer(database) if database is not None else None
    return App(settings, engine, uow_factory, texts, clock, understander, flows, conversation, dispatcher,
               tickets=tickets.desk, staff_desk=staff_desk,
               deadline_sweep=DeadlineSweep(uow_factory, clock, settings, tickets.router),
               privacy_requests=privacy, marketing=marketing,
               request_sweep=RequestSweep(uow_factory, clock, privacy.notices, requests=privacy,
                                          settings=settings),
               delivery_hooks=delivery_hooks,
               checkpointer=checkpointer)
