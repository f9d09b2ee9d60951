"""The unit of work: one transaction per inbound event or job, rolled back unless committed.

Repositories only add, read and flush; they never commit. Whoever opens the unit of work decides
when the state change, its audit rows and its outbox rows become visible together.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.storage.repositories.accounts import ChannelAccountRepository
from bot.storage.repositories.audit import AuditRepository
from bot.storage.repositories.consents import ConsentRepository
from bot.storage.repositories.customers import CustomerRepository
from bot.storage.repositories.dialogue_states import DialogueStateRepository
from bot.storage.repositories.orders import OrderRepository
from bot.storage.repositories.outbox import OutboxRepository
from bot.storage.repositories.processed_events import ProcessedEventRepository
from bot.storage.repositories.tickets import TicketRepository
from bot.storage.transaction import Transaction


class UnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def __aenter__(self) -> UnitOfWork:
        self.transaction = transaction = Transaction(await self._engine.connect())
        self.customers = CustomerRepository(transaction)
        self.accounts = ChannelAccountRepository(transaction)
        self.orders = OrderRepository(transaction)
        self.consents = ConsentRepository(transaction)
        self.tickets = TicketRepository(transaction)
        self.audit = AuditRepository(transaction)
        self.outbox = OutboxRepository(transaction)
        self.dialogue_states = DialogueStateRepository(transaction)
        self.processed_events = ProcessedEventRepository(transaction)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.transaction.close()  # what was not committed is rolled back

    @property
    def session(self) -> AsyncSession:
        """The ORM session, made on first use (see bot.storage.transaction)."""
        return self.transaction.session

    async def commit(self) -> None:
        await self.transaction.commit()

    async def rollback(self) -> None:
        await self.transaction.rollback()

    async def flush(self) -> None:
        await self.transaction.flush()


class UnitOfWorkFactory:
    """Hands out fresh units of work; what services and the dialogue engine depend on."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._engine)
