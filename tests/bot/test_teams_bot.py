"""The Teams handler through botbuilder's TestAdapter, with Teams-shaped activities."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Services
from dialogs.qa.feature import FEEDBACK_TABLE, QUESTION_LOG
from tests.bot import teams
from tests.bot.teams import card_of, run


def texts(card: dict[str, Any]) -> list[str]:
    return [element["text"] for element in card["body"] if element["type"] == "TextBlock"]


async def test_personal_question_gets_an_answer_card(services: Services) -> None:
    [reply] = await run(services, teams.message("Hvad betyder målsætning 2.3?"))
    assert reply.text == (
        "2.3 Vores serviceniveau er tydeligt, realistisk og kendt af borgere og samarbejdspartnere"
        "\n\nPejlemærke 2: Fundamentet på plads"
    )
    card = card_of(reply)
    assert card["version"] == "1.5"
    assert texts(card)[0] == "Om pejlemærket"
    assert any(t.startswith("Kilde:") and "16. januar 2024" in t for t in texts(card))
    assert card["fallbackText"].startswith(reply.text)


async def test_channel_message_with_mention_is_answered_without_the_tag(services: Services) -> None:
    [reply] = await run(services, teams.message("hvad er TRIO", teams.CHANNEL, mention=True))
    assert reply.text.startswith("TRIO\n\nTRIO er det faste samarbejde")


async def test_channel_message_without_mention_is_ignored(services: Services) -> None:
    assert await run(services, teams.message("hvad er TRIO", teams.CHANNEL)) == []


async def test_installation_welcomes_once_and_stores_the_conversation(services: Services) -> None:
    [welcome] = await run(services, teams.installation("add"))
    assert welcome.text.startswith("Hej! Jeg er Strategibot")
    assert "Skriv »hjælp« for at se alt" in welcome.text
    assert len(card_of(welcome)["body"][0]["actions"]) == 3
    assert await run(services, teams.bot_added(teams.PERSONAL)) == []
    stored = await services.conversations.get(teams.PERSONAL.id)
    assert stored is not None
    assert (stored.kind, stored.user_aad_id, stored.welcomed) == ("personal", "aad-user-1", True)
    assert stored.reference.service_url == teams.SERVICE_URL


async def test_bot_added_to_a_team_welcomes_and_uninstall_forgets(services: Services) -> None:
    [welcome] = await run(services, teams.bot_added(teams.CHANNEL))
    assert not welcome.attachments  # one post: a text and a card would be two in a channel
    assert "skal du @nævne mig" in welcome.text and "@Strategibot hjælp" in welcome.text
    channel = teams.CHANNEL.id.split(";")[0]  # a channel is stored as itself, not the thread
    stored = await services.conversations.get(channel)
    assert stored is not None and stored.reference.conversation.id == channel
    await run(services, teams.installation("remove", teams.CHANNEL))
    assert await services.conversations.get(channel) is None


async def test_a_group_chat_is_welcomed_in_one_post(services: Services) -> None:
    [welcome] = await run(services, teams.bot_added(teams.GROUP))
    assert not welcome.attachments and "@nævne mig" in welcome.text
    assert await run(services, teams.installation("add", teams.GROUP)) == []  # once


async def test_every_conversation_kind_is_remembered(services: Services) -> None:
    for conversation in (teams.PERSONAL, teams.CHANNEL, teams.GROUP):
        await run(services, teams.message("hjælp", conversation, mention=True))
    kinds = sorted(c.kind for c in await services.conversations.all())
    assert kinds == ["channel", "groupChat", "personal"]


async def test_a_button_click_gives_the_typed_answer(services: Services) -> None:
    [typed] = await run(services, teams.message("pejlemærke 3"))
    [clicked] = await run(services, teams.submit({"action": "ask", "text": "pejlemærke 3"}))
    assert (clicked.text, card_of(clicked)) == (typed.text, card_of(typed))


@pytest.mark.parametrize(
    "value",
    [{"action": "nope"}, {"action": "ask"}, {"action": "ask", "text": ""}, {}, "not a dict",
     {"action": "feedback", "helpful": "maybe", "target": "x"}],
)  # fmt: skip
async def test_invalid_submits_get_a_danish_message(services: Services, value: Any) -> None:
    [reply] = await run(services, teams.submit(value))
    assert "Skriv dit spørgsmål i stedet" in reply.text
    assert await services.store.all(FEEDBACK_TABLE) == {}


async def test_feedback_is_stored_and_thumbs_down_logs_the_question(services: Services) -> None:
    value = {
        "action": "feedback",
        "helpful": False,
        "target": "term:trio",
        "question": "hvad er trio",
    }
    [reply] = await run(services, teams.submit(value))
    assert reply.text.startswith("Tak")
    [feedback] = (await services.store.all(FEEDBACK_TABLE)).values()
    assert (feedback["target"], feedback["helpful"]) == ("term:trio", False)
    [logged] = (await services.store.all(QUESTION_LOG)).values()
    assert (logged["text"], logged["reason"]) == ("hvad er trio", "thumbs_down")
    assert "user" not in str(logged)


async def test_fallback_is_logged_without_identity(services: Services) -> None:
    [reply] = await run(services, teams.message("hvornår får jeg løn"))
    assert "kan jeg desværre ikke svare på" in reply.text
    [logged] = (await services.store.all(QUESTION_LOG)).values()
    assert logged == {"text": "hvornår får jeg løn", "time": logged["time"], "reason": "fallback"}


async def test_too_long_and_empty_messages_get_a_message(services: Services) -> None:
    [reply] = await run(services, teams.message("a" * 1001))
    assert "for langt" in reply.text
    [reply] = await run(services, teams.message("", teams.CHANNEL, mention=True))
    assert "Skriv et spørgsmål" in reply.text


async def test_a_question_in_new_words_gets_a_hedged_answer(services: Services) -> None:
    """The examples' classifier answers what the strategy's own words do not; the bot says
    it is not sure."""
    [reply] = await run(services, teams.message("folk siger op hele tiden hos os, hvad gør vi?"))
    assert reply.text.startswith("Jeg tror, du spørger om pejlemærke 4")
