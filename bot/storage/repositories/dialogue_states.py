"""Per-user dialogue state rows."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ChannelAccount, DialogueStateRow


class DialogueStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, channel: str, user_id: str) -> DialogueStateRow | None:
        return await self._session.scalar(
            select(DialogueStateRow).where(
                DialogueStateRow.channel == channel, DialogueStateRow.user_id == user_id
            )
        )

    async def get_or_create(self, channel: str, user_id: str) -> DialogueStateRow:
        row = await self.get(channel, user_id)
        if row is None:
            row = DialogueStateRow(channel=channel, user_id=user_id, data={})
            self._session.add(row)
            await self._session.flush()
        return row

    async def with_account(
        self, channel: str, user_id: str
    ) -> tuple[DialogueStateRow | None, ChannelAccount | None]:
        """The user's state and chat account in one round trip: every turn needs both."""
        row = (
            await self._session.execute(
                select(DialogueStateRow, ChannelAccount)
                .outerjoin(
                    ChannelAccount,
                    and_(
                        ChannelAccount.channel == DialogueStateRow.channel,
                        ChannelAccount.channel_user_id == DialogueStateRow.user_id,
                    ),
                )
                .where(DialogueStateRow.channel == channel, DialogueStateRow.user_id == user_id)
            )
        ).first()
        return (row[0], row[1]) if row is not None else (None, None)
