"""When something was done, as a card says it: ``1. dec. kl. 10.15`` (Danish, local time)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from scheduler.calendar import format_date, format_time

# Danish abbreviations of the months, as in "1. dec." (maj, juni and juli are not shortened).
SHORT_MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.",
                "nov.", "dec.")  # fmt: skip


def stamp(when: datetime, tz: tzinfo | None = None) -> str:
    """``1. dec. kl. 10.15``: the day, the month shortened and the time (in ``tz`` if given)."""
    if tz is not None and when.tzinfo is not None:
        when = when.astimezone(tz)
    return f"{when.day}. {SHORT_MONTHS[when.month - 1]} kl. {format_time(when.time())}"


def day(when: datetime, tz: tzinfo | None = None) -> str:
    """``1. december 2026``: the date with the year (in ``tz`` if given)."""
    if tz is not None and when.tzinfo is not None:
        when = when.astimezone(tz)
    return format_date(when.date(), with_year=True)
