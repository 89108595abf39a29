"""Roles are granted, not claimed, end to end in the Agents Playground, between two users.

Alex Wilber (the playground's current user) is the admin. Megan Bowen asks to be a leader and
Alex approves her from the card in his chat; Megan chairs »LMU Test«, Adele Vance asks to join
its TRIO and Megan approves her, after which Adele's "Sat på dagsordenen" counts. Each user
writes in their own 1:1 chat with the bot (the harness's ``user=``). The bot runs with
``TEST_CLOCK=1``.
"""

from __future__ import annotations

import pytest

from tools.playground import PlaygroundClient

from .chat import COMMITTEE_FORM, actions, ask, fallback, title
from .conftest import E2EStack

ADMIN_AAD = "00000000-0000-0000-0000-0000000000020"
MEGAN, ADELE = "user-id-1", "user-id-2"


@pytest.fixture(scope="module")
def own_env() -> dict[str, str]:
    """The test clock on and Alex as the admin."""
    return {"TEST_CLOCK": "1", "ADMINS": ADMIN_AAD}


async def test_an_admin_approves_a_leader(chat: PlaygroundClient, own_stack: E2EStack) -> None:
    admin = chat.cfg.personal_chat_id
    megan = await chat.personal_chat(MEGAN)
    await own_stack.set_clock("2027-05-25T10:00:00+02:00")
    await ask(chat, admin, "hej")  # the bot knows the admin's chat

    reply = await ask(chat, megan, "tilmeld som leder Botilbud Nord", user=MEGAN)
    assert reply["text"] == (
        "Tak. En administrator skal godkende, at du er leder for »Botilbud Nord«. "
        "Du får besked her."
    )
    [request] = await chat.wait_for_messages(admin)
    assert "\nMegan Bowen vil være leder for »Botilbud Nord«." in fallback(request)
    assert list(actions(request)) == ["Godkend", "Afvis"]

    await chat.send(admin, "ny statusrunde")
    [round_form] = await chat.wait_for_messages(admin)
    start = {**actions(round_form)["Start runden"]["data"], "name": "Forår 2027",
             "scope": "all", "goals": "", "units": "", "deadline": "2027-06-09"}  # fmt: skip
    await chat.submit(admin, round_form["id"], start)
    [refused] = await chat.wait_for_messages(admin)
    assert refused["text"].startswith("Der er ingen tilmeldte ledere")  # Megan is pending

    await chat.submit(admin, request["id"], actions(request)["Godkend"]["data"])
    [approved] = await chat.wait_for_messages(admin)
    assert approved["text"] == (
        "Godkendt – Megan Bowen er nu leder for »Botilbud Nord« og får besked."
    )
    [told] = await chat.wait_for_messages(megan)
    assert told["text"] == (
        "Du er godkendt som leder for »Botilbud Nord«. "
        "Du får statuskortet, når en statusrunde starter."
    )
    await chat.submit(admin, request["id"], actions(request)["Afvis"]["data"])
    [closed] = await chat.wait_for_messages(admin)
    assert closed["text"] == "Den anmodning er allerede behandlet eller trukket tilbage."

    reply = await ask(chat, megan, "mine data", user=MEGAN)
    assert "Du er tilmeldt som leder for »Botilbud Nord«" in fallback(reply)
    await chat.submit(admin, round_form["id"], start)
    [opened] = await chat.wait_for_messages(admin)
    assert opened["text"].startswith("Statusrunden »Forår 2027« er startet. 1 leder har")
    [status_card] = await chat.wait_for_messages(megan)
    assert title(status_card) == "Status: Forår 2027"


async def test_a_chair_approves_a_trio_member(chat: PlaygroundClient, own_stack: E2EStack) -> None:
    megan, adele = await chat.personal_chat(MEGAN), await chat.personal_chat(ADELE)
    await own_stack.set_clock("2027-01-04T10:00:00+01:00")

    form = await ask(chat, megan, "opret udvalg", user=MEGAN)
    await chat.submit(megan, form["id"], COMMITTEE_FORM, user=MEGAN)
    [saved] = await chat.wait_for_messages(megan)
    assert saved["text"].startswith("Udvalget »LMU Test« er gemt med 2 møder.")

    reply = await ask(chat, adele, "tilmeld trio LMU Test", user=ADELE)
    assert reply["text"] == (
        "Tak. Formanden for »LMU Test« skal godkende, at du er med i TRIO. Du får besked her."
    )
    [request] = await chat.wait_for_messages(megan)
    assert "\nAdele Vance vil være med i TRIO for »LMU Test«." in fallback(request)

    forged = actions(request)["Godkend"]["data"]  # Adele sends the chair's button herself
    await chat.submit(adele, reply["id"], forged, user=ADELE)
    [refused] = await chat.wait_for_messages(adele)
    assert refused["text"] == "Kun udvalgets formand eller en administrator kan ændre »LMU Test«."

    await chat.submit(megan, request["id"], actions(request)["Godkend"]["data"], user=MEGAN)
    [approved] = await chat.wait_for_messages(megan)
    assert (
        approved["text"] == "Godkendt – Adele Vance er nu med i TRIO for »LMU Test« og får besked."
    )
    [told] = await chat.wait_for_messages(adele)
    assert told["text"] == (
        "Du får nu påmindelser for »LMU Test« i din personlige chat som en del af TRIO."
    )

    result = await own_stack.set_clock("2027-01-05T09:00:00+01:00")
    assert result["outcomes"] == {"sent": 2}  # the chair and Adele
    [reminder_megan] = await chat.wait_for_messages(megan)
    [reminder_adele] = await chat.wait_for_messages(adele)
    assert reminder_adele["text"] == reminder_megan["text"]
    ack = actions(reminder_adele)["Sat på dagsordenen"]["data"]
    await chat.submit(adele, reminder_adele["id"], ack, user=ADELE)
    [acknowledged] = await chat.wait_for_messages(adele)
    assert acknowledged["text"] == (
        "Tak – strategien står på dagsordenen til LMU Test tirsdag 12. januar kl. 13.00."
    )
