"""Marketing channels, and how a customer names them in a sentence.

The shop markets by email, SMS, phone calls and Telegram. A customer stops (or resumes) each one on
its own or all of them; the address a channel reaches is what the suppression list keeps:

| channel  | reaches                      | suppression address                 |
|----------|------------------------------|-------------------------------------|
| email    | a mailbox                    | the email, normalised (lower-cased) |
| sms      | a phone number               | the number in E.164                 |
| call     | a phone number               | the number in E.164                 |
| telegram | a Telegram account           | the Telegram user id                |

`channels_named` reads the channels a message names ("ko muon nhan sms quang cao nua": SMS; "stop
sending me marketing emails": email; "tất cả": all); none named means the customer did not say, and
the flow asks with buttons. `wants_resume` tells "nhận lại quảng cáo" from "ngừng gửi quảng cáo".
"""

from __future__ import annotations

import re
from enum import StrEnum

from intents.text import fold as fold_diacritics


class MarketingChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"
    TELEGRAM = "telegram"


ALL_CHANNELS: tuple[MarketingChannel, ...] = tuple(MarketingChannel)


class AddressKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    TELEGRAM = "telegram"


ADDRESS_KIND: dict[MarketingChannel, AddressKind] = {
    MarketingChannel.EMAIL: AddressKind.EMAIL,
    MarketingChannel.SMS: AddressKind.PHONE,
    MarketingChannel.CALL: AddressKind.PHONE,
    MarketingChannel.TELEGRAM: AddressKind.TELEGRAM,
}

# Read on the folded text (no diacritics, lower case): "điện thoại" and "dien thoai" are one.
_WORDS: tuple[tuple[MarketingChannel, re.Pattern[str]], ...] = (
    (MarketingChannel.EMAIL, re.compile(r"e-?mails?|\bmail\b|\bthu dien tu\b|\bhop thu\b|newsletter"
                                        r"|\bban tin\b|mailing list")),
    (MarketingChannel.SMS, re.compile(r"\bsms\b|\btin nhan sms\b|\btext messages?\b|\btexts\b"
                                      r"|\bpromo texts?\b|\bnhan tin\b|\btin nhan\b")),
    (MarketingChannel.CALL, re.compile(r"\bgoi dien\b|\bcuoc goi\b|\bgoi cho\b|\bphone calls?\b|\bcalls?\b"
                                       r"|\bcalling\b|\bdien thoai\b")),
    (MarketingChannel.TELEGRAM, re.compile(r"\btelegram\b|\btele\b|\btrong chat\b|\bchat nay\b|\bthis chat\b"
                                           r"|\bqua bot\b")),
)
_ALL = re.compile(r"\btat ca\b|\bmoi kenh\b|\bmoi hinh thuc\b|\ball channels\b|\beverything\b|\ball of them\b"
                  r"|\bmoi thu\b|\bca hai\b|\bhet\b")
_RESUME = re.compile(r"\bnhan lai\b|\bbat lai\b|\bmo lai\b|\bdang ky lai\b|\bresume\b|\bresubscribe\b"
                     r"|\bsubscribe again\b|\bstart sending\b|\bsend me .*again\b|\bmuon nhan quang cao\b"
                     r"|\bcho (toi|minh|em) nhan\b|\bopt (back )?in\b|\bturn .*back on\b")



def fold(text: str) -> str:
    """Lower case without diacritics or extra spaces: "Điện Thoại" -> "dien thoai"."""
    return " ".join(fold_diacritics(text.lower()).split())


def channels_named(text: str) -> frozenset[MarketingChannel]:
    """The channels the message names; all of them for "tất cả"/"all"; empty when it names none."""
    folded = fold(text)
    if _ALL.search(folded):
        return frozenset(ALL_CHANNELS)
    named = {channel for channel, words in _WORDS if words.search(folded)}
    if {MarketingChannel.TELEGRAM, MarketingChannel.SMS} <= named and not re.search(r"\bsms\b", folded):
        named.discard(MarketingChannel.SMS)  # "tin nhắn telegram" is a Telegram message, not an SMS
    return frozenset(named)


def wants_resume(text: str) -> bool:
    """Whether the message asks for marketing again ("nhận lại quảng cáo", "resume marketing")."""
    folded = fold(text)
    return bool(_RESUME.search(folded)) and not re.search(r"\bkhong\b.*\bnhan lai\b|\bdon'?t\b", folded)


def ordered(channels: frozenset[MarketingChannel] | set[MarketingChannel]) -> tuple[MarketingChannel, ...]:
    """The channels in the order the bot always names them (email, SMS, calls, Telegram)."""
    return tuple(channel for channel in ALL_CHANNELS if channel in channels)
