"""Meeting calendars: Danish schedule text, occurrences across DST, .ics import, Danish dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content import Content
from content.models import SCHEDULE_ERRORS
from scheduler.calendar import (
    Schedule,
    ScheduleError,
    ScheduleErrorCode,
    format_date,
    format_meeting,
    import_ics,
    latest_date,
    parse_date,
    parse_schedule,
)

TZ = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 1, 5)  # a Monday
EXAMPLES = (
    "»hver 6. uge tirsdag kl. 13«, »tirsdag i ulige uger kl. 14«, "
    "»første torsdag i måneden kl. 9« eller datoer som »14-01-2027 kl. 13«"
)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def first(schedule: Schedule, count: int) -> list[datetime]:
    return schedule.occurrences(local(2026, 1, 1), local(2028, 1, 1))[:count]


# --------------------------------------------------------------------------- patterns

PATTERNS = [
    # (text, normalised description, first meetings as local (y, m, d, h, mi))
    (
        "hver uge onsdag kl. 10",
        "hver uge onsdag kl. 10.00 fra 7. januar 2026",
        [(2026, 1, 7, 10, 0), (2026, 1, 14, 10, 0), (2026, 1, 21, 10, 0)],
    ),
    (
        "hver anden uge tirsdag kl. 13",
        "hver anden uge tirsdag kl. 13.00 fra 6. januar 2026",
        [(2026, 1, 6, 13, 0), (2026, 1, 20, 13, 0), (2026, 2, 3, 13, 0)],
    ),
    (
        "hver 6. uge tirsdag kl. 13",
        "hver 6. uge tirsdag kl. 13.00 fra 6. januar 2026",
        [(2026, 1, 6, 13, 0), (2026, 2, 17, 13, 0), (2026, 3, 31, 13, 0)],
    ),
    (
        "hver 3. uge fredag kl 9 fra 16. januar 2026",
        "hver 3. uge fredag kl. 9.00 fra 16. januar 2026",
        [(2026, 1, 16, 9, 0), (2026, 2, 6, 9, 0), (2026, 2, 27, 9, 0)],
    ),
    (  # "fra" a Wednesday: the series starts at the first Tuesday after it
        "hver 6. uge tirsdag kl. 13 fra 14. januar 2026",
        "hver 6. uge tirsdag kl. 13.00 fra 20. januar 2026",
        [(2026, 1, 20, 13, 0), (2026, 3, 3, 13, 0), (2026, 4, 14, 13, 0)],
    ),
    (
        "hver onsdag 10.30",
        "hver uge onsdag kl. 10.30 fra 7. januar 2026",
        [(2026, 1, 7, 10, 30), (2026, 1, 14, 10, 30)],
    ),
    (
        "hver 14. dag torsdag kl. 13-15",
        "hver anden uge torsdag kl. 13.00 fra 8. januar 2026",
        [(2026, 1, 8, 13, 0), (2026, 1, 22, 13, 0)],
    ),
    (
        "tirsdag hver 6. uge kl. 13 fra og med 13. januar 2026",
        "hver 6. uge tirsdag kl. 13.00 fra 13. januar 2026",
        [(2026, 1, 13, 13, 0), (2026, 2, 24, 13, 0)],
    ),
    (
        "hver 2. uge mandag kl. 8 til 19. januar 2026",
        "hver anden uge mandag kl. 8.00 fra 5. januar 2026 til 19. januar 2026",
        [(2026, 1, 5, 8, 0), (2026, 1, 19, 8, 0)],
    ),
    (
        "første torsdag i måneden kl. 9",
        "første torsdag i måneden kl. 9.00 fra 5. februar 2026",
        [(2026, 2, 5, 9, 0), (2026, 3, 5, 9, 0), (2026, 4, 2, 9, 0)],
    ),
    (
        "anden tirsdag i måneden kl. 13",
        "anden tirsdag i måneden kl. 13.00 fra 13. januar 2026",
        [(2026, 1, 13, 13, 0), (2026, 2, 10, 13, 0), (2026, 3, 10, 13, 0)],
    ),
    (
        "tredje onsdag i måneden kl 14",
        "tredje onsdag i måneden kl. 14.00 fra 21. januar 2026",
        [(2026, 1, 21, 14, 0), (2026, 2, 18, 14, 0), (2026, 3, 18, 14, 0)],
    ),
    (
        "fjerde mandag i måneden kl. 8.30",
        "fjerde mandag i måneden kl. 8.30 fra 26. januar 2026",
        [(2026, 1, 26, 8, 30), (2026, 2, 23, 8, 30), (2026, 3, 23, 8, 30)],
    ),
    (
        "sidste fredag i måneden kl. 12",
        "sidste fredag i måneden kl. 12.00 fra 30. januar 2026",
        [(2026, 1, 30, 12, 0), (2026, 2, 27, 12, 0), (2026, 3, 27, 12, 0)],
    ),
    (
        "næstsidste fredag i måneden kl. 12",
        "næstsidste fredag i måneden kl. 12.00 fra 23. januar 2026",
        [(2026, 1, 23, 12, 0), (2026, 2, 20, 12, 0)],
    ),
    (
        "første dag i måneden kl. 8",
        "den 1. i hver måned kl. 8.00 fra 1. februar 2026",
        [(2026, 2, 1, 8, 0), (2026, 3, 1, 8, 0)],
    ),
    (
        "den 15. i hver måned kl. 10",
        "den 15. i hver måned kl. 10.00 fra 15. januar 2026",
        [(2026, 1, 15, 10, 0), (2026, 2, 15, 10, 0), (2026, 3, 15, 10, 0)],
    ),
    (
        "hver måned den 3. kl. 10",
        "den 3. i hver måned kl. 10.00 fra 3. februar 2026",
        [(2026, 2, 3, 10, 0), (2026, 3, 3, 10, 0)],
    ),
    (
        "sidste dag i måneden kl. 9",
        "sidste dag i måneden kl. 9.00 fra 31. januar 2026",
        [(2026, 1, 31, 9, 0), (2026, 2, 28, 9, 0), (2026, 3, 31, 9, 0)],
    ),
    (
        "første og tredje torsdag i måneden kl. 9",
        "første torsdag i måneden kl. 9.00 fra 5. februar 2026, "
        "tredje torsdag i måneden kl. 9.00 fra 15. januar 2026",
        [(2026, 1, 15, 9, 0), (2026, 2, 5, 9, 0), (2026, 2, 19, 9, 0)],
    ),
    (
        "hver anden uge tirsdag og torsdag kl. 13",
        "hver anden uge tirsdag kl. 13.00 fra 6. januar 2026, "
        "hver anden uge torsdag kl. 13.00 fra 8. januar 2026",
        [(2026, 1, 6, 13, 0), (2026, 1, 8, 13, 0), (2026, 1, 20, 13, 0)],
    ),
    # odd and even ISO weeks (5 January 2026 is in week 2)
    (
        "tirsdag i ulige uger kl. 14",
        "tirsdag i ulige uger kl. 14.00 fra 13. januar 2026",
        [(2026, 1, 13, 14, 0), (2026, 1, 27, 14, 0), (2026, 2, 10, 14, 0)],
    ),
    (
        "onsdag i lige uger kl. 9",
        "onsdag i lige uger kl. 9.00 fra 7. januar 2026",
        [(2026, 1, 7, 9, 0), (2026, 1, 21, 9, 0), (2026, 2, 4, 9, 0)],
    ),
    (
        "i uge med lige ugenummer torsdag kl. 10",
        "torsdag i lige uger kl. 10.00 fra 8. januar 2026",
        [(2026, 1, 8, 10, 0), (2026, 1, 22, 10, 0)],
    ),
    (
        "ulige uger tirsdag kl. 14 fra 1. marts 2026 til 31. marts 2026",
        "tirsdag i ulige uger kl. 14.00 fra 10. marts 2026 til 31. marts 2026",
        [(2026, 3, 10, 14, 0), (2026, 3, 24, 14, 0)],
    ),
    (  # a lone weekday joins the series after it
        "tirsdag og torsdag i ulige uger kl. 14",
        "tirsdag i ulige uger kl. 14.00 fra 13. januar 2026, "
        "torsdag i ulige uger kl. 14.00 fra 15. januar 2026",
        [(2026, 1, 13, 14, 0), (2026, 1, 15, 14, 0), (2026, 1, 27, 14, 0)],
    ),
    # "hver anden"/"hver 2."/"hver tredje" weekday: without "fra", the first such day from today
    (
        "hver anden torsdag kl. 10",
        "hver anden uge torsdag kl. 10.00 fra 8. januar 2026",
        [(2026, 1, 8, 10, 0), (2026, 1, 22, 10, 0), (2026, 2, 5, 10, 0)],
    ),
    (
        "hver tredje torsdag kl. 10",
        "hver 3. uge torsdag kl. 10.00 fra 8. januar 2026",
        [(2026, 1, 8, 10, 0), (2026, 1, 29, 10, 0), (2026, 2, 19, 10, 0)],
    ),
    (
        "hver anden torsdag kl. 10 fra 15. januar 2026",
        "hver anden uge torsdag kl. 10.00 fra 15. januar 2026",
        [(2026, 1, 15, 10, 0), (2026, 1, 29, 10, 0)],
    ),
    (
        "hver anden uge tirsdag kl. 13 fra 20. januar 2026",
        "hver anden uge tirsdag kl. 13.00 fra 20. januar 2026",
        [(2026, 1, 20, 13, 0), (2026, 2, 3, 13, 0)],
    ),
    (  # two days in the same weeks, whichever is written first
        "hver anden uge fredag og tirsdag kl. 9",
        "hver anden uge fredag kl. 9.00 fra 9. januar 2026, "
        "hver anden uge tirsdag kl. 9.00 fra 6. januar 2026",
        [(2026, 1, 6, 9, 0), (2026, 1, 9, 9, 0), (2026, 1, 20, 9, 0), (2026, 1, 23, 9, 0)],
    ),
    (  # "fra" written once, at the end, starts both days
        "hver anden uge tirsdag og torsdag kl. 13 fra 2. marts 2026",
        "hver anden uge tirsdag kl. 13.00 fra 3. marts 2026, "
        "hver anden uge torsdag kl. 13.00 fra 5. marts 2026",
        [(2026, 3, 3, 13, 0), (2026, 3, 5, 13, 0), (2026, 3, 17, 13, 0)],
    ),
    # ordinal weekdays in the month
    (
        "den 2. mandag i hver måned kl. 13.30",
        "anden mandag i måneden kl. 13.30 fra 12. januar 2026",
        [(2026, 1, 12, 13, 30), (2026, 2, 9, 13, 30), (2026, 3, 9, 13, 30)],
    ),
    (
        "hver måned den 2. mandag kl. 13.30",
        "anden mandag i måneden kl. 13.30 fra 12. januar 2026",
        [(2026, 1, 12, 13, 30), (2026, 2, 9, 13, 30)],
    ),
    (
        "første og tredje tirsdag i måneden kl. 9",
        "første tirsdag i måneden kl. 9.00 fra 6. januar 2026, "
        "tredje tirsdag i måneden kl. 9.00 fra 20. januar 2026",
        [(2026, 1, 6, 9, 0), (2026, 1, 20, 9, 0), (2026, 2, 3, 9, 0), (2026, 2, 17, 9, 0)],
    ),
    (
        "den 1. og 3. torsdag i måneden kl. 9",
        "første torsdag i måneden kl. 9.00 fra 5. februar 2026, "
        "tredje torsdag i måneden kl. 9.00 fra 15. januar 2026",
        [(2026, 1, 15, 9, 0), (2026, 2, 5, 9, 0), (2026, 2, 19, 9, 0)],
    ),
    (
        "sidste fredag i hver måned kl. 12",
        "sidste fredag i måneden kl. 12.00 fra 30. januar 2026",
        [(2026, 1, 30, 12, 0), (2026, 2, 27, 12, 0), (2026, 3, 27, 12, 0)],
    ),
    # explicit dates and times
    ("14-01-2027 kl. 13", "torsdag 14. januar 2027 kl. 13.00", [(2027, 1, 14, 13, 0)]),
    ("14.1.2027 13:00", "torsdag 14. januar 2027 kl. 13.00", [(2027, 1, 14, 13, 0)]),
    ("14. januar 2027 kl. 13.30", "torsdag 14. januar 2027 kl. 13.30", [(2027, 1, 14, 13, 30)]),
    ("torsdag 14. januar 2027 kl 13", "torsdag 14. januar 2027 kl. 13.00", [(2027, 1, 14, 13, 0)]),
    ("torsdag den 14/1-2027 kl. 13", "torsdag 14. januar 2027 kl. 13.00", [(2027, 1, 14, 13, 0)]),
    ("14. jan. 2027 kl 9", "torsdag 14. januar 2027 kl. 9.00", [(2027, 1, 14, 9, 0)]),
    ("14-01-27 kl. 13", "torsdag 14. januar 2027 kl. 13.00", [(2027, 1, 14, 13, 0)]),
    # a date without a year is the next such date on or after today
    ("5. januar kl. 9", "mandag 5. januar 2026 kl. 9.00", [(2026, 1, 5, 9, 0)]),
    ("4/1 kl. 9", "mandag 4. januar 2027 kl. 9.00", [(2027, 1, 4, 9, 0)]),
    (
        "14-01-2027 kl. 13, 11-02-2027 kl. 13; 11.3.2027 9 og 8. april 2027 kl 10\n6/5-2027 kl. 13",
        "torsdag 14. januar 2027 kl. 13.00, torsdag 11. februar 2027 kl. 13.00, "
        "torsdag 11. marts 2027 kl. 9.00, torsdag 8. april 2027 kl. 10.00, "
        "torsdag 6. maj 2027 kl. 13.00",
        [
            (2027, 1, 14, 13, 0),
            (2027, 2, 11, 13, 0),
            (2027, 3, 11, 9, 0),
            (2027, 4, 8, 10, 0),
            (2027, 5, 6, 13, 0),
        ],
    ),
    (  # out of order, duplicated, and one clock time shared by several dates
        "11/2-2027, 14/1-2027 og 11/2-2027 kl. 13",
        "torsdag 14. januar 2027 kl. 13.00, torsdag 11. februar 2027 kl. 13.00",
        [(2027, 1, 14, 13, 0), (2027, 2, 11, 13, 0)],
    ),
    (  # a recurrence and an extra meeting
        "første torsdag i måneden kl. 9 og 23-12-2026 kl. 10",
        "første torsdag i måneden kl. 9.00 fra 5. februar 2026, onsdag 23. december 2026 kl. 10.00",
        [(2026, 2, 5, 9, 0), (2026, 3, 5, 9, 0)],
    ),
]


@pytest.mark.parametrize(("text", "description", "meetings"), PATTERNS)
def test_parse_schedule_patterns(
    text: str, description: str, meetings: list[tuple[int, int, int, int, int]]
) -> None:
    schedule = parse_schedule(text, TZ, TODAY)
    assert schedule.description == description
    assert first(schedule, len(meetings)) == [local(*m) for m in meetings]


@pytest.mark.parametrize(("text", "description", "meetings"), PATTERNS)
def test_the_description_parses_to_the_same_schedule(
    text: str, description: str, meetings: list[tuple[int, int, int, int, int]]
) -> None:
    schedule = parse_schedule(text, TZ, TODAY)
    assert parse_schedule(schedule.description, TZ, TODAY) == schedule


@pytest.mark.parametrize(
    ("canonical", "variants"),
    [
        (
            "hver 6. uge tirsdag kl. 13",
            [
                "Hver 6. Uge Tirsdag Kl. 13",
                "  hver  6.uge   tirsdag kl.13  ",
                "hver 6. uge tirsdag 13",
                "hver 6. uge tirsdag kl 13.00",
                "hver 6. uge tirsdag kl. 13:00",
                "hver 6. uge tirsdag klokken 13",
                "hver sjette uge tirsdag kl. 13",
                "hver 6. uge om tirsdagen kl. 13",
                "hver 6. uge tirsdag kl. 13.00-15.00.",
            ],
        ),
        (
            "første lørdag i måneden kl. 9",
            [
                "FØRSTE LØRDAG I MÅNEDEN KL. 9",
                "foerste loerdag i maaneden kl 9",
                "forste lordag i maneden 9",
                "første lørdag i hver måned kl. 9.00",
                "1. lørdag i måneden kl. 09:00",
                "hver første lørdag i måneden kl 9",
            ],
        ),
        ("hver uge søndag kl. 13", ["hver uge sondag kl 13", "hver soendag 13", "hver søn kl 13"]),
        (
            "tirsdag i ulige uger kl. 14",
            [
                "ulige uger tirsdag kl. 14",
                "Tirsdag i de ulige uger kl. 14",
                "hver tirsdag i ulige uger kl 14",
                "tirsdage i uger med ulige ugenummer kl. 14",
                "i ulige uger om tirsdagen kl. 14.00",
                "ulige ugenumre: tirsdag kl. 14",
                "tirs. i ulige uge kl 14",
            ],
        ),
        (
            "onsdag i lige uger kl. 9",
            [
                "lige uger onsdag kl. 9",
                "onsdag i uger med lige ugenummer kl. 9",
                "onsdag lige uger 9",
            ],
        ),
        (
            "anden mandag i måneden kl. 13.30",
            [
                "den 2. mandag i hver måned kl. 13.30",
                "hver måned den 2. mandag kl. 13.30",
                "den anden mandag i måneden kl 13:30",
                "hver 2. mandag i måneden kl. 13.30",
                "månedligt den 2. mandag kl. 13.30",
            ],
        ),
        (
            "hver anden uge torsdag kl. 10",
            [
                "hver anden torsdag kl. 10",
                "hver 2. torsdag kl. 10",
                "hver 14. dag torsdag kl. 10",
                "torsdag hver anden uge kl. 10",
            ],
        ),
        ("den 15. i hver måned kl. 10", ["d. 15. i maaneden kl 10", "den 15 hver måned 10"]),
        (
            "torsdag 14. januar 2027 kl. 13",
            ["Torsdag, den 14. januar 2027 kl. 13", "tors. 14/1-2027 kl. 13", "14.01.2027 13.00"],
        ),
    ],
)
def test_spelling_case_and_spacing_are_tolerated(canonical: str, variants: list[str]) -> None:
    expected = parse_schedule(canonical, TZ, TODAY)
    for variant in variants:
        assert parse_schedule(variant, TZ, TODAY) == expected, variant


# --------------------------------------------------------------------------- DST


def test_a_weekly_sunday_meeting_stays_at_13_local_across_both_dst_changes() -> None:
    schedule = parse_schedule("hver uge søndag kl. 13", TZ, date(2026, 3, 1))
    meetings = schedule.occurrences(local(2026, 3, 15), local(2026, 11, 2))
    assert {(m.hour, m.minute) for m in meetings} == {(13, 0)}
    assert [m.weekday() for m in meetings] == [6] * len(meetings)
    by_day = {m.date(): m for m in meetings}
    # (local day, UTC offset in hours, UTC hour) around the last Sundays of March and October
    for day, offset, utc_hour in [
        (date(2026, 3, 22), 1, 12),
        (date(2026, 3, 29), 2, 11),  # summer time starts at 02:00 that morning
        (date(2026, 10, 18), 2, 11),
        (date(2026, 10, 25), 1, 12),  # summer time ends at 03:00 that morning
        (date(2026, 11, 1), 1, 12),
    ]:
        meeting = by_day[day]
        assert meeting.utcoffset() == timedelta(hours=offset)
        assert meeting.astimezone(UTC).hour == utc_hour
    # consecutive meetings are 7 calendar days apart, but not always 7 × 24 hours
    instants = [m.astimezone(UTC) for m in meetings]
    gaps = {b - a for a, b in pairwise(instants)}
    assert gaps == {timedelta(days=7), timedelta(days=7, hours=-1), timedelta(days=7, hours=1)}


def test_first_thursday_of_the_month_for_a_year() -> None:
    schedule = parse_schedule("første torsdag i måneden kl. 9", TZ, date(2026, 1, 1))
    meetings = schedule.occurrences(local(2026, 1, 1), local(2027, 1, 1))
    assert [m.date() for m in meetings] == [
        date(2026, 1, 1),
        date(2026, 2, 5),
        date(2026, 3, 5),
        date(2026, 4, 2),
        date(2026, 5, 7),
        date(2026, 6, 4),
        date(2026, 7, 2),
        date(2026, 8, 6),
        date(2026, 9, 3),
        date(2026, 10, 1),
        date(2026, 11, 5),
        date(2026, 12, 3),
    ]
    assert {(m.hour, m.minute, m.tzinfo) for m in meetings} == {(9, 0, TZ)}
    assert [m.utcoffset() for m in meetings] == [timedelta(hours=1)] * 3 + [
        timedelta(hours=2)
    ] * 7 + [timedelta(hours=1)] * 2


def test_a_meeting_in_the_skipped_dst_hour_moves_to_the_real_time() -> None:
    schedule = parse_schedule("hver uge søndag kl. 2.30", TZ, date(2026, 3, 22))
    meetings = schedule.occurrences(local(2026, 3, 22), local(2026, 4, 1))
    assert [(m.day, m.hour, m.minute, m.utcoffset()) for m in meetings] == [
        (22, 2, 30, timedelta(hours=1)),
        (29, 3, 30, timedelta(hours=2)),  # 02:30 does not exist on 29 March
    ]


def test_occurrences_is_half_open_sorted_and_needs_aware_datetimes() -> None:
    schedule = parse_schedule("hver uge onsdag kl. 10", TZ, TODAY)
    assert schedule.occurrences(local(2026, 1, 7, 10), local(2026, 1, 21, 10)) == [
        local(2026, 1, 7, 10),
        local(2026, 1, 14, 10),
    ]
    # the window may be given in any time zone
    assert schedule.occurrences(
        datetime(2026, 1, 7, 9, tzinfo=UTC), datetime(2026, 1, 7, 9, 1, tzinfo=UTC)
    ) == [local(2026, 1, 7, 10)]
    assert schedule.occurrences(local(2026, 2, 1), local(2026, 1, 1)) == []
    assert schedule.occurrences(local(2025, 1, 1), local(2026, 1, 7)) == []  # before the first
    with pytest.raises(ValueError, match="aware"):
        schedule.occurrences(datetime(2026, 1, 1), local(2026, 2, 1))


@settings(max_examples=150, deadline=None)
@given(
    weeks=st.integers(1, 52),
    weekday=st.integers(0, 6),
    hour=st.integers(6, 20),
    minute=st.sampled_from([0, 15, 30, 45]),
    today=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
)
def test_weekly_series_keep_weekday_time_and_calendar_interval(
    weeks: int, weekday: int, hour: int, minute: int, today: date
) -> None:
    day = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"][weekday]
    schedule = parse_schedule(f"hver {weeks}. uge {day} kl. {hour}.{minute:02d}", TZ, today)
    start = datetime(today.year, today.month, today.day, tzinfo=TZ)
    meetings = schedule.occurrences(start, start + timedelta(days=3 * 366))
    assert len(meetings) >= 2
    assert meetings[0].date() - today < timedelta(days=7)
    for meeting in meetings:
        assert (meeting.weekday(), meeting.hour, meeting.minute) == (weekday, hour, minute)
    for a, b in pairwise(meetings):
        assert b.date() - a.date() == timedelta(weeks=weeks)


# --------------------------------------------------------------------------- new year, DST

# Odd and even weeks are ISO week numbers, as printed in Danish calendars. So week 53 and week 1
# are both odd: an odd-week meeting is held two weeks running at such a new year, and an
# even-week one skips three weeks (52 → 2). Years with 52 weeks keep the two-week rhythm.
NEW_YEAR = [
    # (text, today, first meetings as local (y, m, d, h, mi))
    (
        "tirsdag i ulige uger kl. 14",  # 2026 has 53 ISO weeks
        date(2026, 12, 1),
        [(2026, 12, 1, 14, 0), (2026, 12, 15, 14, 0), (2026, 12, 29, 14, 0), (2027, 1, 5, 14, 0),
         (2027, 1, 19, 14, 0)],
    ),
    (
        "tirsdag i lige uger kl. 14",
        date(2026, 12, 1),
        [(2026, 12, 8, 14, 0), (2026, 12, 22, 14, 0), (2027, 1, 12, 14, 0), (2027, 1, 26, 14, 0)],
    ),
    (
        "tirsdag i ulige uger kl. 14",  # 2027 has 52
        date(2027, 12, 1),
        [(2027, 12, 7, 14, 0), (2027, 12, 21, 14, 0), (2028, 1, 4, 14, 0), (2028, 1, 18, 14, 0)],
    ),
    (
        "tirsdag i lige uger kl. 14",
        date(2027, 12, 1),
        [(2027, 12, 14, 14, 0), (2027, 12, 28, 14, 0), (2028, 1, 11, 14, 0)],
    ),
    (
        "tirsdag i ulige uger kl. 14",  # 31 December 2024 is in week 1 of 2025
        date(2024, 12, 10),
        [(2024, 12, 17, 14, 0), (2024, 12, 31, 14, 0), (2025, 1, 14, 14, 0)],
    ),
    (
        "søndag i lige uger kl. 10",  # a Sunday belongs to the week that began on Monday
        date(2026, 12, 20),
        [(2026, 12, 27, 10, 0), (2027, 1, 17, 10, 0)],  # 10 January is in week 1
    ),
    (
        "hver anden torsdag kl. 10",
        date(2026, 12, 20),
        [(2026, 12, 24, 10, 0), (2027, 1, 7, 10, 0), (2027, 1, 21, 10, 0)],
    ),
    (  # typed on a Thursday: today is the first such Thursday
        "hver anden torsdag kl. 10",
        date(2026, 12, 31),
        [(2026, 12, 31, 10, 0), (2027, 1, 14, 10, 0)],
    ),
    (
        "sidste fredag i hver måned kl. 12",
        date(2026, 12, 1),
        [(2026, 12, 25, 12, 0), (2027, 1, 29, 12, 0), (2027, 2, 26, 12, 0)],
    ),
    (  # the second Monday of December has passed
        "den 2. mandag i hver måned kl. 13.30",
        date(2026, 12, 15),
        [(2027, 1, 11, 13, 30), (2027, 2, 8, 13, 30)],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "today", "meetings"), NEW_YEAR)
def test_meetings_across_the_new_year(
    text: str, today: date, meetings: list[tuple[int, int, int, int, int]]
) -> None:
    schedule = parse_schedule(text, TZ, today)
    start = local(today.year, today.month, today.day)
    found = schedule.occurrences(start, start + timedelta(days=100))[: len(meetings)]
    assert found == [local(*m) for m in meetings]
    assert parse_schedule(schedule.description, TZ, today) == schedule


@pytest.mark.parametrize(
    ("text", "today", "meetings"),
    [
        (  # summer time starts 29 March 2026 (week 13)
            "tirsdag i ulige uger kl. 14",
            date(2026, 3, 1),
            [((2026, 3, 10), 1), ((2026, 3, 24), 1), ((2026, 4, 7), 2)],
        ),
        (  # summer time ends 25 October 2026
            "hver anden torsdag kl. 10",
            date(2026, 10, 12),
            [((2026, 10, 15), 2), ((2026, 10, 29), 1), ((2026, 11, 12), 1)],
        ),
        (
            "den 2. mandag i hver måned kl. 10",
            date(2026, 3, 1),
            [((2026, 3, 9), 1), ((2026, 4, 13), 2)],
        ),
    ],
)
def test_new_phrasings_keep_the_local_time_across_dst(
    text: str, today: date, meetings: list[tuple[tuple[int, int, int], int]]
) -> None:
    """The same wall-clock time before and after the change; the UTC offset is what moves."""
    schedule = parse_schedule(text, TZ, today)
    found = schedule.occurrences(local(today.year, today.month, today.day), local(2027, 1, 1))
    hour = int(text.rsplit("kl. ", 1)[1])
    assert [(m.date(), m.hour, m.minute, m.utcoffset()) for m in found[: len(meetings)]] == [
        (date(*day), hour, 0, timedelta(hours=offset)) for day, offset in meetings
    ]


@settings(max_examples=100, deadline=None)
@given(
    weekday=st.integers(0, 6),
    odd=st.booleans(),
    today=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
)
def test_odd_and_even_weeks_are_iso_week_numbers(weekday: int, odd: bool, today: date) -> None:
    """Every such weekday in the ISO weeks of that parity, and no other day, for three years."""
    day = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"][weekday]
    schedule = parse_schedule(f"{day} i {'ulige' if odd else 'lige'} uger kl. 9", TZ, today)
    start = datetime(today.year, today.month, today.day, tzinfo=TZ)
    meetings = [m.date() for m in schedule.occurrences(start, start + timedelta(days=3 * 366))]
    every_day = (today + timedelta(days=n) for n in range(3 * 366))
    assert meetings == [
        d for d in every_day if d.weekday() == weekday and d.isocalendar().week % 2 == int(odd)
    ]


# --------------------------------------------------------------------------- errors


def raised(parse: Callable[[], object]) -> ScheduleError:
    """The ScheduleError that ``parse`` raises, its params checked against the content's."""
    with pytest.raises(ScheduleError) as caught:
        parse()
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error) == error.code  # the code, for logs; no Danish in the parser
    # exactly the params the message of this code declares ({examples} comes from the content)
    declared = SCHEDULE_ERRORS.templates[error.code]
    assert set(error.params) == declared.names - {"examples"}
    return error


ERRORS: list[tuple[str, ScheduleErrorCode, dict[str, str]]] = [
    ("", "no_schedule", {}),
    (" \n , ", "no_schedule", {}),
    ("hver 6. uge tirsdg kl. 13", "unknown_weekday", {"word": "tirsdg", "suggestion": "tirsdag"}),
    (
        "tirsdg 14. januar 2027 kl. 13",
        "unknown_weekday",
        {"word": "tirsdg", "suggestion": "tirsdag"},
    ),
    (
        "første torsdg i måneden kl. 9",
        "unknown_weekday",
        {"word": "torsdg", "suggestion": "torsdag"},
    ),
    ("hver onsdg kl. 9", "unknown_weekday", {"word": "onsdg", "suggestion": "onsdag"}),
    (
        "31. februar 2027 kl. 13",
        "no_such_day_in_year",
        {"date": "31. februar 2027", "month": "februar", "year": "2027", "days": "28"},
    ),
    ("31. februar kl. 13", "no_such_february_day", {"date": "31. februar"}),
    (
        "31-04-2027 kl. 13",
        "no_such_day_in_year",
        {"date": "31-04-2027", "month": "april", "year": "2027", "days": "30"},
    ),
    ("14-13-2027 kl. 13", "invalid_month", {"date": "14-13-2027"}),
    ("14. janaur 2027 kl. 13", "unknown_month", {"word": "janaur", "suggestion": "januar"}),
    ("hver uge onsdag kl. 25.00", "invalid_time", {"time": "25.00"}),
    ("14-01-2027 kl. 13.75", "invalid_time", {"time": "13.75"}),
    (
        "14-01-2020 kl. 13",
        "date_in_past",
        {"date": "14-01-2020", "example": "12-01-2026", "time": "13.00"},
    ),
    (
        "4. januar 2026 kl. 13",
        "date_in_past",
        {"date": "04-01-2026", "example": "12-01-2026", "time": "13.00"},
    ),
    ("hver 0. uge tirsdag kl. 13", "weeks_out_of_range", {"weeks": "0", "max_weeks": "52"}),
    ("hver 53. uge tirsdag kl. 13", "weeks_out_of_range", {"weeks": "53", "max_weeks": "52"}),
    ("hver 10. dag tirsdag kl. 13", "days_not_whole_weeks", {"count": "10"}),
    (
        "hver uge tirsdag kl. 13 fra 1. blomst",
        "clause_date_not_understood",
        {"clause": "fra 1. blomst"},
    ),
    (
        "hver uge " + "x" * 200 + " kl. 13",
        "unknown_weekday",
        {"word": "x" * 59 + "…", "suggestion": "tirsdag"},
    ),
    ("møde engang imellem", "not_understood", {}),
    ("hver måned", "not_understood", {}),
    ("tirsdag", "not_understood", {}),
    ("hver 6. uge tirsdag kl. 13, blabla", "part_not_understood", {"part": "blabla"}),
    (
        "tirsdag 14. januar 2027 kl 13",
        "wrong_weekday",
        {"date": "14. januar 2027", "weekday": "torsdag", "written": "tirsdag", "time": "13.00"},
    ),
    ("hver 6. uge tirsdag", "no_time", {"text": "hver 6. uge tirsdag"}),
    ("hver 6. uge kl. 13", "no_weekday", {"text": "hver 6. uge"}),
    ("den 31. i hver måned kl. 10", "monthday_too_late", {"day": "31"}),
    ("ulige uger kl. 14", "no_weekday", {"text": "ulige uger"}),
    ("i lige uger kl. 9", "no_weekday", {"text": "i lige uger"}),
    (
        "tirsdg i ulige uger kl. 14",
        "unknown_weekday",
        {"word": "tirsdg", "suggestion": "tirsdag"},
    ),
    (
        "den 2. mandg i hver måned kl. 13.30",
        "unknown_weekday",
        {"word": "mandg", "suggestion": "mandag"},
    ),
    ("tirsdag i lige uger", "no_time", {"text": "tirsdag i lige uger"}),
    (  # 1 July 2026 is in week 27; the first odd-week Tuesday after it is 14 July
        "tirsdag i ulige uger kl. 14 fra 1/7-2026 til 5/7-2026",
        "ends_before_start",
        {"text": "tirsdag i ulige uger kl. 14 fra 1/7-2026 til 5/7-2026"},
    ),
    (
        "hver uge tirsdag kl. 13 fra 1. juli 2026 til 1. juni 2026",
        "ends_before_start",
        {"text": "hver uge tirsdag kl. 13 fra 1. juli 2026 til 1. juni 2026"},
    ),
]


@pytest.mark.parametrize(("text", "code", "params"), ERRORS)
def test_invalid_schedules_give_a_code_and_the_params_of_its_message(
    text: str, code: ScheduleErrorCode, params: dict[str, str]
) -> None:
    error = raised(lambda: parse_schedule(text, TZ, TODAY))
    assert (error.code, error.params) == (code, params)


def test_every_code_has_a_message_in_the_content() -> None:
    assert set(get_args(ScheduleErrorCode)) == set(SCHEDULE_ERRORS.templates)


# The Danish messages read as they did when the calendar wrote them itself.
MESSAGES = [
    (
        "møde engang imellem",
        "Jeg forstod ikke mødeplanen. Skriv fx »hver 6. uge tirsdag kl. 13«, "
        "»tirsdag i ulige uger kl. 14«, »første torsdag i måneden kl. 9« "
        "eller datoer som »14-01-2027 kl. 13«.",
    ),
    ("", f"Skriv hvornår udvalget holder møde, fx {EXAMPLES}."),
    (
        "hver 6. uge tirsdag kl. 13, blabla",
        f"Jeg forstod ikke »blabla« i mødeplanen. Skriv fx {EXAMPLES}.",
    ),
    ("hver 6. uge tirsdg kl. 13", "Jeg kender ikke ugedagen »tirsdg«. Skriv fx »tirsdag«."),
    (
        "14-01-2020 kl. 13",
        "Datoen 14-01-2020 ligger i fortiden. Skriv en kommende dato, fx »12-01-2026 kl. 13.00«.",
    ),
    (
        "hver 6. uge tirsdag",
        "Der mangler et klokkeslæt for mødet. Skriv fx »hver 6. uge tirsdag kl. 13«.",
    ),
    (
        "31. februar 2027 kl. 13",
        "»31. februar 2027« findes ikke – februar 2027 har kun 28 dage. Skriv fx »28. februar«.",
    ),
    (
        "31. februar kl. 13",
        "»31. februar« findes ikke – februar har højst 29 dage. Skriv fx »28. februar«.",
    ),
    (
        "tirsdag 14. januar 2027 kl 13",
        "14. januar 2027 er en torsdag, ikke en tirsdag. "
        "Skriv fx »torsdag 14. januar 2027 kl. 13.00«.",
    ),
    (
        "hver 0. uge tirsdag kl. 13",
        "Der skal være mellem 1 og 52 uger mellem møderne, ikke 0. "
        "Skriv fx »hver 6. uge tirsdag kl. 13«.",
    ),
]


@pytest.mark.parametrize(("text", "message"), MESSAGES)
def test_the_content_renders_the_danish_message(content: Content, text: str, message: str) -> None:
    error = raised(lambda: parse_schedule(text, TZ, TODAY))
    assert content.reminders.schedule_error(error.code, error.params) == message


@pytest.mark.parametrize("code", sorted(SCHEDULE_ERRORS.templates))
def test_no_message_says_fx_twice(content: Content, code: str) -> None:
    """One example per message: "Skriv fx …" once, also where {examples} is filled in."""
    names = SCHEDULE_ERRORS.templates[code].names - {"examples"}
    message = content.reminders.schedule_error(code, {name: "…" for name in names})
    assert len(re.findall(r"\bfx\b", message, flags=re.IGNORECASE)) <= 1, message


@pytest.mark.parametrize(("text", "code", "params"), ERRORS)
def test_every_message_renders_without_leftover_placeholders(
    content: Content, text: str, code: ScheduleErrorCode, params: dict[str, str]
) -> None:
    message = content.reminders.schedule_error(code, params)
    assert "{" not in message
    assert all(value in message for value in params.values())


# --------------------------------------------------------------------------- formatting and dates


@pytest.mark.parametrize(
    ("when", "with_year", "text"),
    [
        (local(2026, 1, 13, 13), False, "tirsdag 13. januar kl. 13.00"),
        (local(2027, 1, 14, 9, 5), False, "torsdag 14. januar kl. 9.05"),
        (local(2026, 6, 6, 10, 30), True, "lørdag 6. juni 2026 kl. 10.30"),
        (local(2026, 3, 29, 13), False, "søndag 29. marts kl. 13.00"),
        (local(2026, 12, 31, 23, 59), True, "torsdag 31. december 2026 kl. 23.59"),
    ],
)
def test_format_meeting(when: datetime, with_year: bool, text: str) -> None:
    assert format_meeting(when, with_year=with_year) == text


def test_format_meeting_converts_to_the_given_time_zone() -> None:
    in_utc = datetime(2026, 7, 7, 11, tzinfo=UTC)
    assert format_meeting(in_utc) == "tirsdag 7. juli kl. 11.00"
    assert format_meeting(in_utc, tz=TZ) == "tirsdag 7. juli kl. 13.00"


@pytest.mark.parametrize(
    ("day", "with_year", "text"),
    [
        (date(2027, 1, 14), False, "14. januar"),
        (date(2027, 1, 14), True, "14. januar 2027"),
        (date(2026, 2, 1), False, "1. februar"),
        (date(2026, 5, 31), True, "31. maj 2026"),
        (date(2026, 10, 5), False, "5. oktober"),
    ],
)
def test_format_date(day: date, with_year: bool, text: str) -> None:
    assert format_date(day, with_year) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. marts", date(2026, 3, 1)),
        ("1/3", date(2026, 3, 1)),
        ("01-03-2027", date(2027, 3, 1)),
        ("1. marts 2027", date(2027, 3, 1)),
        ("1.3.2027", date(2027, 3, 1)),
        ("1/3-27", date(2027, 3, 1)),
        ("den 1. marts", date(2026, 3, 1)),
        ("d. 1. MARTS", date(2026, 3, 1)),
        ("1 mar", date(2026, 3, 1)),
        ("5. januar", date(2026, 1, 5)),  # today counts as "on or after today"
        ("4. januar", date(2027, 1, 4)),  # already passed this year
        ("29. februar", date(2028, 2, 29)),  # the next leap day
        ("14-01-2020", date(2020, 1, 14)),  # a year given is kept, even in the past
        ("i dag", date(2026, 1, 5)),
        ("i morgen", date(2026, 1, 6)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "no_date", {}),
        ("på et tidspunkt", "date_not_understood", {"text": "på et tidspunkt"}),
        ("31/4", "no_such_day", {"date": "31/4", "month": "april", "days": "30"}),
        ("30. februar", "no_such_february_day", {"date": "30. februar"}),
        (
            "29-02-2027",
            "no_such_day_in_year",
            {"date": "29-02-2027", "month": "februar", "year": "2027", "days": "28"},
        ),
        ("1. marst", "unknown_month", {"word": "marst", "suggestion": "marts"}),
        ("0/3", "no_such_day", {"date": "0/3", "month": "marts", "days": "31"}),
    ],
)
def test_parse_date_errors(text: str, code: ScheduleErrorCode, params: dict[str, str]) -> None:
    error = raised(lambda: parse_date(text, TODAY))
    assert (error.code, error.params) == (code, params)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Skriv en dato, fx »1. marts«, »1/3« eller »01-03-2027«."),
        (
            "på et tidspunkt",
            "Jeg forstod ikke datoen »på et tidspunkt«. Skriv fx »1. marts«, "
            "»1/3« eller »01-03-2027«.",
        ),
        ("31/4", "»31/4« findes ikke – april har kun 30 dage. Skriv fx »30. april«."),
        ("1. marst", "Jeg kender ikke måneden »marst«. Skriv fx »marts«."),
    ],
)
def test_parse_date_errors_render_in_danish(content: Content, text: str, message: str) -> None:
    error = raised(lambda: parse_date(text, TODAY))
    assert content.reminders.schedule_error(error.code, error.params) == message


@settings(max_examples=200, deadline=None)
@given(day=st.dates(date(2000, 1, 1), latest_date(TODAY)), ahead=st.integers(0, 364))
def test_parse_date_reads_what_format_date_writes(day: date, ahead: int) -> None:
    assert parse_date(format_date(day, with_year=True), TODAY) == day
    # without a year: the next such date on or after today
    assert parse_date(format_date(day), day - timedelta(days=ahead)) == day


@settings(max_examples=100, deadline=None)
@given(day=st.dates(latest_date(TODAY) + timedelta(days=1), date(9999, 12, 31)))
def test_a_date_more_than_three_years_ahead_is_refused_clearly(day: date) -> None:
    """Year 9999 too: a clear ``date_too_far``, never a ValueError from date arithmetic."""
    for text in (format_date(day, with_year=True), f"{day.day:02d}-{day.month:02d}-{day.year}"):
        error = raised(partial(parse_date, text, TODAY))
        assert (error.code, error.params["latest"]) == ("date_too_far", "5. januar 2029")
        for schedule in (f"{text} kl. 13", f"hver tirsdag kl. 13 fra {text}"):
            assert raised(partial(parse_schedule, schedule, TZ, TODAY)).code == "date_too_far"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31-12-9999", "Datoen »31-12-9999« ligger for langt ude i fremtiden. "
         "Skriv en dato senest 5. januar 2029."),
        ("6. januar 2029", "Datoen »6. januar 2029« ligger for langt ude i fremtiden. "
         "Skriv en dato senest 5. januar 2029."),
    ],
)  # fmt: skip
def test_dates_too_far_ahead_say_how_far_one_may_go(
    content: Content, text: str, message: str
) -> None:
    error = raised(partial(parse_date, text, TODAY))
    assert content.reminders.schedule_error(error.code, error.params) == message
    assert parse_date("5. januar 2029", TODAY) == date(2029, 1, 5)  # the last day is fine


def test_a_schedule_longer_than_500_characters_is_refused_before_it_is_read(
    content: Content,
) -> None:
    text = ", ".join(["hver tirsdag kl. 13"] * 30)  # 628 characters
    error = raised(partial(parse_schedule, text, TZ, TODAY))
    assert content.reminders.schedule_error(error.code, error.params) == (
        "Mødeplanen er for lang (628 tegn). Skriv den med højst 500 tegn, "
        "fx »hver 6. uge tirsdag kl. 13«."
    )
    assert parse_schedule(text[:500].rsplit(",", 1)[0], TZ, TODAY).recurrences


# --------------------------------------------------------------------------- .ics import

# Outlook-style: a Windows time-zone name with its VTIMEZONE; CRLF line endings added below.
ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Norddjurs Kommune//Strategibot test//DA
BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:lmu-oerum@example.org
DTSTAMP:20260101T080000Z
SUMMARY:LMU Område Ørum
DTSTART;TZID=Romance Standard Time:20260310T130000
DTEND;TZID=Romance Standard Time:20260310T150000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Romance Standard Time:20260317T130000
END:VEVENT
BEGIN:VEVENT
UID:lmu-oerum@example.org
RECURRENCE-ID;TZID=Romance Standard Time:20260324T130000
DTSTAMP:20260101T080000Z
SUMMARY:LMU Område Ørum (flyttet)
DTSTART;TZID=Romance Standard Time:20260326T090000
DTEND;TZID=Romance Standard Time:20260326T110000
END:VEVENT
BEGIN:VEVENT
UID:lmu-oerum@example.org
RECURRENCE-ID;TZID=Romance Standard Time:20260407T130000
DTSTAMP:20260101T080000Z
STATUS:CANCELLED
SUMMARY:LMU Område Ørum (aflyst)
DTSTART;TZID=Romance Standard Time:20260407T130000
DTEND;TZID=Romance Standard Time:20260407T150000
END:VEVENT
BEGIN:VEVENT
UID:lmu-copy@example.org
DTSTAMP:20260101T080000Z
SUMMARY:LMU Område Ørum (samme møde i en anden kalender)
DTSTART:20260331T110000Z
DTEND:20260331T130000Z
END:VEVENT
BEGIN:VEVENT
UID:cancelled@example.org
DTSTAMP:20260101T080000Z
STATUS:CANCELLED
SUMMARY:Aflyst møde
DTSTART;TZID=Europe/Copenhagen:20260312T100000
DTEND;TZID=Europe/Copenhagen:20260312T110000
END:VEVENT
BEGIN:VEVENT
UID:allday@example.org
DTSTAMP:20260101T080000Z
SUMMARY:Temadag (hele dagen)
DTSTART;VALUE=DATE:20260313
DTEND;VALUE=DATE:20260314
END:VEVENT
BEGIN:VEVENT
UID:omu@example.org
DTSTAMP:20260101T080000Z
SUMMARY:OMU
DTSTART;TZID=Europe/Copenhagen:20260415T090000
DTEND;TZID=Europe/Copenhagen:20260415T110000
END:VEVENT
BEGIN:VEVENT
UID:floating@example.org
DTSTAMP:20260101T080000Z
SUMMARY:Flydende tid
DTSTART:20260416T100000
DTEND:20260416T110000
END:VEVENT
END:VCALENDAR
"""


def ics_bytes(text: str = ICS) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def test_import_ics_expands_recurrences_and_skips_cancelled_and_all_day_events() -> None:
    meetings = import_ics(ics_bytes(), TZ, local(2026, 3, 1), local(2026, 5, 1))
    assert meetings == [
        local(2026, 3, 10, 13),  # 17 March is an EXDATE
        local(2026, 3, 26, 9),  # 24 March moved to Thursday 26 March at 9
        local(2026, 3, 31, 13),  # summer time: still 13:00 local; the UTC copy is merged
        # 7 April is cancelled through its RECURRENCE-ID
        local(2026, 4, 14, 13),
        local(2026, 4, 15, 9),
        local(2026, 4, 16, 10),  # floating time read as local time
    ]
    assert all(m.tzinfo is TZ for m in meetings)
    assert [m.utcoffset() for m in meetings[:3]] == [
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=2),
    ]


def test_import_ics_window_is_half_open_and_may_be_empty() -> None:
    assert import_ics(ics_bytes(), TZ, local(2026, 3, 10, 13), local(2026, 3, 31, 13)) == [
        local(2026, 3, 10, 13),
        local(2026, 3, 26, 9),
    ]
    assert import_ics(ics_bytes(), TZ, local(2027, 1, 1), local(2028, 1, 1)) == []
    empty = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nEND:VCALENDAR\n"
    assert import_ics(ics_bytes(empty), TZ, local(2026, 1, 1), local(2027, 1, 1)) == []


def test_import_ics_accepts_a_byte_order_mark() -> None:
    data = b"\xef\xbb\xbf" + ics_bytes()
    assert len(import_ics(data, TZ, local(2026, 3, 1), local(2026, 5, 1))) == 6


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        "Møde tirsdag kl. 13".encode(),
        ics_bytes("BEGIN:VEVENT\nUID:a\nDTSTART:20260310T130000Z\nEND:VEVENT\n"),
    ],
)
def test_import_ics_rejects_data_that_is_not_a_calendar(data: bytes) -> None:
    error = raised(lambda: import_ics(data, TZ, local(2026, 1, 1), local(2027, 1, 1)))
    assert (error.code, error.params) == ("not_a_calendar", {})


def test_not_a_calendar_reads_as_before(content: Content) -> None:
    assert content.reminders.schedule_error("not_a_calendar", {}) == (
        "Filen er ikke en kalender, jeg kan læse. Gem kalenderen som en .ics-fil "
        "(fx »Gem kalender« i Outlook) og prøv igen."
    )


def test_import_ics_rejects_an_unreadable_recurrence(content: Content) -> None:
    bad = ICS.replace("RRULE:FREQ=WEEKLY;COUNT=6", "RRULE:FREQ=SOMETIMES")
    error = raised(lambda: import_ics(ics_bytes(bad), TZ, local(2026, 3, 1), local(2026, 5, 1)))
    assert (error.code, error.params) == ("unreadable_event", {})
    assert "jeg ikke kan læse" in content.reminders.schedule_error(error.code, error.params)


def test_import_ics_needs_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        import_ics(ics_bytes(), TZ, datetime(2026, 3, 1), local(2026, 5, 1))
