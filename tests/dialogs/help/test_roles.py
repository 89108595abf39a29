"""``hjælp`` through the whole app: the role lookups the app gives help come from the stored
committees and leaders, and an admin is one of ``ADMINS``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Services
from content import Content
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import COMMITTEE_FORM, app_services, card_of, click_as, say_as

CHAIR, LEADER, ADMIN, PLAIN = teams.user(1), teams.user(2), teams.user(9), teams.user(3)


@pytest.fixture
def services(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, admins="aad-user-9")


def sections(card: dict[str, Any]) -> list[str]:
    return [
        action["title"]
        for element in card["body"]
        for action in element.get("actions", [])
        if action["type"] == "Action.ShowCard"
    ]


async def help_sections(services: Services, who: Any, text: str = "hjælp") -> list[str]:
    [reply] = await say_as(services, text, who)
    assert reply.text.startswith("Det kan jeg hjælpe med")
    return sections(card_of(reply))


async def test_each_user_sees_the_sections_of_their_roles(services: Services) -> None:
    for who in (CHAIR, LEADER, PLAIN):
        assert await help_sections(services, who) == []  # no role yet

    [saved] = await click_as(services, COMMITTEE_FORM, CHAIR)
    assert saved.text.startswith("Udvalget »LMU Område Ørum« er gemt")

    await say_as(services, "tilmeld som leder Botilbud Nord", LEADER)
    assert await help_sections(services, LEADER) == []  # asked, not yet approved
    approve = {"action": "leader_approve", "user": "aad-user-2", "unit": "Botilbud Nord"}
    [approved] = await click_as(services, approve, ADMIN)
    assert approved.text.startswith("Godkendt")

    assert await help_sections(services, CHAIR) == ["For formænd og TRIO"]
    assert await help_sections(services, LEADER) == ["For ledere"]
    assert await help_sections(services, ADMIN) == ["For administratorer"]
    assert await help_sections(services, PLAIN) == []


async def test_asking_what_the_bot_can_do_gets_the_same_card(services: Services) -> None:
    """A free phrasing the answerer finds ("hvad kan du svare på") is help's card too."""
    [typed] = await say_as(services, "hjælp", ADMIN)
    [asked] = await say_as(services, "hvad kan du svare på", ADMIN)
    assert (asked.text, card_of(asked)) == (typed.text, card_of(typed))
    assert sections(card_of(asked)) == ["For administratorer"]


async def test_a_how_to_question_is_not_a_strategy_answer(services: Services) -> None:
    [reply] = await say_as(services, "Hvordan opretter jeg et udvalg?", PLAIN)
    assert reply.text.startswith("Før hvert LMU- og OMU-møde sender jeg formanden")
    [buttons] = card_of(reply)["body"]
    [button] = buttons["actions"]
    [form] = await click_as(services, button["data"], PLAIN)
    assert form.summary == "Opret udvalg"  # the button opens the command's form
    [wish] = await say_as(services, "jeg vil gerne oprette et udvalg", PLAIN)
    assert card_of(wish) == card_of(form)  # a wish opens it at once
