"""Per-user dialogue state, read and written with Core statements on the unit of work's transaction.

Every inbound message reads its user's state, and most change nothing. Loading the row as an ORM
entity made each turn pay for the ORM's loading, identity map and flush bookkeeping (a third of
the turn's database time, measured under load). Here the state is plain data: one Core select
reads it with the chat account and the open-ticket flag, and `save` writes it back only when the
turn changed it. The ORM model `DialogueStateRow` still defines the table.

A turn holds its user's state row until it commits: `for_turn` reads it `FOR UPDATE` (PostgreSQL;
SQLite's BEGIN IMMEDIATE already runs one writer at a time). Two instances handling one customer's
updates at once (the two photos of an album, say) would otherwise both read the same state, and the
later commit would overwrite the earlier one's change. With the lock the second turn waits, then reads
what the first wrote. A version column with a retry would not wait, but it would have to run the whole
turn again (understanding, services, outbox rows); a turn holds the lock for milliseconds, and only a
turn of the same customer waits for it. A user's first turn creates the row with `ON CONFLICT DO
NOTHING`: a concurrent first turn waits for the one that inserted it, then reads and locks that row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, exists, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from bot.storage.models import ChannelAccount, DialogueStateRow, Ticket
from bot.storage.repositories.accounts import ChatAccount
from bot.storage.repositories.base import Repository
from bot.storage.repositories.tickets import OPEN_STATUSES


@dataclass(eq=False)
class DialogueState:
    """Where a user is in the conversation (language, flow, step, the step's data).

    Flows change the attributes freely; `changed` compares them with what was last read or saved,
    so a turn that leaves the state as it was writes nothing.
    """

    id: int
    language: str | None = None
    language_locked: bool = False  # chosen with /lang: replies no longer follow the message language
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: what the conversation remembers across flows (`bot.dialogue.memory`): empty on most turns
    memory: dict[str, Any] = field(default_factory=dict)
    _saved: tuple[object, ...] = field(default=(), repr=False)

    @property
    def changed(self) -> bool:
        return self._values() != self._saved

    def mark_saved(self) -> None:
        self._saved = self._values()

    def _values(self) -> tuple[object, ...]:
        # The data as JSON text: a flow may change a nested value in place, and the column stores JSON.
        # Outside a flow it is empty, as on most turns: no need to serialise it twice a turn.
        data = json.dumps(self.data, sort_keys=True) if self.data else "{}"
        memory = json.dumps(self.memory, sort_keys=True) if self.memory else "{}"
        return (self.language, self.language_locked, self.flow, self.step, data, memory)


class TurnRows(NamedTuple):
    """What every turn reads first: the state, the chat account, and whether a ticket is open."""

    state: DialogueState | None
    chat: ChatAccount | None
    has_open_ticket: bool | None  # None when unknown (no state row yet)


_STATES = cast(Table, DialogueStateRow.__table__)
_ACCOUNTS = cast(Table, ChannelAccount.__table__)
_TICKETS = cast(Table, Ticket.__table__)

# Built once: reused statement objects keep their compiled form and cache key. The open statuses are
# separate bound literals, not an expanding IN list, which SQLAlchemy would re-render on every run.
_CHANNEL: BindParameter[str] = bindparam("channel")
_USER_ID: BindParameter[str] = bindparam("user_id")
_STATE_COLUMNS = tuple(
    _STATES.c[name] for name in ("id", "language", "language_locked", "flow", "step", "data", "memory")
)
_TURN_ROWS = (
    select(
        *_STATE_COLUMNS,
        _ACCOUNTS.c.id.label("account_id"),
        _ACCOUNTS.c.chat_id,
        _ACCOUNTS.c.display_name,
        _ACCOUNTS.c.unreachable_since,
        exists()
        .where(
            _TICKETS.c.channel == _STATES.c.channel,
            _TICKETS.c.channel_user_id == _STATES.c.user_id,
            or_(*(_TICKETS.c.status == literal(status) for status in OPEN_STATUSES)),
        )
        .label("has_open_ticket"),
    )
    .select_from(_STATES)
    .outerjoin(
        _ACCOUNTS,
        and_(_ACCOUNTS.c.channel == _STATES.c.channel, _ACCOUNTS.c.channel_user_id == _STATES.c.user_id),
    )
    .where(_STATES.c.channel == _CHANNEL, _STATES.c.user_id == _USER_ID)
    # The state row only: the account is on the nullable side of the join, which cannot be locked.
    .with_for_update(of=_STATES)
)
_STATE = select(*_STATE_COLUMNS).where(_STATES.c.channel == _CHANNEL, _STATES.c.user_id == _USER_ID)
_INSERT = {
    name: dialect.insert(_STATES).on_conflict_do_nothing(index_elements=["channel", "user_id"])
    .returning(_STATES.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_SAVE = update(_STATES).where(_STATES.c.id == bindparam("state_id"))


class DialogueStateRepository(Repository):
    async def for_turn(self, channel: str, user_id: str) -> TurnRows:
        """The user's state, chat account and open-ticket flag in one statement: every turn needs them.

        The state row stays locked until the turn's transaction ends (see the module docstring). The
        flag is read in the turn's own transaction, so it is as current as the ticket rows.
        """
        row = (await self._session.execute(_TURN_ROWS, {"channel": channel, "user_id": user_id})).first()
        if row is None:
            return TurnRows(None, None, None)
        account_id, chat_id, display_name, unreachable_since, has_open_ticket = row[len(_STATE_COLUMNS):]
        chat = None
        if account_id is not None:
            chat = ChatAccount(account_id, chat_id, display_name, unreachable_since)
        return TurnRows(_state(row), chat, bool(has_open_ticket))

    async def get(self, channel: str, user_id: str) -> DialogueState | None:
        row = (await self._session.execute(_STATE, {"channel": channel, "user_id": user_id})).first()
        return None if row is None else _state(row)

    async def create(self, channel: str, user_id: str, *, language: str | None) -> DialogueState | None:
        """A new state for the user's first turn; None when another turn created it first (that turn
        has committed by now: read it with `for_turn`)."""
        values: dict[str, object] = {
            "channel": channel, "user_id": user_id, "language": language, "language_locked": False,
            "data": {}, "memory": {},
        }
        dialect = self._session.get_bind().dialect.name
        statement = _INSERT["postgresql" if dialect == "postgresql" else "sqlite"]
        state_id = (await self._session.execute(statement, values)).scalar_one_or_none()
        if state_id is None:
            return None
        state = DialogueState(state_id, language)
        state.mark_saved()
        return state

    async def save(self, state: DialogueState, now: datetime) -> None:
        """Write the state back if the turn changed it; an unchanged state costs no statement."""
        if not state.changed:
            return
        await self._session.execute(
            _SAVE,
            {"state_id": state.id, "language": state.language, "language_locked": state.language_locked,
             "flow": state.flow, "step": state.step, "data": state.data, "memory": state.memory,
             "updated_at": now},
        )
        state.mark_saved()


def _state(row: Sequence[Any]) -> DialogueState:
    """From a row that starts with the _STATE_COLUMNS."""
    state_id, language, language_locked, flow, step, data, memory = row[: len(_STATE_COLUMNS)]
    state = DialogueState(
        state_id, language, bool(language_locked), flow, step, dict(data or {}), dict(memory or {})
    )
    state.mark_saved()
    return state
