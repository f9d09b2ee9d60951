"""Per-user dialogue state rows."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from bot.storage.models import ChannelAccount, DialogueStateRow, Ticket
from bot.storage.repositories.tickets import OPEN_STATUSES


class TurnRows(NamedTuple):
    """What every turn reads first: the state, the chat account, and whether a ticket is open."""

    state: DialogueStateRow | None
    account: ChannelAccount | None
    has_open_ticket: bool | None  # None when unknown (no state row yet)


# Built once: the statement object is reused, so SQLAlchemy neither rebuilds it nor recomputes its
# cache key on every turn; only the parameters change.
_CHANNEL: BindParameter[str] = bindparam("channel")
_USER_ID: BindParameter[str] = bindparam("user_id")
_TURN_ROWS = (
    select(
        DialogueStateRow,
        ChannelAccount,
        exists()
        .where(
            Ticket.channel == DialogueStateRow.channel,
            Ticket.channel_user_id == DialogueStateRow.user_id,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .label("has_open_ticket"),
    )
    .outerjoin(
        ChannelAccount,
        and_(
            ChannelAccount.channel == DialogueStateRow.channel,
            ChannelAccount.channel_user_id == DialogueStateRow.user_id,
        ),
    )
    .where(DialogueStateRow.channel == _CHANNEL, DialogueStateRow.user_id == _USER_ID)
)


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

    async def for_turn(self, channel: str, user_id: str) -> TurnRows:
        """The user's state, chat account and open-ticket flag in one round trip: every turn needs them.

        The flag is read in the turn's own transaction, so it is as current as the ticket rows.
        """
        row = (await self._session.execute(_TURN_ROWS, {"channel": channel, "user_id": user_id})).first()
        if row is None:
            return TurnRows(None, None, None)
        return TurnRows(row[0], row[1], bool(row[2]))
