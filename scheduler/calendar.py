"""Meeting calendars as pure functions: Danish schedule text, .ics import and Danish dates.

Nothing here reads a clock or a file: ``today``, the time zone and the .ics bytes are passed in.
Meeting times are local wall-clock times; datetimes are built from a local date and time with
``tzinfo=tz`` (never by adding timedeltas), so a 13:00 meeting stays 13:00 across DST changes.
A series and its first meeting come from a dateutil rrule, not from hand-written arithmetic.

Where a plan says nothing about where a series begins, it begins at the first matching day on
or after ``today`` (or after its "fra" date): "hver anden torsdag" typed on a Monday meets that
Thursday and every 14 days after. The normalised description states that date ("fra 8. januar
2026"). Odd and even weeks are ISO week numbers as printed in Danish calendars, so week 53 and
week 1 are both odd: "tirsdag i ulige uger" meets two weeks running at such a new year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from difflib import get_close_matches
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule
from dateutil.rrule import weekday as RRuleWeekday

__all__ = [
    "MONTHS",
    "WEEKDAYS",
    "Recurrence",
    "Schedule",
    "ScheduleError",
    "ScheduleErrorCode",
    "check_ahead",
    "format_date",
    "format_meeting",
    "format_time",
    "import_ics",
    "latest_date",
    "parse_date",
    "parse_schedule",
]

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_RRULE_DAYS: tuple[RRuleWeekday, ...] = (MO, TU, WE, TH, FR, SA, SU)
# ISO week numbers of "ulige uger" and "lige uger"; a rule asking for week 53 skips years without.
WeekParity = Literal["odd", "even"]
_ISO_WEEKS: dict[WeekParity, tuple[int, ...]] = {
    "odd": tuple(range(1, 54, 2)),
    "even": tuple(range(2, 54, 2)),
}
_PARITY_NAMES: dict[WeekParity, str] = {"odd": "ulige", "even": "lige"}

MAX_WEEKS = 52
MAX_SCHEDULE_CHARS = 500  # a meeting plan is a line or a few, not a document
MAX_YEARS_AHEAD = 3  # no schedule, pause or move names a date further ahead than this

# Why schedule text, a date or a calendar file could not be read. Each code's Danish message,
# and the params it is filled with, are declared by ``schedule_errors`` in content/models.py.
ScheduleErrorCode = Literal[
    "no_schedule",
    "not_understood",
    "part_not_understood",
    "no_meetings",
    "ends_before_start",
    "unknown_weekday",
    "unknown_month",
    "no_weekday",
    "no_time",
    "invalid_time",
    "invalid_month",
    "no_such_day",
    "no_such_day_in_year",
    "no_such_february_day",
    "invalid_date",
    "no_date",
    "date_not_understood",
    "clause_date_not_understood",
    "wrong_weekday",
    "date_in_past",
    "days_not_whole_weeks",
    "weeks_out_of_range",
    "monthday_too_late",
    "not_a_calendar",
    "unreadable_event",
    "schedule_too_long",
    "date_too_far",
]


class ScheduleError(ValueError):
    """Unreadable schedule text, date or calendar file: a stable code and its parameters.

    The calendar stays a pure parser without user texts: the caller turns ``code`` and
    ``params`` (values already formatted as text) into a message from the content files.
    ``str(exc)`` is the code, for logs.
    """

    def __init__(self, code: ScheduleErrorCode, **params: str) -> None:
        super().__init__(code)
        self.code: ScheduleErrorCode = code
        self.params: dict[str, str] = params


# --------------------------------------------------------------------------- formatting


def format_time(at: time) -> str:
    """Danish clock time: ``13.00``, ``9.30``."""
    return f"{at.hour}.{at.minute:02d}"


def format_date(day: date, with_year: bool = False) -> str:
    """``14. januar`` or, with the year, ``14. januar 2027``."""
    text = f"{day.day}. {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def format_meeting(when: datetime, with_year: bool = False, tz: tzinfo | None = None) -> str:
    """``tirsdag 14. januar kl. 13.00``: wall-clock time in ``tz`` if given, else ``when``'s own."""
    if tz is not None and when.tzinfo is not None:
        when = when.astimezone(tz)
    day = format_date(when.date(), with_year=with_year)
    return f"{WEEKDAYS[when.weekday()]} {day} kl. {format_time(when.time())}"


def _short(text: str, limit: int = 60) -> str:
    """User text quoted back in a message, cut short if long."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _numeric(day: date) -> str:
    """``14-01-2027``: the form used in error messages and examples."""
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


# --------------------------------------------------------------------------- words


def _key(word: str) -> str:
    """Fold a word so that æ/ø/å and their ae/oe/aa/o/a spellings compare equal."""
    folded = word.lower().strip(".")
    for old, new in (("æ", "ae"), ("ø", "o"), ("å", "a"), ("oe", "o"), ("aa", "a")):
        folded = folded.replace(old, new)
    return folded


_WEEKDAY_KEYS: dict[str, int] = {_key(name): i for i, name in enumerate(WEEKDAYS)}
_WEEKDAY_ABBREVIATIONS: dict[str, int] = {
    _key(word): i
    for i, words in enumerate(
        (("man",), ("tir", "tirs"), ("ons",), ("tor", "tors"), ("fre",), ("lør",), ("søn",))
    )
    for word in words
}
_MONTH_KEYS: dict[str, int] = {_key(name): i + 1 for i, name in enumerate(MONTHS)}
_MONTH_KEYS.update(
    {
        _key(word): month
        for month, words in {
            1: ("jan",),
            2: ("feb",),
            3: ("mar", "mart"),
            4: ("apr",),
            6: ("jun",),
            7: ("jul",),
            8: ("aug",),
            9: ("sep", "sept"),
            10: ("okt",),
            11: ("nov",),
            12: ("dec",),
        }.items()
        for word in words
    }
)
# "hver anden uge", "hver tredje uge" …
_INTERVAL_WORDS: dict[str, int] = {
    _key(word): n
    for word, n in (
        ("anden", 2),
        ("andet", 2),
        ("tredje", 3),
        ("fjerde", 4),
        ("femte", 5),
        ("sjette", 6),
        ("syvende", 7),
        ("ottende", 8),
        ("niende", 9),
        ("tiende", 10),
        ("elvte", 11),
        ("tolvte", 12),
    )
}
# "første torsdag i måneden", "sidste fredag i måneden" …
_NTH_WORDS: dict[str, int] = {
    _key(word): n
    for word, n in (
        ("første", 1),
        ("anden", 2),
        ("andet", 2),
        ("tredje", 3),
        ("fjerde", 4),
        ("femte", 5),
        ("sidste", -1),
        ("næstsidste", -2),
    )
}
_NTH_NAMES = {
    1: "første",
    2: "anden",
    3: "tredje",
    4: "fjerde",
    5: "femte",
    -1: "sidste",
    -2: "næstsidste",
}


def _weekday(word: str) -> int | None:
    """Monday 0 … Sunday 6 for a Danish weekday, its plural/definite or short form; else None."""
    folded = _key(word)
    if folded in _WEEKDAY_KEYS:
        return _WEEKDAY_KEYS[folded]
    for suffix in ("ene", "en", "e"):  # tirsdage, tirsdagen, tirsdagene
        if folded.endswith(suffix) and folded[: -len(suffix)] in _WEEKDAY_KEYS:
            return _WEEKDAY_KEYS[folded[: -len(suffix)]]
    return _WEEKDAY_ABBREVIATIONS.get(folded)


def _suggest(word: str, names: Iterable[str], default: str, cutoff: float = 0.5) -> str:
    """The known name closest to a misspelt word, else ``default``."""
    by_key = {_key(name): name for name in names}
    found = get_close_matches(_key(word), list(by_key), n=1, cutoff=cutoff)
    return by_key[found[0]] if found else default


def _looks_like(word: str, names: Iterable[str], cutoff: float = 0.75) -> bool:
    """Whether a word is probably a misspelling of one of ``names``."""
    return bool(get_close_matches(_key(word), [_key(n) for n in names], n=1, cutoff=cutoff))


def _unknown_weekday(word: str) -> ScheduleError:
    suggestion = _suggest(word, WEEKDAYS, "tirsdag")
    return ScheduleError("unknown_weekday", word=_short(word), suggestion=suggestion)


def _known_weekday(word: str) -> int:
    """Monday 0 … Sunday 6; ScheduleError ``unknown_weekday`` with a suggestion if misspelt."""
    weekday = _weekday(word)
    if weekday is None:
        raise _unknown_weekday(word)
    return weekday


def _unknown_month(word: str) -> ScheduleError:
    suggestion = _suggest(word, MONTHS, "januar")
    return ScheduleError("unknown_month", word=_short(word), suggestion=suggestion)


# --------------------------------------------------------------------------- patterns

_WORD = r"[a-zæøå]+"
_MONTH_WORD = r"m(?:å|aa|a)ned(?:en)?"
_IN_MONTH = rf"(?:i\s+hver|i|hver)\s+{_MONTH_WORD}"
_DEN = r"(?:(?:den|d\.)\s*)"
_NUMERIC_DATE = (
    r"(?P<nd>\d{1,2})\s*[./-]\s*(?P<nm>\d{1,2})"
    r"(?:\s*[./-]\s*(?P<ny>\d{4}|\d{2})|\s+(?P<ny2>\d{4}))?\.?"
)
_TEXT_DATE = rf"(?P<td>\d{{1,2}})\.?\s*(?P<tm>{_WORD})\.?(?:\s+(?P<ty>\d{{4}}))?"
# The same date grammar without group names, for embedding in other patterns.
_ANY_DATE = re.sub(r"\?P<\w+>", "", rf"(?:{_NUMERIC_DATE}|{_TEXT_DATE})")

_NUMERIC_DATE_RE = re.compile(_NUMERIC_DATE)
_TEXT_DATE_RE = re.compile(_TEXT_DATE)

_KL_TIME_RE = re.compile(
    r"(?<![a-zæøå])(?:klokken|kl)\.?\s*(?P<t>\d[\d.:]*)(?:\s*-\s*\d[\d.:]*)?(?![\d])"
)
_TRAILING_TIME_RE = re.compile(
    r"(?:(?<=\s)|^)(?P<t>\d{1,2}(?:[.:]\d{2}\.?)?)(?:\s*-\s*\d{1,2}(?:[.:]\d{2})?\.?)?$"
)
_FROM_RE = re.compile(rf"(?<![a-zæøå])fra\s+{_DEN}?(?P<d>{_ANY_DATE})(?!\d)")
_UNTIL_RE = re.compile(rf"(?<![a-zæøå])(?:indtil|til)\s+{_DEN}?(?P<d>{_ANY_DATE})(?!\d)")
_TIME_RE = re.compile(r"(?P<h>\d{1,2})(?:[.:](?P<m>\d{2}))?")

_EVERY = rf"hver\s+(?:(?P<n>\d{{1,3}})\.?\s*|(?P<nw>{_WORD})\s+)?"
_MONTHDAY_RE = re.compile(rf"(?:hver\s+)?{_DEN}?(?P<day>\d{{1,2}})\.?\s+{_IN_MONTH}")
_MONTHDAY_LATE_RE = re.compile(
    rf"(?:hver\s+{_MONTH_WORD}|{_MONTH_WORD}lig(?:t)?)\s+{_DEN}?(?P<day>\d{{1,2}})\.?"
)
_NTH_DAY_RE = re.compile(rf"(?:hver\s+)?(?P<ord>{_WORD}|\d\.?)\s+dag(?:en)?\s+{_IN_MONTH}")
_NTH = rf"{_DEN}?(?P<ord>{_WORD}|\d\.?)\s+(?P<wd>{_WORD})"  # "den 2. mandag", "anden mandag"
_NTH_WEEKDAY_RE = re.compile(rf"(?:hver\s+)?{_NTH}\s+{_IN_MONTH}")
_NTH_WEEKDAY_LATE_RE = re.compile(rf"(?:hver\s+{_MONTH_WORD}|{_MONTH_WORD}lig(?:t)?)\s+{_NTH}")
# "ulige uger", "i de lige uger", "uger med ulige ugenummer", "lige ugenumre"
_PARITY_WEEKS = (
    r"(?:(?:i|på|paa)\s+)?(?:de\s+)?(?:uge(?:r|rne)?\s+med\s+)?"
    r"(?P<parity>u?lige)\s+(?:uge(?:n|r|rne)?|(?:uge)?num(?:mer|re|rene))"
)
_ON_DAY = rf"(?:hver\s+)?(?:(?:om|på|paa)\s+)?(?P<wd>{_WORD})\.?"
_PARITY_RES = (
    re.compile(rf"{_ON_DAY}\s+{_PARITY_WEEKS}"),  # "tirsdag i ulige uger"
    re.compile(rf"{_PARITY_WEEKS}:?\s+{_ON_DAY}"),  # "ulige uger tirsdag"
)
_PARITY_NO_DAY_RE = re.compile(_PARITY_WEEKS)
_WEEKLY_RE = re.compile(rf"{_EVERY}(?P<unit>uge|dag)n?\s+(?:(?:om|på|paa)\s+)?(?P<wd>{_WORD})")
_WEEKLY_AFTER_RE = re.compile(
    rf"(?:(?:om|på|paa)\s+)?(?P<wd>{_WORD})\s+{_EVERY}(?P<unit>uge|dag)n?"
)
_WEEKLY_SHORT_RE = re.compile(rf"{_EVERY}(?P<wd>{_WORD})")
_WEEKLY_NO_DAY_RE = re.compile(rf"{_EVERY}(?:uge|dag)n?")
_EXPLICIT_RE = re.compile(rf"(?:(?!(?:den|d)\b)(?P<wd>{_WORD})\.?\s+)?{_DEN}?(?P<date>{_ANY_DATE})")
_SEPARATOR_RE = re.compile(r"\s*(?:[,;\n]|(?<![a-zæøå])og(?![a-zæøå]))\s*")


def _normalise(text: str) -> str:
    """Lower case, NFC, plain dashes and single spaces (new lines kept)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[‐-―−]", "-", text).replace("\u00a0", " ")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\b(fra|til) og med\b", r"\1", text)
    return "\n".join(line.strip() for line in text.split("\n"))


# --------------------------------------------------------------------------- dates and times


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def latest_date(today: date) -> date:
    """The last day a schedule, a pause or a moved meeting may name: :data:`MAX_YEARS_AHEAD`
    years after ``today`` (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def check_ahead(day: date, today: date, shown: str | None = None) -> date:
    """``day``, or ScheduleError ``date_too_far`` when it lies beyond :func:`latest_date`."""
    if day > latest_date(today):
        raise _too_far(shown or _numeric(day), today)
    return day


def _too_far(shown: str, today: date) -> ScheduleError:
    latest = format_date(latest_date(today), with_year=True)
    return ScheduleError("date_too_far", date=_short(shown), latest=latest)


def _make_date(day: int, month: int, year: int | None, today: date, shown: str) -> date:
    """A valid date no further ahead than :func:`latest_date`; without a year the next such
    date on or after ``today``."""
    if not 1 <= month <= 12:
        raise ScheduleError("invalid_month", date=_short(shown))
    if year is not None and year > latest_date(today).year:
        raise _too_far(shown, today)  # before any date arithmetic: year 9999 would overflow
    if year is not None and year < 1:
        raise ScheduleError("invalid_date", date=_short(shown))
    longest = _days_in_month(2000 if year is None else year, month)  # 2000: a leap year
    if not 1 <= day <= longest:
        name, days = MONTHS[month - 1], str(longest)
        if year is not None:
            raise ScheduleError(
                "no_such_day_in_year", date=_short(shown), month=name, year=str(year), days=days
            )
        if month == 2:
            raise ScheduleError("no_such_february_day", date=_short(shown))
        raise ScheduleError("no_such_day", date=_short(shown), month=name, days=days)
    if year is not None:
        return check_ahead(date(year, month, day), today, shown)
    for candidate_year in range(today.year, today.year + 9):  # 29 February: next leap year
        if day <= _days_in_month(candidate_year, month):
            candidate = date(candidate_year, month, day)
            if candidate >= today:
                return check_ahead(candidate, today, shown)
    raise ScheduleError("invalid_date", date=_short(shown))  # pragma: no cover


def _full_year(digits: str | None) -> int | None:
    if digits is None:
        return None
    return int(digits) + (2000 if len(digits) == 2 else 0)


def _date_from_text(text: str, today: date, names_only: bool = False) -> date | None:
    """A date written as ``1/3``, ``01-03-2027``, ``1. marts`` or ``1. marts 2027``, else None.

    With ``names_only``, a month word that is not a month gives None rather than an error
    unless it looks like a misspelt month.
    """
    text = re.sub(rf"^{_DEN}", "", text.strip())
    if m := _NUMERIC_DATE_RE.fullmatch(text):
        year = _full_year(m["ny"] or m["ny2"])
        return _make_date(int(m["nd"]), int(m["nm"]), year, today, text)
    if m := _TEXT_DATE_RE.fullmatch(text):
        month = _MONTH_KEYS.get(_key(m["tm"]))
        if month is None:
            if names_only and not _looks_like(m["tm"], MONTHS, cutoff=0.7):
                return None
            raise _unknown_month(m["tm"])
        year = _full_year(m["ty"])
        return _make_date(int(m["td"]), month, year, today, text)
    return None


def parse_date(text: str, today: date) -> date:
    """Parse a Danish date; without a year, the next such date on or after ``today``.

    Accepts ``1. marts``, ``1/3``, ``01-03-2027``, ``1.3.2027``, ``1. marts 2027``,
    ``den 1. marts``, ``i dag`` and ``i morgen``.
    """
    today = today.date() if isinstance(today, datetime) else today
    normal = _normalise(text).replace("\n", " ").strip()
    relative = {"i dag": 0, "idag": 0, "i morgen": 1, "imorgen": 1, "i overmorgen": 2}
    if normal in relative:
        return today + timedelta(days=relative[normal])
    if not normal:
        raise ScheduleError("no_date")
    found = _date_from_text(normal, today)
    if found is None:
        raise ScheduleError("date_not_understood", text=text.strip())
    return found


def _parse_time(raw: str) -> time:
    """A clock time ``13``, ``13.30`` or ``13:30``; ScheduleError for ``25.00``."""
    raw = raw.rstrip(".:")
    m = _TIME_RE.fullmatch(raw)
    if m is None or int(m["h"]) > 23 or int(m["m"] or 0) > 59:
        raise ScheduleError("invalid_time", time=_short(raw))
    return time(int(m["h"]), int(m["m"] or 0))


# --------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class Recurrence:
    """One recurring meeting series in local wall-clock time."""

    kind: Literal["weekly", "monthly"]
    first: date  # the first meeting of the series
    at: time
    interval: int = 1  # weeks between meetings (weekly)
    weekday: int | None = None  # Monday 0; weekly, or monthly "første torsdag"
    nth: int | None = None  # monthly: 1–5, -1 (sidste), -2 (næstsidste)
    monthday: int | None = None  # monthly: 1–28, or -1/-2 for the last/second-to-last day
    until: date | None = None  # last possible meeting day, inclusive
    parity: WeekParity | None = None  # weekly: only in odd or even ISO weeks ("ulige uger")

    def rule(self) -> rrule:
        """The dateutil rule yielding naive local datetimes."""
        start = datetime.combine(self.first, self.at)
        until = None if self.until is None else datetime.combine(self.until, time.max)
        if self.kind == "weekly":
            weeks = None if self.parity is None else _ISO_WEEKS[self.parity]
            return rrule(
                WEEKLY,
                interval=self.interval,
                byweekday=self.weekday,
                byweekno=weeks,
                wkst=MO,  # ISO weeks begin on Monday
                dtstart=start,
                until=until,
            )
        if self.weekday is not None and self.nth is not None:
            day = _RRULE_DAYS[self.weekday](self.nth)
            return rrule(MONTHLY, byweekday=day, dtstart=start, until=until)
        return rrule(MONTHLY, bymonthday=self.monthday, dtstart=start, until=until)

    def describe(self) -> str:
        """Normalised Danish description, parseable again by ``parse_schedule``."""
        at = f"kl. {format_time(self.at)}"
        if self.parity is not None:
            head = f"{WEEKDAYS[self.weekday or 0]} i {_PARITY_NAMES[self.parity]} uger"
        elif self.kind == "weekly":
            every = {1: "hver uge", 2: "hver anden uge"}.get(
                self.interval, f"hver {self.interval}. uge"
            )
            head = f"{every} {WEEKDAYS[self.weekday or 0]}"
        elif self.nth is not None:
            head = f"{_NTH_NAMES[self.nth]} {WEEKDAYS[self.weekday or 0]} i måneden"
        elif self.monthday is not None and self.monthday < 0:
            head = f"{_NTH_NAMES[self.monthday]} dag i måneden"
        else:
            head = f"den {self.monthday}. i hver måned"
        text = f"{head} {at} fra {format_date(self.first, with_year=True)}"
        if self.until is not None:
            text += f" til {format_date(self.until, with_year=True)}"
        return text


@dataclass(frozen=True)
class Schedule:
    """A committee's meeting pattern."""

    description: str  # e.g. "hver 6. uge tirsdag kl. 13.00 fra 13. januar 2026"
    tz: ZoneInfo
    recurrences: tuple[Recurrence, ...] = ()
    dates: tuple[datetime, ...] = ()  # explicit meetings, naive local wall-clock time

    def occurrences(self, start: datetime, end: datetime) -> list[datetime]:
        """Meetings in ``[start, end)`` as aware datetimes in ``tz``, sorted."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if end <= start:
            return []
        # A local window one day wider than asked, then an exact aware filter.
        low = start.astimezone(self.tz).replace(tzinfo=None) - timedelta(days=1)
        high = end.astimezone(self.tz).replace(tzinfo=None) + timedelta(days=1)
        local = [d for d in self.dates if low <= d <= high]
        for recurrence in self.recurrences:
            local.extend(recurrence.rule().between(low, high, inc=True))
        found = {_localise(d, self.tz) for d in local}
        return sorted(d for d in found if start <= d < end)


def _localise(local: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a local wall-clock time; a time skipped by DST moves forward."""
    aware = local.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz)


@dataclass
class _Part:
    """One comma/"og"-separated piece of schedule text, time and "fra"/"til" taken out."""

    text: str
    core: str
    at: time | None
    start: date | None
    until: date | None


def _split(text: str) -> list[str]:
    """Pieces separated by commas, semicolons, "og" or new lines; a lone weekday joins the next."""
    pieces = [p.strip() for p in _SEPARATOR_RE.split(text) if p.strip(" .")]
    joined: list[str] = []
    for piece in pieces:
        if joined and _weekday(joined[-1].rstrip(".")) is not None and _starts_with_date(piece):
            joined[-1] = f"{joined[-1]} {piece}"  # "tirsdag, 14. januar 2027 kl. 13"
        else:
            joined.append(piece)
    return joined


def _starts_with_date(piece: str) -> bool:
    return re.match(rf"{_DEN}?\d{{1,2}}\s*[./-]?\s*(?:\d|{_WORD})", piece) is not None


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    """The first match of ``pattern`` and the text without it."""
    m = pattern.search(text)
    if m is None:
        return None, text
    rest = f"{text[: m.start()]} {text[m.end() :]}"
    return m, re.sub(r"\s+", " ", rest).strip()


def _prepare(piece: str, today: date) -> _Part:
    """Take the clock time, "fra" and "til" out of a piece of schedule text."""
    kl, core = _take(_KL_TIME_RE, piece)
    start_m, core = _take(_FROM_RE, core)
    until_m, core = _take(_UNTIL_RE, core)
    raw_time = kl["t"] if kl else None
    if raw_time is None:
        trailing, core = _take(_TRAILING_TIME_RE, core)
        raw_time = trailing["t"] if trailing else None
    at = None if raw_time is None else _parse_time(raw_time)
    start = None if start_m is None else _clause_date(start_m, today)
    until = None if until_m is None else _clause_date(until_m, today)
    return _Part(text=piece.rstrip("."), core=core.strip(" ."), at=at, start=start, until=until)


def _clause_date(m: re.Match[str], today: date) -> date:
    """The date after "fra" or "til"."""
    found = _date_from_text(m["d"], today, names_only=True)
    if found is None:
        raise ScheduleError("clause_date_not_understood", clause=_short(m[0]))
    return found


def _interval(m: re.Match[str]) -> int | None:
    """Weeks between meetings from ``hver [N.|anden] (uge|dag)``; None if not understood."""
    unit = m.groupdict().get("unit") or "uge"
    if m["nw"] is not None:
        weeks = _INTERVAL_WORDS.get(_key(m["nw"]))
        if weeks is None or unit == "dag":
            return None
    elif m["n"] is not None:
        count = int(m["n"])
        if unit == "dag":
            if count == 0 or count % 7:
                raise ScheduleError("days_not_whole_weeks", count=str(count))
            count //= 7
        weeks = count
    else:
        if unit == "dag":
            return None
        weeks = 1
    if not 1 <= weeks <= MAX_WEEKS:
        raise ScheduleError("weeks_out_of_range", weeks=str(weeks), max_weeks=str(MAX_WEEKS))
    return weeks


def _nth(word: str) -> int | None:
    """1–5, -1 or -2 for "første", "2.", "den 3." or "sidste"; None for anything else."""
    word = re.sub(rf"^{_DEN}", "", word)
    if re.fullmatch(r"\d\.?", word):
        n = int(word.rstrip("."))
        return n if 1 <= n <= 5 else None
    return _NTH_WORDS.get(_key(word))


def _need_time(part: _Part) -> time:
    if part.at is None:
        raise ScheduleError("no_time", text=_short(part.text))
    return part.at


def _weekly(
    part: _Part,
    today: date,
    weekday: int,
    *,
    interval: int = 1,
    parity: WeekParity | None = None,
) -> Recurrence:
    """A weekly series from the first such weekday (in the right ISO weeks) on or after its start.

    The interval counts from that first meeting: "hver anden uge" without "fra" meets this week.
    """
    at = _need_time(part)
    base = part.start or today
    draft = Recurrence("weekly", base, at, weekday=weekday, parity=parity)  # every week
    return _series(part, draft, base, interval=interval)


def _monthly(
    part: _Part,
    today: date,
    *,
    weekday: int | None = None,
    nth: int | None = None,
    day: int | None = None,
) -> Recurrence:
    """A monthly series from its first meeting on or after its start (or today)."""
    at = _need_time(part)
    base = part.start or today
    draft = Recurrence("monthly", base, at, weekday=weekday, nth=nth, monthday=day)
    return _series(part, draft, base)


def _series(part: _Part, draft: Recurrence, base: date, interval: int = 1) -> Recurrence:
    """``draft`` starting at its first meeting on or after ``base``, with the part's "til"."""
    first = draft.rule().after(datetime.combine(base, time.min), inc=True)
    if first is None:  # pragma: no cover - every pattern without "til" recurs
        raise ScheduleError("no_meetings", text=_short(part.text))
    series = replace(draft, first=first.date(), interval=interval, until=part.until)
    return _checked(part, series)


def _alongside(part: _Part, today: date, weekday: int, series: Recurrence) -> Recurrence:
    """Another weekday met in the same weeks as a weekly ``series``.

    "hver anden uge tirsdag og torsdag": both days fall in the same (Monday-to-Sunday) weeks,
    the first on or after the start; "tirsdag og torsdag i ulige uger": both in odd weeks.
    """
    until = part.until or series.until
    if series.parity is not None:
        return _weekly(replace(part, until=until), today, weekday, parity=series.parity)
    at = _need_time(part)
    iso = series.first.isocalendar()
    monday = date.fromisocalendar(iso.year, iso.week, 1)
    draft = Recurrence("weekly", monday, at, interval=series.interval, weekday=weekday)
    return _series(replace(part, until=until), draft, part.start or today, series.interval)


def _checked(part: _Part, recurrence: Recurrence) -> Recurrence:
    """A series with at least one meeting."""
    if (
        recurrence.until is not None
        and recurrence.rule().after(datetime.combine(recurrence.first, time.min), inc=True) is None
    ):
        raise ScheduleError("ends_before_start", text=_short(part.text))
    return recurrence


def _explicit(part: _Part, m: re.Match[str], today: date) -> datetime | None:
    """One explicit meeting, checked: a real date, matching weekday, not in the past."""
    weekday_word = m["wd"]
    weekday = None if weekday_word is None else _weekday(weekday_word)
    if weekday_word is not None and weekday is None:
        if not _looks_like(weekday_word, WEEKDAYS):
            return None
        raise _unknown_weekday(weekday_word)
    day = _date_from_text(m["date"], today, names_only=True)
    if day is None:
        return None
    at = _need_time(part)
    if weekday is not None and weekday != day.weekday():
        raise ScheduleError(
            "wrong_weekday",
            date=format_date(day, with_year=True),
            weekday=WEEKDAYS[day.weekday()],
            written=WEEKDAYS[weekday],
            time=format_time(at),
        )
    if day < today:
        raise ScheduleError(
            "date_in_past",
            date=_numeric(day),
            example=_numeric(today + timedelta(days=7)),
            time=format_time(at),
        )
    return datetime.combine(day, at)


def _interpret(
    part: _Part, today: date, previous: Recurrence | None, following: _Part | None
) -> Recurrence | datetime | None:
    """A recurrence or an explicit meeting, None if the text is not understood."""
    core = part.core
    if m := _MONTHDAY_RE.fullmatch(core) or _MONTHDAY_LATE_RE.fullmatch(core):
        day = int(m["day"])
        if not 1 <= day <= 28:
            raise ScheduleError("monthday_too_late", day=str(day))
        return _monthly(part, today, day=day)
    if (m := _NTH_DAY_RE.fullmatch(core)) and (nth := _nth(m["ord"])) is not None:
        return _monthly(part, today, day=nth)  # "første/sidste dag i måneden"
    for pattern in (_NTH_WEEKDAY_RE, _NTH_WEEKDAY_LATE_RE):  # "den 2. mandag i hver måned"
        if (m := pattern.fullmatch(core)) and (nth := _nth(m["ord"])) is not None:
            return _monthly(part, today, weekday=_known_weekday(m["wd"]), nth=nth)
    if _PARITY_NO_DAY_RE.fullmatch(core):  # "i lige uger" without a weekday
        raise ScheduleError("no_weekday", text=_short(core))
    for pattern in _PARITY_RES:  # "tirsdag i ulige uger", "lige uger onsdag"
        if (m := pattern.fullmatch(core)) and (weekday := _weekday(m["wd"])) is not None:
            parity: WeekParity = "even" if m["parity"] == "lige" else "odd"
            return _weekly(part, today, weekday, parity=parity)
        if m and _looks_like(m["wd"], WEEKDAYS):
            raise _unknown_weekday(m["wd"])
    for pattern in (_WEEKLY_RE, _WEEKLY_AFTER_RE):
        if (m := pattern.fullmatch(core)) and (weeks := _interval(m)) is not None:
            return _weekly(part, today, _known_weekday(m["wd"]), interval=weeks)
    if m := _WEEKLY_SHORT_RE.fullmatch(core):  # "hver onsdag", "hver anden tirsdag"
        weekday = _weekday(m["wd"])
        if weekday is None and _looks_like(m["wd"], WEEKDAYS):
            raise _unknown_weekday(m["wd"])
        if weekday is not None and (weeks := _interval(m)) is not None:
            return _weekly(part, today, weekday, interval=weeks)
    if _WEEKLY_NO_DAY_RE.fullmatch(core):
        raise ScheduleError("no_weekday", text=_short(core))
    if (weekday := _weekday(core)) is not None:
        # "hver anden uge tirsdag og torsdag": a lone weekday joins the weekly series before it,
        # or else the one after it ("tirsdag og torsdag i ulige uger").
        if previous is not None and previous.kind == "weekly":
            return _alongside(part, today, weekday, previous)
        if following is not None:
            after = _interpret(following, today, None, None)
            if isinstance(after, Recurrence) and after.kind == "weekly":
                return _alongside(part, today, weekday, after)
    # "første og tredje torsdag i måneden": a lone ordinal borrows the weekday after it.
    if (nth := _nth(core)) is not None and following is not None:
        m = _NTH_WEEKDAY_RE.fullmatch(following.core) or _NTH_WEEKDAY_LATE_RE.fullmatch(
            following.core
        )
        if m and (weekday := _weekday(m["wd"])) is not None:
            return _monthly(part, today, weekday=weekday, nth=nth)
    if m := _EXPLICIT_RE.fullmatch(core):
        return _explicit(part, m, today)
    return None


def _lone(part: _Part) -> bool:
    """A piece that is only a weekday or an ordinal: "torsdag" in "tirsdag og torsdag …"."""
    return _weekday(part.core) is not None or _nth(part.core) is not None


def _share_start_and_end(parts: list[_Part]) -> None:
    """Lone pieces and the series they join share "fra" and "til", wherever it was written.

    "hver anden uge tirsdag og torsdag kl. 13 fra 2. marts": the Tuesdays start 2 March too.
    A lone ordinal joins the series after it; a lone weekday the one before it, if any.
    """
    anchors: list[int] = []
    for i, part in enumerate(parts):
        before = [j for j in range(i) if not _lone(parts[j])]
        after = [j for j in range(i + 1, len(parts)) if not _lone(parts[j])]
        if not _lone(part):
            anchors.append(i)
        elif _nth(part.core) is None and before:
            anchors.append(before[-1])
        else:
            anchors.append(after[0] if after else i)
    for anchor in set(anchors):
        group = [p for p, a in zip(parts, anchors, strict=True) if a == anchor]
        start = next((p.start for p in group if p.start is not None), None)
        until = next((p.until for p in group if p.until is not None), None)
        for p in group:
            p.start = p.start or start
            p.until = p.until or until


def parse_schedule(text: str, tz: ZoneInfo, today: date) -> Schedule:
    """Parse Danish meeting-plan text into a Schedule; ScheduleError with a code if unreadable."""
    today = today.date() if isinstance(today, datetime) else today
    if len(text) > MAX_SCHEDULE_CHARS:  # before any parsing: the cost stays bounded
        raise ScheduleError(
            "schedule_too_long", length=str(len(text)), limit=str(MAX_SCHEDULE_CHARS)
        )
    pieces = _split(_normalise(text))
    if not pieces:
        raise ScheduleError("no_schedule")
    parts = [_prepare(piece, today) for piece in pieces]
    # A piece without a clock time borrows the next one's ("14/1 og 11/2 kl. 13"), else the last.
    for i, part in enumerate(parts):
        if part.at is None:
            later = [p.at for p in parts[i + 1 :] if p.at is not None]
            earlier = [p.at for p in parts[:i] if p.at is not None]
            part.at = later[0] if later else (earlier[-1] if earlier else None)
    _share_start_and_end(parts)
    recurrences: list[Recurrence] = []
    dates: list[datetime] = []
    for i, part in enumerate(parts):
        previous = recurrences[-1] if recurrences else None
        following = next((p for p in parts[i + 1 :] if not _lone(p)), None)
        found = _interpret(part, today, previous, following)
        if found is None:
            if len(parts) == 1:
                raise ScheduleError("not_understood")
            raise ScheduleError("part_not_understood", part=_short(part.text))
        if isinstance(found, Recurrence):
            if found not in recurrences:
                recurrences.append(found)
        elif found not in dates:
            dates.append(found)
    dates.sort()
    description = ", ".join(
        [r.describe() for r in recurrences]
        + [f"{format_meeting(d, with_year=True)}" for d in dates]
    )
    return Schedule(description, tz, tuple(recurrences), tuple(dates))


# --------------------------------------------------------------------------- .ics import


def import_ics(data: bytes, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Meeting starts in ``[start, end)`` from an .ics file, in ``tz``, sorted and unique.

    Recurring events are expanded (RRULE, RDATE, EXDATE, moved instances via RECURRENCE-ID);
    cancelled and all-day events are skipped.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    try:
        calendar = icalendar.Calendar.from_ical(data.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ScheduleError("not_a_calendar") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ScheduleError("not_a_calendar")
    if end <= start:
        return []
    try:
        events = recurring_ical_events.of(calendar).between(
            start.astimezone(tz) - timedelta(days=1), end.astimezone(tz) + timedelta(days=1)
        )
    except (ValueError, TypeError, KeyError) as exc:  # InvalidCalendar is a ValueError
        raise ScheduleError("unreadable_event") from exc
    found: set[datetime] = set()
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = event.get("DTSTART")
        begins = getattr(dtstart, "dt", None)
        if not isinstance(begins, datetime):  # all-day events (a date) and oddities
            continue
        if begins.tzinfo is None:  # floating time: local wall-clock time
            begins = _localise(begins, tz)
        begins = begins.astimezone(tz)
        if start <= begins < end:
            found.add(begins)
    return sorted(found)
