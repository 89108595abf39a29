"""``hjælp`` by role, in Danish and English; how-to answers; every command declares its help."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from content import Content
from content.models import Audience
from dialogs.help.cards import lines_for
from dialogs.help.feature import HelpFeature, Roles
from dialogs.intents import ASK, IntentParser
from dialogs.replies import Reply
from dialogs.router import Turn

NOW = datetime(2027, 1, 4, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))
CHAIR, LEADER, ADMIN, PLAIN = "aad-chair", "aad-leader", "aad-admin", "aad-plain"


def turn(user_id: str = PLAIN, text: str = "hjælp", *, admin: bool = False) -> Turn:
    return Turn(text, None, user_id, "a:personal", "personal", admin, NOW)


async def _is(user_id: str, wanted: str) -> bool:
    return user_id == wanted


@pytest.fixture
def feature(content: Content) -> HelpFeature:
    async def is_chair(user_id: str) -> bool:
        return await _is(user_id, CHAIR)

    async def is_leader(user_id: str) -> bool:
        return user_id in (LEADER, "aad-both")

    return HelpFeature(content, Roles(is_chair=is_chair, is_leader=is_leader))


def body(reply: Reply) -> list[dict[str, Any]]:
    assert reply.card is not None
    return list(reply.card["body"])


def facts(element: dict[str, Any]) -> list[str]:
    return [f["title"] for f in element["facts"]]


def sections(reply: Reply) -> dict[str, list[str]]:
    """The role sections (buttons that unfold) by title, with their commands."""
    found: dict[str, list[str]] = {}
    for element in body(reply):
        for action in element.get("actions", []):
            if action["type"] == "Action.ShowCard":
                [fact_set, *_] = action["card"]["body"]
                found[action["title"]] = facts(fact_set)
    return found


def everyone(reply: Reply) -> list[str]:
    return next(facts(e) for e in body(reply) if e["type"] == "FactSet")


async def show(feature: HelpFeature, user_id: str = PLAIN, text: str = "hjælp", **kw: Any) -> Reply:
    intent = feature.parser.parse(text)
    assert intent.name == "help"
    [reply] = await feature.help(turn(user_id, text, **kw), intent)
    return reply


EVERYONE = [
    "hjælp", "pejlemærker", "målsætninger", "målsætning 2.3", "nøgleordene", "om strategien",
    "opret udvalg", "tilmeld trio LMU Bostøtten", "tilmeld som leder", "mine data",
    "slet mine data",
]  # fmt: skip
CHAIR_SECTION = [
    "mine udvalg", "næste påmindelser", "slet udvalg LMU Bostøtten", "ret udvalg LMU Bostøtten",
    "@Strategibot tilknyt LMU Bostøtten", "pause påmindelser til 1. marts",
    "genoptag påmindelser", "Godkend", "afmeld trio LMU Bostøtten",
]  # fmt: skip
LEADER_SECTION = ["afmeld som leder", "status", "status 2.3 gul: godt i gang", "ret min status"]
ADMIN_SECTION = [
    "Godkend", "ny statusrunde", "statusrunder", "rapport", "@Strategibot tilknyt fagpersoner",
    "supplerende svar",
]  # fmt: skip


async def test_a_plain_user_sees_everyones_part_and_no_role_section(
    feature: HelpFeature,
) -> None:
    reply = await show(feature)
    assert reply.text.startswith("Det kan jeg hjælpe med\n\nSpørg med dine egne ord")
    assert everyone(reply) == EVERYONE
    assert sections(reply) == {}
    shown = str(reply.card)
    for command in ("ny statusrunde", "rapport", "tilknyt fagpersoner", "ret min status"):
        assert command not in shown


@pytest.mark.parametrize(
    ("user_id", "admin", "expected"),
    [
        (CHAIR, False, {"For formænd og TRIO": CHAIR_SECTION}),
        (LEADER, False, {"For ledere": LEADER_SECTION}),
        (PLAIN, True, {"For administratorer": ADMIN_SECTION}),
    ],
)
async def test_each_role_sees_exactly_its_section(
    feature: HelpFeature, user_id: str, admin: bool, expected: dict[str, list[str]]
) -> None:
    reply = await show(feature, user_id, admin=admin)
    assert everyone(reply) == EVERYONE  # everyone's part first, the same for all
    assert sections(reply) == expected


async def test_the_admin_section_names_the_command_line(feature: HelpFeature) -> None:
    reply = await show(feature, PLAIN, admin=True)
    [admin] = [
        a for e in body(reply) for a in e.get("actions", []) if a["type"] == "Action.ShowCard"
    ]
    assert "python -m bot --help" in admin["card"]["body"][1]["text"]
    assert reply.card is not None and "import-leaders" in reply.card["fallbackText"]


async def test_several_roles_are_several_sections_in_order(feature: HelpFeature) -> None:
    reply = await show(feature, "aad-both", admin=True)
    assert list(sections(reply)) == ["For ledere", "For administratorer"]


async def test_an_unidentified_sender_gets_everyones_part_only(feature: HelpFeature) -> None:
    reply = await show(feature, "", admin=False)
    assert sections(reply) == {}


async def test_help_in_english_answers_in_english(feature: HelpFeature) -> None:
    for text in ("help", "what can you do?", "commands"):
        reply = await show(feature, LEADER, text)
        assert reply.text.startswith("What I can help with\n\nAsk in your own words")
        assert everyone(reply)[:3] == ["help", "principles", "objectives"]
        assert sections(reply) == {
            "For leaders": ["unregister as leader", "my status", "status 2.3 gul: godt i gang",
                            "edit my status"]
        }  # fmt: skip
    danish = await show(feature, LEADER, "hjælp")
    assert danish.text.startswith("Det kan jeg hjælpe med")


def test_every_command_declares_its_help_and_its_examples_are_the_command(
    content: Content,
) -> None:
    """A new command shows up in ``hjælp``; what a line says to type does what it says."""
    parser = IntentParser(content.commands)
    for command in content.commands:
        assert command.help, f"{command.intent} has no help lines"
        for line in command.help:
            for typed in (line.command, line.command_en):
                typed = typed.removeprefix("@Strategibot ")
                name = parser.parse(typed).name
                # An approval is a button; "målsætning 2.3" is a question.
                assert name in (command.intent, ASK), (command.intent, typed, name)
                assert name == command.intent or typed in ("Godkend", "målsætning 2.3",
                                                           "objective 2.3")  # fmt: skip


@pytest.mark.parametrize("audience", ["everyone", "chair", "leader", "admin"])
def test_every_audience_has_commands(content: Content, audience: Audience) -> None:
    assert lines_for(content, audience)


@pytest.mark.parametrize(
    ("text", "starts", "buttons"),
    [
        ("hvordan opretter jeg et udvalg?", "Før hvert LMU- og OMU-møde", ["opret udvalg"]),
        ("Hvordan får jeg påmindelser?", "Før hvert LMU- og OMU-møde", ["opret udvalg"]),
        ("hvordan melder jeg mig som leder", "To gange om året", ["tilmeld som leder"]),
        ("hvordan starter jeg en statusrunde", "En administrator starter", ["ny statusrunde"]),
        ("hvordan sætter jeg påmindelserne på pause", "Skriv »pause påmindelser til«", []),
        ("hvordan kommer jeg med i trio", "Er du med i TRIO", []),  # needs the committee
    ],
)
async def test_a_how_to_question_explains_and_offers_the_command(
    feature: HelpFeature, text: str, starts: str, buttons: list[str]
) -> None:
    intent = feature.parser.parse(text)
    [reply] = await feature.howto(turn(text=text), intent)
    assert reply.text.startswith(starts)
    shown = [a for e in (body(reply) if reply.card else []) for a in e.get("actions", [])]
    assert [(a["title"], a["data"]) for a in shown] == [
        (b, {"action": "ask", "text": b}) for b in buttons
    ]  # a click runs the command as if typed


def test_the_welcome_in_a_channel_is_one_plain_post(feature: HelpFeature) -> None:
    for kind in ("channel", "groupChat"):
        welcome = feature.welcome(kind)
        assert welcome.card is None  # text and a card would be two posts
        assert "@Strategibot" in welcome.text and "hjælp" in welcome.text


def test_the_personal_welcome_points_to_help(feature: HelpFeature) -> None:
    welcome = feature.welcome("personal")
    title, text = welcome.text.split("\n\n")
    assert title == "Hej! Jeg er Strategibot"
    assert "»hjælp«" in text and "LMU" in text and "status" in text
    assert text.count(". ") <= 3  # two or three sentences
    [examples] = body(welcome)
    assert [a["data"]["text"] for a in examples["actions"]] == [
        "Hvad betyder målsætning 2.3?", "Hvad er TRIO?", "Hvornår blev strategien godkendt?",
    ]  # fmt: skip
