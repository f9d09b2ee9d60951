"""No log line carries a raw phone number, email, bot token or URL password, whoever wrote it, and
wherever in the record it is: the message, its arguments, the traceback or the stack."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.domain.masking import LogMaskingFilter, redact_secrets

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
TOKEN_SECRET = TOKEN.split(":")[1]


@pytest.fixture
def log_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through a handler with the filter, as configure_logging sets it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(LogMaskingFilter())
    logger = logging.getLogger("test.masking.output")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    handler_filter = LogMaskingFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO):
            logger.info("customer %s wrote from %s", "lan.nguyen@example.com", "0912 345 678")
            logger.info("contact +84912345678 verified")
    finally:
        caplog.handler.removeFilter(handler_filter)
    text = caplog.text
    assert "lan.nguyen@example.com" not in text
    assert "0912 345 678" not in text and "+84912345678" not in text
    assert "678" in text  # enough left to recognise a customer


def test_a_bot_token_in_the_arguments_is_removed(log_output: tuple[logging.Logger, io.StringIO]) -> None:
    """What aiogram's network error looked like, logged at every start-up retry."""
    logger, stream = log_output
    url = f"api.telegram.org/bot{TOKEN}/deleteWebhook"
    error = RuntimeError(f"HTTP Client says - InvalidUrlClientError: {url}")
    logger.warning("%s failed: %r; retrying in %.0fs", "deleteWebhook", error, 2.0)
    text = stream.getvalue()
    assert TOKEN_SECRET not in text
    assert "bot123456789:[token hidden]/deleteWebhook" in text  # which bot, and what failed, still told


def test_a_traceback_is_masked_like_the_message(log_output: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_output
    try:
        raise ValueError(f"[parameters: ('Lan', '0912345678', 'lan@example.com')] token {TOKEN}")
    except ValueError:
        logger.exception("incident %s", "AB12")
    text = stream.getvalue()
    assert "Traceback (most recent call last)" in text and "ValueError" in text
    assert "0912345678" not in text and "lan@example.com" not in text and TOKEN_SECRET not in text
    assert "0••••••678" in text and "l••@example.com" in text


def test_the_stack_is_masked_too() -> None:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, "where was I", None, None)
    record.stack_info = (
        f'Stack (most recent call last):\n  File "x.py", line 3, in call\n    send("0987654321", "{TOKEN}")'
    )
    LogMaskingFilter().filter(record)
    assert record.stack_info is not None
    assert "0987654321" not in record.stack_info and TOKEN_SECRET not in record.stack_info


def test_a_password_in_a_url_is_removed(log_output: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_output
    logger.error("cannot reach %s", "postgresql+asyncpg://rosee:db-pass-4242@db:5432/rosee")
    text = stream.getvalue()
    assert "db-pass-4242" not in text and "postgresql+asyncpg://rosee:***@db:5432/rosee" in text


def test_a_broken_format_string_loses_nothing_and_leaks_nothing(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log_output
    logger.warning("two placeholders %s %s", TOKEN)  # one argument short
    text = stream.getvalue()
    assert "two placeholders" in text and TOKEN_SECRET not in text


def test_redaction_leaves_ordinary_text_alone() -> None:
    for text in ("Đơn RG-2026-000123 lúc 09:30", "ticket 12:34", "https://api.telegram.org/", "ratio 1:2"):
        assert redact_secrets(text) == text
