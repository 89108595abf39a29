"""The pure rules of »Spørg en fagperson«: similar questions and the weekly digest."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dialogs.experts.models import Question, Supplement
from dialogs.experts.rules import (
    best_supplement,
    channel_of,
    digest_due,
    similarity,
    topic_words,
    week_of,
)
from tests.conftest import TZ

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # week 49


def question(n: int, asked: datetime, state: str = "open") -> Question:
    return Question(
        id=f"q{n}", asker=f"aad-user-{n}", text=f"Spørgsmål {n}", asked_at=asked, state=state
    )  # type: ignore[arg-type]


def supplement(n: int, text: str, published: datetime = MONDAY_9) -> Supplement:
    return Supplement(
        id=f"s{n}", question_id=f"q{n}", question=text, answer=f"Svar {n}", expert_name="Bo",
        answered_at=published, published_at=published,
    )  # fmt: skip


def test_channel_of_a_thread_is_its_channel() -> None:
    assert channel_of("19:abc@thread.tacv2;messageid=123") == "19:abc@thread.tacv2"
    assert channel_of("19:abc@thread.tacv2") == "19:abc@thread.tacv2"


@pytest.mark.parametrize(
    ("asked", "stored", "alike"),
    [
        ("Hvem betaler for kørsel til dagtilbud?", "Hvem betaler kørslen til dagtilbuddet?", True),
        ("hvem betaler for korsel til dagtilbud", "Hvem betaler for kørsel til dagtilbud?", True),
        ("Hvad er reglerne for kørsel?", "Hvem betaler for kørsel til dagtilbud?", False),
        ("Hvornår holder kantinen åbent?", "Hvem betaler for kørsel til dagtilbud?", False),
    ],
)
def test_similar_questions_are_found_by_their_topic_words(
    asked: str, stored: str, alike: bool
) -> None:
    found = best_supplement(asked, [supplement(1, stored)])
    assert (found is not None) == alike, similarity(topic_words(asked), topic_words(stored))


def test_the_most_alike_supplement_wins_and_the_newest_on_a_tie() -> None:
    older = supplement(1, "Hvem betaler for kørsel til dagtilbud?")
    newer = supplement(2, "Hvem betaler for kørsel til dagtilbud?", MONDAY_9 + timedelta(1))
    other = supplement(3, "Hvem betaler for kørsel?")
    assert best_supplement("Hvem betaler for kørsel til dagtilbud?", [older, other, newer]) == newer
    assert best_supplement("", [older]) is None
    assert best_supplement("Hvem betaler?", []) is None


def test_the_digest_comes_once_a_week_from_monday_nine() -> None:
    old = question(1, MONDAY_9 - timedelta(days=8))
    new = question(2, MONDAY_9 - timedelta(days=2))
    done = question(3, MONDAY_9 - timedelta(days=20), state="answered")
    questions = [new, done, old]
    assert digest_due(MONDAY_9 - timedelta(minutes=1), TZ, questions, []) is None
    digest = digest_due(MONDAY_9, TZ, questions, [])
    assert digest is not None and digest.week == "2026-W49"
    assert digest.questions == (old,)
    assert digest_due(MONDAY_9 + timedelta(days=3), TZ, questions, []) is not None  # caught up
    assert digest_due(MONDAY_9 + timedelta(days=3), TZ, questions, ["2026-W49"]) is None
    assert digest_due(MONDAY_9 + timedelta(days=7), TZ, questions, ["2026-W49"]) is not None
    empty = digest_due(MONDAY_9, TZ, [new], [])
    assert empty is not None and empty.questions == ()  # the week is marked, nothing is sent
    everything = digest_due(MONDAY_9, TZ, questions, [], days=1)
    assert everything is not None and everything.questions == (old, new)


def test_the_week_is_local_time() -> None:
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=TZ) - timedelta(hours=1)
    assert week_of(sunday_night_utc, TZ) == "2026-W48"
    assert week_of(MONDAY_9, TZ) == "2026-W49"
