from __future__ import annotations

import pytest

from dialogs.qa.answer import Answerer
from dialogs.qa.references import Reference, find_reference


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("målsætning 2.3", Reference("maalsaetning", "2.3")),
        ("mål 2,3", Reference("maalsaetning", "2.3")),
        ("2.3", Reference("maalsaetning", "2.3")),
        ("malsaetning 2.3", Reference("maalsaetning", "2.3")),
        ("Hvad står der i 3.1?", Reference("maalsaetning", "3.1")),
        ("objective 4.2", Reference("maalsaetning", "4.2")),
        ("målsætning 5.2", Reference("maalsaetning", "5.2")),
        ("pejlemærke 3", Reference("pejlemaerke", "3")),
        ("pejlemaerke nr. 2", Reference("pejlemaerke", "2")),
        ("det tredje pejlemærke", Reference("pejlemaerke", "3")),
        ("pejlemærke tre", Reference("pejlemaerke", "3")),
        ("the first guiding principle", Reference("pejlemaerke", "1")),
        ("målsætning fire punkt tre", Reference("maalsaetning", "4.3")),
        ("mål to komma et", Reference("maalsaetning", "2.1")),
        ("pm 4 hvad er det", Reference("pejlemaerke", "4")),
        ("what is guiding mark 4", Reference("pejlemaerke", "4")),
    ],
)
def test_explicit_references(question: str, expected: Reference) -> None:
    assert find_reference(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "godkendt 16.01.2024",
        "der er afsat 4,5 mio. kr.",
        "3-5 år",
        "mødet er kl. 9.30",
        "hvad er TRIO",
        # "pejlemærket" is the definite form, not "pejlemærke et" (pejlemærke 1).
        "pejlemærket om helhed",
        "hvad siger pejlemaerket om borgeren",
        "mødet slutter 3 pm",
    ],
)
def test_numbers_that_are_not_references(question: str) -> None:
    assert find_reference(question) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("og den sidste i pejlemærke 4?", Reference("pejlemaerke", "4", "last")),
        ("og den første under 2", Reference("pejlemaerke", "2", "first")),
        ("den første målsætning under pejlemærke 3", Reference("pejlemaerke", "3", "first")),
        ("the last one in principle 1", Reference("pejlemaerke", "1", "last")),
        ("det første pejlemærke", Reference("pejlemaerke", "1")),  # the pejlemærke itself
        ("første gang i 2024", None),  # a year, not pejlemærke 2
    ],
)
def test_a_maalsaetning_by_its_place_under_a_pejlemaerke(
    question: str, expected: Reference | None
) -> None:
    assert find_reference(question) == expected


def test_the_first_or_last_maalsaetning_under_a_pejlemaerke_is_answered(
    answerer: Answerer,
) -> None:
    assert answerer.answer("og den sidste i pejlemærke 4?").target == "maalsaetning:4.3"
    assert answerer.answer("og den første under 2").target == "maalsaetning:2.1"
    assert answerer.answer("den sidste i pejlemærke 7").kind == "unknown"
