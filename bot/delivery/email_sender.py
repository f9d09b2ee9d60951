"""Delivering `SendEmail` outbox rows over SMTP (aiosmtplib): complaint copies, customers' one-time codes.

Outcomes, as the dispatcher understands them: a connection problem, a timeout or a 4xx answer is
`RetryLater` (the dispatcher backs off and tries again, across restarts); a 5xx rejection of the
recipient, the sender or the message is `PermanentFailure` (retrying the same mail cannot help, the
row is marked dead and logged). A 5xx on login is a configuration problem the operator can fix, so it
is retried too. Each `RetryLater` is logged here as a warning, at every attempt: the dispatcher logs
only a message given up, which with the default 20 attempts and their backoff is about two hours
after the mail server went away; the operator should hear of it at the first failure. Each mail
carries a Message-ID made from its subject and recipient, so a mail server that saw a retry after a
lost answer can recognise the duplicate.
"""

from __future__ import annotations

import hashlib
import logging
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

import aiosmtplib

from bot.config import Settings
from bot.delivery.senders import PermanentFailure, RetryLater
from bot.domain.one_time_code import unseal_text
from bot.messages.actions import Action, Address, SendEmail

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0


class EmailSender:
    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("SMTP_HOST is not set")
        self._settings = settings

    def build(self, action: SendEmail) -> MIMEText:
        # The classic message class with `Header`: the modern policy folds long Vietnamese subjects into
        # encoded words that lose the space at the fold when read back (a CPython folding bug).
        # A one-time code waits in the outbox sealed (bot.domain.one_time_code): opened only here.
        message = MIMEText(unseal_text(self._settings.code_key(), action.body), "plain", "utf-8")
        name, address = parseaddr(self._settings.smtp_from)
        message["From"] = formataddr((name, address)) if name else address
        message["To"] = action.to
        message["Subject"] = Header(action.subject, "utf-8")  # type: ignore[assignment]
        message["Date"] = formatdate(localtime=False)
        digest = hashlib.sha256(f"{action.to}\n{action.subject}".encode()).hexdigest()[:24]
        message["Message-ID"] = f"<{digest}@rosee-support>"
        return message

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        if not isinstance(action, SendEmail):
            raise PermanentFailure(f"the email channel cannot deliver {type(action).__name__}")
        try:
            return await self._send(action)
        except RetryLater as exc:
            log.warning("email to %s not sent, the outbox will try again: %s", action.to, exc)
            raise

    async def _send(self, action: SendEmail) -> dict[str, Any]:
        settings = self._settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            errors, response = await aiosmtplib.send(
                self.build(action),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                start_tls=settings.smtp_starttls,
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [error.code for error in exc.recipients]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipient refused: {codes}") from exc
            raise RetryLater(f"recipient deferred: {codes}") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            log.error("SMTP login refused (%s): check SMTP_USERNAME / SMTP_PASSWORD", exc.code)
            raise RetryLater(f"authentication failed: {exc.code}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentFailure(f"rejected: {exc.code} {exc.message}") from exc
            raise RetryLater(f"deferred: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise RetryLater(f"mail server unreachable: {exc!r}") from exc
        if errors:
            raise PermanentFailure(f"recipient refused: {sorted(errors)}")
        return {"smtp_response": str(response)[:200]}
