"""Explicit references to a målsætning ("2.3", "mål 2,3") or a pejlemærke ("det tredje pejlemærke").

Works on folded text (see :func:`dialogs.qa.text.fold`), so "målsætning", "maalsaetning" and
"malsatning" are the same word here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dialogs.text import clean, fold

_NUMBER_WORDS = {
    "en": 1, "et": 1, "one": 1, "1": 1,
    "to": 2, "two": 2, "2": 2,
    "tre": 3, "three": 3, "3": 3,
    "fire": 4, "four": 4, "4": 4,
    "fem": 5, "five": 5, "5": 5,
    "seks": 6, "six": 6, "6": 6,
    "syv": 7, "seven": 7, "7": 7,
    "otte": 8, "eight": 8, "8": 8,
    "ni": 9, "nine": 9, "9": 9,
}  # fmt: skip
_ORDINALS = {
    "forste": 1, "first": 1, "1st": 1,
    "anden": 2, "andet": 2, "second": 2, "2nd": 2,
    "tredje": 3, "third": 3, "3rd": 3,
    "fjerde": 4, "fourth": 4, "4th": 4,
    "femte": 5, "fifth": 5, "5th": 5,
}  # fmt: skip

# "2.3", "2,3", "2 . 3" — not part of a date, an amount or a longer number.
_MAAL = re.compile(
    r"(?<![\d.,])(\d)\s?[.,]\s?(\d)(?![\d])(?![.,]\d)(?!\s*(?:mio|mia|mill|kr|%|pct|procent))"
)
# ``\b`` after the word: "pejlemærket" must not be read as "pejlemærke et" (pejlemærke 1).
# "pm 4" is how some shorten it; "guiding mark" how some translate it.
_PEJL_WORD = r"(?:pejl\w*\b|pm\b|guiding\s+(?:principles?|marks?)\b|principles?\b|pillars?\b)"
_NUMBER = r"(?:nr\.?\s*|nummer\s+|no\.?\s*|number\s+)?(\d+|" + "|".join(_NUMBER_WORDS) + r")\b"
_PEJL_AFTER = re.compile(_PEJL_WORD + r"\s*" + _NUMBER)
# "målsætning fire punkt tre", "mål to komma et": a målsætning number in words.
_WORD_NUMBER = r"(\d|" + "|".join(w for w in _NUMBER_WORDS if not w.isdigit()) + r")"
_MAAL_WORDS = re.compile(
    r"\b(?:mal\w*|objective|goal)\s+"
    + _WORD_NUMBER
    + r"\s+(?:punkt|komma|point|dot)\s+"
    + _WORD_NUMBER
    + r"\b"
)
_PEJL_BEFORE = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+(?:\w+\s+)?" + _PEJL_WORD)
# "den sidste i pejlemærke 4", "den første målsætning under 2": a målsætning by its place.
_POSITIONS: dict[str, Literal["first", "last"]] = {
    "forste": "first", "first": "first", "sidste": "last", "last": "last",
}  # fmt: skip
_POSITION_UNDER = re.compile(
    r"\b(" + "|".join(_POSITIONS) + r")\s+(?:\w+\s+)?(?:i|under|in|of)\s+"
    r"(?:" + _PEJL_WORD + r"\s*)?(?:nr\.?\s*)?(\d)\b(?![.,]\d)"
)


@dataclass(frozen=True)
class Reference:
    """An explicit reference found in a question."""

    kind: Literal["maalsaetning", "pejlemaerke"]
    value: str  # "2.3" or "3"
    position: Literal["", "first", "last"] = ""  # of the pejlemærke's målsætninger


def find_reference(question: str) -> Reference | None:
    """The first explicit målsætning or pejlemærke reference in ``question``, if any.

    A målsætning number wins over a pejlemærke number ("målsætning 2.3 under pejlemærke 2").
    "den sidste i pejlemærke 4" is the pejlemærke with a ``position``: its last målsætning.
    """
    text = fold(clean(question))
    maal = _MAAL.search(text)
    if maal:
        return Reference("maalsaetning", f"{maal.group(1)}.{maal.group(2)}")
    spelled = _MAAL_WORDS.search(text)
    if spelled:
        first, second = (_NUMBER_WORDS[g] for g in spelled.groups())
        return Reference("maalsaetning", f"{first}.{second}")
    placed = _POSITION_UNDER.search(text)
    if placed:
        return Reference("pejlemaerke", placed.group(2), _POSITIONS[placed.group(1)])
    after = _PEJL_AFTER.search(text)
    if after:
        word = after.group(1)
        number = int(word) if word.isdigit() else _NUMBER_WORDS[word]
        return Reference("pejlemaerke", str(number))
    before = _PEJL_BEFORE.search(text)
    if before:
        return Reference("pejlemaerke", str(_ORDINALS[before.group(1)]))
    return None
