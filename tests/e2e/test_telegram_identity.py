"""Identity through the real Telegram channel and the fake Bot API: forged contacts prove nothing, and
the email way works over real SMTP with the inline buttons Telegram shows."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.models import AuditEntry, Customer
from tests.fakes.bot_api import FakeBotApi
from tests.support.mailbox import Mailbox
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says

LAN = 1001
MAI = 1002
BAO_EMAIL = "bao.pham@example.com"


async def unverified(bot: TelegramBotUnderTest) -> bool:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        account = await uow.accounts.get("telegram", str(LAN))
        return account is not None and account.customer_id is None and account.verified_phone is None


async def mailed_code(mailbox: Mailbox, address: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
    for _ in range(int(timeout / 0.05)):
        if mailbox.to(address):
            return mailbox.last_code(address)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail to {address} within {timeout} s")


def forwarded(contact: dict[str, Any], sender: dict[str, Any]) -> dict[str, Any]:
    origin = {"type": "user", "date": 1_700_000_000, "sender_user": sender}
    return {"contact": contact, "forward_origin": origin}


@pytest.mark.parametrize(
    "forge",
    [
        lambda lan, mai: lan.share_contact(LAN_PHONE, own=False),  # no user_id: a card from the phone book
        lambda lan, mai: lan.share_contact(LAN_PHONE, own=False, user_id=MAI),  # another user's contact
        lambda lan, mai: lan.send(forwarded(  # the sender's own card, forwarded from another chat
            {"phone_number": LAN_PHONE, "first_name": "Lan", "user_id": LAN}, mai.as_user)),
    ],
    ids=["no-user-id", "another-users-id", "forwarded"],
)
async def test_a_forged_contact_proves_nothing(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest, forge: Any
) -> None:
    await telegram_bot.start()
    await telegram_bot.add_customer()
    lan, mai = api.user(LAN, "Lan"), api.user(MAI, "Mai")
    lan.send_text("tôi muốn kiểm tra đơn hàng")
    await api.wait_for("sendMessage", asks_contact(LAN))
    forge(lan, mai)
    refused = await api.wait_for("sendMessage", says(LAN, "không phải số Telegram của chính Quý khách"))
    assert refused.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True  # asked again
    assert await unverified(telegram_bot)
    assert telegram_bot.app is not None
    async with telegram_bot.app.uow_factory() as uow:
        refusals = list(await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "identity.contact_refused")))
    assert len(refusals) == 1


async def test_the_email_way_over_telegram(
    api: FakeBotApi, sqlite_url: str, smtp_port: int, mailbox: Mailbox, telegram_library: str
) -> None:
    bot = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, smtp_host="127.0.0.1",
                               smtp_port=smtp_port, smtp_starttls=False)
    try:
        await bot.start()
        assert bot.app is not None
        async with bot.app.uow_factory() as uow:
            uow.session.add(Customer(full_name="Phạm Quốc Bảo", email=BAO_EMAIL))
            await uow.commit()
        bao = api.user(LAN, "Bảo")
        bao.send_text("đơn hàng của tôi")
        offer = await api.wait_for("sendMessage", says(LAN, "không muốn chia sẻ số điện thoại"))
        bao.press_button(offer.result, "verify:email")
        await api.wait_for("sendMessage", says(LAN, "địa chỉ email"))
        bao.send_text(BAO_EMAIL)
        sent = await api.wait_for("sendMessage", says(LAN, "có trong hồ sơ khách hàng"))
        assert BAO_EMAIL not in sent.result["text"]
        code = await mailed_code(mailbox, BAO_EMAIL)  # the bot's own dispatcher delivers it
        bao.send_text(f"{code[:3]}-{code[3:]}")
        done = await api.wait_for("sendMessage", says(LAN, "email đã được xác minh"))
        assert "Phạm Quốc Bảo" in done.result["text"]
    finally:
        await bot.stop()
