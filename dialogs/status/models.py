"""Leaders, status rounds, their replies and LMU meeting notes, as validated data."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from content.models import Status

MAX_COMMENT = 500  # characters in a comment or a next step
MAX_POINTS = 600  # characters in a meeting's main points (1–3 lines)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("time must carry a time zone")
    return value


def _aware_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


class Leader(_Frozen):
    """A leader who answers status rounds for one unit (tilbud/afdeling).

    ``user_id`` is the Entra ID (AAD) object id; a leader imported with only an e-mail has
    ``user_id == ""`` and is unreachable until the id is known.
    """

    user_id: str = ""
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=320)
    unit: str = Field(min_length=1, max_length=120)
    source: str = "chat"  # "chat" or "import"
    # Set while an admin has not yet approved a self-registered leader. None is approved:
    # imported leaders, and leaders stored before approvals existed (see
    # ``StatusRepository.migrate_approvals``).
    pending_since: datetime | None = None

    _since = field_validator("pending_since")(_aware_or_none)

    @property
    def key(self) -> str:
        """The storage key: the AAD id, else ``email:<address>``."""
        return self.user_id or f"email:{self.email.lower()}"

    @property
    def pending(self) -> bool:
        """Waiting for an admin's approval: gets no status cards and counts in no report."""
        return self.pending_since is not None


class Round(_Frozen):
    """One status round ("Forår 2026") with its målsætninger, recipients and deadline."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=100)
    maalsaetninger: tuple[str, ...] = Field(min_length=1)
    recipients: tuple[str, ...]  # leader keys
    units: tuple[str, ...] = ()  # the units asked; empty = every unit
    deadline: date  # replies are on time until the end of this day, local time
    opened_at: datetime
    opened_by: str = ""
    nudge_days: tuple[int, ...] = (3, 1)  # working days before the deadline

    _opened = field_validator("opened_at")(_aware)


class Answer(_Frozen):
    """The status of one målsætning in one reply."""

    maalsaetning: str
    status: Status
    comment: str = Field("", max_length=MAX_COMMENT)
    next_step: str = Field("", max_length=MAX_COMMENT)


class StatusReply(_Frozen):
    """One leader's reply to one round; edited in place until (and after) the deadline.

    A withdrawn reply ("slet mine data") keeps no person, unit or text: only that one was
    withdrawn, so the report can say so.
    """

    round_id: str
    user_id: str = ""
    unit: str = ""
    answers: tuple[Answer, ...] = ()
    first_at: datetime
    updated_at: datetime
    late: bool = False
    withdrawn: bool = False

    _first = field_validator("first_at", "updated_at")(_aware)

    def answer(self, maalsaetning: str) -> Answer | None:
        """The answer for one målsætning, if given."""
        return next((a for a in self.answers if a.maalsaetning == maalsaetning), None)


class MeetingNote(_Frozen):
    """What an LMU meeting discussed of the strategy, from its chair the day after."""

    committee_id: str
    meeting_id: str
    meeting_start: datetime
    maalsaetninger: tuple[str, ...]
    points: str = Field("", max_length=MAX_POINTS)
    author: str = ""
    at: datetime

    _start = field_validator("meeting_start", "at")(_aware)
