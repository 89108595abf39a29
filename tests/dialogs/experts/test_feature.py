"""»Spørg en fagperson« through the app's Teams handler: connecting the channel, forwarding a
question, answering, closing and publishing it, supplementary answers, the weekly digest,
and "mine data" / "slet mine data".

Each turn goes through the real handler (botbuilder's ``TestAdapter``); ``Action.Execute``
clicks through ``on_invoke_activity``. What the bot sends proactively is read from the outbox
(it is stopped in these tests, so the messages stay queued).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.app import Services
from bot.outbox import TABLE as OUTBOX
from dialogs.experts.cards import ANSWER, ASK, CLOSE, PUBLISH, WITHDRAW
from dialogs.experts.feature import ExpertsFeature
from dialogs.experts.repository import LEDGER, QUESTIONS, SUPPLEMENTS
from dialogs.qa.feature import QUESTION_LOG
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, card_of, run
from tests.cards.walk import actions as walk_actions
from tests.conftest import TZ

ADMIN = teams.user(9, "Admin Andersen")
ALEX = teams.user(1, "Alex Wilber")  # asks
BO = teams.user(2, "Bo Berg")  # an expert in the channel
CHANNEL = teams.CHANNEL
CHANNEL_ID = "19:channel-1@thread.tacv2"
QUESTION = "Hvem betaler for kørsel til dagtilbud?"


@pytest.fixture
def services(clock: ManualClock) -> Services:
    return app_services(clock, admins=ADMIN.aad_object_id)


def experts_of(services: Services) -> ExpertsFeature:
    found = services.qa.experts
    assert isinstance(found, ExpertsFeature)
    return found


def chat(who: ChannelAccount) -> ConversationAccount:
    return teams.personal(int(str(who.id).rsplit("-", 1)[1]))


async def say(
    services: Services, text: str, who: ChannelAccount, where: ConversationAccount | None = None
) -> list[Activity]:
    mention = where is not None and where.conversation_type != "personal"
    return await run(services, teams.message(text, where or chat(who), mention, who))


async def click(
    services: Services, value: dict[str, Any], who: ChannelAccount, where: ConversationAccount
) -> list[Activity]:
    return await run(services, teams.submit(value, where, who))


async def execute(
    services: Services, data: dict[str, Any], who: ChannelAccount, where: ConversationAccount
) -> dict[str, Any]:
    """An ``Action.Execute`` click: the invoke's answer (its body, answered with 200)."""
    sent = await run(services, teams.execute(data, where, who))
    [response] = [a.value for a in sent if a.type == "invokeResponse"]
    assert isinstance(response, InvokeResponse) and response.status == 200
    body: dict[str, Any] = response.body
    return body


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"] if e["type"] == "TextBlock"]


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The card's buttons (not an Action.Execute's Action.Submit for old clients)."""
    return walk_actions(card["body"], fallbacks=False)


async def queued(services: Services, conversation: str) -> list[dict[str, Any]]:
    """What the outbox holds for ``conversation``, oldest first."""
    docs = (await services.store.all(OUTBOX)).items()
    found = sorted((doc["seq"], key, doc) for key, doc in docs)
    return [
        {"key": key, **doc["reply"]}
        for _, key, doc in found
        if doc["conversation_id"] == conversation
    ]


async def connected(services: Services) -> None:
    """Alex and Bo have opened their personal chats; the admin connected the channel."""
    await services.outbox.stop()  # messages stay queued, to be read
    for who in (ALEX, BO, ADMIN):
        await say(services, "hej", who)
    [reply] = await say(services, "tilknyt fagpersoner", ADMIN, CHANNEL)
    assert reply.text.startswith("Denne kanal er nu fagpersonernes kanal")


async def forwarded(services: Services, note: str = "Til en borger i bostøtten") -> str:
    """Alex's question, which the bot cannot answer, forwarded with ``note``; its id."""
    [fallback] = await say(services, QUESTION, ALEX)
    [button] = [a for a in actions(card_of(fallback)) if a["type"] == "Action.ShowCard"]
    [send] = button["card"]["actions"]
    [reply] = await click(services, {**send["data"], "note": note}, ALEX, chat(ALEX))
    assert reply.text.startswith("Tak. Dit spørgsmål er sendt til fagpersonerne")
    [question] = (await services.store.all(QUESTIONS)).values()
    return str(question["id"])


# -- connecting the channel -------------------------------------------------------------------


async def test_only_an_admin_connects_a_channel(services: Services) -> None:
    [reply] = await say(services, "tilknyt fagpersoner", ALEX, CHANNEL)
    assert reply.text == "Kun en administrator kan gøre en kanal til fagpersonernes kanal."
    [reply] = await say(services, "tilknyt fagpersoner", ADMIN)
    assert reply.text.startswith("Skriv »@Strategibot tilknyt fagpersoner« i den kanal")
    assert not await experts_of(services).service.connected()
    await connected(services)
    assert await experts_of(services).service.repository.channel() == CHANNEL_ID


async def test_without_experts_a_fallback_offers_no_forwarding(services: Services) -> None:
    [fallback] = await say(services, QUESTION, ALEX)
    assert fallback.text.startswith("Det kan jeg desværre ikke svare på")
    assert all(a["type"] != "Action.ShowCard" for a in actions(card_of(fallback)))


# -- forwarding -------------------------------------------------------------------------------


async def test_a_fallback_is_forwarded_with_a_note_to_the_channel(services: Services) -> None:
    await connected(services)
    [fallback] = await say(services, QUESTION, ALEX)
    [button] = [a for a in actions(card_of(fallback)) if a["type"] == "Action.ShowCard"]
    assert button["title"] == "Spørg en fagperson"
    [note] = [e for e in button["card"]["body"] if e["type"] == "Input.Text"]
    assert note["id"] == "note"
    question_id = await forwarded(services)
    [card] = await queued(services, CHANNEL_ID)
    assert card["key"] == f"expert-question:{question_id}:{ALEX.aad_object_id}"
    shown = texts(card["card"])
    assert (card["text"], shown[0]) == ("", "Spørgsmål fra Alex Wilber")
    assert QUESTION in shown and "Til en borger i bostøtten" in shown
    assert "Botten kunne ikke svare." in shown
    titles = [a["title"] for a in actions(card["card"])]
    assert titles == ["Besvar", "Send svar", "Luk"]
    assert {a["type"] for a in actions(card["card"]) if a["title"] != "Besvar"} == {
        "Action.Execute"
    }
    # Sent twice: said so, not sent again.
    [again] = await click(services, {"action": ASK, "question": QUESTION}, ALEX, chat(ALEX))
    assert again.text.startswith("Det spørgsmål har du allerede sendt")
    assert len(await services.store.all(QUESTIONS)) == 1


async def test_a_cpr_number_in_the_note_or_question_is_refused(services: Services) -> None:
    await connected(services)
    value = {"action": ASK, "question": QUESTION, "note": "Det gælder 010190-1234"}
    [reply] = await click(services, value, ALEX, chat(ALEX))
    assert reply.text.startswith("Feltet »bemærkning« ser ud til at indeholde et CPR-nummer")
    value = {"action": ASK, "question": "Hvad med 010190-1234?"}
    [reply] = await click(services, value, ALEX, chat(ALEX))
    assert reply.text.startswith("Feltet »spørgsmål« ser ud til at indeholde et CPR-nummer")
    assert await services.store.all(QUESTIONS) == {}
    assert await queued(services, CHANNEL_ID) == []


async def test_forwarding_from_a_channel_answers_in_the_personal_chat(services: Services) -> None:
    await connected(services)
    value = {"action": ASK, "question": QUESTION}
    [reply] = await click(services, value, ALEX, teams.GROUP)
    assert reply.text == "Jeg har sendt svaret til dig i vores personlige chat."
    [receipt] = await queued(services, chat(ALEX).id)
    assert receipt["text"].startswith("Tak. Dit spørgsmål er sendt")


async def test_a_thumbs_down_offers_forwarding_on_the_card(services: Services) -> None:
    await connected(services)
    vote = {
        "action": "feedback",
        "target": "term:trio",
        "question": "hvad er TRIO",
        "helpful": False,
    }
    body = await execute(services, vote, ALEX, chat(ALEX))
    [button] = [a for a in actions(body["value"]) if a["type"] == "Action.ShowCard"]
    [send] = button["card"]["actions"]
    assert send["data"] == {"action": ASK, "question": "hvad er TRIO", "attempted": "term:trio"}
    await click(services, send["data"], ALEX, chat(ALEX))
    [card] = await queued(services, CHANNEL_ID)
    assert "Botten svarede med »TRIO«, men det hjalp ikke." in texts(card["card"])


# -- answering --------------------------------------------------------------------------------


async def test_an_answer_goes_to_the_asker_and_can_be_published(
    services: Services, clock: ManualClock
) -> None:
    await connected(services)
    question_id = await forwarded(services)
    clock.advance(timedelta(hours=2))
    data = {
        "action": ANSWER,
        "question": question_id,
        "answer": "Kommunen betaler.",
        "publish": "false",
    }
    body = await execute(services, data, BO, CHANNEL)
    shown = texts(body["value"])
    assert "Kommunen betaler." in shown
    assert "✅ Besvaret af Bo Berg, 23. nov. kl. 12.00." in shown
    assert [a["title"] for a in actions(body["value"])] == ["Udgiv som supplerende svar"]
    [answer] = await queued(services, chat(ALEX).id)  # the receipt was the click's reply
    assert answer["text"] == "Svar fra Bo Berg"
    assert "Kommunen betaler." in texts(answer["card"])
    assert f"På dit spørgsmål »{QUESTION}«:" in texts(answer["card"])
    # The same question again: still the fallback, until the answer is published.
    [reply] = await say(services, QUESTION, ALEX)
    assert reply.text.startswith("Det kan jeg desværre ikke svare på")
    body = await execute(services, {"action": PUBLISH, "question": question_id}, BO, CHANNEL)
    assert "📌 Udgivet som supplerende svar af Bo Berg, 23. nov. kl. 12.00." in texts(body["value"])
    assert actions(body["value"]) == []
    [reply] = await say(services, "hvem betaler kørslen til dagtilbuddet", ALEX)
    assert reply.text == "Svar fra Bo Berg, 23. november 2026 – ikke en del af strategiteksten"
    assert "Kommunen betaler." in texts(card_of(reply))
    logged = [d["text"] for d in (await services.store.all(QUESTION_LOG)).values()]
    assert "hvem betaler kørslen til dagtilbuddet" not in logged  # it was answered
    # The official wording is never replaced: the strategy's own answer still comes first.
    [reply] = await say(services, "målsætning 2.3", ALEX)
    assert reply.text.startswith("2.3 Vores serviceniveau")


async def test_publishing_with_the_answer_and_withdrawing(services: Services) -> None:
    await connected(services)
    question_id = await forwarded(services)
    data = {"action": ANSWER, "question": question_id, "answer": "Kommunen.", "publish": "true"}
    body = await execute(services, data, BO, CHANNEL)
    assert any(t.startswith("📌 Udgivet som supplerende svar") for t in texts(body["value"]))
    [supplement] = (await services.store.all(SUPPLEMENTS)).values()
    [listing] = await say(services, "supplerende svar", ALEX)
    assert listing.text == "Kun administratorer kan se og trække supplerende svar tilbage."
    [listing] = await say(services, "supplerende svar", ADMIN)
    [withdraw] = [a for a in actions(card_of(listing)) if a["title"].startswith("Træk tilbage")]
    assert withdraw["data"] == {"action": WITHDRAW, "supplement": supplement["id"]}
    body = await execute(services, withdraw["data"], ADMIN, chat(ADMIN))
    assert (
        texts(body["value"])[0]
        == f"Det supplerende svar til »{QUESTION}« er trukket tilbage. Botten giver det ikke mere."
    )
    assert "Der er ingen supplerende svar." in texts(body["value"])
    assert await services.store.all(SUPPLEMENTS) == {}
    [reply] = await say(services, QUESTION, ALEX)
    assert reply.text.startswith("Det kan jeg desværre ikke svare på")
    body = await execute(services, withdraw["data"], ADMIN, chat(ADMIN))
    assert "Det supplerende svar er allerede trukket tilbage." in texts(body["value"])


async def test_closing_tells_the_asker(services: Services) -> None:
    await connected(services)
    question_id = await forwarded(services)
    body = await execute(services, {"action": CLOSE, "question": question_id}, BO, CHANNEL)
    assert "Lukket uden svar af Bo Berg, 23. nov. kl. 10.00." in texts(body["value"])
    [closed] = await queued(services, chat(ALEX).id)
    assert closed["text"].startswith(f"Fagpersonerne har lukket dit spørgsmål »{QUESTION}«")
    # A second click changes nothing.
    data = {"action": ANSWER, "question": question_id, "answer": "For sent."}
    body = await execute(services, data, BO, CHANNEL)
    assert "For sent." not in texts(body["value"])
    assert len(await queued(services, chat(ALEX).id)) == 1


async def test_clicks_outside_the_experts_channel_count_for_nothing(services: Services) -> None:
    await connected(services)
    question_id = await forwarded(services)
    data = {"action": ANSWER, "question": question_id, "answer": "Ja."}
    for where in (chat(BO), teams.GROUP):
        body = await execute(services, data, BO, where)
        assert body["value"] == "Det kort kan kun bruges i fagpersonernes kanal."
    [reply] = await click(services, {"action": CLOSE, "question": "nope"}, BO, CHANNEL)
    assert reply.text.startswith("Spørgsmålet findes ikke mere")
    body = await execute(services, {**data, "answer": "  "}, BO, CHANNEL)
    assert body["value"] == "Skriv et svar, før du sender."
    body = await execute(services, {**data, "answer": "Ring 010190-1234"}, BO, CHANNEL)
    assert body["value"].startswith("Feltet »svar« ser ud til at indeholde et CPR-nummer")
    [question] = (await services.store.all(QUESTIONS)).values()
    assert question["state"] == "open"


async def test_an_answer_clicked_as_action_submit_posts_the_card(services: Services) -> None:
    await connected(services)
    question_id = await forwarded(services)
    data = {"action": ANSWER, "question": question_id, "answer": "Kommunen."}
    [reply] = await click(services, data, BO, CHANNEL)
    assert any(t.startswith("✅ Besvaret af Bo Berg") for t in texts(card_of(reply)))


# -- the weekly digest ------------------------------------------------------------------------


async def test_the_weekly_digest_lists_questions_waiting_a_week(
    services: Services, clock: ManualClock
) -> None:
    await connected(services)
    await forwarded(services)
    service = experts_of(services).service
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=TZ))  # Monday, a week later: too new
    assert (await service.tick())["expert_digest_empty"] == 1
    assert len(await queued(services, CHANNEL_ID)) == 1
    clock.set(datetime(2026, 12, 7, 8, 59, tzinfo=TZ))
    assert not await service.tick()
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    assert (await service.tick())["expert_digest"] == 1
    assert not await service.tick()  # once a week
    [_, digest] = await queued(services, CHANNEL_ID)
    assert texts(digest["card"])[0] == "Ubesvarede spørgsmål"
    assert digest["key"] == f"expert-digest:2026-W50:{ALEX.aad_object_id}"
    shown = "\n".join(texts(digest["card"]))
    assert "1 spørgsmål har ventet på svar i mere end 7 dage" in shown
    assert f"»{QUESTION}« – Alex Wilber, 23. november 2026" in shown
    assert set(await services.store.keys(LEDGER)) == {"digest:2026-W49", "digest:2026-W50"}


async def test_the_digest_runs_with_the_scheduler(services: Services, clock: ManualClock) -> None:
    await connected(services)
    await forwarded(services)
    clock.set(datetime(2026, 12, 7, 9, 30, tzinfo=TZ))
    outcomes = await services.tick()
    assert outcomes["expert_digest"] == 1


# -- "mine data" and "slet mine data" ---------------------------------------------------------


async def test_mine_data_shows_and_deleting_removes_the_askers_questions(
    services: Services,
) -> None:
    await connected(services)
    question_id = await forwarded(services, note="Min egen bemærkning om kørsel")
    data = {"action": ANSWER, "question": question_id, "answer": "Kommunen.", "publish": "true"}
    await execute(services, data, BO, CHANNEL)
    [shown] = await say(services, "mine data", ALEX)
    assert "1 spørgsmål, du har sendt til fagpersonerne" in card_of(shown)["fallbackText"]
    [shown] = await say(services, "mine data", BO)
    assert "Dit navn på 1 svar, du har givet som fagperson" in card_of(shown)["fallbackText"]
    await say(services, "slet mine data", ALEX)
    await click(services, {"action": "delete_my_data", "confirm": "true"}, ALEX, chat(ALEX))
    assert await services.store.all(QUESTIONS) == {}
    assert await services.store.all(SUPPLEMENTS) == {}  # made from Alex's question
    everything = str({t: await services.store.all(t) for t in (OUTBOX, QUESTIONS, SUPPLEMENTS)})
    assert "Min egen bemærkning" not in everything and ALEX.aad_object_id not in everything
    assert QUESTION not in everything


async def test_deleting_an_experts_data_keeps_the_answer_without_the_name(
    services: Services,
) -> None:
    await connected(services)
    question_id = await forwarded(services)
    data = {"action": ANSWER, "question": question_id, "answer": "Kommunen.", "publish": "true"}
    await execute(services, data, BO, CHANNEL)
    await click(services, {"action": "delete_my_data", "confirm": "true"}, BO, chat(BO))
    [question] = (await services.store.all(QUESTIONS)).values()
    [supplement] = (await services.store.all(SUPPLEMENTS)).values()
    assert (question["answer"], question["expert_id"], question["expert_name"]) == (
        "Kommunen.",
        "",
        "",
    )
    assert (supplement["expert_id"], supplement["expert_name"]) == ("", "")
    assert "Bo Berg" not in str([question, supplement])
    [reply] = await say(services, QUESTION, ALEX)
    assert reply.text == "Svar fra en kollega, 23. november 2026 – ikke en del af strategiteksten"


async def test_a_forged_attempt_is_not_kept(services: Services) -> None:
    await connected(services)
    for attempted in ("x:010190-1234", "<script>", "maalsaetning:" + "9" * 200):
        value = {"action": ASK, "question": f"{QUESTION} {len(attempted)}", "attempted": attempted}
        await click(services, value, ALEX, chat(ALEX))
    kept = {q["attempted"] for q in (await services.store.all(QUESTIONS)).values()}
    assert kept == {"fallback"}
