"""Proving who a chat user is before any personal data is shown: factors, levels, codes and limits.

| module          | what it does                                                                  |
|-----------------|-------------------------------------------------------------------------------|
| levels.py       | `identify`: who this chat user is, at what level (none, linked, strong)        |
| contact.py      | the phone factor: the sender's own Telegram contact                            |
| email_code.py   | the email factor: a one-time code to the address on file, non-revealing        |
| order_factor.py | the strong level's fallback: a code of one of the customer's own orders        |
| limits.py       | wrong entries, lockouts and the staff note                                     |
| session.py      | `/logout`, and the end of a console session's proof                            |

Callers name the chat user (`ChatUser`: channel and user id); the chat account row is loaded here.
Flows get read models (`Identity`, `CustomerView`) back, never the rows.
"""

from bot.services.identity.contact import ContactCheck, ContactVerification, verify_contact
from bot.services.identity.levels import (
    CustomerView,
    Factor,
    Identity,
    Level,
    LevelTooLow,
    chat_account,
    identify,
    proven_customer,
    settle_level,
    verified_customer,
)
from bot.services.identity.session import end_verification, log_out

__all__ = [
    "ContactCheck",
    "ContactVerification",
    "CustomerView",
    "Factor",
    "Identity",
    "Level",
    "LevelTooLow",
    "chat_account",
    "end_verification",
    "identify",
    "log_out",
    "proven_customer",
    "settle_level",
    "verified_customer",
    "verify_contact",
]
