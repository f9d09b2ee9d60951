"""Settings: defaults that start the bot, and one clear line for each kind of mistake."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


def test_defaults_run_the_embedded_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "STAFF_CHAT_ID", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(None)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.telegram_bot_token is None
    assert settings.default_language == "vi"
    assert settings.zone.key == "Asia/Ho_Chi_Minh"


def test_malformed_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_CHAT_ID", "not-a-number")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    message = str(caught.value)
    assert "STAFF_CHAT_ID" in message
    assert "\n" not in message


def test_staff_user_ids_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_USER_IDS", " 11, 22 ,33")
    assert load_settings(None).staff_user_ids == (11, 22, 33)
    monkeypatch.setenv("STAFF_USER_IDS", "11,abc")
    with pytest.raises(SettingsError, match="STAFF_USER_IDS"):
        load_settings(None)


def test_secrets_never_appear_in_errors_or_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET-TOKEN")
    settings = load_settings(None)
    assert "SECRET-TOKEN" not in repr(settings)
    monkeypatch.setenv("SMTP_PASSWORD", "x")
    monkeypatch.setenv("SMTP_PORT", "99999")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    assert "SECRET-TOKEN" not in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://localhost/rosee"),
        ("WEBHOOK_LISTEN", "8080"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("WEBHOOK_URL", "http://bot.example.com/hook"),
    ],
)
def test_each_kind_of_wrong_value_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    assert variable in str(caught.value) or "WEBHOOK_URL" in str(caught.value)


def test_env_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("STAFF_CHAT_ID", raising=False)
    env = tmp_path / ".env"
    env.write_text("STAFF_CHAT_ID=-1001234\nLOG_LEVEL=DEBUG\n", encoding="utf-8")
    settings = load_settings(env)
    assert settings.staff_chat_id == -1001234
    assert settings.log_level == "DEBUG"


def test_webhook_secret_is_shared_by_instances_with_the_same_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    first, second = load_settings(None), load_settings(None)
    assert first.effective_webhook_secret() == second.effective_webhook_secret()
    assert "abc" not in first.effective_webhook_secret()


def test_the_code_secret_is_long_hidden_in_errors_and_a_process_key_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VERIFICATION_CODE_SECRET", "short-secret")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    message = str(caught.value)
    assert "VERIFICATION_CODE_SECRET" in message and "short-secret" not in message and "\n" not in message
    monkeypatch.setenv("VERIFICATION_CODE_SECRET", "s" * 40)
    assert load_settings(None).code_key() == b"s" * 40
    monkeypatch.delenv("VERIFICATION_CODE_SECRET")
    unset = load_settings(None)
    assert len(unset.code_key()) == 32 and unset.code_key() == load_settings(None).code_key()
    assert unset.strong_verification_minutes == 15 and not unset.can_send_codes()
    assert load_settings(None, smtp_host="mail.example.com").can_send_codes()
