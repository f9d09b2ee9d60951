"""Settings errors never echo a secret; the Bot API base is checked; an empty secret is unset.

pydantic prints a refused value, and a check across fields printed every value the settings were
given: the bot token, the SMTP password, the webhook secret and a database URL's password among them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SECRET_FIELDS, SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
SECRETS = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "SMTP_PASSWORD": "smtp-pass-4242",
    "WEBHOOK_SECRET": "hook_secret_4242",
    "SMTP_USERNAME": "mailer",
}
DB_PASSWORD = "db-pass-4242"


@pytest.fixture
def secrets_set(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REDIS_URL", "redis://:redis-pass-4242@redis:6379/0")
    return monkeypatch


def refusal(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BUSINESS_HOURS_START", "18:00", "BUSINESS_HOURS_END"),  # was a check across all fields
        ("WEBHOOK_URL", "http://bot.example.com/hook", "WEBHOOK_URL"),  # likewise
        ("WEBHOOK_URL", f"http://bot.example.com/hook/{TOKEN}", "WEBHOOK_URL"),  # shown, token removed
        ("DATABASE_URL", f"postgresql://rosee:{DB_PASSWORD}@db:5432/rosee", "DATABASE_URL"),
        ("SMTP_PORT", "99999", "SMTP_PORT"),
        ("TELEGRAM_API_BASE", "api.telegram.org", "TELEGRAM_API_BASE"),
        ("TELEGRAM_API_BASE", f"https://api.telegram.org/bot{TOKEN}", "TELEGRAM_API_BASE"),
        ("WEBHOOK_SECRET", "with spaces 4242", "WEBHOOK_SECRET"),
        ("SMTP_PASSWORD", "", "STAFF_CHAT_ID"),  # another variable wrong, the secrets only beside it
    ],
)
def test_a_refused_setting_echoes_no_secret(
    secrets_set: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    if named == "STAFF_CHAT_ID":
        secrets_set.setenv("STAFF_CHAT_ID", "not-a-number")
        value = SECRETS[variable]
    message = refusal(secrets_set, variable, value)
    assert named in message
    for secret in (*SECRETS.values(), TOKEN.split(":")[1], DB_PASSWORD, "redis-pass-4242", "with spaces"):
        if secret != "mailer":
            assert secret not in message


def test_a_harmless_value_is_still_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "got 'fr'" in refusal(monkeypatch, "DEFAULT_LANGUAGE", "fr")
    assert "got 'mysql://localhost/rosee'" in refusal(monkeypatch, "DATABASE_URL", "mysql://localhost/rosee")
    message = refusal(monkeypatch, "BUSINESS_HOURS_START", "18:00")
    assert "BUSINESS_HOURS_END: must be later than BUSINESS_HOURS_START (18:00) (got 17:30)" in message


def test_a_webhook_url_may_carry_the_token_in_its_path() -> None:
    url = f"https://bot.example.com/hook/{TOKEN}"
    assert load_settings(None, telegram_bot_token=TOKEN, webhook_url=url).webhook_url == url


def test_every_secret_field_is_known_as_one() -> None:
    assert {"telegram_bot_token", "webhook_secret", "smtp_password"} <= SECRET_FIELDS


@pytest.mark.parametrize(
    "base",
    [
        "https://api.telegram.org",
        "https://api.telegram.org/",
        "http://127.0.0.1:8081",
        "http://telegram-bot-api:8081",
        "http://[::1]:8081",
    ],
)
def test_bot_api_bases_that_work(base: str) -> None:
    settings = load_settings(None, telegram_api_base=base)
    assert settings.telegram_api_base == base.rstrip("/")


@pytest.mark.parametrize(
    "base",
    [
        "api.telegram.org",
        "https//api.telegram.org",
        "ftp://api.telegram.org",
        "https://api.telegram.org:99999",
        "https://api telegram.org",
        "https://user:pw@api.telegram.org",
        "https://api.telegram.org/?proxy=1",
        "https://api.telegram.org/#x",
        "https://{host}",
        f"https://api.telegram.org/bot{TOKEN}",
    ],
)
def test_malformed_bot_api_bases_are_refused(monkeypatch: pytest.MonkeyPatch, base: str) -> None:
    """A malformed base made every Bot API call fail with the whole URL, token included, in the error
    that the start-up retry logged again and again."""
    message = refusal(monkeypatch, "TELEGRAM_API_BASE", base)
    assert message.startswith("Invalid setting TELEGRAM_API_BASE: ")
    assert "pw@" not in message and TOKEN.split(":")[1] not in message


def test_an_empty_webhook_secret_is_unset_and_derived_from_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.env.example` with its WEBHOOK_SECRET line uncommented registered the webhook with no secret."""
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    env = tmp_path / ".env"
    lines = (f"TELEGRAM_BOT_TOKEN={TOKEN}", "WEBHOOK_SECRET=", "SMTP_HOST=", "STAFF_CHAT_ID=")
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(env)
    assert settings.webhook_secret is None
    assert settings.smtp_host is None and settings.staff_chat_id is None
    derived = load_settings(None, telegram_bot_token=TOKEN).effective_webhook_secret()
    assert settings.effective_webhook_secret() == derived and len(derived) == 48
    for blank in ("", "   "):
        assert load_settings(None, telegram_bot_token=TOKEN, webhook_secret=blank).webhook_secret is None


def test_a_required_setting_left_empty_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only optional settings become unset when empty; an empty DATABASE_URL does not quietly mean SQLite."""
    assert "DATABASE_URL" in refusal(monkeypatch, "DATABASE_URL", "")
