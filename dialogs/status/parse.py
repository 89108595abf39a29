"""The free-text status command: "status 2.3 gul: vi har beskrevet serviceniveauet".

The grammar, loosely::

    [status] [mål|målsætning|goal] 2.3 [er] <status word> [: | - | – | ,] [comment]
        [næste skridt: <next step>]

The status word may also come before the målsætning ("status gul 2.3: …"). Status words are
the labels, emojis and aliases of ``content/data/status.yaml``, compared case-insensitively
with æ/ae/a, ø/oe/o and å/aa/a folded alike. Errors are codes with parameters; their Danish
wording is in the ``parse_errors`` of the same file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

from content.models import Status, StatusTexts
from dialogs.status.models import MAX_COMMENT
from dialogs.text import fold

ParseErrorCode = Literal[
    "empty", "missing_goal", "unknown_goal", "missing_status", "comment_too_long"
]


@dataclass(frozen=True)
class ParsedStatus:
    """One målsætning's status from a chat message."""

    maalsaetning: str  # "2.3"
    status: Status
    comment: str = ""
    next_step: str = ""


@dataclass(frozen=True)
class StatusParseError:
    """Why a status message could not be read: a code and the parameters of its message.

    ``empty`` (no params); ``missing_goal`` (no params); ``unknown_goal`` (``id``);
    ``missing_status`` (``id``); ``comment_too_long`` (``length``, ``limit``, and ``field``:
    ``"comment"`` or ``"next_step"``).
    """

    code: ParseErrorCode
    params: Mapping[str, str | int] = field(default_factory=dict, hash=False)


_COMMAND = re.compile(r"^status\b\s*[:\-–—]?\s*", re.IGNORECASE)
_GOAL = re.compile(
    r"\s*(?:(?:for|på|paa|pa)\s+)?"
    r"(?:(?:m(?:å|aa|a)l\w*|goal|objective)\s*[:.]?\s*)?"
    r"(?:(?:nr|no)\.?\s*)?"
    r"(\d+)\s?[.,]\s?(\d+)(?![.,]?\d)",
    re.IGNORECASE,
)
_NEXT_STEP = re.compile(r"\bn(?:æ|ae|a)ste\s+skridt\s*[:\-–—]|\bnext\s+step\s*[:\-–—]", re.I)
_TOKEN = re.compile(r"\w+|\S", re.UNICODE)
_FILLERS = frozenset({"er", "is", "=", "status"})
_SEPARATORS = ":-–—,;."
_TRIM = " \t,;:-–—"


def parse_status_text(
    text: str, statuses: StatusTexts, strategy_ids: Collection[str]
) -> ParsedStatus | StatusParseError:
    """Read "status 2.3 gul: kommentar næste skridt: …" (with or without the word "status")."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    text = _COMMAND.sub("", text, count=1)
    if not text:
        return StatusParseError("empty")
    words = _status_words(statuses)
    status, at = _status_at(text, 0, words)
    goal = _GOAL.match(text, at)
    if goal is None:
        return StatusParseError("missing_goal")
    ident = f"{int(goal.group(1))}.{int(goal.group(2))}"
    if ident not in strategy_ids:
        return StatusParseError("unknown_goal", {"id": ident})
    rest = goal.end()
    if status is None:
        status, rest = _status_at(text, _skip_fillers(text, rest), words)
        if status is None:
            return StatusParseError("missing_status", {"id": ident})
    comment, next_step = _split_next_step(_after_separator(text[rest:]))
    for name, value in (("comment", comment), ("next_step", next_step)):
        if len(value) > MAX_COMMENT:
            return StatusParseError(
                "comment_too_long", {"length": len(value), "limit": MAX_COMMENT, "field": name}
            )
    return ParsedStatus(ident, status, comment, next_step)


def _status_words(statuses: StatusTexts) -> dict[tuple[str, ...], Status]:
    found: dict[tuple[str, ...], Status] = {}
    for status, label in statuses.statuses.items():
        for phrase in (label.label, label.emoji, *label.aliases):
            key = tuple(_fold_token(t) for t in _TOKEN.findall(phrase))
            if key:
                found.setdefault(key, status)
    return found


def _fold_token(token: str) -> str:
    return fold(token.lower())


def _status_at(
    text: str, start: int, words: Mapping[tuple[str, ...], Status]
) -> tuple[Status | None, int]:
    """The longest status phrase starting at ``start`` (after spaces), and where it ends."""
    tokens = list(_TOKEN.finditer(text, start))
    folded = [_fold_token(t.group(0)) for t in tokens]
    best: tuple[Status | None, int] = (None, start)
    longest = 0
    for key, status in words.items():
        if len(key) > longest and tuple(folded[: len(key)]) == key:
            best, longest = (status, tokens[len(key) - 1].end()), len(key)
    return best


def _skip_fillers(text: str, start: int) -> int:
    """Past separators and filler words between the målsætning and the status word."""
    for token in _TOKEN.finditer(text, start):
        word = token.group(0).lower()
        if word not in _FILLERS and word not in _SEPARATORS:
            return token.start()
        start = token.end()
    return start


def _after_separator(rest: str) -> str:
    rest = rest.lstrip()
    if rest[:1] and rest[0] in _SEPARATORS:
        rest = rest[1:]
    return rest.strip()


def _split_next_step(rest: str) -> tuple[str, str]:
    marker = _NEXT_STEP.search(rest)
    if marker is None:
        return rest.strip(_TRIM), ""
    return rest[: marker.start()].strip(_TRIM), rest[marker.end() :].strip(_TRIM)
