"""Chat identities and the customers they were proven to belong to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ChannelAccount


class ChannelAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, channel: str, channel_user_id: str) -> ChannelAccount | None:
        return await self._session.scalar(
            select(ChannelAccount).where(
                ChannelAccount.channel == channel, ChannelAccount.channel_user_id == channel_user_id
            )
        )

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
