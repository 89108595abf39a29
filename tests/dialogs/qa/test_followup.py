"""Follow-ups point at the chat's previous answer, for a short while."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from content import Content
from dialogs.qa.followup import RecentTargets, resolve_followup

NOW = datetime(2026, 12, 1, 10, 0)


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("hvad med den næste?", "maalsaetning:2.3", "maalsaetning:2.4"),
        ("og den næste", "maalsaetning:2.4", "maalsaetning:3.1"),  # across pejlemærker
        ("næste", "pejlemaerke:2", "pejlemaerke:3"),
        ("og den forrige?", "maalsaetning:1.3", "maalsaetning:1.2"),
        ("og pejlemærket?", "maalsaetning:3.2", "pejlemaerke:3"),
        ("hvilket pejlemærke hører den under", "term:proevehandlinger", "pejlemaerke:3"),
        ("og det næste pejlemærke", "pejlemaerke:1", "pejlemaerke:2"),
        ("og målsætningerne?", "noegleord:recovery", "pejlemaerke:1"),
        ("what about the next one", "maalsaetning:1.1", "maalsaetning:1.2"),
        ("og den før", "maalsaetning:4.1", "maalsaetning:3.3"),  # "før" is not "står for"
        ("og den efter", "maalsaetning:2.3", "maalsaetning:2.4"),
        ("hvad står den for", "maalsaetning:4.1", "maalsaetning:4.1"),
        ("og den sidste under det pejlemærke", "maalsaetning:2.1", "maalsaetning:2.4"),
        ("og den første under pejlemærket", "maalsaetning:2.3", "maalsaetning:2.1"),
        ("og det sidste pejlemærke?", "maalsaetning:1.2", "pejlemaerke:4"),
        ("og det første pejlemærke", "pejlemaerke:3", "pejlemaerke:1"),
        ("hvad med pejlemærket?", "maalsaetning:3.2", "pejlemaerke:3"),  # definite: points back
        ("hvad med pejlemaerket?", "term:olfa", "pejlemaerke:4"),
        ("og den foer?", "maalsaetning:3.3", "maalsaetning:3.2"),  # "før" without ø
        # After a list, the first or last it listed.
        ("fortæl mere om det sidste", "list:pejlemaerker", "pejlemaerke:4"),
        ("og det første", "about", "pejlemaerke:1"),
        ("den sidste", "list:maalsaetninger", "maalsaetning:4.3"),
        ("og det sidste pejlemærke", "list:maalsaetninger", "pejlemaerke:4"),
        # In English, and the definite plurals right after an answer.
        ("and the first goal under it?", "pejlemaerke:4", "maalsaetning:4.1"),
        ("and the one after that?", "maalsaetning:1.1", "maalsaetning:1.2"),
        ("hvad er nøgleordene", "pejlemaerke:2", "pejlemaerke:2"),
        ("hvad er målsætningerne", "noegleord:recovery", "pejlemaerke:1"),
        ("og den allerførste under samme pejlemærke", "maalsaetning:3.2", "maalsaetning:3.1"),
        (
            "giv mig så den første målsætning under det pejlemærke",
            "pejlemaerke:2",
            "maalsaetning:2.1",
        ),
        # Past the last one, a number that does not exist.
        ("næste", "maalsaetning:4.3", "unknown:4.4"),
        # A place, a bare number and a misspelt follow-up word.
        ("forklar den anden af dem", "pejlemaerke:2", "maalsaetning:2.2"),
        ("and the third one?", "list:pejlemaerker", "pejlemaerke:3"),
        ("og 3?", "pejlemaerke:2", "pejlemaerke:3"),
        ("uddyb nummer 4", "about", "pejlemaerke:4"),
        ("and number 7?", "pejlemaerke:2", "unknown:7"),
        ("og den forige", "maalsaetning:2.2", "maalsaetning:2.1"),
        ("hvilket pejlemrke er det under", "maalsaetning:2.4", "pejlemaerke:2"),
        ("hvilket pejlemærke er det en del af", "maalsaetning:1.4", "pejlemaerke:1"),
        ("hvad er de to andre under samme pejlemaerke", "maalsaetning:3.2", "pejlemaerke:3"),
        ("og den næste igen", "maalsaetning:2.2", "maalsaetning:2.3"),
        ("og den første i det pejlemærke", "maalsaetning:3.2", "maalsaetning:3.1"),
        ("og den sidste under pejlemærket", "pejlemaerke:3", "maalsaetning:3.3"),
        ("hvad står der i det første pejlemærke", "maalsaetning:2.4", "pejlemaerke:1"),
        # After a list, the list of another kind.
        ("og hvad med målsætningerne?", "list:pejlemaerker", "list:maalsaetninger"),
        ("og nøgleordene?", "about", "list:noegleord"),
    ],
)
def test_follow_ups(content: Content, question: str, previous: str, expected: str) -> None:
    assert resolve_followup(question, previous, content.strategy) == expected


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("hvad med den næste?", None),  # nothing to follow
        ("en anden målsætning", "pejlemaerke:2"),  # "en anden" is another, not the second
        ("og det tredje?", "term:trio"),  # a glossary word has no third
        ("hvad skal vi drøfte på næste møde", "maalsaetning:2.3"),  # a question of its own
        ("og hvad er TRIO", "maalsaetning:2.3"),
        ("og pejlemærket?", "fact:godkendelse"),  # a fact belongs to no pejlemærke
        ("og den næste", "list:pejlemaerker"),  # a list has no next
        ("fortæl mere om det sidste", "term:trio"),  # a glossary word has no last
    ],
)
def test_not_follow_ups(content: Content, question: str, previous: str | None) -> None:
    assert resolve_followup(question, previous, content.strategy) is None


def test_recent_targets_expire_and_stay_per_conversation() -> None:
    recent = RecentTargets(expiry=timedelta(minutes=15), size=2)
    recent.remember("a", "maalsaetning:2.3", NOW)
    assert recent.last("a", NOW + timedelta(minutes=15)) == "maalsaetning:2.3"
    assert recent.last("a", NOW + timedelta(minutes=16)) is None
    assert recent.last("b", NOW) is None
    recent.remember("b", "term:trio", NOW)
    recent.remember("c", "term:lmu", NOW)  # beyond size: the oldest is forgotten
    assert recent.last("a", NOW) is None
    assert recent.last("c", NOW) == "term:lmu"


def test_the_first_or_last_maalsaetning_under_the_previous_pejlemaerke(content: Content) -> None:
    first = resolve_followup(
        "giv mig den første målsætning under den", "pejlemaerke:3", content.strategy
    )
    assert first == "maalsaetning:3.1"
    last = resolve_followup("og den sidste målsætning?", "maalsaetning:2.1", content.strategy)
    assert last == "maalsaetning:2.4"


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("og det sidste?", "pejlemaerke:2", "pejlemaerke:4"),
        ("og den første", "maalsaetning:2.3", "maalsaetning:2.1"),
        ("hvad står den for?", "term:omu", "term:omu"),
        ("hvad betyder det", "noegleord:mod", "noegleord:mod"),
    ],
)
def test_first_last_and_the_same_again(
    content: Content, question: str, previous: str, expected: str
) -> None:
    assert resolve_followup(question, previous, content.strategy) == expected


def test_a_glossary_word_under_one_pejlemaerke_points_to_it(content: Content) -> None:
    question, previous = "hvilket pejlemærke hører det til", "term:psykologisk-tryghed"
    assert resolve_followup(question, previous, content.strategy) is None  # no nøgleord
    placed = {"term:psykologisk-tryghed": 4}
    assert resolve_followup(question, previous, content.strategy, placed) == "pejlemaerke:4"
