"""The answerer against the development question set in ``tests/data/questions.yaml``."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from content import Content
from dialogs.intents import ASK, IntentParser
from dialogs.qa.answer import Answer, Answerer, answer_for_target
from dialogs.qa.index import build_entries

QUESTIONS = yaml.safe_load(
    (Path(__file__).parents[2] / "data" / "questions.yaml").read_text(encoding="utf-8")
)


def respond(answerer: Answerer, parser: IntentParser, text: str) -> Answer:
    """The answer the bot gives to a typed message (commands included)."""
    intent = parser.parse(text)
    if intent.name == ASK:
        return answerer.answer(intent.text)
    return answer_for_target(f"command:{intent.name}", intent.text)


@pytest.fixture(scope="module")
def results(answerer: Answerer, content: Content) -> dict[str, list[bool]]:
    parser = IntentParser(content.commands)
    by_category: dict[str, list[bool]] = defaultdict(list)
    for item in QUESTIONS:
        expected = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
        by_category[item["category"]].append(
            respond(answerer, parser, item["q"]).target in expected
        )
    return by_category


def test_the_question_set_is_large_enough() -> None:
    assert len(QUESTIONS) >= 120


def test_explicit_numbers_are_always_right(results: dict[str, list[bool]]) -> None:
    assert all(results["number"])


def test_answerable_questions_are_mostly_right(results: dict[str, list[bool]]) -> None:
    answerable = [
        ok for category, oks in results.items() if category != "out_of_scope" for ok in oks
    ]
    assert sum(answerable) / len(answerable) >= 0.95


def test_out_of_scope_questions_mostly_get_the_fallback(results: dict[str, list[bool]]) -> None:
    oks = results["out_of_scope"]
    assert sum(oks) / len(oks) >= 0.9


@pytest.mark.parametrize(
    "question",
    ["hvad bliver vejret i morgen", "hvornår får jeg løn", "hvordan nulstiller jeg mit password",
     "asdfgh", "what's the weather like"],
)  # fmt: skip
def test_out_of_scope_never_gets_a_maalsaetning(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question).kind == "fallback"


def test_fallback_offers_the_closest_topics(answerer: Answerer) -> None:
    answer = answerer.answer("hvad er status på min sag")
    assert answer.kind == "fallback"
    assert all(
        target.startswith(("fact:", "term:", "pejlemaerke:")) for target in answer.alternatives
    )


def test_every_follow_up_button_asks_what_it_shows(answerer: Answerer, content: Content) -> None:
    """Typing a button's text shows its target (or the term that a nøgleord is explained by,
    whose answer shows the nøgleord too)."""
    parser = IntentParser(content.commands)
    for entry in build_entries(content):
        text = answerer.button_text(entry.target)
        expected = {answer_for_target(entry.target).target}
        kind, _, key = entry.target.partition(":")
        word = content.noegleord(key) if kind == "noegleord" else None
        if word is not None and word.term:
            expected.add(f"term:{word.term}")
        assert respond(answerer, parser, text).target in expected, (entry.target, text)


def test_unknown_numbers_are_said_not_to_exist(answerer: Answerer) -> None:
    answer = answerer.answer("målsætning 5.2")
    assert (answer.kind, answer.reference) == ("unknown", "5.2")
    assert answerer.answer("pejlemærke 7").reference == "7"


def test_english_questions_get_english_answers(answerer: Answerer) -> None:
    answer = answerer.answer("What does objective 2.3 mean?")
    assert (answer.target, answer.language) == ("maalsaetning:2.3", "en")
    assert answerer.answer("When was the strategy approved?").target == "fact:godkendelse"


def test_typos_and_spellings_without_aeoeaa(answerer: Answerer) -> None:
    assert answerer.answer("hvad betyder recowery").target == "term:recovery"
    assert answerer.answer("kerne opgaven").target in {"term:kerneopgave", "maalsaetning:2.1"}
    assert answerer.answer("borgerinddragelse").target == "noegleord:inddragelse"


def test_close_answers_offer_the_other_as_a_button(answerer: Answerer) -> None:
    answer = answerer.answer("social kapital")
    assert answer.target == "term:social-kapital"
    assert answer.alternatives == ("noegleord:relationel-koordinering",)
    # A term and the nøgleord it explains are one thing: each answer shows the other.
    assert answerer.answer("hvad betyder prøvehandlinger").alternatives == ()
    answer = answerer.answer("skal strategien være et fast punkt på LMU møderne")
    assert answer.target == "fact:omraadeudvalget-beslutning"


def test_same_text_same_answer(answerer: Answerer) -> None:
    assert answerer.answer("hvad er TRIO") == answerer.answer("hvad er TRIO")
