"""The right of access carried out by the bot: the customer's copy of their data, sent in their chat.

Registered for `RequestKind.ACCESS` (`bot.bootstrap`). The request reaches `opened` only once the
customer is at the strong level (`KindHandlers.required_level`; below it the request waits for
verification and nothing is read). `opened` checks that level again against the request's own chat
account and customer, then, in the customer's turn (one unit of work):

1. reads every section of `access_scope.SECTIONS` for that customer, and writes an audit row of the
   read (`privacy_requests.access_copy`: who, whose, the row count of each section, the files);
2. builds the two files (`access_render`): JSON a program can read, HTML in the request's language;
3. queues, through the outbox and to the chat the request came from, a short note and then the two
   documents (`OutboxPurpose.ACCESS_PACKAGE`; their bytes are stored beside the rows, see
   `bot.services.outbox`), so a crash before they are sent loses nothing;
4. moves the request to in progress, by the bot, with what was built (names, sizes, SHA-256, row
   counts) in its details and in the history row's reason.

When the last of those messages has been delivered (`delivered`, the dispatcher's hook for the
purpose, in the unit of work that records the delivery) the request is completed by the bot, its
`delivered` record saying what was sent: each file's name, size, SHA-256 and Telegram message id, and
the row counts. A document Telegram refuses leaves the request in progress for staff (its reminder
and escalation run as for any request), and the bytes stay in the outbox until it is sent.

| step                                   | does                                                     |
|----------------------------------------|----------------------------------------------------------|
| opened, strong and the request's own   | read, audit, build, queue note + JSON + HTML, in progress |
| opened, not (any more) at that level   | nothing: staff see the request as any other              |
| a package message delivered, not last  | nothing yet                                              |
| the last package message delivered     | completed by the bot, with what was sent; staff told     |
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog
from bot.messages.actions import Address, SendDocument, SendText
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.identity import Level, identify
from bot.services.outbox import Delivered, enqueue
from bot.services.privacy_requests.access_render import DataCopy, HtmlCopy, to_json
from bot.services.privacy_requests.access_scope import collect, subject_of
from bot.services.privacy_requests.desk import PrivacyRequests
from bot.services.privacy_requests.views import Outcome, RequestView, Staff
from bot.storage.models import OutboxPurpose, OutboxStatus, PrivacyRequest
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

#: Who carries the request out and completes it (the history's actor: `staff:bot`).
BOT = Staff(user_id="bot", name="RoseeGlory")
PURPOSE = "give the customer a copy of their personal data (Law 91/2025/QH15, right of access)"
JSON_TYPE, HTML_TYPE = "application/json", "text/html"
CAPTIONS = {JSON_TYPE: "caption_json", HTML_TYPE: "caption_html"}


@dataclass(frozen=True)
class BuiltFile:
    name: str
    media_type: str
    content: bytes

    @property
    def record(self) -> dict[str, Any]:
        return {"name": self.name, "media_type": self.media_type, "size": len(self.content),
                "sha256": sha256(self.content).hexdigest()}


class AccessPackageHandler:
    """`KindHandler` of access requests; also the outbox's hook for `OutboxPurpose.ACCESS_PACKAGE`."""

    def __init__(self, *, requests: PrivacyRequests, texts: Catalog, settings: Settings,
                 clock: Clock) -> None:
        self._requests = requests
        self._texts = texts
        self._settings = settings
        self._clock = clock
        self._html = HtmlCopy(texts, settings)

    async def opened(self, uow: UnitOfWork, request: RequestView) -> None:
        row = await uow.privacy_requests.lock(request.id)
        if row is None or row.chat_id is None:
            return
        customer_id = await self._strong_customer(uow, row)
        if customer_id is None:
            log.warning("access request %s: its account is not at the strong level for its customer; "
                        "left to staff", row.reference)
            return
        language = row.language if row.language in ("vi", "en") else self._settings.default_language
        subject = await subject_of(uow, customer_id)
        copy = DataCopy(row.reference, language, self._clock.now(), await collect(uow, subject))
        files = (BuiltFile(f"rosee-data-{row.reference}.json", JSON_TYPE, to_json(copy)),
                 BuiltFile(f"rosee-data-{row.reference}.html", HTML_TYPE, self._html.render(copy)))
        records = [f.record for f in files]
        package: dict[str, Any] = {"generated_at": copy.generated_at.isoformat(), "rows": copy.counts,
                                   "files": records}
        record_access(uow, self._clock, actor=BOT.actor, action="privacy_requests.access_copy",
                      customer_id=customer_id, purpose=PURPOSE, reference=row.reference, **package)
        address = Address(row.channel, row.chat_id)
        note = self._package_text(language, "note", reference=row.reference, json_name=files[0].name,
                          html_name=files[1].name)
        await enqueue(uow, self._clock, address, SendText(note), purpose=OutboxPurpose.ACCESS_PACKAGE,
                      request_id=row.id, dedupe_key=f"request:{row.id}:access:note")
        for built in files:
            text = self._package_text(language, CAPTIONS.get(built.media_type, "caption_json"))
            await enqueue(uow, self._clock, address,
                          SendDocument(built.name, built.content, str(text), text.wordings),
                          purpose=OutboxPurpose.ACCESS_PACKAGE, request_id=row.id,
                          dedupe_key=f"request:{row.id}:access:{built.media_type}")
        row.details = {**(row.details or {}), "package": package}
        summary = ", ".join(f"{f['name']} ({f['size']} B, sha256 {f['sha256'][:12]}…)"
                            for f in records)
        await self._requests.begin(uow, row.id, BOT, reason=f"access copy queued: {summary}")

    async def completed(self, uow: UnitOfWork, request: RequestView) -> None:
        """Nothing more: what was sent is recorded when it is delivered (`delivered`)."""

    async def delivered(self, uow: UnitOfWork, delivered: Delivered) -> None:
        """A package message arrived; once all have, the request is completed with what was sent."""
        if delivered.request_id is None:
            return
        messages = await uow.outbox.of_request(delivered.request_id, OutboxPurpose.ACCESS_PACKAGE)
        if not messages or any(m.status != OutboxStatus.SENT for m in messages):
            return
        row = await uow.privacy_requests.get(delivered.request_id)
        if row is None or "package" not in (row.details or {}):
            return
        package = dict(row.details["package"])
        sent = [m for m in messages if m.kind == "document"]
        files = [{**file, "message_id": _message_id(m.result)}
                 for file, m in zip(package["files"], sent, strict=False)]
        text = self._package_text(row.language, "delivered", count=len(files),
                          names=", ".join(f["name"] for f in files))
        result = await self._requests.complete(uow, row.id, BOT, delivered={
            "text": str(text), "files": files, "rows": package["rows"],
            "generated_at": package["generated_at"], "sent_at": self._clock.now().isoformat()})
        if result.outcome is not Outcome.DONE:
            log.info("access copy of %s delivered; the request was %s already", row.reference, row.status)
            return
        listed = ", ".join(f"{f['name']} ({f['size']} B)" for f in files)
        await self._requests.notices.tell_desk(uow, row, "access_sent", dedupe="access_sent", files=listed)

    async def _strong_customer(self, uow: UnitOfWork, row: PrivacyRequest) -> int | None:
        """The request's customer, if the account it came from is at the strong level as them now."""
        if row.channel_user_id is None or row.customer_id is None:
            return None
        user = ChatUser(row.channel, row.channel_user_id)
        identity = await identify(uow, self._clock, self._settings, user)
        if not identity.at_least(Level.STRONG) or identity.customer is None:
            return None
        return row.customer_id if identity.customer.id == row.customer_id else None

    def _package_text(self, language: str, key: str, /, **params: object) -> Any:
        return self._texts.text(language, f"privacy.access.{key}", **params)


def _message_id(result: dict[str, Any] | None) -> int | None:
    if not result:
        return None
    ids = result.get("message_ids") or [result.get("message_id")]
    return None if not ids or ids[0] is None else int(ids[0])
