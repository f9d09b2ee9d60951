"""Masking of phone numbers and emails wherever they leave the database (logs, staff cards), and of
secrets wherever they could reach a log line.

Staff need enough to recognise a customer ("+84 9•• ••• 678"), never enough to copy the number.
Secrets are not masked but removed: anything shaped like a Telegram bot token keeps only the bot's id
(public: it is the bot's user id), and a password in a URL becomes `***`. The log filter applies both
to every record, its arguments and its traceback included, because the dangerous lines are the ones
nobody wrote on purpose: a library's exception that quotes a request URL with the token in it, or a
database error that quotes the statement's parameters.
"""

from __future__ import annotations

import logging
import re


def mask_phone(phone: str | None) -> str:
    if not phone:
        return "—"
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return "•" * len(digits)
    prefix = "+" + digits[:2] if phone.startswith("+") else digits[:1]
    hidden = len(digits) - len(prefix.lstrip("+")) - 3
    return f"{prefix}{'•' * max(hidden, 0)}{digits[-3:]}"


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "—"
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


_PHONE_IN_TEXT = re.compile(r"(?<![\w+])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


#: A Telegram bot token: the bot's numeric id, a colon, then the secret part (35 characters today).
BOT_TOKEN_SHAPE = re.compile(r"(\d{6,}):[A-Za-z0-9_-]{30,}")
#: The password in a URL's user information: `scheme://user:PASSWORD@host`.
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/@]+@")


def redact_secrets(text: str) -> str:
    """Remove bot tokens and passwords in URLs from free text; what is left says what was there."""
    if ":" not in text:  # neither can occur: the usual log line costs one scan
        return text
    text = BOT_TOKEN_SHAPE.sub(r"\1:[token hidden]", text)
    return _URL_PASSWORD.sub(r"\1***@", text)


def mask_for_log(text: str) -> str:
    """What a log line may show of a text: secrets removed, phone numbers and emails masked."""
    return mask_personal_data(redact_secrets(text))


def mask_personal_data(text: str) -> str:
    """Mask anything in free text that looks like a Vietnamese phone number or an email."""
    text = _EMAIL_IN_TEXT.sub(lambda match: mask_email(match.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group(0)), text)


class LogMaskingFilter(logging.Filter):
    """Applied to every log handler, so no code path can log a raw phone number, email, bot token or
    URL password by mistake: in the message and its arguments, in the traceback and in the stack.

    The traceback is formatted here, masked, and left in `record.exc_text`, where `logging.Formatter`
    takes it from instead of formatting `exc_info` again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record, nor show it unmasked
            message = f"unformattable log message {record.msg!r} with arguments {record.args!r}"
            record.msg, record.args = message, None
        masked = mask_for_log(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_for_log(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_for_log(record.stack_info)
        return True


_TRACEBACKS = logging.Formatter()  # only its formatException, the standard traceback text
