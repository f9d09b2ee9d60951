"""Ending what a chat account proved: `/logout`, and a console session that acted as someone else."""

from __future__ import annotations

from bot.clock import Clock
from bot.domain.masking import mask_email, mask_phone
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.identity.levels import chat_account, forget_proofs
from bot.storage.models import ChannelAccount
from bot.storage.uow import UnitOfWork


def _proved_anything(account: ChannelAccount) -> bool:
    return account.customer_id is not None or account.phone_verified_at is not None or (
        account.email_verified_at is not None
    )


async def log_out(uow: UnitOfWork, clock: Clock, user: ChatUser) -> bool:
    """Forget the verification and the link (`/logout`); True when there was something to forget.

    A code still on its way is void too: logging out means nothing proven before it counts after.
    """
    account = await chat_account(uow, user)
    await uow.verification.replace_active_codes(user.channel, user.user_id)
    if not _proved_anything(account):
        return False
    record_access(
        uow,
        clock,
        actor=user.actor,
        action="identity.logged_out",
        customer_id=account.customer_id,
        purpose="the chat user asked to forget their verification and link",
        phone=mask_phone(account.verified_phone),
        email=mask_email(account.verified_email),
    )
    forget_proofs(account)
    return True


async def end_verification(
    uow: UnitOfWork, clock: Clock, *, channel: str, channel_user_id: str, keep_phone: str | None, reason: str
) -> bool:
    """Forget what a chat account proved, unless it proved `keep_phone`; True when something was forgotten.

    For channels where the person behind an account can change between sessions (the console demo:
    one run acts as a customer with `--phone`, the next as nobody), so that a proof never outlives the
    session that made it.
    """
    account = await uow.accounts.get(channel, channel_user_id)
    if account is None or not _proved_anything(account):
        return False
    if keep_phone is not None and account.verified_phone == keep_phone and account.verified_email is None:
        return False
    record_access(
        uow,
        clock,
        actor=f"{channel}:{channel_user_id}",
        action="identity.verification_ended",
        customer_id=account.customer_id,
        purpose=reason,
        phone=mask_phone(account.verified_phone),
        email=mask_email(account.verified_email),
    )
    forget_proofs(account)
    return True
