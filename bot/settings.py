"""Settings from the environment and an optional ``.env`` file; bad values stop start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.trust import is_loopback_host

DATA_FILE = "strategibot.json"

OPEN_DOOR = "open_door"
"""The error type of a start on a non-loopback ``HOST`` without authentication."""
OPEN_DOOR_MESSAGE = (
    "HOST={host} without MicrosoftAppId would let anyone who can reach the port use the bot "
    "unauthenticated. Set MicrosoftAppId and MicrosoftAppPassword, or HOST=127.0.0.1 "
    "(ALLOW_UNAUTHENTICATED=true is for test rigs only)."
)
AUTH_ON = "on"
AUTH_LOOPBACK = "off (local mode: loopback only)"
AUTH_ALLOWED = "off (ALLOW_UNAUTHENTICATED)"
OPEN_TENANT_WARNING = (
    "MicrosoftAppType=MultiTenant without ALLOWED_TENANTS or MicrosoftAppTenantId: users of "
    "ANY Microsoft 365 tenant can use the bot and have their data stored. Set ALLOWED_TENANTS."
)


class Settings(BaseSettings):
    """Every setting the bot reads. See ``.env.example`` for documentation."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    microsoft_app_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppId", "microsoft_app_id")
    )
    microsoft_app_password: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppPassword", "microsoft_app_password")
    )
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias=AliasChoices("MicrosoftAppType", "microsoft_app_type")
    )
    microsoft_app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppTenantId", "microsoft_app_tenant_id")
    )
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST", "host"))
    port: int = Field(3978, ge=1, le=65535, validation_alias=AliasChoices("PORT", "port"))
    data_dir: Path = Field(Path("data"), validation_alias=AliasChoices("DATA_DIR", "data_dir"))
    database_url: str = Field(
        "",
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="PostgreSQL (postgresql://…) for several instances; empty: TinyDB files.",
    )
    sender_check_seconds: float = Field(
        1.0,
        ge=0.1,
        le=60,
        validation_alias=AliasChoices("SENDER_CHECK_SECONDS", "sender_check_seconds"),
        description="How often instances on PostgreSQL check who sends (the take-over time).",
    )
    timezone: str = Field(
        "Europe/Copenhagen", validation_alias=AliasChoices("TIMEZONE", "timezone")
    )
    admins: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias=AliasChoices("ADMINS", "admins")
    )
    allowed_tenants: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(),
        validation_alias=AliasChoices("ALLOWED_TENANTS", "allowed_tenants"),
        description="Tenant ids served; empty: MicrosoftAppTenantId if set, else any tenant.",
    )
    allow_unauthenticated: bool = Field(
        False,
        validation_alias=AliasChoices("ALLOW_UNAUTHENTICATED", "allow_unauthenticated"),
        description="Test rigs only: listen on a non-loopback HOST without MicrosoftAppId.",
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, validation_alias=AliasChoices("MAX_BODY_BYTES", "max_body_bytes")
    )
    http_read_timeout: float = Field(
        15.0,
        gt=0,
        le=300,
        validation_alias=AliasChoices("HTTP_READ_TIMEOUT", "http_read_timeout"),
        description="Seconds a client has to send a request's headers, and then its body; "
        "also how long an idle connection is kept open.",
    )
    max_concurrent_requests: int = Field(
        64,
        ge=1,
        le=10_000,
        validation_alias=AliasChoices("MAX_CONCURRENT_REQUESTS", "max_concurrent_requests"),
        description="Requests to /api/messages handled at once; more get 503 with Retry-After.",
    )
    body_buffer_bytes: int = Field(
        16 * 1024 * 1024,
        ge=64 * 1024,
        validation_alias=AliasChoices("BODY_BUFFER_BYTES", "body_buffer_bytes"),
        description="Bytes of request bodies on their way in, together; more get 503.",
    )
    healthz_token: str = Field(
        "",
        validation_alias=AliasChoices("HEALTHZ_TOKEN", "healthz_token"),
        description="Bearer token that shows /healthz's details off loopback (empty: none).",
    )

    turns_per_second: float = Field(
        5.0,
        ge=0,
        le=1000,
        validation_alias=AliasChoices("TURNS_PER_SECOND", "turns_per_second"),
        description="Messages and card clicks one user may send a second, on average "
        "(0: no limit); beyond it the bot answers once that they write too fast.",
    )
    turn_burst: int = Field(
        10,
        ge=1,
        le=10_000,
        validation_alias=AliasChoices("TURN_BURST", "turn_burst"),
        description="Turns one user may send at once before TURNS_PER_SECOND applies.",
    )

    reminder_interval_seconds: int = Field(
        60,
        ge=5,
        validation_alias=AliasChoices("REMINDER_INTERVAL_SECONDS", "reminder_interval_seconds"),
    )
    status_keep_rounds: int = Field(
        4,
        ge=1,
        le=100,
        validation_alias=AliasChoices("STATUS_KEEP_ROUNDS", "status_keep_rounds"),
        description="Comments are kept for this many status rounds, then purged.",
    )
    test_clock: bool = Field(False, validation_alias=AliasChoices("TEST_CLOCK", "test_clock"))
    cache_dir: Path = Field(
        Path.home() / ".cache" / "strategibot",
        validation_alias=AliasChoices("CACHE_DIR", "cache_dir"),
        description="Where the Q&A's trained classifier is kept, named by a hash of its examples.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO",
        validation_alias=AliasChoices("LOG_LEVEL", "log_level"),
        description="WARNING: problems only (``make run``'s quiet console); INFO adds each "
        "request and each run of the reminder job.",
    )
    log_format: Literal["plain", "json"] = Field(
        "plain",
        validation_alias=AliasChoices("LOG_FORMAT", "log_format"),
        description="json: one JSON object per line, for log collectors.",
    )

    @field_validator("admins", "allowed_tenants", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must start with postgresql:// (or be empty for TinyDB)")
        return value

    @field_validator("cache_dir")
    @classmethod
    def _home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _complete_credentials(self) -> Self:
        if not self.microsoft_app_id:
            return self
        if self.microsoft_app_type != "UserAssignedMSI" and not self.microsoft_app_password:
            raise ValueError("MicrosoftAppPassword is required when MicrosoftAppId is set")
        if self.microsoft_app_type != "MultiTenant" and not self.microsoft_app_tenant_id:
            raise ValueError(f"MicrosoftAppTenantId is required for {self.microsoft_app_type}")
        return self

    @model_validator(mode="after")
    def _no_open_door(self) -> Self:
        """Without an app id nothing is authenticated: listen on loopback only, unless a test
        rig says otherwise explicitly."""
        if self.local_mode and not is_loopback_host(self.host) and not self.allow_unauthenticated:
            raise PydanticCustomError(OPEN_DOOR, OPEN_DOOR_MESSAGE, {"host": self.host})
        return self

    @model_validator(mode="after")
    def _room_for_a_body(self) -> Self:
        if self.body_buffer_bytes < self.max_body_bytes:
            raise ValueError("BODY_BUFFER_BYTES must be at least MAX_BODY_BYTES")
        return self

    @model_validator(mode="after")
    def _default_tenant(self) -> Self:
        if not self.allowed_tenants and self.microsoft_app_tenant_id.strip():
            self.allowed_tenants = frozenset({self.microsoft_app_tenant_id.strip()})
        return self

    @property
    def local_mode(self) -> bool:
        """No app id: accept unauthenticated requests, as Microsoft's emulators do."""
        return not self.microsoft_app_id

    @property
    def authentication(self) -> str:
        """How requests are authenticated, for ``/healthz`` and the start-up log."""
        if not self.local_mode:
            return AUTH_ON
        return AUTH_ALLOWED if not is_loopback_host(self.host) else AUTH_LOOPBACK

    @property
    def warnings(self) -> list[str]:
        """What is configured but unsafe, for ``/healthz`` and the start-up log."""
        found = []
        multi_tenant = not self.local_mode and self.microsoft_app_type == "MultiTenant"
        if multi_tenant and not self.allowed_tenants:
            found.append(OPEN_TENANT_WARNING)
        return found

    @property
    def data_file(self) -> Path:
        """The data file the bot and every command use."""
        return self.data_dir / DATA_FILE

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)
