"""The one place text becomes an intent: whole-message aliases, prefixes with an argument,
one typo in longer aliases, and everything else a question."""

from __future__ import annotations

import pytest

from content import Content
from dialogs.intents import ASK, EMPTY, Intent, IntentParser


@pytest.fixture(scope="module")
def parser(content: Content) -> IntentParser:
    return IntentParser(content.commands)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hjælp", "help"),
        ("HJÆLP!", "help"),
        ("hjaelp", "help"),  # æ/ø/å spelled out
        ("pejlemærker", "list_pejlemaerker"),
        ("malsaetninger", "list_maalsaetninger"),
        ("nøgleordene", "list_noegleord"),
        ("mine udvalg", "mine_udvalg"),
        ("opret udvalgg", "opret_udvalg"),  # one typo in a longer alias
        ("<at>Strategibot</at> hjælp", "help"),  # a mention is not part of the command
        ("", EMPTY),
        ("<at>Strategibot</at>", EMPTY),
        ("hvad er TRIO?", ASK),
        ("hjælp mig med at forstå målsætning 2.3", ASK),  # more than the alias: a question
    ],
)
def test_whole_messages(parser: IntentParser, text: str, intent: str) -> None:
    assert parser.parse(text).name == intent


def test_a_prefix_keeps_the_rest_as_its_argument(parser: IntentParser) -> None:
    assert parser.parse("slet udvalg LMU Ørum") == Intent(
        "slet_udvalg", "slet udvalg LMU Ørum", "LMU Ørum"
    )
    assert parser.parse("tilmeld trio  LMU Ørum ").argument == "LMU Ørum"


def test_a_prefix_with_a_pattern_needs_a_matching_argument(parser: IntentParser) -> None:
    assert parser.parse("status 2.3 gul: godt i gang").name == "status"
    assert parser.parse("status april 2024").name == ASK  # a question, not a status reply
