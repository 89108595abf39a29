"""The labelled examples (``dialogs/qa/examples.py``): the nearest one, the classifier, and how
the answerer weighs them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from content import Content, load_content
from content.models import Example
from dialogs.qa.answer import Answerer
from dialogs.qa.examples import Classified, ExampleIndex, NearestExample
from dialogs.qa.text import canonical


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
    assert ExampleIndex.of(load_content()) is ExampleIndex.of(content)  # the same examples
    assert len(ExampleIndex.of(content)) > 1500


# -- how the answerer weighs the examples against the index ---------------------------------


def answerer(content: Content, *examples: Example) -> Answerer:
    return Answerer(content, ExampleIndex(examples))


def test_a_near_copy_of_an_example_gets_its_answer_over_the_index(content: Content) -> None:
    question = "hvad er med-systemet for noget"  # the index reads "system" and answers 2.2
    assert answerer(content).answer(question).target == "maalsaetning:2.2"
    taught = answerer(content, example("hvad er med systemet for noget", "term:med"))
    assert (taught.answer(question).target, taught.answer(question).hedged) == ("term:med", False)


GODKENDT = "fact:godkendelse"


def test_an_abbreviation_is_named_alike_by_its_long_name(content: Content) -> None:
    question = "godkendte KB den eller var det kun udvalget"
    taught = answerer(
        content,
        example("var det kommunalbestyrelsen der godkendte den eller kun udvalget", GODKENDT),
        LOEN,
    )
    assert taught.answer(question).target == GODKENDT
    # A glossary word's example is about the abbreviation it names, and KB is not VPU.
    vpu = answerer(content, example("VPU forkortelse?", "term:vpu"), LOEN)
    assert vpu.answer("VPU forkortelse?").target == "term:vpu"
    assert vpu.answer("KB forkortelse?").target == "term:kb"


class _NearLmu(ExampleIndex):
    """The nearest example is about LMU; the classifier says ``target``."""

    def __init__(self, target: str) -> None:
        super().__init__([])
        self.target = target

    def nearest(self, question: str) -> NearestExample:
        return NearestExample("term:lmu", 0.9, "what does LMU stand for")

    def classify(self, question: str) -> Classified:
        return Classified(self.target, 0.5)


def test_what_an_example_about_another_abbreviation_taught_is_not_the_answer(
    content: Content,
) -> None:
    question = "what does OMU stand for"  # the index is not confident: the fallback
    assert Answerer(content, _NearLmu("term:lmu")).answer(question).kind == "fallback"
    assert Answerer(content, _NearLmu("term:omu")).answer(question).target == "term:omu"


def test_an_example_about_ones_own_meeting_fits_either_committee(content: Content) -> None:
    taught = answerer(content, example("hvad er fokus på næste lmu", "own:meeting"), LOEN)
    assert taught.answer("hvad er fokus på næste OMU møde").target == "own:meeting"


FAELLESSKAB = "noegleord:arbejdsfaellesskaber"


def test_an_answer_learns_from_every_question_it_answers() -> None:
    """The first two examples are right as pejlemærke 4 and as the nøgleord: the nøgleord
    learns "kolleger" from them, though pejlemærke 4 is their first answer."""
    index = ExampleIndex(
        [
            example("kolleger siger op hele tiden", "pejlemaerke:4", FAELLESSKAB),
            example("vi mister nye kolleger", "pejlemaerke:4", FAELLESSKAB),
            example("sammenhold i personalegruppen", FAELLESSKAB),
            example("fremtidens tilbud skal tænkes nu", "pejlemaerke:4"),
            example("flere frivillige på bostedet", "maalsaetning:1.4"),
            LOEN,
        ]
    )
    guess = index.classify("nye kolleger og sammenhold")
    assert guess is not None and guess.target == FAELLESSKAB


def test_an_answer_every_example_accepts_trains_no_classifier(
    caplog: pytest.LogCaptureFixture,
) -> None:
    index = ExampleIndex(
        [
            example("kolleger siger op", "pejlemaerke:4", FAELLESSKAB),
            example("sammenhold i personalegruppen", FAELLESSKAB),
        ]
    )
    assert index.classify("kolleger") is None
    assert "tells nothing apart" in caplog.text


# Not an example, nor near one: the nearest example is about the kerneopgave (2.1), but
# "holde på" and "nye kolleger" speak for keeping one's colleagues (pejlemærke 4).
QUITTING = "vi kan ikke holde på de nye kolleger, hvad gør strategien ved det"


def test_the_classifier_finds_what_the_words_speak_for(content: Content) -> None:
    index = ExampleIndex.of(content)
    nearest, guess = index.nearest(QUITTING), index.classify(QUITTING)
    assert nearest is not None and nearest.target != "pejlemaerke:4"
    assert guess is not None and guess.target == "pejlemaerke:4"
    answer = Answerer(content).answer(QUITTING)
    assert (answer.target, answer.hedged) == ("pejlemaerke:4", True)
    assert answerer(content).answer(QUITTING).kind == "fallback"  # the index alone


def test_the_classifier_needs_two_answers_and_a_shared_feature() -> None:
    assert ExampleIndex([KOLLEGER]).classify(KOLLEGER.q) is None
    two = ExampleIndex([KOLLEGER, LOEN])
    assert two.classify("xyzzy") is None
    found = two.classify("hvornår får jeg løn")
    assert found is not None and found.target == "fallback"


def test_the_classifier_gives_its_best_among_some_answers() -> None:
    velfaerd = example("hvordan bruger vi velfærdsteknologi og skærmbesøg", "maalsaetning:3.2")
    three = ExampleIndex([KOLLEGER, LOEN, velfaerd])
    question = "hvornår får jeg løn for skærmbesøg"
    first = three.classify(question)
    among = three.best_of(question, {"maalsaetning:3.2", "pejlemaerke:4"})
    assert first is not None and first.target == "fallback"
    assert among is not None and among.target == "maalsaetning:3.2"
    assert among.score <= first.score
    assert three.best_of(question, {"maalsaetning:1.1"}) is None  # never learnt


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
        ("giv et eksempel fra hverdagen", "pejlemaerke:2", "pejlemaerke:2"),
        ("og hvad skal vi tale om der?", "own:meeting", "own:meeting"),
        ("og hvad hvis jeg ikke når det", "own:status", "own:status"),
        ("giv mig et eksempel fra et værested", "maalsaetning:2.4", "maalsaetning:2.4"),
        ("give me an example from a shelter", "maalsaetning:3.1", "maalsaetning:3.1"),
        ("kan du omformulere den", "maalsaetning:1.3", "maalsaetning:1.3"),
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
    # An example of something else is a topic of its own, wherever it is from.
    assert answerer(content).answer("giv et eksempel på medansvar", "maalsaetning:2.4").target != (
        "maalsaetning:2.4"
    )


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


# -- the classifier's weights, kept between starts -------------------------------------------

FRIVILLIGE = example("kan frivillige komme på besøg hos beboerne", "maalsaetning:1.4")
THREE = (KOLLEGER, LOEN, FRIVILLIGE)


def test_the_trained_classifier_is_read_back_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained = ExampleIndex(THREE)
    trained.learn(tmp_path)
    ExampleIndex(THREE[:2]).learn(tmp_path)  # other examples: another classifier, another file
    assert len(list(tmp_path.glob("classifier-*.npz"))) == 2
    question = "må frivillige besøge os"
    monkeypatch.setitem(sys.modules, "sklearn.svm", None)  # training would fail now
    again = ExampleIndex(THREE)
    again.learn(tmp_path)
    assert again.classify(question) == trained.classify(question) is not None


def test_an_unreadable_cache_is_trained_anew(tmp_path: Path) -> None:
    ExampleIndex(THREE).learn(tmp_path)
    [kept] = tmp_path.glob("classifier-*.npz")
    kept.write_bytes(b"not a zip file")
    fresh = ExampleIndex(THREE)
    fresh.learn(tmp_path)
    found = fresh.classify("må frivillige besøge os")
    assert found is not None and found.target == "maalsaetning:1.4"
    assert kept.read_bytes()[:2] == b"PK"  # written again


def test_without_scikit_learn_the_bot_answers_on_the_index_alone(
    content: Content, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.svm", None)
    examples = ExampleIndex(THREE)
    examples.learn()
    assert examples.classify("må frivillige besøge os") is None
    assert [r.getMessage() for r in caplog.records if "classifier" in r.getMessage()] == [
        "Answering without the examples' classifier: import of sklearn.svm halted; "
        "None in sys.modules"
    ]
    assert Answerer(content, examples).answer("hvad er TRIO").target == "term:trio"


def test_a_word_is_known_from_two_examples_on() -> None:
    index = ExampleIndex(
        [
            example("kan beboerne bage kage om fredagen", "maalsaetning:1.3"),
            example("må vi invitere frivillige", "maalsaetning:1.4"),
            example("hvordan finder vi frivillige", "maalsaetning:1.4"),
        ]
    )
    assert index.knows_word(canonical("frivillige"))
    assert not index.knows_word(canonical("kage"))  # one practice question is no topic
    assert not index.knows_word(canonical("løn"))
