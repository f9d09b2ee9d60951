"""Settings, read once at start from the environment and an optional `.env` file.

Every setting is documented with its default in `.env.example`. A wrong value stops the start with one
line naming the variable (`SettingsError`), because an operator reading a traceback at 2 a.m. should not
have to guess which of twenty variables is wrong.

That line is written here, never by pydantic: a `ValidationError` prints the input values, and a
check across fields would print all of them, bot token and passwords included. Each problem is the
variable's name and a reason; the value is shown only when it is neither a secret field nor a URL with
credentials in it, and then cut short with anything shaped like a token removed. Every check names
one variable (a field validator, not a model validator) so that no error has the whole input as its
value.

An empty optional setting (`WEBHOOK_SECRET=`, as in `.env.example` uncommented) is unset, not an
empty value: an empty webhook secret would register the webhook without one and accept forged
updates, where unset derives it from the token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import time
from pathlib import Path
from typing import Annotated, Literal, get_args
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.masking import BOT_TOKEN_SHAPE, redact_secrets
from bot.domain.order_rules import OrderRules
from bot.domain.order_status import OrderStatus
from bot.domain.tracking import check_template

#: Optional settings whose empty value means "not set" (see the module docstring).
UNSET_WHEN_EMPTY = (
    "telegram_bot_token", "webhook_url", "webhook_secret", "staff_chat_id", "redis_url",
    "complaints_email", "smtp_host", "smtp_username", "smtp_password", "verification_code_secret",
    "shop_api_listen", "shop_api_secret",
)
#: What Telegram accepts as a webhook's secret_token (setWebhook).
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"  # "_" too: Docker's service names may have it
_HOST_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Used when VERIFICATION_CODE_SECRET is unset (the console demo, tests): codes made by this process work
# only in this process. `rosee-support run` refuses to start without the setting (`CODE_KEY_MISSING`).
_PROCESS_CODE_KEY = secrets.token_bytes(32)
CODE_SECRET_MIN_CHARS = 32


#: Where the carriers the shop uses track parcels (CARRIER_TRACKING_URLS replaces the whole table).
DEFAULT_TRACKING_URLS = {
    "GHN": "https://donhang.ghn.vn/?order_code={code}",
    "GHTK": "https://i.ghtk.vn/{code}",
    "Viettel Post": "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?key={code}",
    "J&T Express": "https://jtexpress.vn/vi/tracking?type=track&billcode={code}",
    "VNPost": "https://vnpost.vn/vi-vn/dinh-vi/buu-pham?key={code}",
}


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


#: Documents customers may send to staff by default: PDFs, pictures, office files, text, video, sound.
DOCUMENT_TYPES = (
    "application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "image/gif",
    "video/mp4", "video/quicktime", "audio/mpeg", "audio/ogg", "audio/mp4", "text/plain", "text/csv",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


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

    # Identity verification (bot.services.identity)
    # Key of the HMAC that one-time codes are stored under; the same on every instance.
    verification_code_secret: SecretStr | None = None
    # How long the strong level (both factors, or a factor and an order code) lasts.
    strong_verification_minutes: int = Field(default=15, ge=1, le=240)
    # `rosee-support chat` without SMTP_HOST: emails to customers (codes) are shown in the terminal.
    console_mailbox: bool = False

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

    # Privacy requests (bot.services.privacy_requests): the legal clock of Law 91/2025/QH15 and Decree
    # 356/2025/ND-CP. The source each default rests on is in the docstring of
    # bot/services/privacy_requests/deadlines.py and in docs/privacy-requests.md. Periods of days are
    # counted as the Civil Code 2015 (art. 147-148) counts them (bot.domain.working_days), in
    # PRIVACY_DAYS_UNIT.
    #: Decree 356: every request is answered within 2 working days ("ngày làm việc"), saying what
    #: happens next. The bot acknowledges at once; this is the latest moment shown to staff.
    privacy_ack_working_days: int = Field(default=2, ge=0, le=2)
    #: The unit of the periods below. The decree states them in "ngày" (days), not "ngày làm việc",
    #: so they are calendar days, a period whose last day is a weekly day off or a public holiday
    #: ending on the next working day (Civil Code art. 148(5)). `working` is the lenient reading
    #: (every day of the period a working day), kept available.
    privacy_days_unit: Literal["calendar", "working"] = "calendar"
    #: Decree 356: withdrawal of consent, restriction and objection are carried out within 15 days ...
    privacy_due_days_consent_withdrawal: int = Field(default=15, ge=1, le=15)
    #: ... stopping marketing is a withdrawal of consent (Law 91, art. 28; it takes effect at once anyway)
    privacy_due_days_marketing_opt_out: int = Field(default=15, ge=1, le=15)
    privacy_due_days_restriction: int = Field(default=15, ge=1, le=15)
    privacy_due_days_objection: int = Field(default=15, ge=1, le=15)
    #: ... and within 20 days where a processor or third party must also stop.
    privacy_due_days_third_party: int = Field(default=20, ge=1, le=20)
    #: Access (a copy), correction and deletion: the decree's period is unconfirmed (summaries say
    #: 10-20 days); the shortest of that range, so that no reading of it finds the shop late.
    privacy_due_days_access: int = Field(default=10, ge=1, le=30)
    privacy_due_days_correction: int = Field(default=10, ge=1, le=30)
    privacy_due_days_erasure: int = Field(default=10, ge=1, le=30)
    #: Decree 356: one extension, of at most 15 days (in PRIVACY_DAYS_UNIT), the reason told to the
    #: requester.
    privacy_extension_max_days: int = Field(default=15, ge=1, le=15)
    #: Staff are reminded of an open request at 08:00 (TIMEZONE) this many working days before its due
    #: day: 1, the working day before; 0, the morning of the due day itself.
    privacy_reminder_working_days: int = Field(default=1, ge=0, le=10)
    #: A request still waiting for verification this many days after it was made is closed (refused,
    #: "not verified") by the request sweep: nothing is done with it, and it does not stay open forever.
    privacy_unverified_close_days: int = Field(default=30, ge=1, le=365)
    # The shop's HTTP API (bot.shop_api): order events from the shop's system
    # host:port `run` (and `rosee-support shop-api`) serve it on; unset: `run` serves no shop API.
    shop_api_listen: str | None = None
    # Shared secret of the HMAC-SHA256 signatures the shop's system signs its requests with.
    shop_api_secret: SecretStr | None = None
    # How old (or how far ahead) a signed request's timestamp may be; older ones are refused as stale.
    shop_api_max_age_seconds: int = Field(default=300, ge=10, le=3600)

    # Order notifications: not sent between these local times (held until the end); equal: never held.
    order_quiet_hours_start: time = time(21, 0)
    order_quiet_hours_end: time = time(8, 0)

    # Orders (bot.domain.order_rules, bot.domain.tracking): what customers may ask of an order, and where
    # each carrier's parcels are tracked ({code} is the tracking code).
    order_cancel_statuses: Annotated[tuple[OrderStatus, ...], NoDecode] = (
        OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PACKING)
    order_change_statuses: Annotated[tuple[OrderStatus, ...], NoDecode] = (
        OrderStatus.PENDING, OrderStatus.CONFIRMED)
    return_window_days: int = Field(default=7, ge=0, le=365)
    carrier_tracking_urls: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TRACKING_URLS))

    # Outbox delivery
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_max_attempts: int = Field(default=20, ge=1)
    # How long a turn's reply is reserved for the process that answers it: it is sent at once after
    # the turn commits, and only if that process dies does the outbox deliver it, once this passes.
    reply_lease_seconds: float = Field(default=30.0, gt=0, le=600)

    # Input limits (issue 15): what a customer's files and bursts may be before staff see them
    # Kinds of file passed on to staff (stickers never are); others get a polite refusal.
    relay_file_kinds: Annotated[tuple[str, ...], NoDecode] = (
        "photo", "document", "video", "animation", "video_note", "voice", "audio")
    # MIME types a document may have (an .exe, .apk or .html is refused).
    relay_document_types: Annotated[tuple[str, ...], NoDecode] = DOCUMENT_TYPES
    # Largest file passed on (Telegram lets bots fetch files up to 20 MB).
    relay_max_file_mb: float = Field(default=20.0, gt=0, le=2000)
    # A customer's messages to an open ticket: this many within the window reach staff one by one;
    # the rest of a burst is gathered into one staff message when the burst is over.
    inbound_burst_messages: int = Field(default=5, ge=1, le=100)
    inbound_burst_seconds: int = Field(default=60, ge=5, le=3600)
    # Messages relayed into one ticket's topic per minute, at most (Telegram: 20 a minute per group).
    relays_per_ticket_per_minute: int = Field(default=6, ge=1, le=20)

    # Retention of personal data (days; bot.services.retention, docs/retention.md)
    retention_outbox_days: int = Field(default=30, ge=1, le=3650)
    retention_draft_days: int = Field(default=30, ge=1, le=3650)
    retention_ticket_message_days: int = Field(default=365, ge=30, le=3650)
    # A document the outbox delivered (a customer's copy of their data) keeps its bytes this long.
    retention_document_days: int = Field(default=7, ge=1, le=3650)
    # A phone proof (the customer's own Telegram contact) holds this long; then it is asked again.
    phone_proof_days: int = Field(default=180, ge=1, le=3650)

    @field_validator(*UNSET_WHEN_EMPTY, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        check_http_base(value)
        if BOT_TOKEN_SHAPE.search(value):  # the bot adds /bot<token>/<method> itself
            raise ValueError("must not contain the bot token (set it in TELEGRAM_BOT_TOKEN)")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = check_http_base(value, allow_query=True)
        if parts.scheme != "https" and parts.hostname not in _LOOPBACK:
            raise ValueError("must be an https:// address (http:// only on 127.0.0.1 or localhost)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("relay_file_kinds", "relay_document_types", mode="before")
    @classmethod
    def _split_words(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().lower() for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return tuple(int(part) for part in parts if part)
        return value

    @field_validator("order_cancel_statuses", "order_change_statuses", mode="before")
    @classmethod
    def _statuses(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return tuple(OrderStatus.parse(part) for part in parts if part)
        return value

    @field_validator("carrier_tracking_urls")
    @classmethod
    def _tracking_templates(cls, value: dict[str, str]) -> dict[str, str]:
        for name, template in value.items():
            if not name.strip():
                raise ValueError("a carrier name must not be empty")
            check_template(template)
        return value

    @field_validator("verification_code_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < CODE_SECRET_MIN_CHARS:
            raise ValueError(f"must be at least {CODE_SECRET_MIN_CHARS} characters")
        return value

    @field_validator("shop_api_secret")
    @classmethod
    def _long_shop_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < CODE_SECRET_MIN_CHARS:
            raise ValueError(f"must be at least {CODE_SECRET_MIN_CHARS} characters")
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

    @field_validator("webhook_listen", "shop_api_listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 0.0.0.0:8080")
        return value

    @field_validator("business_hours_end")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("business_hours_start")  # absent when the start itself was refused
        if isinstance(start, time) and value <= start:
            raise ValueError(f"must be later than BUSINESS_HOURS_START ({start:%H:%M})")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def order_rules(self) -> OrderRules:
        return OrderRules(frozenset(self.order_cancel_statuses), frozenset(self.order_change_statuses),
                          self.return_window_days)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def shop_api_host_port(self) -> tuple[str, int] | None:
        if self.shop_api_listen is None:
            return None
        host, _, port = self.shop_api_listen.rpartition(":")
        return host, int(port)

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

    def code_key(self) -> bytes:
        """The HMAC key of one-time codes: the setting, or this process's own random key without it."""
        if self.verification_code_secret is None:
            return _PROCESS_CODE_KEY
        return self.verification_code_secret.get_secret_value().encode()

    def can_send_codes(self) -> bool:
        """Whether an email code can reach a customer: a mail server, or the console demo's mailbox."""
        return bool(self.smtp_host) or self.console_mailbox

    def sqlite_path(self) -> Path | None:
        if not self.database_url.startswith("sqlite"):
            return None
        raw = self.database_url.split(":///", 1)[-1]
        return None if raw in ("", ":memory:") else Path(raw)


def check_http_base(value: str, *, allow_query: bool = False) -> SplitResult:
    """Refuse what is not a plain http(s) address: the Bot API URL is this base with the token after
    it, and a malformed base made every request fail with that whole URL in the error, logged at
    each retry. Returns the parts of the address."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// address, e.g. https://api.telegram.org")
    if "@" in parts.netloc:
        raise ValueError("must not carry a user name or password")
    host = parts.hostname or ""
    if not (_HOST_NAME.fullmatch(host) or (":" in host and re.fullmatch(r"[0-9a-fA-F:.]+", host))):
        raise ValueError("has no valid host name")
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        raise ValueError("has an invalid port (1-65535)") from None
    if re.search(r"[\s{}]", value) or parts.fragment or (parts.query and not allow_query):
        raise ValueError("must be a plain address: no spaces, braces, query or fragment")
    return parts

SHOP_API_SECRET_MISSING = (
    "SHOP_API_SECRET is not set: the shop API refuses to run unsigned; set it to a random value of at "
    "least 32 characters shared with the shop's system (or leave SHOP_API_LISTEN unset)"
)

CODE_KEY_MISSING = (
    "VERIFICATION_CODE_SECRET is not set: set it to a random value of at least 32 characters, the same on "
    "every instance (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
)


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Read the settings or raise `SettingsError` with one line naming the bad variable."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg, arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
    except ValueError as exc:  # raised by pydantic-settings while reading a source, before validation
        raise SettingsError(f"Invalid setting: {redact_secrets(str(exc))}") from None


#: Fields whose value is never shown: the secrets, and any name that sounds like one.
SECRET_FIELDS = frozenset(
    name for name, info in Settings.model_fields.items()
    if info.annotation is SecretStr or SecretStr in get_args(info.annotation)
    or any(word in name for word in ("token", "password", "secret"))
)
_URL_CREDENTIALS = re.compile(r"://[^/\s]*@")
SHOWN_VALUE_MAX = 60


def describe_validation_error(exc: ValidationError) -> str:
    """One line: each refused variable, why, and its value where showing it reveals no secret."""
    problems = []
    for error in exc.errors(include_url=False):
        location = error["loc"]
        field = str(location[0]) if location else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        if not field:  # a check across fields: its input is everything, secrets included
            problems.append(f"settings: {redact_secrets(message)}")
            continue
        hidden = _hidden(field, value)
        if hidden is not None:
            if isinstance(value, str) and value:
                message = message.replace(value, "…")
            problems.append(f"{field.upper()}: {redact_secrets(message)} ({hidden})")
        else:
            problems.append(f"{field.upper()}: {redact_secrets(message)} (got {_shown(value)})")
    return "Invalid setting " + "; ".join(problems)


def _hidden(field: str, value: object) -> str | None:
    """Why the value is not shown, or None when it may be."""
    if field in SECRET_FIELDS:
        return "value hidden"
    if isinstance(value, SecretStr):
        return "value hidden"
    if not isinstance(value, str | int | float | bool | time):
        return "value not shown"
    if isinstance(value, str) and _URL_CREDENTIALS.search(value):
        return "value hidden: it holds credentials"
    return None


def _shown(value: object) -> str:
    text = f"{value:%H:%M}" if isinstance(value, time) else redact_secrets(repr(value))
    return text if len(text) <= SHOWN_VALUE_MAX else text[: SHOWN_VALUE_MAX - 1] + "…"
