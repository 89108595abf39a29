"""A status round end to end in the Agents Playground: an admin and two leaders.

Alex Wilber (the playground's current user) is the admin; Megan Bowen and Adele Vance are
leaders, each in their own 1:1 chat with the bot. The bot runs with ``TEST_CLOCK=1``.

»Gem status« is an ``Action.Execute``: clicked in place, the card turns into its receipt.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cards.walk import elements
from tools.playground import BotMessage, PlaygroundClient

from .chat import actions, card, card_texts, fallback, title
from .conftest import BOT_COMMAND, E2EStack, StackFactory

ADMIN_AAD = "00000000-0000-0000-0000-0000000000020"
MEGAN, ADELE = "user-id-1", "user-id-2"


@pytest.fixture(scope="module")
def own_env() -> dict[str, str]:
    """The test clock on and Alex as the admin."""
    return {"TEST_CLOCK": "1", "ADMINS": ADMIN_AAD}


def inputs(message: BotMessage) -> dict[str, Any]:
    """The card's input fields by id, with their values (also those folded away)."""
    return {e["id"]: e.get("value") for e in elements(card(message)["body"])
            if str(e["type"]).startswith("Input.")}  # fmt: skip


def texts(card_json: dict[str, Any]) -> list[str]:
    """Every text block of a card, however deep."""
    return [e["text"] for e in elements(card_json["body"]) if e["type"] == "TextBlock"]


async def approve(chat: PlaygroundClient, admin: str, leader: str) -> None:
    """The admin approves a leader from the request's card; the leader is told."""
    [request] = await chat.wait_for_messages(admin)
    await chat.submit(admin, request["id"], actions(request)["Godkend"]["data"])
    [approved] = await chat.wait_for_messages(admin)
    assert approved["text"].startswith("Godkendt – ")
    [told] = await chat.wait_for_messages(leader)
    assert told["text"].startswith("Du er godkendt som leder")


async def test_a_status_round_from_start_to_report(
    chat: PlaygroundClient, own_stack: E2EStack
) -> None:
    admin = chat.cfg.personal_chat_id
    megan, adele = await chat.personal_chat(MEGAN), await chat.personal_chat(ADELE)
    await own_stack.set_clock("2027-05-25T10:00:00+02:00")
    await chat.send(admin, "hej")  # the admin's chat is known: the leaders' requests go there
    await chat.wait_for_messages(admin)

    await chat.send(megan, "tilmeld som leder", user=MEGAN)
    [form] = await chat.wait_for_messages(megan)
    assert title(form) == "Tilmeld som leder"
    await chat.submit(
        megan, form["id"], {**actions(form)["Tilmeld"]["data"], "unit": "Bostøtte"}, user=MEGAN
    )
    [registered] = await chat.wait_for_messages(megan)
    assert registered["text"].startswith("Tak. En administrator skal godkende")
    await approve(chat, admin, megan)
    await chat.send(adele, "tilmeld som leder Botilbud", user=ADELE)
    [registered] = await chat.wait_for_messages(adele)
    assert registered["text"].startswith("Tak. En administrator skal godkende")
    await approve(chat, admin, adele)

    await chat.send(megan, "ny statusrunde", user=MEGAN)
    [refused] = await chat.wait_for_messages(megan)
    assert refused["text"].startswith("Det er kun for administratorer")

    await chat.send(admin, "ny statusrunde")
    [round_form] = await chat.wait_for_messages(admin)
    assert inputs(round_form)["name"] == "Forår 2027"
    start = {
        **actions(round_form)["Start runden"]["data"],
        "name": "Forår 2027",
        "scope": "chosen",
        "goals": "1.1,2.3",
        "units": "",
        "deadline": "2027-06-09",
    }
    await chat.submit(admin, round_form["id"], start)
    [opened] = await chat.wait_for_messages(admin)
    assert opened["text"] == (
        "Statusrunden »Forår 2027« er startet. 2 ledere har fået kortet. Frist 9. juni 2027."
    )

    [card_megan] = await chat.wait_for_messages(megan)
    [card_adele] = await chat.wait_for_messages(adele)
    assert title(card_megan) == title(card_adele) == "Status: Forår 2027"
    assert list(inputs(card_megan)) == [
        "status_1_1",
        "comment_1_1",
        "next_1_1",
        "status_2_3",
        "comment_2_3",
        "next_2_3",
    ]

    save = actions(card_megan)["Gem status"]["data"]
    await chat.submit(
        megan,
        card_megan["id"],
        {**save, "status_2_3": "delvist", "comment_2_3": "Serviceniveauet er beskrevet"},
        user=MEGAN,
    )
    [saved] = await chat.wait_for_messages(megan)
    assert not saved["text"]  # said once: in the card (the text is only the notification)
    assert card_texts(saved)[0] == "Tak – din status for Forår 2027 er gemt (1 målsætning)."

    await chat.send(megan, "ret min status", user=MEGAN)
    [edit] = await chat.wait_for_messages(megan)
    assert inputs(edit)["status_2_3"] == "delvist"
    assert inputs(edit)["comment_2_3"] == "Serviceniveauet er beskrevet"
    await chat.submit(
        megan,
        edit["id"],
        {
            **save,
            "status_2_3": "paa_sporet",
            "comment_2_3": "Serviceniveauet er beskrevet og kendt",
        },
        user=MEGAN,
    )
    [saved] = await chat.wait_for_messages(megan)
    assert "2.3 🟢 På sporet – Serviceniveauet er beskrevet og kendt" in fallback(saved)

    # Friday 4 June 2027 is three working days before the deadline: only Adele is nudged.
    result = await own_stack.set_clock("2027-06-04T09:00:00+02:00")
    assert result["outcomes"].get("nudged") == 1
    [nudge] = await chat.wait_for_messages(adele)
    assert not nudge["text"]  # the card says it: the text is only the notification
    assert card_texts(nudge)[0] == (
        "Husk din status til »Forår 2027« – fristen er 9. juni. 1 af 2 ledere har svaret."
    )
    await chat.sync()
    assert chat.pending(megan) == []

    await chat.send(admin, "rapport")
    report = await chat.wait_for_messages(admin)
    text = "\n".join(fallback(m) for m in report)
    assert "Forår 2027" in card_texts(report[0])[0]
    assert "Serviceniveauet er beskrevet og kendt" in text

    await chat.send(megan, "slet mine data", user=MEGAN)
    [confirm] = await chat.wait_for_messages(megan)
    delete = {**actions(confirm)["Slet mine data"]["data"], "confirm": "true"}
    await chat.submit(megan, confirm["id"], delete, user=MEGAN)
    [deleted] = await chat.wait_for_messages(megan)
    assert deleted["text"].startswith("Dine data er slettet.")
    await chat.send(admin, "rapport")
    report = await chat.wait_for_messages(admin)
    assert "Serviceniveauet er beskrevet og kendt" not in "\n".join(fallback(m) for m in report)


async def test_gem_status_in_place_replaces_the_card_with_its_receipt(
    e2e_stacks: StackFactory, request: pytest.FixtureRequest
) -> None:
    """Alex (admin, so approved at once) leads Bostøtte and answers a round of every
    målsætning: »Gem status« as ``Action.Execute`` replaces the first page with what was
    saved, for whom, when and how to change it, and the second page follows."""
    stack = e2e_stacks.start(BOT_COMMAND, env={"TEST_CLOCK": "1", "ADMINS": ADMIN_AAD})
    async with stack.chat(request) as chat:
        alex = chat.cfg.personal_chat_id
        await stack.set_clock("2027-05-25T10:00:00+02:00")
        await chat.send(alex, "tilmeld som leder Bostøtte")
        [registered] = await chat.wait_for_messages(alex)
        assert registered["text"] == "Tak – du er tilmeldt som leder for »Bostøtte«."
        await chat.send(alex, "ny statusrunde")
        [round_form] = await chat.wait_for_messages(alex)
        start = {**actions(round_form)["Start runden"]["data"], "name": "Forår 2027",
                 "scope": "all", "goals": "", "units": "", "deadline": "2027-06-09"}  # fmt: skip
        await chat.submit(alex, round_form["id"], start)
        both = await chat.wait_for_messages(alex, count=2)  # the answer, and the round's card
        [opened] = [m for m in both if not m["attachments"]]
        [page_1] = [m for m in both if m["attachments"]]
        assert str(opened["text"]).startswith("Statusrunden »Forår 2027« er startet. 1 leder har")
        first = texts(card(page_1))
        assert first[0] == "Status: Forår 2027"
        facts = {f["title"]: f["value"] for e in elements(card(page_1)["body"])
                 if e["type"] == "FactSet" for f in e["facts"]}  # fmt: skip
        assert facts == {
            "Frist": "9. juni 2027",
            "På kortet": "Side 1 af 4: 1.1–1.4",
            "Besvaret": "0 af 14 målsætninger",
        }
        assert [k for k in inputs(page_1) if k.startswith("status_")] == [
            "status_1_1", "status_1_2", "status_1_3", "status_1_4",
        ]  # fmt: skip

        save = actions(page_1)["Gem status"]
        assert save["type"] == "Action.Execute"
        typed = {"status_1_1": "paa_sporet", "comment_1_1": "Husmøder hver måned"}
        answer = await chat.execute(alex, page_1["id"], save, typed)
        assert answer["type"] == "application/vnd.microsoft.card.adaptive"
        receipt = answer["value"]
        shown = texts(receipt)
        assert shown[0] == "Tak – din status for Forår 2027 er gemt (1 målsætning)."
        facts = {f["title"]: f["value"] for e in elements(receipt["body"])
                 if e["type"] == "FactSet" for f in e["facts"]}  # fmt: skip
        assert facts == {
            "Leder": "Alex Wilber (Bostøtte)",
            "Gemt": "tirsdag 25. maj 2027 kl. 10.00",
            "Besvaret": "1 af 14 målsætninger",
        }
        assert "- 1.1 🟢 På sporet – Husmøder hver måned" in shown
        assert "Side 2 af 4 kommer herunder." in shown
        assert not [e for e in elements(receipt["body"]) if str(e["type"]).startswith("Input.")]

        [page_2] = await chat.wait_for_messages(alex)  # the next page, as a new message
        assert [k for k in inputs(page_2) if k.startswith("status_")] == [
            "status_2_1", "status_2_2", "status_2_3", "status_2_4",
        ]  # fmt: skip
        await chat.sync()  # and nothing else: the receipt replaced the card
        assert chat.pending(alex) == []
