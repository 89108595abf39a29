"""The nearest labelled example (``dialogs/qa/examples.py``) and how the answerer weighs it."""

from __future__ import annotations

import pytest

from content import Content
from content.models import Example
from dialogs.qa.answer import Answerer
from dialogs.qa.examples import ExampleIndex


def example(q: str, *expect: str, context: tuple[str, ...] = ()) -> Example:
    return Example(source="test", q=q, expect=expect, category="test", context=context)


KOLLEGER = example("hvordan får vi nye kolleger til at blive hos os", "pejlemaerke:4")
LOEN = example("hvornår får jeg min løn", "fallback")


def test_the_nearest_example_survives_typos_and_missing_letters() -> None:
    index = ExampleIndex([KOLLEGER, LOEN])
    found = index.nearest("hvordan faar vi nye kollegaer til at blive")
    assert found is not None
    assert (found.target, found.question) == ("pejlemaerke:4", KOLLEGER.q)
    assert found.similarity > 0.5


def test_words_no_example_has_make_a_question_less_similar() -> None:
    index = ExampleIndex([KOLLEGER, LOEN])
    plain = index.nearest("hvordan får vi nye kolleger til at blive")
    padded = index.nearest("hvordan får vi nye kolleger til at blive trods budgetnedskæringerne")
    assert plain is not None and padded is not None
    assert padded.similarity < plain.similarity - 0.1


def test_follow_ups_small_talk_and_unknown_numbers_teach_nothing() -> None:
    index = ExampleIndex(
        [
            example("og den næste?", "maalsaetning:2.4", context=("hvad er 2.3",)),
            example("hej med dig", "smalltalk"),
            example("målsætning 7.7", "unknown"),
        ]
    )
    assert len(index) == 0
    assert index.nearest("og den næste?") is None


def test_the_first_of_several_accepted_answers_is_taught() -> None:
    index = ExampleIndex([example("hvad betyder recovery", "noegleord:recovery", "term:recovery")])
    found = index.nearest("hvad betyder recovery")
    assert found is not None and found.target == "noegleord:recovery"


def test_the_content_examples_are_indexed_once_per_content(content: Content) -> None:
    assert ExampleIndex.of(content) is ExampleIndex.of(content)
    assert len(ExampleIndex.of(content)) > 1500


# -- how the answerer weighs the nearest example against the index --------------------------


def answerer(content: Content, *examples: Example) -> Answerer:
    return Answerer(content, None, ExampleIndex(examples))


def test_a_near_copy_of_an_example_gets_its_answer_over_the_index(content: Content) -> None:
    question = "hvad er med-systemet"  # the index reads "system" and answers 2.2
    assert answerer(content).answer(question).target == "maalsaetning:2.2"
    taught = answerer(content, example("hvad er med systemet", "term:med"))
    assert (taught.answer(question).target, taught.answer(question).hedged) == ("term:med", False)


def test_a_close_example_answers_what_the_index_refuses(content: Content) -> None:
    question = "hvordan får vi nye kolleger til at blive hos os på værkstedet"
    assert answerer(content).answer(question).kind == "fallback"
    answer = answerer(content, KOLLEGER).answer(question)
    assert (answer.target, answer.hedged) == ("pejlemaerke:4", True)


def test_an_example_outside_the_strategy_gives_the_honest_fallback(content: Content) -> None:
    question = "hvilke tilbud skal lukkes"
    assert answerer(content).answer(question).kind != "fallback"  # a passage on tilbud
    taught = answerer(content, example("hvilke tilbud skal lukkes?", "fallback"))
    assert taught.answer(question).kind == "fallback"


def test_a_sure_index_answer_beats_a_merely_close_example(content: Content) -> None:
    question = "hvad betyder TRIO for os"
    close = example("hvad betyder det for os", "pejlemaerke:1")
    assert answerer(content, close).answer(question).target == "term:trio"


@pytest.mark.parametrize("question", ["hvornår er fristen for at søge ferie",
                                      "hvornår er fristen for lønindberetning"])  # fmt: skip
def test_a_topic_outside_the_strategy_is_not_answered_from_a_close_example(
    content: Content, question: str
) -> None:
    close = example("hvornår er fristen", "own:status")
    assert answerer(content, close).answer(question).kind == "fallback"


def test_a_term_stays_a_term_when_the_example_names_its_noegleord(content: Content) -> None:
    taught = answerer(content, example("hvad betyder recovery", "noegleord:recovery"))
    assert taught.answer("hvad betyder recovery").target == "term:recovery"


# -- follow-ups that point back without naming anything -------------------------------------


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("af hvem", "fact:godkendelse", "fact:godkendelse"),
        ("hvornår?", "fact:godkendelse", "fact:godkendelse"),
        ("hvordan gør vi det i praksis på et bosted", "maalsaetning:3.1", "maalsaetning:3.1"),
        ("kan du sige det med andre ord", "maalsaetning:1.1", "maalsaetning:1.1"),
        ("hvor i strategien står det", "term:recovery", "noegleord:recovery"),
        ("hvilke nøgleord har det", "pejlemaerke:3", "pejlemaerke:3"),
    ],
)
def test_a_question_that_only_points_back_gets_the_previous_answer(
    content: Content, question: str, previous: str, expected: str
) -> None:
    assert answerer(content).answer(question, previous).target == expected


def test_a_follow_up_in_english_asks_for_the_same_in_english(content: Content) -> None:
    answer = answerer(content).answer("and in english?", "fact:godkendelse")
    assert (answer.target, answer.language) == ("fact:godkendelse", "en")


def test_a_question_with_a_topic_of_its_own_is_not_a_follow_up(content: Content) -> None:
    assert answerer(content).answer("hvad med frivillige", "maalsaetning:3.1").target != (
        "maalsaetning:3.1"
    )
    assert answerer(content).answer("hvad er lmu", "fact:godkendelse").target == "term:lmu"


def test_an_example_about_another_abbreviation_is_not_asked_alike(content: Content) -> None:
    vpu = example("VPU forkortelse?", "term:vpu")
    assert answerer(content, vpu).answer("KB forkortelse?").target == "term:kb"
    assert answerer(content, vpu).answer("VPU forkortelse").target == "term:vpu"


def test_an_example_about_another_municipality_teaches_nothing_else(content: Content) -> None:
    randers = example("hvad er strategien for socialområdet i randers kommune", "fallback")
    assert answerer(content, randers).answer("hvad er strategien for vores kommune").kind != (
        "fallback"
    )
    assert answerer(content, randers).answer("hvad er strategien i randers kommune").kind == (
        "fallback"
    )


def test_an_entrys_own_name_beats_an_example_that_says_otherwise(content: Content) -> None:
    theme = example("tværgående samarbejde", "maalsaetning:4.3")
    assert answerer(content, theme).answer("Tværgående samarbejde").target == "section:samarbejde"
