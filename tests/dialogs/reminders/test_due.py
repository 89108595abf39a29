"""When reminders go out: working days, holidays, DST, catch-up, missed, pause, snooze."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogs.reminders.due import (
    confirmation_counts,
    is_working_day,
    plan,
    reminder_key,
    send_time,
    snooze_offer,
    snooze_time,
    snooze_until,
    upcoming,
)
from dialogs.reminders.models import Committee, Meeting, Person, Policy

TZ = ZoneInfo("Europe/Copenhagen")
POLICY = Policy()
LMU = Committee(
    id="lmu-orum", name="LMU Område Ørum", kind="LMU", chair=Person(user_id="aad-chair"),
    channel_id="19:lmu@thread.tacv2",
)  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def meeting(start: str, ident: str = "m1", **kw: object) -> Meeting:
    return Meeting(id=ident, committee_id=LMU.id, start=at(start), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("meeting_start", "expected"),
    [
        ("2026-11-24 13:00", "2026-11-17 09:00"),  # plain Tuesday, 7 days before
        ("2026-11-30 10:00", "2026-11-23 09:00"),  # Monday → Monday
        ("2026-11-29 10:00", "2026-11-20 09:00"),  # Sunday meeting: Sunday → Friday before
        ("2026-04-09 10:00", "2026-04-01 09:00"),  # skærtorsdag 2 April → Wednesday 1 April
        ("2026-04-13 13:00", "2026-04-01 09:00"),  # 2. påskedag 6/4 → back past Easter to 1/4
        ("2026-12-31 10:00", "2026-12-23 09:00"),  # 24/12 closed
        ("2027-01-07 13:00", "2026-12-30 09:00"),  # 31/12 closed
        ("2026-06-12 09:00", "2026-06-04 09:00"),  # 5/6 grundlovsdag closed
        (
            "2027-05-07 10:00",
            "2027-04-30 09:00",
        ),  # Store Bededag: no holiday since 2024
    ],
)
def test_send_time_moves_back_to_a_working_day(meeting_start: str, expected: str) -> None:
    assert send_time(meeting(meeting_start), LMU, POLICY, TZ) == at(expected)


def test_send_time_is_nine_local_on_both_sides_of_dst() -> None:
    before = send_time(meeting("2026-04-02 13:00"), LMU, POLICY, TZ)  # send 26/3, CET
    after = send_time(meeting("2026-04-07 13:00"), LMU, POLICY, TZ)  # send 31/3, CEST
    assert (before.hour, before.utcoffset()) == (9, timedelta(hours=1))
    assert (after.hour, after.utcoffset()) == (9, timedelta(hours=2))
    autumn = send_time(meeting("2026-11-02 13:00"), LMU, POLICY, TZ)  # send 26/10, after DST ends
    assert (autumn.hour, autumn.utcoffset()) == (9, timedelta(hours=1))


def test_working_days() -> None:
    assert is_working_day(date(2026, 11, 23), POLICY)
    assert not is_working_day(date(2026, 11, 22), POLICY)  # Sunday
    assert not is_working_day(date(2026, 12, 25), POLICY)  # juledag
    assert not is_working_day(date(2026, 12, 24), POLICY)  # closed day
    assert is_working_day(date(2026, 5, 1), POLICY)  # Store Bededag 2026 would have been 1/5


def test_configurable_lead_time_and_send_time() -> None:
    committee = LMU.model_copy(update={"lead_days": 3, "send_time": time(13, 30)})
    assert send_time(meeting("2026-11-27 10:00"), committee, POLICY, TZ) == at("2026-11-24 13:30")


def test_due_once_per_recipient_and_then_handled() -> None:
    meetings = [meeting("2026-11-24 13:00")]
    due = plan(at("2026-11-17 09:00"), [LMU], meetings, POLICY, TZ)
    assert {(p.recipient, p.status) for p in due} == {
        ("user:aad-chair", "due"), ("channel:19:lmu@thread.tacv2", "due"),
    }  # fmt: skip
    assert plan(at("2026-11-17 08:59"), [LMU], meetings, POLICY, TZ) == []
    handled = [p.key for p in due]
    assert plan(at("2026-11-18 09:00"), [LMU], meetings, POLICY, TZ, handled) == []


def test_catch_up_after_downtime_sends_if_the_meeting_is_ahead_else_records_missed() -> None:
    meetings = [meeting("2026-11-20 13:00", "early"), meeting("2026-11-26 13:00", "later")]
    after_downtime = at("2026-11-23 10:00")
    planned = {p.meeting.id: p.status for p in plan(after_downtime, [LMU], meetings, POLICY, TZ)}
    assert planned == {"early": "missed", "later": "due"}


def test_cancelled_meetings_get_no_reminder_and_moved_ones_follow_the_new_date() -> None:
    cancelled = meeting("2026-11-24 13:00", cancelled=True)
    assert plan(at("2026-11-20 09:00"), [LMU], [cancelled], POLICY, TZ) == []
    moved = meeting("2026-12-01 13:00")  # same id, new start
    assert plan(at("2026-11-17 09:00"), [LMU], [moved], POLICY, TZ) == []
    assert plan(at("2026-11-24 09:00"), [LMU], [moved], POLICY, TZ)


def test_pause_records_reminders_in_the_pause_as_paused() -> None:
    paused = LMU.model_copy(update={"paused_until": date(2026, 11, 30)})
    planned = plan(at("2026-11-17 09:00"), [paused], [meeting("2026-11-24 13:00")], POLICY, TZ)
    assert {p.status for p in planned} == {"paused"}


def test_snooze_to_the_next_working_day() -> None:
    friday = at("2026-11-20 10:15")
    assert snooze_until(friday, LMU, POLICY, TZ) == at("2026-11-23 09:00")
    one = meeting("2026-11-27 13:00")
    key = reminder_key(one, "user:aad-chair")
    snoozed = {key: at("2026-11-23 09:00")}
    handled = [reminder_key(one, "channel:19:lmu@thread.tacv2")]
    assert plan(at("2026-11-22 12:00"), [LMU], [one], POLICY, TZ, handled, snoozed) == []
    [again] = plan(at("2026-11-23 09:00"), [LMU], [one], POLICY, TZ, handled, snoozed)
    assert again.key == key


def test_upcoming_lists_what_will_be_sent() -> None:
    meetings = [meeting("2026-12-08 13:00", "a"), meeting("2027-03-01 13:00", "b")]
    soon = upcoming(at("2026-11-23 10:00"), 30, [LMU], meetings, POLICY, TZ)
    assert {(p.meeting.id, p.send_at) for p in soon} == {("a", at("2026-12-01 09:00"))}


# -- "Påmind mig igen": the snooze must land before the meeting -------------------------------


@pytest.mark.parametrize(
    ("now", "start", "offered", "lands"),
    [
        # The meeting is later today: in two hours, not tomorrow (which is after it).
        ("2027-01-05 09:00", "2027-01-05 13:00", "hours", "2027-01-05 11:00"),
        # Tomorrow: in two hours too (tomorrow 9.00 would be close to a 9.30 meeting).
        ("2027-01-04 09:00", "2027-01-05 09:30", "hours", "2027-01-04 11:00"),
        # A week ahead: the next working day at the send time.
        ("2027-01-05 09:00", "2027-01-12 13:00", "tomorrow", "2027-01-06 09:00"),
        # Friday, the meeting Monday at 8: Monday 9.00 is too late, two hours are not.
        ("2027-01-08 09:00", "2027-01-11 08:00", "hours", "2027-01-08 11:00"),
    ],
)
def test_the_snooze_offered_lands_before_the_meeting(
    now: str, start: str, offered: str, lands: str
) -> None:
    one = meeting(start)
    kind = snooze_offer(at(now), one, LMU, POLICY, TZ)
    assert kind == offered
    assert kind is not None
    until = snooze_time(kind, at(now), LMU, POLICY, TZ)
    assert until == at(lands) < one.start


@pytest.mark.parametrize(
    ("now", "start"),
    [
        ("2027-01-05 11:00", "2027-01-05 13:00"),  # two hours would be the meeting itself
        ("2027-01-05 12:30", "2027-01-05 13:00"),
        ("2027-01-05 14:00", "2027-01-05 13:00"),  # it has begun
    ],
)
def test_no_snooze_when_none_lands_before_the_meeting(now: str, start: str) -> None:
    assert snooze_offer(at(now), meeting(start), LMU, POLICY, TZ) is None


# -- which confirmations OMU and the report count ---------------------------------------------


def test_a_confirmation_counts_for_an_existing_committee_and_a_meeting_held_in_the_window() -> None:
    since, now = at("2027-01-05 10:00"), at("2027-01-19 09:00")

    def counts(committee: str, start: str) -> bool:
        return confirmation_counts(committee, at(start), committees={"lmu"}, since=since, now=now)

    assert counts("lmu", "2027-01-12 13:00")
    assert counts("lmu", "2027-01-05 10:00")  # the same minute as OMU's last meeting
    assert counts("lmu", "2027-01-19 09:00")  # just begun
    assert not counts("lmu", "2027-01-19 13:00")  # confirmed, but not held yet
    assert not counts("lmu", "2027-01-04 13:00")  # before OMU's last meeting
    assert not counts("gone", "2027-01-12 13:00")  # a deleted committee
    unbounded = confirmation_counts("x", at("2030-01-01 10:00"), committees=None, since=None,
                                    now=None)  # fmt: skip
    assert unbounded
