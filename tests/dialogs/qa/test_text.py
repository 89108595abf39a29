from __future__ import annotations

import pytest

from dialogs.qa.text import (
    canonical,
    content_tokens,
    is_definition_question,
    is_english,
    strip_markup,
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
