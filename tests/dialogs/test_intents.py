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


@pytest.mark.parametrize(
    ("text", "intent", "argument"),
    [
        ("jeg vil gerne oprette et udvalg", "opret_udvalg", ""),  # a wish opens the form
        ("Hvordan får jeg påmindelser?", "howto", "opret_udvalg"),
        ("hvordan opretter jeg et udvalg", "howto", "opret_udvalg"),
        ("hvordan opreter jeg et udvalg?", "howto", "opret_udvalg"),  # a typo
        ("hvordan melder jeg mig som leder", "howto", "tilmeld_leder"),
        ("hvordan starter jeg en statusrunde", "howto", "ny_statusrunde"),
        ("hvad kan du?", "help", ""),
        ("Hvilke kommandoer er der?", "help", ""),
        ("status oversigt", "statusrunder", ""),
    ],
)
def test_natural_phrasings_of_commands(
    parser: IntentParser, text: str, intent: str, argument: str
) -> None:
    parsed = parser.parse(text)
    assert (parsed.name, parsed.argument) == (intent, argument)


@pytest.mark.parametrize(
    "text",
    [
        "hvordan inddrager vi borgerne",
        "hvordan får vi borgerne med",
        "hvornår får jeg næste påmindelse",  # the asker's own meeting, answered by the Q&A
        "hvordan giver jeg status",  # the asker's own round, answered by the Q&A
        "hvad kan du fortælle om TRIO",
        "hvordan opretter vi et godt samarbejde med pårørende",
    ],
)
def test_questions_that_look_like_how_tos_stay_questions(parser: IntentParser, text: str) -> None:
    assert parser.parse(text).name == ASK


def test_no_question_of_the_quality_sets_becomes_a_command_it_did_not_expect(
    parser: IntentParser,
) -> None:
    """The phrasings added for commands take no strategy question from the answerer."""
    from content import load_content

    taken, read = [], 0
    for example in load_content().examples:
        read += 1
        name = parser.parse(example.q).name
        if name == "howto" or (name == "help" and "help" not in example.expect):
            taken.append((example.source, example.q, name))
    assert read > 1000 and taken == []


def test_an_english_alias_asks_in_english(parser: IntentParser) -> None:
    assert parser.parse("help").language == "en"
    assert parser.parse("What can you do?").language == "en"
    assert parser.parse("hjælp").language == "da"
    assert parser.parse("målsætninger").language == "da"
