"""The focus rotation over a half-year."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from content import Content
from dialogs.reminders.focus import half_year, rotation
from dialogs.reminders.models import Meeting

TZ = ZoneInfo("Europe/Copenhagen")


def meetings(count: int, weeks: int = 3) -> list[Meeting]:
    first = datetime(2027, 1, 12, 13, tzinfo=TZ)
    return [
        Meeting(id=f"m{i}", committee_id="c", start=first + timedelta(weeks=weeks * i))
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [6, 7, 8, 10, 14, 20])
def test_every_maalsaetning_comes_up_when_there_are_enough_meetings(
    content: Content, count: int
) -> None:
    plan = rotation(meetings(count), content.strategy, content.reminders)
    seen = {i for focus in plan.values() for i in focus.maalsaetninger}
    assert seen == {m.id for m in content.strategy.maalsaetninger}
    for focus in plan.values():
        assert 1 <= len(focus.maalsaetninger) <= 3
        assert {i.split(".")[0] for i in focus.maalsaetninger} == {str(focus.pejlemaerke)}


def test_priorities_come_first_and_more_often(content: Content) -> None:
    plan = rotation(meetings(8), content.strategy, content.reminders, ["2.4", "3.1"])
    ordered = list(plan.values())
    assert "2.4" in ordered[0].maalsaetninger and "3.1" in ordered[1].maalsaetninger
    assert ordered[0].reason == "Fokus valgt, fordi OMU har prioriteret 2.4."
    twice = rotation(meetings(10), content.strategy, content.reminders, ["2.4"])
    assert sum("2.4" in f.maalsaetninger for f in twice.values()) == 2
    assert list(twice.values())[-1].reason.startswith("Alle målsætninger har været på")


def test_reason_names_what_was_not_discussed(content: Content) -> None:
    first = rotation(meetings(6), content.strategy, content.reminders)["m0"]
    assert first.reason == "Fokus valgt, fordi 1.1 og 1.2 ikke har været drøftet i dette halvår."


def test_deterministic_and_cancelled_meetings_are_skipped(content: Content) -> None:
    some = meetings(6)
    assert rotation(some, content.strategy, content.reminders) == rotation(
        list(reversed(some)), content.strategy, content.reminders
    )
    cancelled = some[0].model_copy(update={"cancelled": True})
    assert "m0" not in rotation([cancelled, *some[1:]], content.strategy, content.reminders)


def test_half_years() -> None:
    assert half_year(date(2027, 6, 30)) == (date(2027, 1, 1), date(2027, 6, 30))
    assert half_year(date(2027, 7, 1)) == (date(2027, 7, 1), date(2027, 12, 31))
