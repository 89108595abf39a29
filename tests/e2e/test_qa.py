"""Q&A end to end: the real bot behind Microsoft 365 Agents Playground, as a user tries it."""

from __future__ import annotations

import aiohttp

from bot.storage import read_data
from tools.playground import PlaygroundClient

from .chat import ask, button, card, card_texts, first_line, unanswered
from .conftest import E2EStack

MAALSAETNING_23 = (
    "2.3 Vores serviceniveau er tydeligt, realistisk og kendt af borgere og samarbejdspartnere"
)


async def test_a_maalsaetning_in_the_personal_chat(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "Hvad betyder målsætning 2.3?")
    assert reply["text"] == f"{MAALSAETNING_23}\n\nPejlemærke 2: Fundamentet på plads"
    assert "Om pejlemærket" in card_texts(reply)
    assert any("godkendt af Kommunalbestyrelsen 16. januar 2024" in t for t in card_texts(reply))


async def test_spelling_without_danish_letters(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "malsaetning 2,3")
    assert first_line(reply) == MAALSAETNING_23


async def test_a_channel_mention_is_answered_in_the_thread(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.channel_id, "hvad er TRIO?", mention_bot=True)
    assert first_line(reply) == "TRIO"
    assert reply["conversation_id"].startswith(playground.cfg.channel_id)


async def test_a_group_chat_mention_from_another_user(playground: PlaygroundClient) -> None:
    reply = await ask(
        playground, playground.cfg.group_chat_id, "det tredje pejlemærke",
        user="user-id-2", mention_bot=True,
    )  # fmt: skip
    assert first_line(reply) == "Pejlemærke 3: Mest muligt i eget liv"


async def test_install_welcomes_once_in_one_post(playground: PlaygroundClient) -> None:
    """In a group chat the welcome is one post that says to @mention the bot (the personal
    chat's welcome and its example buttons: tests/e2e/test_help.py)."""
    chat = playground.cfg.group_chat_id
    for activity in await playground.install(chat):
        await playground.wait_for_turn(activity)
    [welcome] = await playground.wait_for_messages(chat)
    assert first_line(welcome).startswith("Hej! Jeg er Strategibot")
    assert "@Strategibot hjælp" in first_line(welcome)
    assert len(welcome["part_ids"]) == 1 and welcome["attachments"] == []  # one post
    assert playground.pending(chat) == []  # installationUpdate + conversationUpdate: one welcome


async def test_a_follow_up_button_gives_the_typed_answer(playground: PlaygroundClient) -> None:
    chat = playground.cfg.personal_chat_id
    answer = await ask(playground, chat, "målsætning 2.3")
    action = button(answer, "Pejlemærke 2: Fundamentet på plads")
    await playground.submit(chat, answer["id"], action["data"])
    [clicked] = await playground.wait_for_messages(chat)
    typed = await ask(playground, chat, action["data"]["text"])
    assert first_line(clicked) == "Pejlemærke 2: Fundamentet på plads"
    assert (clicked["text"], card(clicked)) == (typed["text"], card(typed))


async def test_out_of_scope_gets_an_honest_fallback(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "hvad bliver vejret i morgen")
    assert reply["text"] is not None
    assert reply["text"].startswith("Det kan jeg desværre ikke svare på.")
    assert "målsætning 2.3" not in reply["text"].split("\n")[0]


async def test_english_question_gets_an_english_frame(playground: PlaygroundClient) -> None:
    reply = await ask(playground, playground.cfg.personal_chat_id, "What does objective 2.3 mean?")
    assert reply["text"] is not None
    lines = reply["text"].split("\n\n")
    assert lines[:2] == ["Objective 2.3 of the strategy. Official Danish wording:", MAALSAETNING_23]


async def test_thumbs_down_is_logged_for_the_content_owners(
    playground: PlaygroundClient, e2e_stack: E2EStack
) -> None:
    chat = playground.cfg.personal_chat_id
    answer = await ask(playground, chat, "hvad står der om stjernestunder")
    await playground.submit(chat, answer["id"], button(answer, "👎 Nej")["data"])
    [thanks] = await playground.wait_for_messages(chat)
    assert thanks["text"] is not None and thanks["text"].startswith("Tak for din tilbagemelding")

    listing = unanswered(e2e_stack)
    assert "hvad står der om stjernestunder" in listing
    assert "👎" in listing


async def test_invalid_card_submit_gets_a_danish_message(playground: PlaygroundClient) -> None:
    chat = playground.cfg.personal_chat_id
    answer = await ask(playground, chat, "hjælp")
    await playground.submit(chat, answer["id"], {"action": "slet-alt", "id": 42})
    [reply] = await playground.wait_for_messages(chat)
    assert reply["text"] is not None and "Skriv dit spørgsmål i stedet" in reply["text"]


async def test_conversations_are_stored_for_proactive_messages(
    playground: PlaygroundClient, e2e_stack: E2EStack
) -> None:
    cfg = playground.cfg
    await ask(playground, cfg.personal_chat_id, "hjælp")
    await ask(playground, cfg.group_chat_id, "hjælp", mention_bot=True)
    await ask(playground, cfg.channel_id, "hjælp", mention_bot=True)
    data = read_data(e2e_stack.data_dir / "strategibot.json")
    kinds = {doc["kind"] for doc in data["conversations"].values()}
    assert kinds == {"personal", "groupChat", "channel"}
    personal = data["conversations"][cfg.personal_chat_id]
    assert personal["reference"]["serviceUrl"].endswith("/_connector")


async def test_malformed_requests_never_give_5xx(e2e_stack: E2EStack) -> None:
    endpoint = e2e_stack.bot.endpoint
    async with aiohttp.ClientSession() as http:
        for body, ctype, status in [
            (b"{broken", "application/json", 400),
            (b"hej", "text/plain", 400),
            (b'{"type": "unknownType"}', "application/json", 200),
            (b"x" * 300_000, "application/json", 413),
        ]:
            async with http.post(endpoint, data=body, headers={"Content-Type": ctype}) as response:
                assert response.status == status
    e2e_stack.check_alive()
