"""Which status nudges and LMU follow-ups are due: pure functions of ``now`` and stored data.

A nudge reminds a leader who has not answered a status round. For each ``n`` in the round's
``nudge_days`` (at most two), it goes out at 09:00 local time on the working day ``n``
working days before the deadline: the deadline day is day 0, the working day before it is
day 1, and so on, so weekends, Danish public holidays and closed days are never counted or
used. A follow-up asks the chair of an acknowledged LMU meeting, once, what the meeting
discussed: at 09:00 on the first working day after the meeting day.

Every message has a ledger key; a key in the ledger is never due again. A message whose time
has come but that can no longer be useful is returned as *missed*, so the caller records it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.reminders.due import is_working_day, next_working_day, previous_working_day
from dialogs.reminders.models import CommitteeKind, Policy
from dialogs.status.models import Round

MAX_NUDGES = 2
SEND_AT = time(9, 0)


@dataclass(frozen=True)
class Nudge:
    """One nudge to one leader who has not answered a round."""

    round_id: str
    leader_key: str
    index: int  # the position in the round's ``nudge_days``
    send_at: datetime
    key: str


@dataclass(frozen=True)
class FollowUp:
    """One question to the chair of an acknowledged LMU meeting, the day after it."""

    meeting_key: str  # "committee|meeting"
    committee_id: str
    meeting_id: str
    meeting_start: datetime
    focus: tuple[str, ...]
    send_at: datetime
    key: str


def nudge_key(round_id: str, leader_key: str, index: int) -> str:
    """The ledger key of one nudge."""
    return f"nudge:{round_id}:{leader_key}:{index}"


def followup_key(meeting_key: str) -> str:
    """The ledger key of the follow-up of one meeting."""
    return f"followup:{meeting_key}"


def working_days_before(day: date, n: int, policy: Policy) -> date:
    """The working day ``n`` working days before ``day`` (``n == 0``: ``day`` or the one before).

    ``day`` itself is day 0 whether or not it is a working day.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return previous_working_day(day, policy)
    while n:
        day -= timedelta(days=1)
        if is_working_day(day, policy):
            n -= 1
    return day


def closes_at(round_: Round, tz: ZoneInfo) -> datetime:
    """The end of the deadline day, local time."""
    return datetime.combine(round_.deadline + timedelta(days=1), time(0), tzinfo=tz)


def _scheduled(
    round_: Round, policy: Policy, tz: ZoneInfo, send_at: time
) -> list[tuple[int, datetime]]:
    """(index, time) of each nudge: negative days are ignored, a repeated time is sent once,
    and a time not after the round was opened is skipped."""
    found: dict[datetime, int] = {}
    for index, n in enumerate(round_.nudge_days[:MAX_NUDGES]):
        if n < 0:
            continue
        day = working_days_before(round_.deadline, n, policy)
        at = datetime.combine(day, send_at, tzinfo=tz)
        if at > round_.opened_at:
            found.setdefault(at, index)
    return sorted(((index, at) for at, index in found.items()), key=lambda p: p[1])


def nudge_times(
    round_: Round, policy: Policy, tz: ZoneInfo, send_at: time = SEND_AT
) -> list[datetime]:
    """When the nudges of ``round_`` go out, earliest first (local time, DST-correct)."""
    return [at for _, at in _scheduled(round_, policy, tz, send_at)]


def answered_count(round_: Round, answered: Collection[str]) -> int:
    """How many of the round's recipients have answered ("9 af 14 ledere har svaret")."""
    return len(set(round_.recipients) & set(answered))


def due_nudges(
    rounds: Iterable[Round],
    answered: Mapping[str, Collection[str]],
    ledger: Collection[str],
    now: datetime,
    policy: Policy,
    tz: ZoneInfo,
    catch_up: timedelta = timedelta(days=1),
    send_at: time = SEND_AT,
) -> tuple[list[Nudge], list[Nudge]]:
    """(due, missed) nudges to recipients who have not answered, for times up to ``now``.

    ``answered`` maps a round id to the keys of the leaders who have answered it. A nudge is
    due when its time has come within ``catch_up`` and the round is still open; it is missed
    when it is older, when the deadline has passed, or when a later nudge of the same round
    to the same leader is also due (one message, not two, after downtime). Leaders known
    only by e-mail (``email:`` keys) cannot be written to and get no nudges.
    """
    due: list[Nudge] = []
    missed: list[Nudge] = []
    for round_ in rounds:
        times = [(i, at) for i, at in _scheduled(round_, policy, tz, send_at) if at <= now]
        if not times:
            continue
        closed = now >= closes_at(round_, tz)
        done = set(answered.get(round_.id, ()))
        for leader in dict.fromkeys(round_.recipients):
            if leader in done or leader.startswith("email:"):
                continue
            pending = [
                Nudge(round_.id, leader, i, at, nudge_key(round_.id, leader, i))
                for i, at in times
                if nudge_key(round_.id, leader, i) not in ledger
            ]
            fresh = [] if closed else [n for n in pending if now - n.send_at <= catch_up]
            send = fresh[-1:]
            due.extend(send)
            missed.extend(n for n in pending if n not in send)
    due.sort(key=lambda n: (n.send_at, n.key))
    missed.sort(key=lambda n: (n.send_at, n.key))
    return due, missed


def followup_time(
    meeting_start: datetime, policy: Policy, tz: ZoneInfo, send_at: time = SEND_AT
) -> datetime:
    """09:00 local on the first working day after the (local) meeting day."""
    day = next_working_day(meeting_start.astimezone(tz).date(), policy)
    return datetime.combine(day, send_at, tzinfo=tz)


def due_followups(
    acks: Mapping[str, Mapping[str, Any]],
    notes: Collection[str],
    ledger: Collection[str],
    now: datetime,
    policy: Policy,
    tz: ZoneInfo,
    max_late: timedelta = timedelta(days=7),
    send_at: time = SEND_AT,
) -> tuple[list[FollowUp], list[FollowUp]]:
    """(due, missed) follow-ups of acknowledged LMU meetings, for times up to ``now``.

    ``acks`` are the acknowledgement documents by meeting key (``committee|meeting``, see
    ``ReminderRepository.acknowledge``); ``notes`` the meeting keys that already have a note.
    Only LMU meetings are followed up, once each; one more than ``max_late`` late is missed.
    Documents that cannot be read are left out.
    """
    due: list[FollowUp] = []
    missed: list[FollowUp] = []
    for meeting_key, ack in acks.items():
        key = followup_key(meeting_key)
        if ack.get("kind") != CommitteeKind.LMU.value or meeting_key in notes or key in ledger:
            continue
        start = _aware(ack.get("meeting_start"), tz)
        committee_id, sep, meeting_id = meeting_key.partition("|")
        if start is None or not sep:
            continue
        at = followup_time(start, policy, tz, send_at)
        if at > now:
            continue
        focus = ack.get("focus") or ()
        followup = FollowUp(
            meeting_key=meeting_key,
            committee_id=str(ack.get("committee_id") or committee_id),
            meeting_id=meeting_id,
            meeting_start=start,
            focus=tuple(str(f) for f in focus) if isinstance(focus, list | tuple) else (),
            send_at=at,
            key=key,
        )
        (missed if now - at > max_late else due).append(followup)
    due.sort(key=lambda f: (f.send_at, f.key))
    missed.sort(key=lambda f: (f.send_at, f.key))
    return due, missed


def _aware(value: object, tz: ZoneInfo) -> datetime | None:
    """An ISO time as an aware datetime (a naive one is local time); None if unreadable."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
