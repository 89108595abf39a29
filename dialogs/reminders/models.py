"""Committees, meetings and the reminder policy, as validated data."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CommitteeKind(StrEnum):
    """The kinds of committee that get reminders."""

    LMU = "LMU"
    OMU = "OMU"
    OMRAADEUDVALG = "Områdeudvalg"
    ANDET = "Andet"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Frozen):
    """A recipient, by Entra ID (AAD) object id."""

    user_id: str = Field(min_length=1)
    name: str = ""
    # Set while the chair has not yet approved a TRIO member who asked to join. None is
    # approved: the chair, and TRIO members stored before approvals existed (see
    # ``ReminderRepository.migrate_approvals``).
    pending_since: datetime | None = None

    @field_validator("pending_since")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("pending_since must carry a time zone")
        return value

    @property
    def pending(self) -> bool:
        """Waiting for the chair's approval: gets no reminders and may not use them."""
        return self.pending_since is not None


class Committee(_Frozen):
    """An LMU, OMU or other committee whose meetings carry the strategy as a fixed point."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=100)
    kind: CommitteeKind
    chair: Person
    trio: tuple[Person, ...] = ()
    remind_chair: bool = True  # in the chair's personal chat
    channel_id: str | None = None  # a team channel the bot is installed in
    lead_days: int = Field(7, ge=1, le=28)
    send_time: time = time(9, 0)
    paused_until: date | None = None
    # The meeting plan as the chair wrote it ("hver 6. uge tirsdag kl. 13"), shown again in
    # »ret udvalg«; "" once a meeting is moved, cancelled or imported (it no longer says it).
    schedule: str = Field("", max_length=2000)

    @field_validator("name")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name is empty")
        return value.strip()

    @property
    def approved_trio(self) -> tuple[Person, ...]:
        """The TRIO members the chair has approved."""
        return tuple(p for p in self.trio if not p.pending)

    def recipients(self) -> list[str]:
        """Recipient keys: ``user:<aad id>`` for personal chats, ``channel:<id>`` for channels;
        TRIO members only once approved."""
        trio = self.approved_trio
        people = [self.chair, *trio] if self.remind_chair else list(trio)
        keys = list(dict.fromkeys(f"user:{p.user_id}" for p in people))
        if self.channel_id:
            keys.append(f"channel:{self.channel_id}")
        return keys


class Meeting(_Frozen):
    """One meeting of a committee; a moved meeting keeps its id and gets a new start."""

    id: str = Field(min_length=1)
    committee_id: str
    start: datetime
    cancelled: bool = False

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("start must carry a time zone")
        return value


class Policy(_Frozen):
    """When reminders may be sent: never on weekends, Danish public holidays or closed days."""

    closed_days: tuple[tuple[int, int], ...] = ((12, 24), (12, 31), (6, 5))  # (month, day)
    catch_up_days: int = 60  # older meetings are not looked at
