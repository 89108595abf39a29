"""This meeting's focus: a pure, deterministic rotation over the half-year's meetings.

Over a committee's meetings in a half-year (1 January–30 June, 1 July–31 December) every
målsætning comes up at least once when there are enough meetings. Each meeting takes one
pejlemærke and one to three of its målsætninger not yet discussed, OMU's priorities first;
when all have been on, the rotation starts again — priorities first, so they come up more
often. Every choice carries its reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from content.models import ReminderTexts, Strategy
from dialogs.reminders.models import Meeting

MAX_PER_MEETING = 3


@dataclass(frozen=True)
class Focus:
    """The pejlemærke and målsætninger a meeting discusses, and why."""

    pejlemaerke: int
    maalsaetninger: tuple[str, ...]
    reason: str


def half_year(day: date) -> tuple[date, date]:
    """The half-year ``day`` lies in, as (first day, last day)."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def _join(ids: Sequence[str]) -> str:
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " og " + ids[-1]


def _chunks(strategy: Strategy, prioritised: Sequence[str], meetings: int) -> list[tuple[str, ...]]:
    """Each pejlemærke's målsætninger in balanced groups of at most three, as few per group
    as the number of meetings allows; groups with a priority first, in priority order."""
    groups: dict[int, list[str]] = {}
    for m in strategy.maalsaetninger:
        groups.setdefault(m.pejlemaerke, []).append(m.id)
    for ids in groups.values():
        ids.sort(
            key=lambda i: (i not in prioritised, prioritised.index(i) if i in prioritised else 0)
        )
    size = next(
        (k for k in range(1, MAX_PER_MEETING + 1)
         if sum(math.ceil(len(ids) / k) for ids in groups.values()) <= meetings),
        MAX_PER_MEETING,
    )  # fmt: skip
    chunks: list[tuple[str, ...]] = []
    for ids in groups.values():
        count = math.ceil(len(ids) / size)
        sizes = [len(ids) // count + (1 if n < len(ids) % count else 0) for n in range(count)]
        position = 0
        for length in sizes:
            chunks.append(tuple(ids[position : position + length]))
            position += length

    def rank(chunk: tuple[str, ...]) -> tuple[int, int]:
        ranks = [prioritised.index(i) for i in chunk if i in prioritised]
        return (0, min(ranks)) if ranks else (1, 0)

    return sorted(chunks, key=rank)  # stable: pejlemærke order among the rest


def rotation(
    meetings: Sequence[Meeting],
    strategy: Strategy,
    texts: ReminderTexts,
    priorities: Sequence[str] = (),
) -> dict[str, Focus]:
    """The focus of each meeting (by id) among one committee's meetings of one half-year."""
    ordered = sorted((m for m in meetings if not m.cancelled), key=lambda m: (m.start, m.id))
    if not ordered:
        return {}
    known = {m.id for m in strategy.maalsaetninger}
    prioritised = [i for i in dict.fromkeys(priorities) if i in known]
    chunks = _chunks(strategy, prioritised, len(ordered))
    pejlemaerke_of = {m.id: m.pejlemaerke for m in strategy.maalsaetninger}
    result: dict[str, Focus] = {}
    for number, meeting in enumerate(ordered):
        chosen = chunks[number % len(chunks)]
        wanted = [i for i in chosen if i in prioritised]
        if number >= len(chunks):
            reason = texts.reason_repeat.format(ids=_join(chosen))
        elif wanted:
            reason = texts.reason_priority.format(ids=_join(wanted))
        else:
            reason = texts.reason_new.format(ids=_join(chosen))
        result[meeting.id] = Focus(pejlemaerke_of[chosen[0]], chosen, reason)
    return result
