"""A status round end to end in the Agents Playground: an admin and two leaders.

Alex Wilber (the playground's current user) is the admin; Megan Bowen and Adele Vance are
leaders, each in their own 1:1 chat with the bot. The bot runs with ``TEST_CLOCK=1``.
"""

from __future__ import annotations

import pytest

from tools.playground import PlaygroundClient

from .chat import actions, fallback, inputs, title
from .conftest import E2EStack

ADMIN_AAD = "00000000-0000-0000-0000-0000000000020"
MEGAN, ADELE = "user-id-1", "user-id-2"


@pytest.fixture(scope="module")
def own_env() -> dict[str, str]:
    """The test clock on and Alex as the admin."""
    return {"TEST_CLOCK": "1", "ADMINS": ADMIN_AAD}


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
    assert saved["text"] == "Tak – din status for Forår 2027 er gemt (1 målsætninger):"

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
    assert nudge["text"] == (
        "Husk din status til »Forår 2027« – fristen er 9. juni. 1 af 2 ledere har svaret."
    )
    await chat.sync()
    assert chat.pending(megan) == []

    await chat.send(admin, "rapport")
    report = await chat.wait_for_messages(admin)
    text = "\n".join(fallback(m) for m in report)
    assert "Forår 2027" in report[0]["text"]
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
