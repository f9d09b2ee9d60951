"""No log line carries a raw phone number or email, whoever wrote it."""

from __future__ import annotations

import logging

import pytest

from bot.domain.masking import PersonalDataMaskingFilter


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    handler_filter = PersonalDataMaskingFilter()
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
