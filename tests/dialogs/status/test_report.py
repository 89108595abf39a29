"""The report model: pure rules from stored rounds, replies, leaders and meeting notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from content import Content
from content.models import Status
from dialogs.status.models import Leader, MeetingNote, Round, StatusReply
from dialogs.status.report import Report, build_report, danish_key, mean_score, trend
from tests.conftest import TZ
from tests.dialogs.status.records import AT, leader, make_round, reply, withdrawn

S, D, N, R = Status.ON_TRACK, Status.PARTLY, Status.NOT_STARTED, Status.NOT_RELEVANT


def report_of(
    content: Content,
    round_: Round,
    replies: Sequence[StatusReply],
    leaders: Sequence[Leader],
    meetings: Sequence[MeetingNote] = (),
    previous: tuple[Round, Sequence[StatusReply]] | None = None,
    reachable: Sequence[str] | None = None,
    same_within: Fraction = Fraction(1, 10),
) -> Report:
    keys = [x.key for x in leaders] if reachable is None else reachable
    return build_report(
        content.strategy,
        round_,
        replies,
        leaders,
        meetings,
        previous,
        keys,
        same_within=same_within,
    )


def test_distributions_and_response_rates(content: Content) -> None:
    leaders = [leader(1), leader(2, "Botilbud"), leader(3, "Myndighed"), leader(4)]
    round_ = make_round(leaders)
    replies = [
        reply(leaders[0], {"1.1": S, "1.2": D, "2.3": N}),
        reply(leaders[1], {"1.1": S, "1.2": R}),
        reply(leaders[2], {"1.1": D}),
    ]
    report = report_of(content, round_, replies, leaders)
    assert (report.recipients, report.answered, report.replies) == (4, 3, 3)
    assert report.response_rate == 0.75
    goals = {m.id: m for m in report.maalsaetninger}
    assert [m.id for m in report.maalsaetninger] == ["1.1", "1.2", "2.3"]
    assert goals["1.1"].counts == {S: 2, D: 1, N: 0, R: 0}
    assert goals["1.2"].counts == {S: 0, D: 1, N: 0, R: 1}
    assert goals["2.3"].counts == {S: 0, D: 0, N: 1, R: 0}
    assert (goals["1.1"].answered, goals["1.2"].answered, goals["2.3"].answered) == (3, 2, 1)
    assert goals["1.2"].response_rate == 0.5
    assert goals["1.1"].mean == Fraction(5, 3)
    assert goals["1.2"].mean == 1  # not relevant is left out
    assert goals["1.1"].text == content.strategy.maalsaetning("1.1").text  # type: ignore[union-attr]
    one, two = report.pejlemaerker
    assert (one.number, one.name, two.number) == (1, "Borgeren først", 2)
    assert [m.id for m in one.maalsaetninger] == ["1.1", "1.2"]
    assert one.counts == {S: 2, D: 2, N: 0, R: 1}
    assert one.mean == Fraction(6, 4)


def test_replies_of_other_rounds_and_goals_outside_the_round_are_ignored(
    content: Content,
) -> None:
    leaders = [leader(1), leader(2)]
    round_ = make_round(leaders, goals=("1.1",))
    replies = [
        reply(leaders[0], {"1.1": N, "3.1": S}),
        reply(leaders[1], {"1.1": S}, round_id="r1"),
        withdrawn(round_id="r1"),
    ]
    report = report_of(content, round_, replies, leaders)
    assert (report.answered, report.replies, report.withdrawn) == (1, 1, 0)
    [goal] = report.maalsaetninger
    assert goal.counts[S] == 0 and goal.counts[N] == 1
    assert [p.number for p in report.pejlemaerker] == [1]
    assert [m.key for m in report.missing] == ["aad-2"]


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        ([S, S], [S, D], "better"),
        ([S, D], [D, S], "same"),
        ([D, N], [S, D], "worse"),
        ([S, S], [R, R], None),  # the previous round has no scored answer
        ([R], [S], None),  # this round has none
    ],
)
def test_trend_against_the_previous_round(
    content: Content, now: list[Status], before: list[Status], expected: str | None
) -> None:
    leaders = [leader(n) for n in range(len(now) + len(before))]
    round_ = make_round(leaders, goals=("2.3",))
    old = make_round(leaders, goals=("2.3",), round_id="r1", deadline=date(2026, 11, 30))
    replies = [reply(x, {"2.3": s}) for x, s in zip(leaders, now, strict=False)]
    previous = [reply(x, {"2.3": s}, round_id="r1") for x, s in zip(leaders, before, strict=False)]
    previous.append(reply(leaders[-1], {"2.3": N}, round_id="r0"))  # another round: ignored
    report = report_of(content, round_, replies, leaders, previous=(old, previous))
    [goal] = report.maalsaetninger
    assert goal.trend == expected
    assert report.pejlemaerker[0].trend == expected
    assert report.previous_round == "Runde r1"


def test_no_previous_round_means_no_trend(content: Content) -> None:
    leaders = [leader(1)]
    report = report_of(content, make_round(leaders), [reply(leaders[0], {"1.1": S})], leaders)
    assert report.previous_round is None
    assert {m.trend for m in report.maalsaetninger} == {None}
    assert report.maalsaetninger[0].previous_mean is None


def test_small_changes_are_the_same_unless_asked_for_exactly() -> None:
    before, now = Fraction(3, 2), Fraction(29, 20)  # 1.5 → 1.45
    assert trend(now, before, Fraction(1, 10)) == "same"
    assert trend(now, before) == "worse"
    assert trend(Fraction(16, 10), before, Fraction(1, 10)) == "better"  # exactly 0.1 counts
    assert trend(before, before) == "same"
    assert mean_score({S: 1, D: 1, N: 1, R: 5}) == 1
    assert mean_score({R: 3}) is None


def test_late_and_withdrawn_replies(content: Content) -> None:
    leaders = [leader(1), leader(2), leader(3)]
    replies = [
        reply(leaders[0], {"1.1": S}, late=True, comments={"1.1": ("Sent men godt", "")}),
        reply(leaders[1], {"1.1": D}),
        withdrawn(),
        withdrawn(),
    ]
    report = report_of(content, make_round(leaders), replies, leaders)
    assert (report.late, report.withdrawn, report.answered, report.replies) == (1, 2, 2, 2)
    goal = report.maalsaetninger[0]
    assert goal.total == 2
    [comment] = goal.comments
    assert (comment.comment, comment.late, comment.unit) == ("Sent men godt", True, "Bostøtte")
    assert [e.late for e in goal.entries] == [True, False]


def test_lmu_meetings_are_counted_once_within_the_half_year(content: Content) -> None:
    def note(committee: str, meeting: str, start: datetime, *ids: str) -> MeetingNote:
        return MeetingNote(
            committee_id=committee,
            meeting_id=meeting,
            meeting_start=start,
            maalsaetninger=ids,
            at=start,
        )

    meetings = [
        note("lmu-a", "m1", datetime(2027, 2, 9, 13, tzinfo=TZ), "1.1", "1.2"),
        note("lmu-a", "m1", datetime(2027, 2, 9, 13, tzinfo=TZ), "1.1"),  # the same meeting
        note("lmu-b", "m1", datetime(2027, 3, 9, 13, tzinfo=TZ), "1.1"),
        note("lmu-a", "m2", datetime(2026, 12, 3, 13, tzinfo=TZ), "1.1"),  # previous half-year
        note("lmu-a", "m3", datetime(2027, 7, 1, 9, tzinfo=TZ), "1.1"),  # next half-year
        # 31 December 23:30 UTC is 1 January local time: in the half-year.
        note("lmu-c", "m1", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "1.2"),
        # 30 June 22:30 UTC is 1 July local time: outside.
        note("lmu-c", "m2", datetime(2027, 6, 30, 22, 30, tzinfo=UTC), "1.2"),
    ]
    leaders = [leader(1)]
    report = report_of(content, make_round(leaders), [], leaders, meetings=meetings)
    assert report.half_year == (date(2027, 1, 1), date(2027, 6, 30))
    counts = {m.id: m.meetings for m in report.maalsaetninger}
    assert counts == {"1.1": 2, "1.2": 2, "2.3": 0}


def test_not_answered_and_unreachable_leaders(content: Content) -> None:
    answered = leader(1)
    waiting = leader(2, "Botilbud")
    no_app = leader(3, "Myndighed")
    imported = Leader(email="Ny.Leder@Example.invalid", name="Leder 4", unit="Aktivitet")
    leaders = [answered, waiting, no_app, imported]
    round_ = make_round(leaders)
    report = report_of(
        content,
        round_,
        [reply(answered, {"1.1": S})],
        leaders,
        reachable=["aad-1", "aad-2", "email:ny.leder@example.invalid"],
    )
    assert [(r.name, r.reachable) for r in report.missing] == [
        ("Leder 4", False),  # no AAD id yet: unreachable even if listed
        ("Leder 2", True),
        ("Leder 3", False),
    ]
    assert [r.name for r in report.unreachable] == ["Leder 4", "Leder 3"]
    assert report.missing[0].key == "email:ny.leder@example.invalid"


def test_an_imported_recipient_who_registered_later_counts_as_answered(content: Content) -> None:
    registered = Leader(user_id="aad-7", email="leder7@example.invalid", unit="Bostøtte")
    round_ = Round(
        id="r2",
        name="Forår",
        maalsaetninger=("1.1",),
        recipients=("email:Leder7@example.invalid", "aad-7"),
        deadline=date(2027, 5, 31),
        opened_at=AT,
    )
    report = report_of(content, round_, [reply(registered, {"1.1": S})], [registered])
    assert (report.recipients, report.answered, report.missing) == (1, 1, ())


def test_a_reply_from_outside_the_recipients_is_shown_but_not_in_the_response_rate(
    content: Content,
) -> None:
    leaders = [leader(1), leader(2)]
    newcomer = leader(9, "Socialpsykiatri")
    replies = [reply(leaders[0], {"1.1": S}), reply(newcomer, {"1.1": N})]
    report = report_of(content, make_round(leaders), replies, [*leaders, newcomer])
    goal = report.maalsaetninger[0]
    assert (report.answered, report.recipients, report.replies) == (1, 2, 2)
    assert (goal.answered, goal.total, goal.counts[N]) == (1, 2, 1)
    assert "Socialpsykiatri" in report.heatmap.units


def test_heatmap_shows_the_worst_status_of_a_unit(content: Content) -> None:
    leaders = [
        leader(1, "Zoo"),
        leader(2, "Zoo"),
        leader(3, "Åen"),
        leader(4, "Æblegården"),
        leader(5, "Øen"),
    ]
    round_ = make_round(leaders, goals=("1.1", "1.2"), units=("Øen",))
    replies = [
        reply(leaders[0], {"1.1": S, "1.2": R}),
        reply(leaders[1], {"1.1": D, "1.2": R}),
        reply(leaders[2], {"1.1": R, "1.2": N}),
        reply(leaders[3], {"1.1": S}),
    ]
    heat = report_of(content, round_, replies, leaders).heatmap
    assert heat.units == ("Øen", "Zoo", "Æblegården", "Åen")  # asked first, then Danish order
    assert heat.maalsaetninger == ("1.1", "1.2")
    assert heat.cell("1.1", "Zoo") == D
    assert heat.cell("1.2", "Zoo") == R  # only not relevant
    assert heat.cell("1.1", "Åen") == R
    assert heat.cell("1.2", "Æblegården") is None  # no answer
    assert heat.cells[0] == (None, D, S, R)


def test_comments_are_in_danish_unit_order_and_keep_their_unit(content: Content) -> None:
    leaders = [leader(1, "Åen"), leader(2, "Zoo"), leader(3, "Æblegården")]
    text = {"1.1": ("Godt i gang", "Næste møde")}
    replies = [
        reply(leaders[0], {"1.1": S}, comments=text),
        reply(leaders[1], {"1.1": D}, comments=text),
        reply(leaders[2], {"1.1": N}),  # no text: not a comment
        reply("aad-x", {"1.1": D}, unit="", comments=text),  # unknown unit: last
    ]
    report = report_of(content, make_round(leaders), replies, leaders)
    goal = report.maalsaetninger[0]
    assert [e.unit for e in goal.comments] == ["Zoo", "Åen", ""]
    assert [e.unit for e in goal.entries] == ["Zoo", "Æblegården", "Åen", ""]
    assert goal.comments[0].next_step == "Næste møde"
    assert len(list(report.entries())) == 4
    assert sorted(["å", "z", "ø", "æ"], key=danish_key) == ["z", "æ", "ø", "å"]


def test_a_reply_without_a_unit_takes_the_leaders_unit(content: Content) -> None:
    leaders = [leader(1, "Botilbud")]
    replies = [reply(leaders[0], {"1.1": S}, unit="")]
    report = report_of(content, make_round(leaders), replies, leaders)
    assert report.maalsaetninger[0].entries[0].unit == "Botilbud"


def test_ten_thousand_replies(content: Content) -> None:
    goals = [m.id for m in content.strategy.maalsaetninger]
    leaders = [leader(n, f"Enhed {n % 40}") for n in range(10_000)]
    round_ = make_round(leaders, goals=goals)
    statuses = list(Status)
    replies = [
        reply(x, {g: statuses[(n + i) % 4] for i, g in enumerate(goals[: 1 + n % 14])})
        for n, x in enumerate(leaders)
    ]
    report = report_of(content, round_, replies, leaders)
    assert report.answered == 10_000
    assert sum(m.total for m in report.maalsaetninger) == sum(1 + n % 14 for n in range(10_000))
    assert len(report.heatmap.units) == 40
