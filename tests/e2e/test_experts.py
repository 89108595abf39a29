"""»Spørg en fagperson« end to end in the Agents Playground: two users and a channel.

Alex Wilber (the playground's current user) is the admin and connects the General channel as
the experts' channel. Megan Bowen asks a question the bot cannot answer, in her own 1:1 chat,
and forwards it with a note. Adele Vance, an expert in the channel, answers it from the card
there (``Action.Execute``: the card becomes the answered question) and publishes the answer;
Megan gets it in her chat with Adele's name. Asked again in other words, the bot gives
Adele's answer, marked as not part of the strategy. Alex lists the supplementary answers and
withdraws it. A question left open gets into the weekly digest in the channel. The bot runs
with ``TEST_CLOCK=1``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tools.playground import BotMessage, PlaygroundClient

from .chat import ask, card, card_conversation, card_texts
from .conftest import E2EStack

ADMIN_AAD = "00000000-0000-0000-0000-0000000000020"  # Alex Wilber
MEGAN, ADELE = "user-id-1", "user-id-2"
QUESTION = "Hvem betaler for kørsel til dagtilbud?"
NOTE = "Jeg skal svare en pårørende i morgen"
ANSWER = "Kommunen betaler kørslen, når borgeren er visiteret til dagtilbuddet."


@pytest.fixture(scope="module")
def own_env() -> dict[str, str]:
    """The test clock on and Alex as the admin."""
    return {"TEST_CLOCK": "1", "ADMINS": ADMIN_AAD}


def every_action(node: Any) -> list[dict[str, Any]]:
    """The card's actions, those under a »Vis mere« (ShowCard) too, not their fallbacks."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for key, value in node.items():
            if key != "fallback":
                found += every_action(value)
    elif isinstance(node, list):
        for value in node:
            found += every_action(value)
    return found


def action(message: BotMessage | dict[str, Any], title: str) -> dict[str, Any]:
    content = card(message) if "attachments" in message else message  # type: ignore[arg-type]
    [found] = [a for a in every_action(content) if a["title"] == title]
    return found


def texts(content: dict[str, Any]) -> list[str]:
    return [e["text"] for e in content["body"] if e["type"] == "TextBlock"]


async def test_ask_an_expert_round_trip(chat: PlaygroundClient, own_stack: E2EStack) -> None:
    admin, channel = chat.cfg.personal_chat_id, chat.cfg.channel_id
    megan = await chat.personal_chat(MEGAN)
    await own_stack.set_clock("2027-01-05T10:00:00+01:00")  # a Tuesday
    await ask(chat, admin, "hej")

    connected = await ask(chat, channel, "tilknyt fagpersoner", mention_bot=True)
    assert connected["text"].startswith("Denne kanal er nu fagpersonernes kanal.")

    # Megan: the bot cannot answer; she forwards the question with a note.
    fallback = await ask(chat, megan, QUESTION, user=MEGAN)
    assert fallback["text"].startswith("Det kan jeg desværre ikke svare på.")
    forward = action(fallback, "Spørg en fagperson")
    assert forward["type"] == "Action.ShowCard"
    send = action(forward["card"], "Send til fagpersonerne")
    await chat.submit(megan, fallback["id"], {**send["data"], "note": NOTE}, user=MEGAN)
    [receipt] = await chat.wait_for_messages(megan)
    assert receipt["text"].startswith("Tak. Dit spørgsmål er sendt til fagpersonerne.")

    # The channel: the question, the bot's attempt, »Besvar« and »Luk«.
    [posted] = await chat.wait_for_messages(channel)
    assert card_texts(posted)[0] == "Spørgsmål fra Megan Bowen"  # the card alone
    assert QUESTION in card_texts(posted) and NOTE in card_texts(posted)
    assert "Botten kunne ikke svare." in card_texts(posted)
    besvar, luk = action(posted, "Besvar"), action(posted, "Luk")
    assert (besvar["type"], luk["type"]) == ("Action.ShowCard", "Action.Execute")

    # Adele answers from the card, and publishes the answer: the card changes in place.
    send_answer = action(besvar["card"], "Send svar")
    answered = await chat.execute(
        card_conversation(posted), posted["id"], send_answer,
        {"answer": ANSWER, "publish": "true"}, user=ADELE,
    )  # fmt: skip
    assert answered["type"] == "application/vnd.microsoft.card.adaptive"
    shown = texts(answered["value"])
    assert ANSWER in shown
    assert "✅ Besvaret af Adele Vance, 5. jan. kl. 10.00." in shown
    assert "📌 Udgivet som supplerende svar af Adele Vance, 5. jan. kl. 10.00." in shown
    assert every_action(answered["value"]["body"]) == []

    # Megan gets the answer in her chat, with Adele's name.
    [delivered] = await chat.wait_for_messages(megan)
    assert delivered["text"].startswith("Svar fra Adele Vance")
    assert ANSWER in card_texts(delivered)
    assert f"På dit spørgsmål »{QUESTION}«:" in card_texts(delivered)

    # Asked again in other words: Adele's answer, marked; the strategy itself stays first.
    again = await ask(chat, megan, "hvem betaler kørslen til dagtilbuddet?", user=MEGAN)
    assert again["text"].startswith(
        "Svar fra Adele Vance, 5. januar 2027 – ikke en del af strategiteksten"
    )
    assert ANSWER in card_texts(again)
    official = await ask(chat, megan, "målsætning 2.3", user=MEGAN)
    assert official["text"].startswith("2.3 Vores serviceniveau")

    # Alex lists the supplementary answers and withdraws it.
    listed = await ask(chat, admin, "supplerende svar")
    withdraw = action(listed, f"Træk tilbage: {QUESTION[:29]}…")
    withdrawn = await chat.execute(admin, listed["id"], withdraw)
    assert f"Det supplerende svar til »{QUESTION}« er trukket tilbage." in " ".join(
        texts(withdrawn["value"])
    )
    again = await ask(chat, megan, "hvem betaler kørslen til dagtilbuddet?", user=MEGAN)
    assert again["text"].startswith("Det kan jeg desværre ikke svare på.")


OPEN_QUESTION = "Hvem skal bestille nye møbler til fællesstuen?"  # outside the strategy


async def test_an_open_question_is_in_the_weekly_digest(
    chat: PlaygroundClient, own_stack: E2EStack
) -> None:
    channel, megan = chat.cfg.channel_id, await chat.personal_chat(MEGAN)
    await own_stack.set_clock("2027-01-06T10:00:00+01:00")
    fallback = await ask(chat, megan, OPEN_QUESTION, user=MEGAN)
    send = action(action(fallback, "Spørg en fagperson")["card"], "Send til fagpersonerne")
    await chat.submit(megan, fallback["id"], send["data"], user=MEGAN)
    await chat.wait_for_messages(megan)
    [posted] = await chat.wait_for_messages(channel)
    assert OPEN_QUESTION in card_texts(posted)

    ran = await own_stack.set_clock("2027-01-11T09:00:00+01:00")  # Monday, five days later
    assert ran["outcomes"].get("expert_digest_empty") == 1  # not a week old yet: no message
    ran = await own_stack.set_clock("2027-01-18T09:05:00+01:00")  # the next Monday
    assert ran["outcomes"].get("expert_digest") == 1
    [digest] = await chat.wait_for_messages(channel)
    assert card_texts(digest)[0] == "Ubesvarede spørgsmål"
    asked = f"»{OPEN_QUESTION}« – Megan Bowen, 6. januar 2027"
    assert any(asked in t for t in card_texts(digest))
