"""Which reminder is due: pure functions of (now, committees, meetings, policy, ledger).

A reminder is sent ``lead_days`` calendar days before the meeting at the committee's send
time (09:00 Europe/Copenhagen by default), moved back to the previous working day when that
day is a weekend, a Danish public holiday or a closed day. Each (meeting, recipient) is
handled exactly once: the ledger holds every key that was sent, missed or paused.
"""

from __future__ import annotations

import bisect
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from dialogs.reminders.models import Committee, Meeting, Policy

Status = Literal["due", "missed", "paused"]


@lru_cache(maxsize=64)
def _danish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year))


def is_working_day(day: date, policy: Policy) -> bool:
    """Not a weekend, not a Danish public holiday, not a closed day (24/12, 31/12, 5/6)."""
    if day.weekday() >= 5 or day in _danish_holidays(day.year):
        return False
    return (day.month, day.day) not in policy.closed_days


def previous_working_day(day: date, policy: Policy) -> date:
    """``day`` itself if it is a working day, else the nearest working day before it."""
    while not is_working_day(day, policy):
        day -= timedelta(days=1)
    return day


def next_working_day(day: date, policy: Policy) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day, policy):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=8192)
def _send_day(meeting_day: date, lead_days: int, policy: Policy) -> date:
    return previous_working_day(meeting_day - timedelta(days=lead_days), policy)


def send_time(meeting: Meeting, committee: Committee, policy: Policy, tz: ZoneInfo) -> datetime:
    """When the reminder for ``meeting`` goes out, in local wall-clock time (DST-correct)."""
    day = _send_day(meeting.start.astimezone(tz).date(), committee.lead_days, policy)
    return datetime.combine(day, committee.send_time, tzinfo=tz)


def reminder_key(meeting: Meeting, recipient: str) -> str:
    """The ledger key of one reminder: once per meeting and recipient."""
    return f"{meeting.committee_id}|{meeting.id}|{recipient}"


@dataclass(frozen=True)
class Planned:
    """One reminder and what to do with it now."""

    key: str
    committee: Committee
    meeting: Meeting
    recipient: str
    send_at: datetime
    status: Status


def plan(
    now: datetime,
    committees: Iterable[Committee],
    meetings: Iterable[Meeting],
    policy: Policy,
    tz: ZoneInfo,
    handled: Iterable[str] = (),
    snoozed: Mapping[str, datetime] | None = None,
) -> list[Planned]:
    """What to do now with every reminder not yet handled.

    ``due``: its send time has come and the meeting is still ahead (after downtime this is
    the catch-up); ``missed``: the meeting started before it was sent, so it is recorded,
    never sent; ``paused``: the committee is paused on the send day. Reminders whose time
    has not come are left out (see :func:`upcoming`).
    """
    found = _all(now, committees, meetings, policy, tz, handled, snoozed)
    return [p for p in found if p.status == "missed" or p.send_at <= now]


def upcoming(
    now: datetime,
    days: int,
    committees: Iterable[Committee],
    meetings: Iterable[Meeting],
    policy: Policy,
    tz: ZoneInfo,
    handled: Iterable[str] = (),
    snoozed: Mapping[str, datetime] | None = None,
) -> list[Planned]:
    """Reminders that will be sent within ``days`` days, soonest first."""
    horizon = now + timedelta(days=days)
    found = _all(now, committees, meetings, policy, tz, handled, snoozed)
    return [p for p in found if now < p.send_at <= horizon and p.status == "due"]


def _all(
    now: datetime,
    committees: Iterable[Committee],
    meetings: Iterable[Meeting],
    policy: Policy,
    tz: ZoneInfo,
    handled: Iterable[str],
    snoozed: Mapping[str, datetime] | None,
) -> list[Planned]:
    by_id = {c.id: c for c in committees}
    done = set(handled)
    snoozed = snoozed or {}
    oldest = now - timedelta(days=policy.catch_up_days)
    result: list[Planned] = []
    for meeting in meetings:
        committee = by_id.get(meeting.committee_id)
        if committee is None or meeting.cancelled or meeting.start < oldest:
            continue
        regular = send_time(meeting, committee, policy, tz)
        for recipient in committee.recipients():
            key = reminder_key(meeting, recipient)
            if key in done:
                continue
            at = snoozed.get(key, regular)
            status: Status
            if now >= meeting.start:
                status = "missed"  # it was never sent before the meeting
            elif at >= meeting.start:
                continue  # snoozed past the meeting: nothing useful to send
            elif committee.paused_until and at.astimezone(tz).date() <= committee.paused_until:
                status = "paused"
            else:
                status = "due"
            result.append(Planned(key, committee, meeting, recipient, at, status))
    result.sort(key=lambda p: (p.send_at, p.key))
    return result


def snooze_until(now: datetime, committee: Committee, policy: Policy, tz: ZoneInfo) -> datetime:
    """ "Påmind mig igen i morgen": the next working day at the committee's send time."""
    day = next_working_day(now.astimezone(tz).date(), policy)
    return datetime.combine(day, committee.send_time, tzinfo=tz)


SnoozeKind = Literal["hours", "tomorrow"]
SNOOZE_HOURS = 2  # "Påmind mig om 2 timer", offered when the meeting is today or tomorrow


def snooze_time(
    kind: SnoozeKind, now: datetime, committee: Committee, policy: Policy, tz: ZoneInfo
) -> datetime:
    """When a snooze of ``kind`` clicked at ``now`` sends the reminder again."""
    if kind == "hours":
        return now + timedelta(hours=SNOOZE_HOURS)
    return snooze_until(now, committee, policy, tz)


def snooze_offer(
    now: datetime, meeting: Meeting, committee: Committee, policy: Policy, tz: ZoneInfo
) -> SnoozeKind | None:
    """Which "Påmind mig igen" a reminder shown at ``now`` offers, so that the new reminder
    lands before the meeting: in :data:`SNOOZE_HOURS` hours when the meeting is today or
    tomorrow, else the next working day (or in hours, when that day is too late). None when
    no snooze lands before the meeting: the reminder then offers none."""
    days = (meeting.start.astimezone(tz).date() - now.astimezone(tz).date()).days
    kinds: tuple[SnoozeKind, ...] = ("hours",) if days <= 1 else ("tomorrow", "hours")
    for kind in kinds:
        if now < snooze_time(kind, now, committee, policy, tz) < meeting.start:
            return kind
    return None


def confirmation_counts(
    committee_id: str,
    meeting_start: datetime,
    *,
    committees: Container[str] | None,
    since: datetime | None,
    now: datetime | None,
) -> bool:
    """Whether a "Sat på dagsordenen" (or a meeting note) counts in what OMU and the
    half-year report are told: its committee still exists (among ``committees``) and its
    meeting has taken place in the window, ``since`` ≤ start ≤ ``now``. A confirmation of a
    meeting still ahead is a plan, not a meeting held. None leaves that bound out."""
    if committees is not None and committee_id not in committees:
        return False
    if since is not None and meeting_start < since:
        return False
    return now is None or meeting_start <= now


@dataclass
class SendIndex:
    """Meetings ordered by the earliest moment a reminder of theirs may go out, so the job
    that runs every minute looks only at meetings whose time has come, never at every stored
    one. Built from the stored plans (:func:`send_index`); a meeting leaves it once every
    reminder of it is handled (:meth:`settled`) or it is older than the catch-up window."""

    committees: dict[str, Committee]
    meetings: dict[str, list[Meeting]]  # by committee, by start
    times: list[datetime]  # the earliest send time of each meeting in ``queue``, ascending
    queue: list[Meeting]
    built: datetime
    token: str | None = None
    _next: int = 0  # queue[:_next] have been moved into _due
    _due: dict[tuple[str, str], Meeting] = field(default_factory=dict)

    def due(self, now: datetime, policy: Policy) -> list[Meeting]:
        """The meetings that may have a reminder to handle now: their earliest send time has
        come, not every reminder of them is handled, and they started within the catch-up
        window. Costs what became due since the last call, and what is still open."""
        end = bisect.bisect_right(self.times, now)
        for meeting in self.queue[self._next : end]:
            self._due[(meeting.committee_id, meeting.id)] = meeting
        self._next = max(self._next, end)
        oldest = now - timedelta(days=policy.catch_up_days)
        for key in [k for k, m in self._due.items() if m.start < oldest]:
            del self._due[key]
        return sorted(self._due.values(), key=lambda m: (m.start, m.id))

    def settled(self, meeting: Meeting) -> None:
        """Every reminder of ``meeting`` is handled: it is not looked at again."""
        self._due.pop((meeting.committee_id, meeting.id), None)


def send_index(
    committees: Iterable[Committee],
    meetings: Iterable[Meeting],
    policy: Policy,
    tz: ZoneInfo,
    snoozed: Mapping[str, datetime],
    built: datetime,
    token: str | None = None,
) -> SendIndex:
    """The :class:`SendIndex` of the stored plans: a meeting's earliest send time is its
    regular one (:func:`send_time`) or a snooze of one of its reminders, if sooner."""
    by_id = {c.id: c for c in committees}
    snoozes: dict[tuple[str, str], datetime] = {}  # the soonest snooze of each meeting
    for key, at in snoozed.items():
        committee_id, _, rest = key.partition("|")
        meeting_key = (committee_id, rest.partition("|")[0])
        snoozes[meeting_key] = min(at, snoozes.get(meeting_key, at))
    grouped: dict[str, list[Meeting]] = {}
    ahead: list[tuple[datetime, str, str, Meeting]] = []
    for meeting in meetings:  # by start (ReminderRepository.meetings)
        grouped.setdefault(meeting.committee_id, []).append(meeting)
        committee = by_id.get(meeting.committee_id)
        if committee is None or meeting.cancelled:
            continue
        earliest = send_time(meeting, committee, policy, tz)
        snooze = snoozes.get((meeting.committee_id, meeting.id))
        if snooze is not None and snooze < earliest:
            earliest = snooze
        ahead.append((earliest, meeting.committee_id, meeting.id, meeting))
    ahead.sort(key=lambda entry: (entry[0].timestamp(), entry[1], entry[2]))
    return SendIndex(by_id, grouped, [a[0] for a in ahead], [a[3] for a in ahead], built, token)
