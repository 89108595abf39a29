"""Which reminder is due: pure functions of (now, committees, meetings, policy, ledger).

A reminder is sent ``lead_days`` calendar days before the meeting at the committee's send
time (09:00 Europe/Copenhagen by default), moved back to the previous working day when that
day is a weekend, a Danish public holiday or a closed day. Each (meeting, recipient) is
handled exactly once: the ledger holds every key that was sent, missed or paused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


def send_time(meeting: Meeting, committee: Committee, policy: Policy, tz: ZoneInfo) -> datetime:
    """When the reminder for ``meeting`` goes out, in local wall-clock time (DST-correct)."""
    meeting_day = meeting.start.astimezone(tz).date()
    day = previous_working_day(meeting_day - timedelta(days=committee.lead_days), policy)
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
