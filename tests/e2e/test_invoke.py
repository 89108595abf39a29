"""The message extension and Action.Execute end to end, through the Agents Playground's own
invoke endpoint (``POST /_conversation/v1/invoke``, what its UI sends).

* A search in the compose box of a group chat, and the chosen result inserted there: the
  official card with its source, no buttons. In the personal chat the bot, which receives the
  inserted card, says nothing.
* 👍 on an answer as ``Action.Execute``: the card is replaced by the same card showing the
  vote, with no 👍/👎 left on it; a second, different vote (from the old card) replaces the
  first, and the old card's ``Action.Submit`` fallback clicked twice keeps one vote.
"""

from __future__ import annotations

from typing import Any

from bot.storage import read_data
from tests.cards.walk import actions
from tools.playground import PlaygroundClient

from .chat import ask, button, card_texts
from .conftest import E2EStack


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"] if e["type"] == "TextBlock"]


def has_actions(node: Any) -> bool:
    if isinstance(node, dict):
        return str(node.get("type", "")).startswith("Action.") or any(
            has_actions(v) for v in node.values()
        )
    return isinstance(node, list) and any(has_actions(v) for v in node)


async def test_a_search_and_an_insert(playground: PlaygroundClient) -> None:
    group = playground.cfg.group_chat_id
    results = await playground.search(group, "2.3")
    [first, *_] = results
    assert first["preview"]["content"]["title"] == "Målsætning 2.3"
    assert first["preview"]["content"]["text"].startswith("Vores serviceniveau er tydeligt")
    card = first["content"]
    assert texts(card)[0].startswith("2.3 Vores serviceniveau er tydeligt, realistisk")
    assert any(t.startswith("Kilde: Fælles langsigtet strategi") for t in texts(card))
    assert not has_actions(card)

    for query, title in (("recovery", "Recovery"), ("TRIO", "TRIO"),
                         ("pejlemærke 3", "Pejlemærke 3: Mest muligt i eget liv")):  # fmt: skip
        found = await playground.search(group, query)
        assert 1 <= len(found) <= 10
        assert found[0]["preview"]["content"]["title"] == title
    phrase = await playground.search(group, "hvordan inddrager vi borgerne")
    assert 1 <= len(phrase) <= 10
    empty = await playground.search(group, "")
    assert [r["preview"]["content"]["title"].split(":")[0] for r in empty] == [
        "Pejlemærke 1", "Pejlemærke 2", "Pejlemærke 3", "Pejlemærke 4",
    ]  # fmt: skip
    assert await playground.search(group, "x" * 1000) == []

    inserted = await playground.insert(group, first)
    assert inserted.message_id  # the playground took the card as Alex's message
    assert not inserted.forwarded  # no mention: the bot does not see it in a group chat

    personal = playground.cfg.personal_chat_id
    sent = await playground.insert(personal, first)
    assert await playground.wait_for_turn(sent) == 201
    await playground.sync()
    assert playground.pending(personal) == []  # an inserted card gets no answer


def votes(stack: E2EStack) -> dict[str, dict[str, Any]]:
    """Every stored 👍/👎, by key."""
    return read_data(stack.data_dir / "strategibot.json").get("feedback", {})


async def test_a_vote_replaces_the_card_in_place(
    playground: PlaygroundClient, e2e_stack: E2EStack
) -> None:
    chat = playground.cfg.personal_chat_id
    before = votes(e2e_stack)
    answer = await ask(playground, chat, "målsætning 2.3")
    assert "Hjalp svaret?" in card_texts(answer)
    yes = button(answer, "👍 Ja")
    assert yes["type"] == "Action.Execute" and yes["fallback"]["type"] == "Action.Submit"
    voted = await playground.execute(chat, answer["id"], yes)
    assert voted["type"] == "application/vnd.microsoft.card.adaptive"
    shown = texts(voted["value"])
    assert any(t.startswith("Tak for din vurdering 👍 – Alex, ") for t in shown)
    assert "Hjalp svaret?" not in shown
    assert shown[0] == "Om pejlemærket"  # the same answer, only the vote is new
    assert not [a for a in actions(voted["value"]) if a["title"] in ("👍 Ja", "👎 Nej")]
    assert playground.pending(chat) == []  # replaced in place: no new message
    [mine] = [k for k in votes(e2e_stack) if k not in before]  # one vote of Alex's

    no = button(answer, "👎 Nej")  # the old card, as a second copy of it would still show
    changed = await playground.execute(chat, answer["id"], no)
    assert any(t.startswith("Tak for din vurdering 👎 – Alex, ") for t in texts(changed["value"]))
    await playground.sync()
    assert playground.pending(chat) == []
    assert votes(e2e_stack)[mine]["helpful"] is False  # the last vote replaced the first

    for _ in range(2):  # a client without Universal Actions: the old card's Action.Submit
        await playground.submit(chat, answer["id"], no["fallback"]["data"])
        [thanks] = await playground.wait_for_messages(chat)
        assert (thanks["text"] or "").startswith("Tak for din tilbagemelding.")
    now = votes(e2e_stack)
    assert [k for k in now if k not in before] == [mine]  # still one vote, no duplicate
    assert now[mine]["helpful"] is False
