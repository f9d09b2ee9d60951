"""Chat identities and the customers they were proven to belong to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, bindparam, insert, select, update

from bot.storage import bulk
from bot.storage.models import ChannelAccount, DialogueStateRow
from bot.storage.repositories.base import Repository


@dataclass(frozen=True)
class ChatAccount:
    """What a turn needs of its chat account up front, read with the dialogue state in one statement.

    Services that read or change the account (who the customer is, verification) load the
    `ChannelAccount` entity by `id` when they need it; most turns never do.
    """

    id: int
    chat_id: str | None
    display_name: str | None
    unreachable_since: datetime | None


@dataclass(frozen=True)
class NotificationTarget:
    """A chat to tell about an order: linked to its customer, reachable, notifications on."""

    channel: str
    chat_id: str
    language: str | None


_ACCOUNTS = cast(Table, ChannelAccount.__table__)
_INSERT = insert(_ACCOUNTS).returning(_ACCOUNTS.c.id)
_NOTE_CHAT = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id"))
_CHAT_ACCOUNT = select(
    _ACCOUNTS.c.id, _ACCOUNTS.c.chat_id, _ACCOUNTS.c.display_name, _ACCOUNTS.c.unreachable_since
).where(_ACCOUNTS.c.channel == bindparam("channel"), _ACCOUNTS.c.channel_user_id == bindparam("user_id"))


class ChannelAccountRepository(Repository):
    async def get(self, channel: str, channel_user_id: str) -> ChannelAccount | None:
        return await self._session.scalar(
            select(ChannelAccount).where(
                ChannelAccount.channel == channel, ChannelAccount.channel_user_id == channel_user_id
            )
        )

    async def telegram_ids_of(self, customer_id: int) -> list[str]:
        """The Telegram user ids linked to the customer (the suppression list's Telegram addresses)."""
        rows = await self._session.scalars(
            select(ChannelAccount.channel_user_id)
            .where(ChannelAccount.customer_id == customer_id, ChannelAccount.channel == "telegram")
            .order_by(ChannelAccount.id))
        return list(rows)

    async def by_id(self, account_id: int) -> ChannelAccount | None:
        return await self._session.get(ChannelAccount, account_id)

    async def get_or_create(self, channel: str, channel_user_id: str) -> ChannelAccount:
        account = await self.get(channel, channel_user_id)
        if account is None:
            account = ChannelAccount(channel=channel, channel_user_id=channel_user_id)
            self._session.add(account)
            await self._session.flush()
        return account

    async def by_chat(self, channel: str, chat_id: str) -> ChannelAccount | None:
        return await self._session.scalar(
            select(ChannelAccount).where(ChannelAccount.channel == channel, ChannelAccount.chat_id == chat_id)
        )

    async def notification_targets(self, customer_id: int) -> list[NotificationTarget]:
        """The customer's chats that take order notifications, with the language each speaks."""
        return (await self.notification_targets_of([customer_id])).get(customer_id, [])

    async def notification_targets_of(
        self, customer_ids: Sequence[int]
    ) -> dict[int, list[NotificationTarget]]:
        """`notification_targets` of many customers in one query (an import's batch), by customer id;
        a customer with none is left out."""
        if not customer_ids:
            return {}
        matching = await bulk.one_of(self._session, ChannelAccount.customer_id, sorted(set(customer_ids)))
        query = (
            select(ChannelAccount.customer_id, ChannelAccount.channel, ChannelAccount.chat_id,
                   DialogueStateRow.language)
            .outerjoin(DialogueStateRow, and_(DialogueStateRow.channel == ChannelAccount.channel,
                                              DialogueStateRow.user_id == ChannelAccount.channel_user_id))
            .where(matching, ChannelAccount.chat_id.is_not(None),
                   ChannelAccount.unreachable_since.is_(None), ChannelAccount.order_notifications.is_(True))
            .order_by(ChannelAccount.id)
        )
        targets: dict[int, list[NotificationTarget]] = {}
        for row in await self._session.execute(query):
            targets.setdefault(row.customer_id, []).append(
                NotificationTarget(row.channel, str(row.chat_id), row.language))
        return targets

    # The turn's own account, as plain data (see ChatAccount) -----------------------------------------
    async def chat_account(self, channel: str, channel_user_id: str) -> ChatAccount | None:
        parameters = {"channel": channel, "user_id": channel_user_id}
        row = (await self._session.execute(_CHAT_ACCOUNT, parameters)).first()
        if row is None:
            return None
        return ChatAccount(row.id, row.chat_id, row.display_name, row.unreachable_since)

    async def add_chat_account(
        self, channel: str, channel_user_id: str, *, chat_id: str, display_name: str | None, now: datetime
    ) -> ChatAccount:
        values = {"channel": channel, "channel_user_id": channel_user_id, "chat_id": chat_id,
                  "display_name": display_name, "created_at": now}
        account_id = (await self._session.execute(_INSERT, values)).scalar_one()
        return ChatAccount(account_id, chat_id, display_name, None)

    async def note_chat(self, account: ChatAccount, *, chat_id: str, display_name: str | None) -> ChatAccount:
        """Record where the user writes from and under what name, and that they can be reached again.

        Writes only what differs, so the usual turn (same chat, same name) costs no statement. Called
        as a turn opens, before anything loads the account's entity: a Core update would not refresh
        an entity already in the session.
        """
        name = display_name or account.display_name
        if (account.chat_id, account.display_name, account.unreachable_since) == (chat_id, name, None):
            return account
        await self._session.execute(
            _NOTE_CHAT,
            {"account_id": account.id, "chat_id": chat_id, "display_name": name, "unreachable_since": None},
        )
        return ChatAccount(account.id, chat_id, name, None)
