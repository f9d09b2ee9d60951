"""The right of access through the real Telegram channel and the fake Bot API, on both libraries and on
SQLite and PostgreSQL.

Lan (Vietnamese, not verified) asks "tôi muốn xem dữ liệu của tôi" and presses the button: she is
refused for now and offered verification, and no document is sent; she shares her own contact and
types one of her order codes (the strong level), and then receives the note and the two documents.
The bytes the fake Bot API received are checked: the JSON parses and holds her rows and none of
Minh's, who is in the same database; the HTML escapes the "<b>" in her name. `/requests` shows the
request completed. Minh (English, strongly verified already) asks "send me a copy of my data" and
receives his own copy at once.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from bot.storage.models import ChannelAccount, Customer, Order, Ticket, TicketMessage
from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says
from tests.support.wording import rendered

LAN, MINH = 1001, 2002
LAN_NAME = "<b>Lan</b> Nguyễn"
MINH_PHONE = "+84987654321"
LAN_ORDER, MINH_ORDER = "RG-2026-300001", "RG-2026-400002"
PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
REFERENCE = re.compile(r"YC-\d{4}-\d{6}")


def has_button(chat_id: int, data: str) -> Any:
    return lambda call: (call.ok and call.chat_id == chat_id
                         and data in json.dumps(call.params.get("reply_markup")))


def document_to(chat_id: int, suffix: str) -> Any:
    return lambda call: (call.ok and call.chat_id == chat_id
                         and call.params["document"].filename.endswith(suffix))


async def seed(bot: TelegramBotUnderTest) -> None:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        lan = Customer(full_name=LAN_NAME, phone=LAN_PHONE)
        minh = Customer(full_name="Trần Văn Minh", phone=MINH_PHONE, email="minh@example.com")
        uow.customers.add(lan)
        uow.customers.add(minh)
        await uow.flush()
        uow.orders.add(Order(code=LAN_ORDER, customer_id=lan.id, status="delivered", total_vnd=320000,
                             placed_at=PLACED, items=[{"name": "Kem dưỡng", "qty": 2}]))
        uow.orders.add(Order(code=MINH_ORDER, customer_id=minh.id, status="shipped", total_vnd=99000,
                             placed_at=PLACED))
        ticket = Ticket(number="KN-2026-000777", category="delivery", customer_id=minh.id, channel="telegram",
                        channel_user_id=str(MINH), chat_id=str(MINH), description="Minh's parcel is late",
                        status="resolved", resolved_at=PLACED)
        uow.session.add(ticket)
        await uow.flush()
        uow.session.add(TicketMessage(ticket_id=ticket.id, author="customer", text="Minh's parcel is late"))
        await uow.commit()


async def strongly_verify(bot: TelegramBotUnderTest, user_id: int, phone: str) -> None:
    """Proven by the phone and the email just now (the customer has both on file)."""
    assert bot.app is not None
    now = bot.app.clock.now()
    async with bot.app.uow_factory() as uow:
        customer = await uow.customers.by_phone(phone)
        assert customer is not None
        await uow.session.execute(update(ChannelAccount).where(
            ChannelAccount.channel == "telegram", ChannelAccount.channel_user_id == str(user_id)).values(
            customer_id=customer.id, verified_phone=phone, phone_verified_at=now,
            verified_email=customer.email, email_verified_at=now))
        await uow.commit()


async def test_a_copy_of_one_s_data_through_telegram(api: FakeBotApi, database_url: str,
                                                     telegram_library: str) -> None:
    bot = TelegramBotUnderTest(api, database_url, library=telegram_library)
    try:
        await bot.start()
        await seed(bot)
        lan = api.user(LAN, "Lan")

        # Not verified: refused for now, verification offered, nothing sent.
        lan.send_text("tôi muốn xem dữ liệu của tôi")
        offer = await api.wait_for("sendMessage", has_button(LAN, "privacy:start:access"), timeout=10)
        lan.press_button(offer.result, "privacy:start:access")
        await api.wait_for("sendMessage", asks_contact(LAN), timeout=10)
        waiting = [t for t in api.sent_texts(LAN) if REFERENCE.search(t)]
        assert waiting and "chờ xác minh" in waiting[-1]
        assert not api.calls_of("sendDocument")

        # Strong: her own contact, then one of her order codes; the copy follows at once.
        lan.share_contact(LAN_PHONE)
        ask_code = rendered("identity.strong.ask_order_code")[:30]
        await api.wait_for("sendMessage", says(LAN, ask_code), timeout=10)
        lan.send_text(LAN_ORDER)
        json_call = await api.wait_for("sendDocument", document_to(LAN, ".json"), timeout=15)
        html_call = await api.wait_for("sendDocument", document_to(LAN, ".html"), timeout=15)
        reference = REFERENCE.search(json_call.params["document"].filename)
        assert reference is not None
        note = [t for t in api.sent_texts(LAN) if "bản sao dữ liệu cá nhân" in t and reference.group() in t]
        assert note

        copy = json.loads(json_call.params["document"].content)
        assert copy["request"] == reference.group()
        assert copy["sections"]["profile"][0]["full_name"] == LAN_NAME
        assert [o["code"] for o in copy["sections"]["orders"]] == [LAN_ORDER]
        assert [a["channel_user_id"] for a in copy["sections"]["chat_accounts"]] == [str(LAN)]
        raw = json_call.params["document"].content.decode() + html_call.params["document"].content.decode()
        for minh_s in ("Trần Văn Minh", MINH_PHONE, MINH_ORDER, "minh@example.com", "Minh's parcel"):
            assert minh_s not in raw
        page = html_call.params["document"].content.decode()
        assert "<b>Lan</b>" not in page and "&lt;b&gt;Lan&lt;/b&gt; Nguyễn" in page
        assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page

        await api.wait_for("sendMessage", says(LAN, "đã hoàn thành"), timeout=10)
        lan.send_text("/requests")
        listed = await api.wait_for("sendMessage", lambda c: says(LAN, reference.group())(c)
                                    and "đã hoàn thành" in c.result["text"] and "📋" in c.result["text"],
                                    timeout=10)
        assert listed.ok

        # English, strongly verified already: the copy at once, in English, his own.
        minh = api.user(MINH, "Minh", language_code="en")
        minh.send_text("/start")
        await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == MINH, timeout=10)
        await strongly_verify(bot, MINH, MINH_PHONE)
        minh.send_text("send me a copy of my data")
        offer = await api.wait_for("sendMessage", has_button(MINH, "privacy:start:access"), timeout=10)
        minh.press_button(offer.result, "privacy:start:access")
        minh_json = await api.wait_for("sendDocument", document_to(MINH, ".json"), timeout=15)
        minh_html = await api.wait_for("sendDocument", document_to(MINH, ".html"), timeout=15)
        theirs = json.loads(minh_json.params["document"].content)
        assert [o["code"] for o in theirs["sections"]["orders"]] == [MINH_ORDER]
        assert [t["number"] for t in theirs["sections"]["tickets"]] == ["KN-2026-000777"]
        assert LAN_NAME not in minh_json.params["document"].content.decode()
        assert '<html lang="en">' in minh_html.params["document"].content.decode()
        assert any("copy of the personal data we hold about you" in t for t in api.sent_texts(MINH))
        assert len(api.calls_of("sendDocument", ok_only=True)) == 4
    finally:
        await bot.stop()
