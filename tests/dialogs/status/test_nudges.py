"""Status nudges and LMU follow-ups: working days, holidays, DST, ledger, catch-up, missed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.reminders.due import is_working_day
from dialogs.reminders.models import Policy
from dialogs.status.models import Round
from dialogs.status.nudges import (
    FollowUp,
    Nudge,
    answered_count,
    closes_at,
    due_followups,
    due_nudges,
    followup_key,
    followup_time,
    nudge_key,
    nudge_times,
    working_days_before,
)

TZ = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")
POLICY = Policy()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def make_round(
    deadline: str,
    *,
    ident: str = "r1",
    recipients: tuple[str, ...] = ("aad-1", "aad-2", "aad-3"),
    opened: str = "2026-01-05 10:00",
    nudge_days: tuple[int, ...] = (3, 1),
) -> Round:
    return Round(
        id=ident, name="Forår 2026", maalsaetninger=("2.3",), recipients=recipients,
        deadline=date.fromisoformat(deadline), opened_at=at(opened), nudge_days=nudge_days,
    )  # fmt: skip


def times(deadline: str, **kw: Any) -> list[str]:
    return [
        t.strftime("%a %Y-%m-%d %H:%M") for t in nudge_times(make_round(deadline, **kw), POLICY, TZ)
    ]


# -- when ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        # A Monday deadline: Wednesday (3) and Friday (1) the week before.
        ("2026-12-07", ["Wed 2026-12-02 09:00", "Fri 2026-12-04 09:00"]),
        # Wednesday: Friday (3 = Tue, Mon, Fri) and Tuesday.
        ("2026-12-09", ["Fri 2026-12-04 09:00", "Tue 2026-12-08 09:00"]),
        # Tuesday after Easter 2026 (skærtorsdag 2/4 … 2. påskedag 6/4).
        ("2026-04-07", ["Mon 2026-03-30 09:00", "Wed 2026-04-01 09:00"]),
        # Monday after Christmas 2026: 24/12 and 31/12 closed, 25/12, 26/12 and 1/1 holidays.
        ("2027-01-04", ["Mon 2026-12-28 09:00", "Wed 2026-12-30 09:00"]),
        # The Friday after Kristi himmelfartsdag (Thursday 14 May 2026).
        ("2026-05-15", ["Mon 2026-05-11 09:00", "Wed 2026-05-13 09:00"]),
        # The Monday after Grundlovsdag (Friday 5 June, a closed day).
        ("2026-06-08", ["Tue 2026-06-02 09:00", "Thu 2026-06-04 09:00"]),
        # The Tuesday after Pinse (2. pinsedag Monday 25 May 2026).
        ("2026-05-26", ["Wed 2026-05-20 09:00", "Fri 2026-05-22 09:00"]),
        # A deadline on a Sunday counts back from the Sunday: Wednesday and Friday.
        ("2026-12-06", ["Wed 2026-12-02 09:00", "Fri 2026-12-04 09:00"]),
    ],
)
def test_nudges_are_n_working_days_before_the_deadline(deadline: str, expected: list[str]) -> None:
    assert times(deadline) == expected


def test_nudges_are_nine_local_time_across_the_dst_change() -> None:
    # Summer time starts Sunday 29 March 2026; the deadline is Tuesday 31 March.
    first, second = nudge_times(make_round("2026-03-31"), POLICY, TZ)
    assert (first.date(), first.time(), first.utcoffset()) == (
        date(2026, 3, 26),
        time(9),
        timedelta(hours=1),
    )
    assert (second.date(), second.time(), second.utcoffset()) == (
        date(2026, 3, 30),
        time(9),
        timedelta(hours=2),
    )
    assert first.astimezone(UTC).hour == 8 and second.astimezone(UTC).hour == 7


def test_nudges_when_summer_time_ends() -> None:
    # Winter time starts Sunday 25 October 2026.
    first, second = nudge_times(make_round("2026-10-27"), POLICY, TZ)
    assert first.astimezone(UTC) == datetime(2026, 10, 22, 7, tzinfo=UTC)
    assert second.astimezone(UTC) == datetime(2026, 10, 26, 8, tzinfo=UTC)


def test_a_single_nudge_day() -> None:
    assert times("2026-12-09", nudge_days=(2,)) == ["Mon 2026-12-07 09:00"]


def test_no_nudge_days_no_nudges() -> None:
    assert times("2026-12-09", nudge_days=()) == []


def test_at_most_two_nudges() -> None:
    assert times("2026-12-09", nudge_days=(5, 3, 1)) == [
        "Wed 2026-12-02 09:00",
        "Fri 2026-12-04 09:00",
    ]


def test_day_zero_is_the_deadline_day_and_the_same_day_twice_is_one_nudge() -> None:
    assert times("2026-12-09", nudge_days=(0,)) == ["Wed 2026-12-09 09:00"]
    assert times("2026-12-06", nudge_days=(0,)) == ["Fri 2026-12-04 09:00"]  # a Sunday
    assert times("2026-12-09", nudge_days=(1, 1)) == ["Tue 2026-12-08 09:00"]
    assert times("2026-12-09", nudge_days=(-1, 1)) == ["Tue 2026-12-08 09:00"]


def test_the_order_of_nudge_days_does_not_matter() -> None:
    assert times("2026-12-09", nudge_days=(1, 3)) == times("2026-12-09", nudge_days=(3, 1))


def test_nudges_before_the_round_was_opened_are_skipped() -> None:
    assert times("2026-12-09", opened="2026-12-05 12:00") == ["Tue 2026-12-08 09:00"]
    assert times("2026-12-09", opened="2026-12-08 09:00") == []  # opened that very minute
    assert times("2026-12-09", opened="2026-12-09 08:00") == []


def test_send_time_can_be_chosen() -> None:
    [nudge] = nudge_times(make_round("2026-12-09", nudge_days=(1,)), POLICY, TZ, time(13, 30))
    assert nudge == at("2026-12-08 13:30")


def test_closed_days_come_from_the_policy() -> None:
    policy = Policy(closed_days=((12, 4),))
    [first, _] = nudge_times(make_round("2026-12-09"), policy, TZ)
    assert first == at("2026-12-03 09:00")


def test_working_days_before_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        working_days_before(date(2026, 12, 9), -1, POLICY)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 10))
def test_a_nudge_day_is_a_working_day_with_n_minus_1_working_days_up_to_the_deadline(
    deadline: date, n: int
) -> None:
    day = working_days_before(deadline, n, POLICY)
    assert is_working_day(day, POLICY)
    assert day < deadline
    between = [day + timedelta(days=k) for k in range(1, (deadline - day).days)]
    assert sum(is_working_day(d, POLICY) for d in between) == n - 1


# -- who and whether -----------------------------------------------------------------------


def due_at(
    now: str,
    rounds: list[Round],
    answered: dict[str, set[str]] | None = None,
    ledger: set[str] | None = None,
    **kw: Any,
) -> tuple[list[Nudge], list[Nudge]]:
    return due_nudges(rounds, answered or {}, ledger or set(), at(now), POLICY, TZ, **kw)


def keys(nudges: list[Nudge]) -> list[str]:
    return [n.key for n in nudges]


def test_only_those_who_have_not_answered_are_nudged() -> None:
    round_ = make_round("2026-12-09")
    due, missed = due_at("2026-12-04 09:00", [round_], {"r1": {"aad-2"}})
    assert keys(due) == ["nudge:r1:aad-1:0", "nudge:r1:aad-3:0"]
    assert missed == []
    assert due[0] == Nudge("r1", "aad-1", 0, at("2026-12-04 09:00"), "nudge:r1:aad-1:0")


def test_nothing_before_the_time() -> None:
    assert due_at("2026-12-04 08:59", [make_round("2026-12-09")]) == ([], [])


def test_the_ledger_prevents_duplicates() -> None:
    round_ = make_round("2026-12-09")
    due, _ = due_at("2026-12-04 09:00", [round_])
    sent = set(keys(due))
    assert due_at("2026-12-04 09:01", [round_], ledger=sent) == ([], [])
    due, _ = due_at("2026-12-08 09:00", [round_], ledger=sent)
    assert keys(due) == ["nudge:r1:aad-1:1", "nudge:r1:aad-2:1", "nudge:r1:aad-3:1"]


def test_catch_up_after_downtime_within_a_day() -> None:
    due, missed = due_at("2026-12-05 08:59", [make_round("2026-12-09")])
    assert len(due) == 3 and missed == []


def test_a_nudge_older_than_the_catch_up_window_is_missed() -> None:
    round_ = make_round("2026-12-09")
    due, missed = due_at("2026-12-05 09:01", [round_])
    assert due == [] and keys(missed) == [
        nudge_key("r1", k, 0) for k in ("aad-1", "aad-2", "aad-3")
    ]
    due, missed = due_at("2026-12-06 09:01", [round_], catch_up=timedelta(days=3))
    assert len(due) == 3 and missed == []


def test_after_long_downtime_only_the_latest_nudge_is_sent() -> None:
    round_ = make_round("2026-12-09", recipients=("aad-1",), nudge_days=(2, 1))
    due, missed = due_at("2026-12-08 10:00", [round_], catch_up=timedelta(days=2))
    assert keys(due) == ["nudge:r1:aad-1:1"]
    assert keys(missed) == ["nudge:r1:aad-1:0"]


def test_no_nudge_once_the_deadline_has_passed() -> None:
    round_ = make_round("2026-12-09", nudge_days=(0,))
    due, _ = due_at("2026-12-09 23:59", [round_])
    assert len(due) == 3
    due, missed = due_at("2026-12-10 00:00", [round_], catch_up=timedelta(days=30))
    assert due == [] and len(missed) == 3
    assert closes_at(round_, TZ) == at("2026-12-10 00:00")


def test_every_round_on_its_own() -> None:
    first = make_round("2026-12-09", ident="a", recipients=("aad-1",))
    second = make_round("2026-12-07", ident="b", recipients=("aad-1", "aad-2"))
    due, _ = due_at("2026-12-04 09:00", [first, second], {"b": {"aad-2"}, "a": {"aad-2"}})
    assert keys(due) == ["nudge:a:aad-1:0", "nudge:b:aad-1:1"]


def test_leaders_known_only_by_email_are_not_nudged() -> None:
    round_ = make_round("2026-12-09", recipients=("email:leder@norddjurs.dk", "aad-1"))
    due, missed = due_at("2026-12-04 09:00", [round_])
    assert keys(due) == ["nudge:r1:aad-1:0"] and missed == []


def test_everyone_answered_no_nudges() -> None:
    round_ = make_round("2026-12-09")
    assert due_at("2026-12-04 09:00", [round_], {"r1": {"aad-1", "aad-2", "aad-3"}}) == ([], [])


def test_a_round_opened_after_the_first_nudge_time_gets_only_the_second() -> None:
    round_ = make_round("2026-12-09", opened="2026-12-04 12:00")
    assert due_at("2026-12-04 12:30", [round_]) == ([], [])
    due, _ = due_at("2026-12-08 09:00", [round_])
    assert {n.index for n in due} == {1}


def test_answered_count() -> None:
    round_ = make_round("2026-12-09")
    assert answered_count(round_, {"aad-1", "aad-3", "someone-else"}) == 2
    assert answered_count(round_, set()) == 0


# -- follow-ups after LMU meetings ---------------------------------------------------------


def ack(start: str, kind: str = "LMU", focus: tuple[str, ...] = ("2.3",)) -> dict[str, Any]:
    return {"committee_id": "lmu-1", "kind": kind, "meeting_start": at(start).isoformat(),
            "focus": list(focus), "at": at("2026-11-01 10:00").isoformat()}  # fmt: skip


def followups(
    now: str,
    acks: dict[str, dict[str, Any]],
    notes: set[str] | None = None,
    ledger: set[str] | None = None,
) -> tuple[list[FollowUp], list[FollowUp]]:
    return due_followups(acks, notes or set(), ledger or set(), at(now), POLICY, TZ)


def test_the_chair_is_asked_the_day_after_the_meeting() -> None:
    acks = {"lmu-1|m1": ack("2026-11-24 13:00")}
    assert followups("2026-11-25 08:59", acks) == ([], [])
    due, missed = followups("2026-11-25 09:00", acks)
    assert due == [
        FollowUp(
            meeting_key="lmu-1|m1", committee_id="lmu-1", meeting_id="m1",
            meeting_start=at("2026-11-24 13:00"), focus=("2.3",),
            send_at=at("2026-11-25 09:00"), key="followup:lmu-1|m1",
        )
    ]  # fmt: skip
    assert missed == []


def test_a_follow_up_after_a_friday_meeting_lands_on_monday() -> None:
    acks = {"lmu-1|m1": ack("2026-11-27 14:00")}
    assert followups("2026-11-29 12:00", acks) == ([], [])
    [due], _ = followups("2026-11-30 09:00", acks)
    assert due.send_at == at("2026-11-30 09:00")


def test_a_follow_up_skips_holidays() -> None:
    # Onsdag 1 April 2026, then skærtorsdag … 2. påskedag: Tuesday 7 April.
    assert followup_time(at("2026-04-01 15:00"), POLICY, TZ) == at("2026-04-07 09:00")
    # Meeting 23 December: 24 closed, 25/26 holidays, 27 Sunday: Monday 28 December.
    assert followup_time(at("2026-12-23 10:00"), POLICY, TZ) == at("2026-12-28 09:00")


def test_the_meeting_day_is_local() -> None:
    # 23:30 UTC on Monday is 00:30 on Tuesday in Copenhagen: follow up on Wednesday.
    start = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert followup_time(start, POLICY, TZ) == at("2026-11-25 09:00")


def test_only_lmu_meetings_are_followed_up() -> None:
    acks = {"omu|m1": ack("2026-11-24 13:00", kind="OMU"),
            "x|m2": ack("2026-11-24 13:00", kind="Andet"),
            "y|m3": {**ack("2026-11-24 13:00"), "kind": None}}  # fmt: skip
    assert followups("2026-11-25 09:00", acks) == ([], [])


def test_no_follow_up_when_a_note_exists() -> None:
    acks = {"lmu-1|m1": ack("2026-11-24 13:00")}
    assert followups("2026-11-25 09:00", acks, notes={"lmu-1|m1"}) == ([], [])


def test_a_follow_up_is_sent_once() -> None:
    acks = {"lmu-1|m1": ack("2026-11-24 13:00")}
    assert followups("2026-11-26 09:00", acks, ledger={followup_key("lmu-1|m1")}) == ([], [])


def test_a_follow_up_more_than_seven_days_late_is_missed() -> None:
    acks = {"lmu-1|m1": ack("2026-11-24 13:00")}
    due, missed = followups("2026-12-02 09:00", acks)  # exactly seven days late
    assert len(due) == 1 and missed == []
    due, missed = followups("2026-12-02 09:01", acks)
    assert due == [] and [f.key for f in missed] == ["followup:lmu-1|m1"]


def test_several_meetings_soonest_first() -> None:
    acks = {"lmu-1|late": ack("2026-11-24 13:00"), "lmu-1|early": ack("2026-11-20 10:00"),
            "lmu-1|future": ack("2026-12-01 10:00")}  # fmt: skip
    due, _ = followups("2026-11-25 09:00", acks)
    assert [f.meeting_id for f in due] == ["early", "late"]


def test_unreadable_acknowledgements_are_left_out() -> None:
    acks: dict[str, dict[str, Any]] = {
        "lmu-1|a": {**ack("2026-11-24 13:00"), "meeting_start": "i går"},
        "lmu-1|b": {**ack("2026-11-24 13:00"), "meeting_start": None},
        "no-separator": ack("2026-11-24 13:00"),
        "lmu-1|c": {**ack("2026-11-24 13:00"), "focus": "2.3"},
        "lmu-1|d": {"kind": "LMU", "meeting_start": "2026-11-24T13:00:00"},  # naive: local
    }
    due, missed = followups("2026-11-25 09:00", acks)
    assert [(f.meeting_key, f.focus, f.committee_id) for f in due] == [
        ("lmu-1|c", (), "lmu-1"), ("lmu-1|d", (), "lmu-1")
    ]  # fmt: skip
    assert missed == []
