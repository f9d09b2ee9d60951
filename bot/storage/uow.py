"""The unit of work: one transaction per inbound event or job, rolled back unless committed.

One `AsyncSession` is the unit of work's transaction. Repositories get that session: ORM reads and
writes go through it, and so do their Core statements (`session.execute`), which flushes pending ORM
changes first, so every statement sees the unit of work's earlier changes in order. Repositories
only add, read and flush; they never commit. Whoever opens the unit of work decides when the state
change, its audit rows and its outbox rows become visible together.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.repositories.accounts import ChannelAccountRepository
from bot.storage.repositories.audit import AuditRepository
from bot.storage.repositories.consents import ConsentRepository, SuppressionRepository
from bot.storage.repositories.customers import CustomerRepository
from bot.storage.repositories.dialogue_states import DialogueStateRepository
from bot.storage.repositories.order_events import OrderEventRepository
from bot.storage.repositories.orders import OrderRepository
from bot.storage.repositories.outbox import OutboxRepository
from bot.storage.repositories.privacy_requests import PrivacyRequestRepository
from bot.storage.repositories.processed_events import ProcessedEventRepository
from bot.storage.repositories.tickets import TicketRepository
from bot.storage.repositories.verification import VerificationRepository


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> UnitOfWork:
        self.session = session = self._sessions()
        self.customers = CustomerRepository(session)
        self.accounts = ChannelAccountRepository(session)
        self.orders = OrderRepository(session)
        self.order_events = OrderEventRepository(session)
        self.consents = ConsentRepository(session)
        self.suppressions = SuppressionRepository(session)
        self.tickets = TicketRepository(session)
        self.audit = AuditRepository(session)
        self.outbox = OutboxRepository(session)
        self.dialogue_states = DialogueStateRepository(session)
        self.processed_events = ProcessedEventRepository(session)
        self.verification = VerificationRepository(session)
        self.privacy_requests = PrivacyRequestRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.session.close()  # what was not committed is rolled back

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    async def flush(self) -> None:
        await self.session.flush()

    async def forget_loaded(self) -> None:
        """Write what is pending, then let go of every row loaded so far (still in the transaction):
        a long import keeps its memory flat; what a later batch needs it looks up again."""
        await self.session.flush()
        self.session.expunge_all()


class UnitOfWorkFactory:
    """Hands out fresh units of work; what services and the dialogue engine depend on."""

    def __init__(self, engine: AsyncEngine) -> None:
        # Not expired on commit: services read what they wrote after committing, and reloading an
        # expired attribute would be an implicit lazy load, which an AsyncSession cannot do.
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)
