"""One-time codes, wrong entries and lockouts (bot.services.identity); and who proved a phone number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.storage.models import ChannelAccount, OneTimeCode, VerificationFailure, VerificationLockout
from bot.storage.repositories.base import Repository


class VerificationRepository(Repository):
    # Codes -------------------------------------------------------------------------------------------
    async def add_code(self, code: OneTimeCode) -> OneTimeCode:
        self._session.add(code)
        await self._session.flush()
        return code

    async def latest_code(self, channel: str, channel_user_id: str) -> OneTimeCode | None:
        """The newest code this chat account asked for (only the latest ever works)."""
        return await self._session.scalar(
            select(OneTimeCode)
            .where(OneTimeCode.channel == channel, OneTimeCode.channel_user_id == channel_user_id)
            .order_by(OneTimeCode.created_at.desc(), OneTimeCode.id.desc())
            .limit(1)
        )

    async def replace_active_codes(self, channel: str, channel_user_id: str) -> None:
        await self._session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.channel == channel,
                OneTimeCode.channel_user_id == channel_user_id,
                OneTimeCode.status == "active",
            )
            .values(status="replaced")
        )

    async def codes_asked_by(self, channel: str, channel_user_id: str, since: datetime) -> list[datetime]:
        """When this chat account asked for codes since `since`, newest first."""
        rows = await self._session.scalars(
            select(OneTimeCode.created_at)
            .where(
                OneTimeCode.channel == channel,
                OneTimeCode.channel_user_id == channel_user_id,
                OneTimeCode.created_at > since,
            )
            .order_by(OneTimeCode.created_at.desc())
        )
        return list(rows)

    async def codes_sent_to(self, customer_id: int, since: datetime) -> list[datetime]:
        """When codes were mailed to this customer since `since` (by any chat account), newest first."""
        rows = await self._session.scalars(
            select(OneTimeCode.created_at)
            .where(
                OneTimeCode.customer_id == customer_id,
                OneTimeCode.created_at > since,
                OneTimeCode.status != "withheld",
            )
            .order_by(OneTimeCode.created_at.desc())
        )
        return list(rows)

    # Wrong entries and lockouts ----------------------------------------------------------------------
    def add_failure(self, failure: VerificationFailure) -> None:
        self._session.add(failure)

    async def failures_by_account(self, channel: str, channel_user_id: str, since: datetime) -> int:
        await self._session.flush()
        count = await self._session.scalar(
            select(func.count())
            .select_from(VerificationFailure)
            .where(
                VerificationFailure.channel == channel,
                VerificationFailure.channel_user_id == channel_user_id,
                VerificationFailure.occurred_at >= since,
            )
        )
        return int(count or 0)

    async def failures_against(self, customer_id: int, since: datetime) -> int:
        await self._session.flush()
        count = await self._session.scalar(
            select(func.count())
            .select_from(VerificationFailure)
            .where(VerificationFailure.customer_id == customer_id, VerificationFailure.occurred_at >= since)
        )
        return int(count or 0)

    def add_lockout(self, lockout: VerificationLockout) -> None:
        self._session.add(lockout)

    async def account_lockout(self, channel: str, channel_user_id: str) -> VerificationLockout | None:
        """The account's latest lockout (it may have ended)."""
        return await self._session.scalar(
            select(VerificationLockout)
            .where(
                VerificationLockout.channel == channel,
                VerificationLockout.channel_user_id == channel_user_id,
            )
            .order_by(VerificationLockout.ends_at.desc())
            .limit(1)
        )

    async def customer_lockout(self, customer_id: int) -> VerificationLockout | None:
        """The customer's latest lockout (it may have ended)."""
        return await self._session.scalar(
            select(VerificationLockout)
            .where(VerificationLockout.customer_id == customer_id)
            .order_by(VerificationLockout.ends_at.desc())
            .limit(1)
        )

    # Phone proofs ------------------------------------------------------------------------------------
    async def accounts_with_phone(self, channel: str, phone: str, *, other_than: int) -> list[ChannelAccount]:
        """The other chat accounts of the channel that proved this number (it has moved to another)."""
        rows = await self._session.scalars(
            select(ChannelAccount).where(
                ChannelAccount.channel == channel,
                ChannelAccount.verified_phone == phone,
                ChannelAccount.id != other_than,
            )
        )
        return list(rows)
