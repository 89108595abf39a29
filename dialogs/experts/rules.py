"""The pure rules of »Spørg en fagperson«: which supplementary answer fits a question, and
when the weekly digest of unanswered questions is due (functions of their inputs and ``now``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from dialogs.experts.models import Question, Supplement
from dialogs.qa.text import content_tokens

SIMILAR = 0.6  # the Dice coefficient of two questions' topic words that counts as "alike"
DIGEST_AFTER_DAYS = 7  # a question open this long is listed in the weekly digest
DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = time(9, 0)


def channel_of(conversation_id: str) -> str:
    """The channel of a channel thread's conversation id (``<channel>;messageid=<id>``)."""
    return conversation_id.split(";", 1)[0]


def topic_words(text: str) -> frozenset[str]:
    """The question's topic words, as the answerer's index reads them (stemmed, folded)."""
    return frozenset(content_tokens(text))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """How alike two questions are: the Dice coefficient of their topic words (0–1)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def best_supplement(question: str, supplements: Iterable[Supplement]) -> Supplement | None:
    """The supplementary answer whose question is most like ``question`` (at least
    :data:`SIMILAR`), the newest on a tie; None if none is alike."""
    words = topic_words(question)
    best: tuple[float, datetime] | None = None
    found: Supplement | None = None
    for supplement in supplements:
        score = similarity(words, topic_words(supplement.question))
        if score < SIMILAR:
            continue
        rank = (score, supplement.published_at)
        if best is None or rank > best:
            best, found = rank, supplement
    return found


@dataclass(frozen=True)
class Digest:
    """The weekly digest: its week (``2026-W49``) and the questions to list, oldest first."""

    week: str
    questions: tuple[Question, ...]


def week_of(now: datetime, tz: tzinfo) -> str:
    """The ISO week of ``now`` in ``tz``: ``2026-W49``."""
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(
    now: datetime,
    tz: tzinfo,
    questions: Sequence[Question],
    sent_weeks: Iterable[str],
    days: int = DIGEST_AFTER_DAYS,
) -> Digest | None:
    """The digest to send now, or None.

    Once a week, from Monday 9.00 (local time; later in the week if the bot was down then),
    the open questions older than ``days`` days. A week already in ``sent_weeks`` (sent, or
    found with nothing to list) gets nothing more.
    """
    local = now.astimezone(tz)
    week = week_of(now, tz)
    if week in set(sent_weeks):
        return None
    monday = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    starts = datetime.combine(monday, DIGEST_TIME, tzinfo=tz)
    if local < starts:
        return None
    cutoff = now - timedelta(days=days)
    waiting = sorted(
        (q for q in questions if q.state == "open" and q.asked_at <= cutoff),
        key=lambda q: (q.asked_at, q.id),
    )
    return Digest(week, tuple(waiting))
