"""Leaders, rounds and replies as the status repository stores them, built in one line.

Every record is made at :data:`AT` (20 May 2027, 10:00); leader ``n`` is ``aad-<n>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from content.models import Status
from dialogs.status.models import Answer, Leader, Round, StatusReply
from tests.conftest import TZ

AT = datetime(2027, 5, 20, 10, tzinfo=TZ)


def leader(n: int, unit: str = "Bostøtte", user_id: str | None = None) -> Leader:
    """Leader ``n`` of ``unit``, with a name and an e-mail address."""
    uid = f"aad-{n}" if user_id is None else user_id
    return Leader(user_id=uid, name=f"Leder {n}", email=f"leder{n}@example.invalid", unit=unit)


def make_round(
    leaders: Sequence[Leader],
    goals: Sequence[str] = ("1.1", "1.2", "2.3"),
    round_id: str = "r2",
    deadline: date = date(2027, 5, 31),
    units: Sequence[str] = (),
) -> Round:
    """Round ``round_id`` of ``goals`` to ``leaders``, opened at :data:`AT`."""
    return Round(
        id=round_id,
        name=f"Runde {round_id}",
        maalsaetninger=tuple(goals),
        recipients=tuple(x.key for x in leaders),
        units=tuple(units),
        deadline=deadline,
        opened_at=AT,
    )


def reply(
    who: Leader | str,
    statuses: dict[str, Status],
    round_id: str = "r2",
    *,
    unit: str | None = None,
    late: bool = False,
    comments: dict[str, tuple[str, str]] | None = None,
) -> StatusReply:
    """``who``'s reply to ``round_id``: a status per målsætning, and (comment, next step)."""
    user_id = who if isinstance(who, str) else who.user_id
    unit = unit if unit is not None else ("" if isinstance(who, str) else who.unit)
    texts = comments or {}
    answers = tuple(
        Answer(
            maalsaetning=ident,
            status=status,
            comment=texts.get(ident, ("", ""))[0],
            next_step=texts.get(ident, ("", ""))[1],
        )
        for ident, status in statuses.items()
    )
    return StatusReply(
        round_id=round_id,
        user_id=user_id,
        unit=unit,
        answers=answers,
        first_at=AT,
        updated_at=AT,
        late=late,
    )


def withdrawn(round_id: str = "r2") -> StatusReply:
    """What "slet mine data" leaves of a reply: that one was withdrawn."""
    return StatusReply(round_id=round_id, first_at=AT, updated_at=AT, withdrawn=True)
