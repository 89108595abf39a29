"""Recognise Danish CPR numbers (personnumre) in free text, so they are never stored.

A CPR number is ``ddmmyy-xxxx``: a valid date of birth and four more digits, the first of
which (the 7th digit) gives the century. The dash may be missing or be a space (or another
dash-like character). The modulus-11 check is not used: numbers issued since 2007 need not
pass it. A number that is part of a longer run of digits (an account number, a 12-digit
reference) is not a CPR number.
"""

from __future__ import annotations

import re
from datetime import date

# Six digits, an optional separator, four digits; not glued to other digits or a "+", and
# not the tail or the head of a number like "1234-0101901234" or "010190-1234.56".
_SEPARATORS = "-\u2010\u2011\u2012\u2013\u2014 \u00a0"
_CANDIDATE = re.compile(
    r"(?<![0-9+])(?<![0-9][-./,])"
    r"([0-9]{2})([0-9]{2})([0-9]{2})"
    rf"[{_SEPARATORS}]?"
    r"([0-9])[0-9]{3}"
    r"(?![0-9])(?![-./,][0-9])"
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


def find_cpr(text: str) -> str | None:
    """The first CPR-shaped number in ``text`` (as written), or None."""
    for match in _CANDIDATE.finditer(text):
        if _valid(*match.groups()):
            return match.group(0)
    return None


def contains_cpr(text: str) -> bool:
    """True when ``text`` contains something shaped like a CPR number."""
    return find_cpr(text) is not None
