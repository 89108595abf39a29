from __future__ import annotations

import pytest

from content import Content
from dialogs.qa.text import (
    asks_for_kind,
    canonical,
    content_tokens,
    is_definition_question,
    is_english,
    names_other_body,
    names_other_scope,
    off_topic_words,
    speaks_as_team,
    strip_markup,
    without_frames,
)
from dialogs.text import fold


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("målsætningerne", "malsaetning"),
        ("målsætning", "maalsætning"),
        ("først", "foerst"),
        ("først", "forst"),
        ("pejlemærket", "pejlemaerke"),
        ("prøvehandlinger", "provehandlinger"),
    ],
)
def test_danish_spellings_compare_equal(a: str, b: str) -> None:
    assert canonical(a) == canonical(b)


def test_fold_maps_both_ways() -> None:
    assert fold("æ") == fold("ae") == "a"
    assert fold("ø") == fold("oe") == "o"
    assert fold("å") == fold("aa") == "a"


def test_mentions_and_tags_are_removed() -> None:
    assert strip_markup("<at>Strategibot</at> hvad er <b>TRIO</b>").split() == [
        "hvad",
        "er",
        "TRIO",
    ]


def test_question_frames_are_not_topic_words_but_acronyms_are() -> None:
    assert content_tokens("Hvad betyder MED?") == ["med"]
    assert content_tokens("hvad er det med strategien") == [canonical("strategien")]


def test_language_and_definition_detection() -> None:
    assert is_english("What does objective 2.3 mean?")
    assert not is_english("Hvad betyder målsætning 2.3?")
    assert not is_english("TRIO")
    assert is_definition_question("hvad er et pejlemærke")
    assert not is_definition_question("hvilke pejlemærker er der")


FRAMES = ("hvordan kan vi i praksis arbejde med", "i praksis", "som medarbejder", "i hverdagen")


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        ("hvordan kan vi i praksis arbejde med inddragelse", "inddragelse"),
        ("Hvordan kan vi i PRAKSIS arbejde med TRIO?", "TRIO?"),  # as typed: capitals kept
        ("hvad er medansvar for mig som medarbejder i hverdagen", "hvad er medansvar for mig"),
        ("hvordan kan vi i praksis arbejde med",) * 2,  # nothing else: it is its own topic
        ("hvad er praksis", "hvad er praksis"),  # a frame is a whole sequence of words
    ],
)  # fmt: skip
def test_practice_frames_are_removed_before_matching(question: str, rest: str) -> None:
    stripped, framed = without_frames(question, FRAMES)
    assert (stripped, framed) == (rest, rest != question)


def test_off_topic_words_match_by_prefix_or_stem() -> None:
    topics = ("løn*", "vagt", "kantine*", "sygefravær*")
    found = off_topic_words("hvornår er der lønudbetaling til vagterne", topics)
    assert found == {"lønudbetaling", "vagterne"}
    assert off_topic_words("hvad er der i kantinen", topics) == {"kantinen"}
    assert off_topic_words("sygefravaer i afdelingen", topics) == {"sygefravaer"}  # æ as ae
    # "løn" without æ/ø/å is "lon", which starts English "long": short prefixes as written.
    assert off_topic_words("how long does the strategy apply", topics) == frozenset()
    assert off_topic_words("hvordan samarbejder vi med sygehuset", topics) == frozenset()


def test_wage_subsidies_are_not_pay(content: Content) -> None:
    """Pay is off topic word by word: "løntilskud" belongs to the labour market, a theme."""
    topics = content.conversation.off_topics
    assert off_topic_words("hvornår kommer lønsedlen", topics) == {"lønsedlen"}
    assert off_topic_words("får jeg løn for overarbejde", topics) == {"løn", "overarbejde"}
    assert off_topic_words("et job med løntilskud til borgeren", topics) == frozenset()
    # "vægter" (weighs) folds like "vagter" (shifts); as written it is another word.
    assert off_topic_words("hvad vægter strategien højest", ["vagter"]) == frozenset()
    assert off_topic_words("hvad med vagterne", ["vagter"]) == {"vagterne"}


def test_another_area_is_another_scope_only_for_its_strategy() -> None:
    known: frozenset[str] = frozenset()
    assert names_other_scope("har ældreområdet også en strategi", known)
    assert not names_other_scope("hvordan samarbejder vi med ældreområdet om en borger", known)
    assert names_other_scope("hvad er skolestrategien", known)
    assert names_other_scope("hvad er strategien for børne- og familieområdet", known)
    assert names_other_scope("hvad står der i ældreområdets strategi om demens", known)
    # An area in another clause, or what the strategy says about it, is not its strategy.
    assert not names_other_scope(
        "vi gør det anderledes end på naboafdelingen, er det et problem ifølge strategien", known
    )
    assert not names_other_scope("står der noget i strategien om naboafdelingens rutiner", known)


def test_the_team_speaks_in_practice_questions() -> None:
    assert speaks_as_team("hvordan får vi beboerne til at tage mere ansvar")
    assert speaks_as_team("kan vores afdeling bruge foreningerne")
    assert not speaks_as_team("hvad er medansvar")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("målsætningen om kerneopgaven", "maalsaetning"),
        ("hvilket mål siger at vi skal kunne det der kræves", "maalsaetning"),
        ("hvilken målsætning handler om journalføring", "maalsaetning"),
        ("målsætningen der siger at rammerne skal følge med", "maalsaetning"),
        ("which objective is about volunteers", "maalsaetning"),
        ("pejlemærket om helhed", "pejlemaerke"),
        ("hvad betyder recovery", None),
    ],
)
def test_a_question_may_name_the_kind_of_answer_it_wants(question: str, kind: str | None) -> None:
    assert asks_for_kind(question) == kind


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("hvad er dagsordenen på næste møde i handicaprådet", True),
        ("hvornår er næste møde i områdeudvalget", True),
        ("hvad er på dagsordenen til næste kommunalbestyrelsesmøde", True),
        ("hvad skal udvalget drøfte", False),  # the asker's own
        ("hvornår er næste møde i MED-udvalget", False),
        ("næste møde i område-med-udvalget", False),
        ("har du gode råd til næste møde", False),  # advice, not a council
    ],
)
def test_another_body_is_named(text: str, other: bool) -> None:
    assert names_other_body(text) is other
