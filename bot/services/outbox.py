"""The outbox protocol: messages that must arrive are queued in the transaction of the change that
caused them, and what a delivery teaches (the id of a new topic) is handed to whoever waits for it.

Writing: `enqueue` records what the message is for (`OutboxPurpose`) and what it is about (a ticket,
later a privacy request), and whether it waits (`held`) instead of being due now. The dedupe key
only makes writing idempotent; nothing reads it back.

A turn's reply (`record_reply`) is written like any other row, in the turn's transaction, leased to
the process that answers so that it can send it at once after the commit; should that process die
first, the lease runs out and any dispatcher delivers it. A crash therefore neither loses the reply
nor sends it twice (the update it answers is claimed in the same transaction).

Documents: the bytes of a `SendDocument` are not put in the row's JSON payload; they are written
beside it (`OutboxFile`, in the same transaction) with their size and SHA-256, and the payload names
them (`"file": {"sha256": ..., "size": ...}`). The dispatcher reads them when it claims the row
(`stored_documents`) and sends them only if they still hash the same (`document_action`); a row
whose bytes are missing or altered is given up, never sent wrong. Retention removes the bytes of a
delivered document after RETENTION_DOCUMENT_DAYS, and never those of one not delivered.

Delivered: the dispatcher calls `DeliveryHooks` in the unit of work that marks the row sent. The
hooks are registered by purpose (in `bot.bootstrap`) and get the row's facts as `Delivered`, so a
hook reads columns, not keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

from bot.clock import Clock
from bot.messages.actions import Action, Address, SendDocument, action_from_payload, action_to_payload
from bot.storage.models import OutboxFile, OutboxMessage, OutboxPriority, OutboxPurpose, OutboxStatus
from bot.storage.uow import UnitOfWork


class DocumentUnavailable(Exception):
    """A document's stored bytes are gone or no longer hash as written: it must not be sent."""


async def enqueue(
    uow: UnitOfWork,
    clock: Clock,
    address: Address,
    action: Action,
    *,
    purpose: OutboxPurpose = OutboxPurpose.REPLY,
    ticket_id: int | None = None,
    request_id: int | None = None,
    dedupe_key: str | None = None,
    held: bool = False,
    leased_until: datetime | None = None,
    priority: OutboxPriority = OutboxPriority.INTERACTIVE,
) -> OutboxMessage:
    """Queue `action` for `address`; with a `dedupe_key` already written, the row written then.

    `held`: not due until released (`uow.outbox.release_held`), as a ticket's staff messages wait
    for its topic. `leased_until`: no dispatcher claims it before then (the writer sends it itself).
    `priority`: bulk notifications are claimed after every interactive message due.
    """
    payload = action_to_payload(action)
    document = action if isinstance(action, SendDocument) else None
    if document is not None:
        del payload["content_b64"]
        payload["file"] = {"sha256": sha256(document.content).hexdigest(), "size": len(document.content)}
    now = clock.now()
    row = await uow.outbox.add(
        OutboxMessage(
            channel=address.channel,
            kind=payload["kind"],
            purpose=purpose,
            ticket_id=ticket_id,
            request_id=request_id,
            chat_id=address.chat_id,
            thread_id=address.thread_id,
            payload=payload,
            dedupe_key=dedupe_key,
            status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
            priority=int(priority),
            next_attempt_at=now,
            locked_until=leased_until,
            created_at=now,
        )
    )
    if document is not None and await uow.outbox.file_of(row.id) is None:  # not a dedupe hit
        uow.session.add(OutboxFile(outbox_id=row.id, file_name=document.file_name[:200],
                                   size=len(document.content), sha256=payload["file"]["sha256"],
                                   content=document.content, created_at=now))
        await uow.flush()
    return row


#: A claimed row's document bytes with their recorded hash, by outbox id (`stored_documents`).
StoredDocuments = dict[int, tuple[bytes | None, str]]


async def stored_documents(uow: UnitOfWork, rows: Sequence[OutboxMessage]) -> StoredDocuments:
    """The stored bytes of the documents among `rows` (read when they are claimed)."""
    ids = [row.id for row in rows if row.kind == "document" and "file" in (row.payload or {})]
    return await uow.outbox.files_of(ids) if ids else {}


def document_action(payload: dict[str, Any], stored: tuple[bytes | None, str] | None) -> Action:
    """The action of a payload; a stored document's bytes put back, after checking their hash."""
    if payload.get("kind") != "document" or "file" not in payload:
        return action_from_payload(payload)
    content, digest = stored if stored is not None else (None, "")
    if content is None:
        raise DocumentUnavailable(f"the bytes of {payload.get('file_name')!r} are no longer stored")
    if sha256(content).hexdigest() != digest or digest != payload["file"].get("sha256"):
        raise DocumentUnavailable(f"the bytes of {payload.get('file_name')!r} do not match their SHA-256")
    action = action_from_payload({**payload, "content_b64": ""})
    assert isinstance(action, SendDocument)
    return SendDocument(action.file_name, content, action.caption, action.wording)


def queued_row(
    now: datetime,
    address: Address,
    action: Action,
    *,
    purpose: OutboxPurpose,
    priority: OutboxPriority = OutboxPriority.BULK,
    due_at: datetime | None = None,
) -> dict[str, Any]:
    """A pending outbox row as `enqueue` would write it, as plain values for `uow.outbox.add_many`
    (every column named: the bulk path fills in no Python-side defaults). `due_at`: not sent before
    then (quiet hours)."""
    payload = action_to_payload(action)
    return {
        "channel": address.channel, "kind": payload["kind"], "purpose": purpose, "ticket_id": None,
        "request_id": None, "chat_id": address.chat_id, "thread_id": address.thread_id,
        "payload": payload, "dedupe_key": None, "status": OutboxStatus.PENDING, "priority": int(priority),
        "attempts": 0, "next_attempt_at": due_at or now, "locked_until": None, "last_error": None,
        "result": None, "created_at": now, "sent_at": None,
    }  # fmt: skip


@dataclass(frozen=True)
class RecordedReply:
    """A turn's reply as written to the outbox: the rows the answering process sends at once
    (`send_now`, leased to it until `leased_until`), or none when an earlier message to the same chat
    is still waiting, so that the dispatcher keeps the chat's order."""

    message_ids: tuple[int, ...]
    leased_until: datetime
    send_now: bool


async def record_reply(
    uow: UnitOfWork, clock: Clock, address: Address, actions: Sequence[Action], *, lease: timedelta
) -> RecordedReply:
    """Write a turn's reply in the turn's transaction (see the module docstring)."""
    leased_until = clock.now() + lease
    send_now = not await uow.outbox.pending_to(address.channel, address.chat_id)
    rows = [
        await enqueue(uow, clock, address, action, leased_until=leased_until if send_now else None)
        for action in actions
    ]
    return RecordedReply(tuple(row.id for row in rows), leased_until, send_now)


@dataclass(frozen=True)
class Delivered:
    """A message that arrived, as a hook reads it: its columns and what the sender reported."""

    message_id: int
    purpose: OutboxPurpose
    ticket_id: int | None
    request_id: int | None
    chat_id: str | None
    result: Mapping[str, Any]

    @classmethod
    def of(cls, row: OutboxMessage, result: Mapping[str, Any]) -> Delivered:
        return cls(row.id, row.purpose, row.ticket_id, row.request_id, row.chat_id, result)

    @property
    def thread_id(self) -> int | None:
        """The forum topic the delivery created (senders report `message_thread_id` or `thread_id`)."""
        thread = self.result.get("message_thread_id", self.result.get("thread_id"))
        return None if thread is None else int(thread)

    @property
    def first_message_id(self) -> int | None:
        """The id of the (first) message sent: a long text is split, its first part is the one to
        reply to."""
        ids = self.result.get("message_ids") or [self.result.get("message_id")]
        return None if ids[0] is None else int(ids[0])


#: What to do, in the delivery's unit of work, once a message of some purpose has arrived.
OnDelivered = Callable[[UnitOfWork, Delivered], Awaitable[None]]


class DeliveryHooks:
    """The dispatcher's `on_delivered`: calls the hook registered for the delivered row's purpose."""

    def __init__(self, hooks: Mapping[OutboxPurpose, OnDelivered]) -> None:
        self._hooks = dict(hooks)

    async def __call__(self, uow: UnitOfWork, row: OutboxMessage, result: dict[str, Any]) -> None:
        hook = self._hooks.get(row.purpose)
        if hook is not None:
            await hook(uow, Delivered.of(row, result))


async def give_up_on_chat(uow: UnitOfWork, row: OutboxMessage) -> None:
    """The dispatcher's `on_unreachable`: the chat blocked the bot, so the rest of what waits for it
    (a backlog of order notifications, say) is not tried either; the chat's next message clears the
    mark (bot.services.reachability), and what is written after that is delivered again."""
    if row.chat_id is not None:
        await uow.outbox.give_up_chat(row.channel, row.chat_id, reason=f"chat blocked the bot (row {row.id})")
