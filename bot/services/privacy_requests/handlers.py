"""The seam where each kind of request is fulfilled: a registry of kind -> handler.

This package keeps the record, the staff handling and the clock of every kind. What a kind does for
the customer (the access package, the opt-out ledger, a correction applied field by field) is its
handler's, registered at wiring time (`bot.bootstrap`) by the package that builds it:

    handlers = KindHandlers()
    handlers.register(RequestKind.ACCESS, AccessPackageHandler(...))   # the data-access package

| hook          | called                                          | in the unit of work of        |
|---------------|-------------------------------------------------|-------------------------------|
| `opened`      | after the request is recorded and received      | the customer's turn           |
| `completed`   | after staff (or the handler) completed it        | the completing event          |

A kind with no handler is handled by staff alone: the request reaches the staff desk, and staff
complete it saying what was delivered. `required_level` says how strongly the customer must be
verified before the request is taken: access and correction hand out or change personal data, so
they need the strong level; the others need the customer known (linked); a marketing opt-out needs
nothing (Law 91, art. 28: stopping marketing is never made harder than giving consent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.domain.privacy_request import RequestKind
from bot.services.identity import Level

if TYPE_CHECKING:
    from bot.services.privacy_requests.views import RequestView
    from bot.storage.uow import UnitOfWork

REQUIRED_LEVEL: dict[RequestKind, Level] = {
    RequestKind.ACCESS: Level.STRONG,
    RequestKind.CORRECTION: Level.STRONG,
    RequestKind.MARKETING_OPT_OUT: Level.NONE,
    RequestKind.CONSENT_WITHDRAWAL: Level.LINKED,
    RequestKind.RESTRICTION: Level.LINKED,
    RequestKind.OBJECTION: Level.LINKED,
    RequestKind.ERASURE: Level.LINKED,
}


class KindHandler(Protocol):
    """What a package that fulfils a kind plugs in; both hooks run in the caller's unit of work."""

    async def opened(self, uow: UnitOfWork, request: RequestView) -> None: ...

    async def completed(self, uow: UnitOfWork, request: RequestView) -> None: ...


class KindHandlers:
    def __init__(self) -> None:
        self._handlers: dict[RequestKind, KindHandler] = {}

    def register(self, kind: RequestKind, handler: KindHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind} is registered already")
        self._handlers[kind] = handler

    def get(self, kind: RequestKind) -> KindHandler | None:
        return self._handlers.get(kind)

    @staticmethod
    def required_level(kind: RequestKind) -> Level:
        return REQUIRED_LEVEL[kind]
