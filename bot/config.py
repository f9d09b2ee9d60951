"""Settings, read once at start from the environment and an optional `.env` file.

Every setting is documented with its default in `.env.example`. A wrong value stops the start with one
line naming the variable (`SettingsError`), because an operator reading a traceback at 2 a.m. should not
have to guess which of twenty variables is wrong.
"""

from __future__ import annotations

import hashlib
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_library: Literal["aiogram", "python-telegram-bot"] = "aiogram"  # the channel `run` starts
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8080"
    webhook_secret: SecretStr | None = None
    staff_chat_id: int | None = None
    staff_user_ids: Annotated[tuple[int, ...], NoDecode] = ()
    staff_chat_is_forum: bool = True  # one forum topic per ticket; false: a card message + reply thread
    # Staff answer tickets in `rosee-support desk`: a staff destination (see bot.services.staff_reach).
    console_desk: bool = False
    # `run` starts even with no staff destination (tickets recorded, no reply time promised).
    allow_no_staff: bool = False

    # Storage
    database_url: str = "sqlite+aiosqlite:///./data/rosee.db"
    db_auto_migrate: bool = True
    redis_url: str | None = None

    # Conversation
    default_language: Literal["vi", "en"] = "vi"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Complaints mailbox
    complaints_email: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Rosee Support <no-reply@roseeorder.com>"
    smtp_starttls: bool = True

    # Service levels (working time skips weekends and Vietnamese public holidays)
    timezone: str = "Asia/Ho_Chi_Minh"
    business_hours_start: time = time(8, 0)
    business_hours_end: time = time(17, 30)
    sla_first_reply_working_hours: float = Field(default=2.0, gt=0)
    sla_resolution_working_days: float = Field(default=3.0, gt=0)
    sla_handling_start_working_days: float = Field(default=7.0, gt=0, le=7)
    sla_unassigned_reminder_minutes: int = Field(default=60, gt=0)
    sla_sweep_interval_seconds: int = Field(default=60, ge=5)

    # Outbox delivery
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_max_attempts: int = Field(default=20, ge=1)

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return tuple(int(part) for part in parts if part)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 0.0.0.0:8080")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.business_hours_end <= self.business_hours_start:
            raise ValueError("BUSINESS_HOURS_END must be later than BUSINESS_HOURS_START")
        if (
            self.webhook_url
            and not self.webhook_url.startswith("https://")
            and "127.0.0.1" not in (self.webhook_url)
            and "localhost" not in self.webhook_url
        ):
            raise ValueError("WEBHOOK_URL must be an https:// address")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def listen_host_port(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host, int(port)

    def effective_webhook_secret(self) -> str:
        """The webhook secret; derived from the token when not set, so every instance agrees on it."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        token = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return hashlib.sha256(f"rosee-webhook:{token}".encode()).hexdigest()[:48]

    def sqlite_path(self) -> Path | None:
        if not self.database_url.startswith("sqlite"):
            return None
        raw = self.database_url.split(":///", 1)[-1]
        return None if raw in ("", ":memory:") else Path(raw)


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Read the settings or raise `SettingsError` with one line naming the bad variable."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg, arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
    except ValueError as exc:  # raised by NoDecode fields before validation proper
        raise SettingsError(f"Invalid setting: {exc}") from None


def describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = "_".join(str(part) for part in error["loc"]).upper() or "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        secret = any(word in location for word in ("TOKEN", "PASSWORD", "SECRET"))
        shown = "value hidden" if secret else f"got {error.get('input')!r}"
        problems.append(f"{location}: {message} ({shown})")
    return "Invalid setting " + "; ".join(problems)
