"""Invokes through the real HTTP endpoint: the search message extension, its selection, a
card's ``Action.Execute`` (👍/👎 in place) and everything else — always 200 with a body.

The requests go to the app of ``create_app`` over HTTP (``POST /api/messages``), as Teams
sends them; replies sent during a turn go to a fake Bot Connector. The answer of an invoke is
the HTTP response itself, which is what these tests read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import (
    Activity,
    AdaptiveCardInvokeResponse,
    Attachment,
    ConversationAccount,
)

from bot.app import SERVICES, Services, create_app
from bot.invoke import ADAPTIVE_CARD, HERO_CARD, MESSAGE
from bot.settings import Settings
from bot.storage import MemoryStore
from dialogs.qa.feature import FEEDBACK_TABLE, QUESTION_LOG
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.cards.walk import actions
from tools.fake_connector import FakeConnector

ADMIN = teams.user(9, "Admin Andersen")
ALEX = teams.user(1, "Alex Wilber")
VOTE = {"action": "feedback", "target": "maalsaetning:2.3", "question": "målsætning 2.3"}


class App:
    """The app over HTTP, with its services and the fake connector its replies go to."""

    def __init__(self, client: TestClient, services: Services, connector: FakeConnector) -> None:  # type: ignore[type-arg]
        self.client = client
        self.services = services
        self.connector = connector
        self.turns = 0

    async def post(self, activity: Activity | dict[str, Any]) -> tuple[int, Any]:
        """Send ``activity`` as Teams does; the status and the JSON body of the answer."""
        body = activity.serialize() if isinstance(activity, Activity) else dict(activity)
        self.turns += 1
        body["id"] = f"invoke-{self.turns}"
        body["serviceUrl"] = self.connector.url
        response = await self.client.post("/api/messages", json=body)
        text = await response.text()
        return response.status, json.loads(text) if text else None

    def replies(self, activity_id: str) -> list[dict[str, Any]]:
        return [r.body for r in self.connector.replies_to(activity_id)]


@pytest.fixture
async def app(clock: ManualClock, connector: FakeConnector) -> AsyncIterator[App]:
    settings = Settings(_env_file=None, admins=ADMIN.aad_object_id)  # type: ignore[call-arg]
    application = create_app(settings, MemoryStore(), clock)
    async with TestClient(TestServer(application)) as client:
        yield App(client, application[SERVICES], connector)


def results(body: dict[str, Any]) -> list[dict[str, Any]]:
    extension = body["composeExtension"]
    assert (extension["type"], extension["attachmentLayout"]) == ("result", "list")
    found: list[dict[str, Any]] = extension["attachments"]
    return found


def titles(body: dict[str, Any]) -> list[str]:
    return [a["preview"]["content"]["title"] for a in results(body)]


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of a card, nested ones included."""
    return actions([card.get("body", []), card.get("actions", [])])


# -- the search message extension ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("2.3", "Målsætning 2.3"),
        ("recovery", "Recovery"),
        ("pejlemærke 3", "Pejlemærke 3: Mest muligt i eget liv"),
        ("TRIO", "TRIO"),
    ],
)
async def test_a_query_gives_the_chats_answer_first(app: App, query: str, first: str) -> None:
    status, body = await app.post(teams.search(query))
    assert status == 200
    found = results(body)
    assert 1 <= len(found) <= 10
    assert titles(body)[0] == first
    for attachment in found:
        assert attachment["contentType"] == ADAPTIVE_CARD
        preview = attachment["preview"]
        assert preview["contentType"] == HERO_CARD
        assert preview["content"]["title"] and preview["content"]["text"]
        assert "\n" not in preview["content"]["text"]
        assert "tap" not in preview["content"]


async def test_a_free_phrase_gives_up_to_ten_results(app: App) -> None:
    status, body = await app.post(teams.search("hvornår blev strategien godkendt"))
    assert status == 200
    assert titles(body)[0] == "Hvornår blev strategien godkendt?"
    assert len(results(body)) == 10


async def test_the_inserted_card_is_the_official_card_with_its_source_and_no_buttons(
    app: App,
) -> None:
    _, body = await app.post(teams.search("2.3"))
    card = results(body)[0]["content"]
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert texts[0].startswith("2.3 Vores serviceniveau er tydeligt, realistisk")
    assert any(t.startswith("Kilde: Fælles langsigtet strategi") for t in texts)
    assert actions_of(card) == []  # nothing that only works in the bot's own chat
    assert card["version"] == "1.5"


@pytest.mark.parametrize("query", [None, "", "   "])
async def test_an_empty_query_shows_the_four_pejlemaerker(app: App, query: str | None) -> None:
    status, body = await app.post(teams.search(query))
    assert status == 200
    assert [t.split(":")[0] for t in titles(body)] == [f"Pejlemærke {n}" for n in range(1, 5)]


@pytest.mark.parametrize(
    "value",
    [
        {"commandId": "strategien", "parameters": [{"name": "query", "value": "x" * 1000}]},
        {"commandId": "strategien", "parameters": []},
        {"commandId": "strategien"},
        {"commandId": "strategien", "parameters": "2.3"},
        {"commandId": "strategien", "parameters": [{"name": "query", "value": 23}]},
        {"commandId": "strategien", "parameters": [{"name": 5, "value": "2.3"}]},
        {},
        None,
        "2.3",
    ],
)
async def test_bad_input_gives_an_empty_result_not_an_error(app: App, value: Any) -> None:
    status, body = await app.post(teams.invoke("composeExtension/query", value, teams.GROUP))
    assert status == 200
    assert results(body) == []


async def test_a_parameter_without_a_name_is_the_query(app: App) -> None:
    """As the Agents Playground sends it unless a parameter name is given."""
    value = {"parameters": [{"value": "TRIO"}], "queryOptions": {"skip": 0, "count": 25}}
    _, body = await app.post(teams.invoke("composeExtension/query", value, teams.GROUP))
    assert titles(body)[0] == "TRIO"


async def test_a_search_stores_nothing_not_even_the_conversation(app: App) -> None:
    await app.post(teams.search("TRIO"))
    assert await app.services.conversations.all() == []


async def test_a_selection_gives_the_card_of_its_target(app: App) -> None:
    status, body = await app.post(
        teams.invoke("composeExtension/selectItem", {"target": "term:trio"}, teams.GROUP)
    )
    assert status == 200
    assert titles(body) == ["TRIO"]
    for value in ({"target": "nope:1"}, {}, "x"):
        status, body = await app.post(teams.invoke("composeExtension/selectItem", value))
        assert (status, results(body)) == (200, [])


async def test_an_inserted_card_in_the_personal_chat_gets_no_answer(app: App) -> None:
    _, body = await app.post(teams.search("TRIO"))
    inserted = teams.message("", teams.PERSONAL, sender=ALEX)
    card = results(body)[0]["content"]
    inserted.attachments = [Attachment(content_type=ADAPTIVE_CARD, content=card)]
    status, _ = await app.post(inserted)
    assert status == 201
    assert app.replies(f"invoke-{app.turns}") == []


# -- Action.Execute ---------------------------------------------------------------------------


async def test_a_vote_replaces_the_card_with_the_vote_shown(app: App) -> None:
    status, body = await app.post(teams.execute({**VOTE, "helpful": True}, sender=ALEX))
    assert status == 200
    assert (body["statusCode"], body["type"]) == (200, ADAPTIVE_CARD)
    card = body["value"]
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert "Tak for din vurdering 👍 – Alex, 23. nov. kl. 10.00" in texts
    assert "Hjalp svaret?" not in texts
    assert texts[0] == "Om pejlemærket"  # the card as it was (its lead is the message's text)
    votes = [a for a in actions_of(card) if a.get("data", {}).get("action") == "feedback"]
    assert votes == []  # voted: no 👍/👎 left to click on the card
    assert app.replies(f"invoke-{app.turns}") == []  # nothing posted besides


async def test_one_vote_per_user_and_answer(app: App, clock: ManualClock) -> None:
    store = app.services.store
    await app.post(teams.execute({**VOTE, "helpful": True}, sender=ALEX))
    [first] = (await store.all(FEEDBACK_TABLE)).values()
    clock.advance(clock.now() - clock.now().replace(minute=0))
    _, body = await app.post(teams.execute({**VOTE, "helpful": True}, sender=ALEX))
    assert list((await store.all(FEEDBACK_TABLE)).values()) == [first]  # the same: a no-op
    _, body = await app.post(teams.execute({**VOTE, "helpful": False}, sender=ALEX))
    [second] = (await store.all(FEEDBACK_TABLE)).values()  # a different vote replaces
    assert (second["target"], second["helpful"]) == ("maalsaetning:2.3", False)
    [logged] = (await store.all(QUESTION_LOG)).values()
    assert (logged["text"], logged["reason"]) == ("målsætning 2.3", "thumbs_down")
    texts = [e["text"] for e in body["value"]["body"] if e["type"] == "TextBlock"]
    assert any(t.startswith("Tak for din vurdering 👎 – Alex") for t in texts)
    await app.post(teams.execute({**VOTE, "helpful": True}, sender=ALEX))
    assert [d["helpful"] for d in (await store.all(FEEDBACK_TABLE)).values()] == [True]
    assert await store.all(QUESTION_LOG) == {}  # the 👎 is taken back with its question
    await app.post(teams.execute({**VOTE, "helpful": False}, sender=teams.user(2, "Bo")))
    assert len(await store.all(FEEDBACK_TABLE)) == 2  # another user's vote is their own


async def test_a_vote_as_action_submit_still_answers_with_a_message(app: App) -> None:
    status, _ = await app.post(teams.submit({**VOTE, "helpful": True}, sender=ALEX))
    assert status == 201
    [reply] = app.replies(f"invoke-{app.turns}")
    assert reply["text"] == "Tak! Godt, at svaret hjalp."


async def test_an_old_cards_submit_clicked_again_keeps_one_vote(app: App) -> None:
    """The fallback ``Action.Submit`` of a card that was never replaced can be clicked again
    and again (and after an ``Action.Execute`` vote): still one vote, the last one."""
    store = app.services.store
    await app.post(teams.execute({**VOTE, "helpful": True}, sender=ALEX))
    for helpful in (True, True, False, False):
        await app.post(teams.submit({**VOTE, "helpful": helpful}, sender=ALEX))
    [vote] = (await store.all(FEEDBACK_TABLE)).values()
    assert vote["helpful"] is False
    assert len(await store.all(QUESTION_LOG)) == 1  # the 👎 logged its question once


@pytest.mark.parametrize(
    "value",
    [
        {"action": {"type": "Action.Execute", "verb": "nope", "data": {}}},
        {"action": {"type": "Action.Execute"}},
        {"action": {"type": "Action.Execute", "verb": "feedback", "data": "x"}},
        {"action": {"type": "Action.Execute", "verb": "feedback", "data": {"helpful": "?"}}},
        {"action": "feedback"},
        {},
        None,
    ],
)
async def test_a_broken_or_forged_action_is_refused_on_the_card(app: App, value: Any) -> None:
    status, body = await app.post(teams.invoke("adaptiveCard/action", value, sender=ALEX))
    assert status == 200
    assert body["type"] == MESSAGE
    assert body["value"].startswith("Den knap kunne jeg ikke bruge")
    assert await app.services.store.all(FEEDBACK_TABLE) == {}


async def test_an_action_without_a_teams_identity_is_refused(app: App) -> None:
    anonymous = teams.user(3, "Ukendt")
    anonymous.aad_object_id = None
    _, body = await app.post(teams.execute({**VOTE, "helpful": True}, sender=anonymous))
    assert (body["type"], body["value"]) == (
        MESSAGE,
        app.services.content.messages.da.needs_teams_identity,
    )


async def test_other_invokes_get_200_and_a_body(app: App) -> None:
    for name in ("task/fetch", "composeExtension/fetchTask", "signin/verifyState", "x"):
        status, body = await app.post(teams.invoke(name, {"data": 1}))
        assert status == 200 and isinstance(body, dict), name


async def test_an_invoke_from_another_tenant_is_answered_and_nothing_is_stored(
    app: App,
) -> None:
    app.services.bot.boundary.allowed = frozenset({teams.TENANT})
    elsewhere = ConversationAccount(
        id="a:elsewhere", conversation_type="personal", tenant_id="another-tenant"
    )
    foreign = teams.execute({**VOTE, "helpful": True}, elsewhere, ALEX)
    foreign.channel_data = {"tenant": {"id": "another-tenant"}}
    status, body = await app.post(foreign)
    assert (status, body["type"]) == (200, MESSAGE)
    assert body["value"].startswith("Strategibot kan kun bruges fra Norddjurs")
    search = teams.search("TRIO", elsewhere)
    search.channel_data = {"tenant": {"id": "another-tenant"}}
    status, body = await app.post(search)
    assert (status, results(body)) == (200, [])
    assert await app.services.store.all(FEEDBACK_TABLE) == {}
    assert await app.services.conversations.all() == []


# -- the SDK's double serialisation -----------------------------------------------------------


def test_botbuilders_own_path_serialises_twice_and_fails() -> None:
    """What the Teams handler avoids: ``ActivityHandler`` serialises the
    ``AdaptiveCardInvokeResponse`` of ``on_adaptive_card_invoke`` once, and
    ``CloudAdapter.process`` serialises the resulting dict again, which raises (a 500)."""
    response = AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD, value={"a": 1})
    once = serializer_helper(response)
    with pytest.raises(AttributeError):
        serializer_helper(once)


async def test_the_handler_returns_the_body_unserialised(clock: ManualClock) -> None:
    """``on_invoke_activity`` answers with a plain dict, written to HTTP as it is; an
    ``on_adaptive_card_invoke`` body would have been a msrest model serialised twice."""
    services = teams.app_services(clock)
    activity = teams.execute({**VOTE, "helpful": True}, sender=ALEX)
    adapter = TestAdapter(template_or_conversation=Activity().deserialize(activity.serialize()))
    found: list[InvokeResponse] = []

    async def logic(context: TurnContext) -> None:
        found.append(await services.bot.on_invoke_activity(context))

    await adapter.process_activity(activity, logic)
    [response] = found
    assert response.status == 200
    assert type(response.body) is dict and response.body["type"] == ADAPTIVE_CARD
    json.dumps(response.body)  # plain JSON all the way down


async def test_an_execute_through_http_is_not_a_500(app: App) -> None:
    """The regression of the SDK bug: the whole HTTP path answers 200 with the card."""
    status, body = await app.post(teams.execute({**VOTE, "helpful": False}, sender=ALEX))
    assert status == 200 and body["type"] == ADAPTIVE_CARD


# -- suggested next actions -------------------------------------------------------------------


async def test_an_answer_with_follow_ups_suggests_them(app: App) -> None:
    status, _ = await app.post(teams.message("målsætning 2.3", sender=ALEX))
    assert status == 201
    [reply] = app.replies(f"invoke-{app.turns}")
    suggested = [a["value"] for a in reply["suggestedActions"]["actions"]]
    assert suggested == ["Og den næste målsætning?", "Og pejlemærket?"]
    assert {a["type"] for a in reply["suggestedActions"]["actions"]} == {"imBack"}
    status, _ = await app.post(teams.message("Og den næste målsætning?", sender=ALEX))
    [reply] = app.replies(f"invoke-{app.turns}")
    assert reply["text"].startswith("2.4 ")
    await app.post(teams.message("hvornår blev strategien godkendt", sender=ALEX))
    [reply] = app.replies(f"invoke-{app.turns}")
    assert "suggestedActions" not in reply or not reply["suggestedActions"]
