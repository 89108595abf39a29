"""Recognise Danish CPR numbers (personnumre) in free text, so they are never stored or logged.

A CPR number is ``ddmmyy-xxxx``: a valid date of birth and four more digits, the first of
which (the 7th digit) gives the century. The modulus-11 check is not used: numbers issued
since 2007 need not pass it.

The text is normalised before it is searched, so that a number typed, pasted or disguised in
another form is found as well:

- every Unicode digit is its ASCII digit: NFKC (full-width ``０１``, mathematical and
  superscript digits), and any other character with a ``unicodedata.digit`` (Arabic-Indic
  ``٠١``, Devanagari, …);
- invisible characters are dropped: format characters (category Cf: zero-width space,
  word joiner, soft hyphen, direction marks) and combining marks;
- any run of separators is one separator: white space (no-break spaces too), every dash
  (``-``, ``‐‑‒–—`` …), the minus sign ``−``, ``.``, ``/`` and ``_``. A separator may stand
  between the day, the month, the year and the last four digits (``01.01.90-1234``); in the
  date, the same kind after both the day and the month, or none.

A number glued to more digits is not a CPR number (``12340101901234``, ``010190-12345``); one
after a separator, a comma or semicolon, a ``+`` or a letter is (``+0101901234``,
``010190-1234,020290-1234``, ``reg. 1234-0101901234``: Danish banks have used CPR numbers
as account numbers). Near misses pass: impossible dates (``320190-1234``), phone numbers
(``+45 12 34 56 78``), amounts (``12.345.678``), dates alone (``01.01.1990``) and times.

A CPR number is refused where a person types it; in a Teams display name, which the user did
not type to the bot, it is replaced (:func:`redact_cpr`). :func:`withheld` keeps exception
messages out of the logs: pydantic's quote the rejected input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache

REDACTED = "[fjernet]"  # what replaces a CPR number in a stored name (stored data: fixed)

# A run of separators becomes one character of its kind: white space " ", a dash or the
# minus sign "-", or itself (".", "/", "_"); a run of mixed kinds (". ", " - ") becomes
# MIXED, which no other character becomes (it is white space itself).
MIXED = "\x1f"
SEPARATORS = frozenset(f" -./_{MIXED}")  # in normalised text
_DROPPED = frozenset({"Cf", "Mn", "Me"})  # format characters and combining marks
# Day, month, year and four digits, each group whole, with at most one separator between
# groups; in the date, the same separator after the day and after the month, or none
# ("13 01.01.1990" is a time and a date, "24 12345678" a number and a phone number). Not
# glued to digits before or after. A lookahead, so every start is tried.
_SEP = f"[{re.escape(''.join(sorted(SEPARATORS)))}]"
_CANDIDATE = re.compile(
    rf"(?<![0-9])(?=(([0-9]{{2}})({_SEP}?)([0-9]{{2}})\3([0-9]{{2}}){_SEP}?([0-9])[0-9]{{3}})"
    r"(?![0-9]))"
)


def birth_year(yy: int, seventh: int) -> int:
    """The full year of birth from the two-digit year and the 7th digit (the CPR rules)."""
    if not (0 <= yy <= 99 and 0 <= seventh <= 9):
        raise ValueError("yy must be 0–99 and the 7th digit 0–9")
    if seventh <= 3:
        return 1900 + yy
    if seventh in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


def _valid(day: str, month: str, yy: str, seventh: str) -> bool:
    try:
        date(birth_year(int(yy), int(seventh)), int(month), int(day))
    except ValueError:
        return False
    return True


def _separator(ch: str) -> str | None:
    """The kind of separator ``ch`` is, or None."""
    if ch.isspace():
        return " "
    if ch in "./_":
        return ch
    if ch == "\u2212" or unicodedata.category(ch) == "Pd":
        return "-"
    return None


def normalise(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` as the detector reads it (see the module docstring), and for each of its
    characters the span of ``text`` it came from."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for index, original in enumerate(text):
        for ch in _read(original):
            if ch in SEPARATORS and chars and chars[-1] in SEPARATORS:  # one run, one
                if chars[-1] != ch:
                    chars[-1] = MIXED
                spans[-1] = (spans[-1][0], index + 1)
                continue
            chars.append(ch)
            spans.append((index, index + 1))
    return "".join(chars), spans


@lru_cache(maxsize=4096)
def _read(original: str) -> str:
    """One character of a text as the detector reads it: an ASCII digit, the kind of
    separator, the character itself, or nothing (an invisible one); NFKC may make several."""
    read = []
    for ch in original if original.isascii() else unicodedata.normalize("NFKC", original):
        if unicodedata.category(ch) in _DROPPED:
            continue
        digit = unicodedata.digit(ch, None)
        read.append(str(digit) if digit is not None else _separator(ch) or ch)
    return "".join(read)


def cpr_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where ``text`` holds CPR numbers: ``(start, end)`` indices of ``text``, in order."""
    normalised, spans = normalise(text)
    for match in _CANDIDATE.finditer(normalised):
        day, _, month, yy, seventh = match.groups()[1:]
        if _valid(day, month, yy, seventh):
            start, end = match.span(1)
            yield spans[start][0], spans[end - 1][1]


def find_cpr(text: str) -> str | None:
    """The first CPR-shaped number in ``text`` (as written), or None."""
    for start, end in cpr_spans(text):
        return text[start:end]
    return None


def contains_cpr(text: str) -> bool:
    """True when ``text`` contains something shaped like a CPR number."""
    return find_cpr(text) is not None


def redact_cpr(text: str, marker: str = REDACTED) -> str:
    """``text`` with every CPR-shaped number replaced by ``marker``: for a name that is kept
    (a Teams display name), where refusing is not possible."""
    merged: list[tuple[int, int]] = []
    for start, end in cpr_spans(text):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + marker + text[end:]
    return text


def field_with_cpr(fields: Iterable[tuple[str, str]]) -> str | None:
    """The name of the first ``(name, value)`` whose value contains a CPR number, or None."""
    return next((name for name, value in fields if contains_cpr(value)), None)


class WithheldError(Exception):
    """Stands in for an exception in a log: its type and traceback, not its message."""


def withheld(error: BaseException) -> WithheldError:
    """A stand-in for ``error`` to log (``log.error(..., exc_info=withheld(error))``): the
    type, where it was raised and its chain of causes, but no message, since a message may
    repeat what a user typed (pydantic's ``ValidationError`` quotes the input). For a
    ``ValidationError`` the fields and error types are kept."""
    return _withheld(error, set())


def _withheld(error: BaseException, seen: set[int]) -> WithheldError:
    seen.add(id(error))
    kind = type(error)
    summary = f"{kind.__module__}.{kind.__qualname__}"
    errors = getattr(error, "errors", None)
    if kind.__name__ == "ValidationError" and callable(errors):
        try:
            found = [(".".join(str(p) for p in e["loc"]), e["type"]) for e in errors()]
        except Exception:  # pragma: no cover - a different ValidationError
            found = []
        summary += f" {found}" if found else ""
    stand_in = WithheldError(f"{summary} (message withheld)").with_traceback(error.__traceback__)
    suppress = error.__suppress_context__
    if error.__cause__ is not None and id(error.__cause__) not in seen:
        stand_in.__cause__ = _withheld(error.__cause__, seen)
    if error.__context__ is not None and id(error.__context__) not in seen:
        stand_in.__context__ = _withheld(error.__context__, seen)
    stand_in.__suppress_context__ = suppress
    return stand_in
