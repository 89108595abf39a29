"""A question forwarded to the experts, and a supplementary answer, as validated data."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION = 1000  # characters, as a question to the bot
MAX_NOTE = 500  # characters in the asker's note
MAX_ANSWER = 2000  # characters in an expert's answer

State = Literal["open", "answered", "closed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("time must carry a time zone")
    return value


class Question(_Frozen):
    """A question the asker forwarded to the experts' channel, and what became of it.

    ``asker`` is the asker's Entra ID object id (their answer comes to their personal chat);
    ``attempted`` is what the bot answered (``fallback``, or the target that got a 👎).
    ``expert_id``/``expert_name`` is who answered or closed it; ``supplement`` the id of the
    supplementary answer published from it ("" if none, ``withdrawn`` once withdrawn).
    """

    id: str = Field(min_length=1, max_length=64)
    asker: str = Field(min_length=1)
    asker_name: str = Field("", max_length=200)
    text: str = Field(min_length=1, max_length=MAX_QUESTION)
    note: str = Field("", max_length=MAX_NOTE)
    attempted: str = Field("fallback", max_length=100)
    asked_at: datetime
    state: State = "open"
    answer: str = Field("", max_length=MAX_ANSWER)
    expert_id: str = ""
    expert_name: str = Field("", max_length=200)
    handled_at: datetime | None = None
    supplement: str = ""
    published_by: str = Field("", max_length=200)  # a name, shown on the card
    published_by_id: str = ""
    published_at: datetime | None = None

    _times = field_validator("asked_at", "handled_at", "published_at")(_aware)

    @property
    def published(self) -> bool:
        """True while a supplementary answer made from it is given."""
        return bool(self.supplement) and self.supplement != WITHDRAWN


WITHDRAWN = "withdrawn"


class Supplement(_Frozen):
    """An expert's answer the bot gives for questions like ``question``, always marked as
    not part of the strategy's text."""

    id: str = Field(min_length=1, max_length=64)
    question_id: str
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER)
    expert_id: str = ""
    expert_name: str = Field("", max_length=200)
    answered_at: datetime
    published_at: datetime
    asker: str = ""  # whose question it was made from: "slet mine data" withdraws it

    _times = field_validator("answered_at", "published_at")(_aware)
