"""Whether a chat can still be written to: a user who blocked the bot is not sent anything more until
they write again (the conversation core clears the mark when they do)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.uow import UnitOfWork


async def mark_unreachable(uow: UnitOfWork, channel: str, chat_id: str, now: datetime) -> bool:
    """Mark the account behind the chat unreachable; False if the chat belongs to no account."""
    account = await uow.accounts.by_chat(channel, chat_id)
    if account is None:
        return False
    if account.unreachable_since is None:
        account.unreachable_since = now
    return True


async def mark_reachable(uow: UnitOfWork, channel: str, chat_id: str) -> None:
    account = await uow.accounts.by_chat(channel, chat_id)
    if account is not None:
        account.unreachable_since = None


async def is_unreachable(uow: UnitOfWork, channel: str, chat_id: str) -> bool:
    account = await uow.accounts.by_chat(channel, chat_id)
    return account is not None and account.unreachable_since is not None
