"""``hjælp`` by role, how-to questions and the welcome, end to end in the Agents Playground.

A plain user (Adele), a chair (Megan, after creating a committee), a leader (Isaiah, after an
admin approved him) and the admin (Alex, the playground's current user, in ``ADMINS``) each
write ``hjælp`` in their own 1:1 chat and see everyone's commands plus their role's section.
"""

from __future__ import annotations

import pytest

from tools.playground import BotMessage, PlaygroundClient

from .chat import COMMITTEE_FORM, actions, ask, card, submit_actions, title
from .conftest import E2EStack

ADMIN_AAD = "00000000-0000-0000-0000-0000000000020"
MEGAN, ADELE, ISAIAH = "user-id-1", "user-id-2", "user-id-3"


@pytest.fixture(scope="module")
def own_env() -> dict[str, str]:
    """The test clock on and Alex as the admin."""
    return {"TEST_CLOCK": "1", "ADMINS": ADMIN_AAD}


def everyone(message: BotMessage) -> list[str]:
    """The commands of the part for everyone."""
    facts = next(e for e in card(message)["body"] if e["type"] == "FactSet")
    return [f["title"] for f in facts["facts"]]


def sections(message: BotMessage) -> dict[str, list[str]]:
    """The role sections (buttons that unfold a card), with their commands."""
    found: dict[str, list[str]] = {}
    for action in submit_actions(message):
        if action["type"] == "Action.ShowCard":
            facts = action["card"]["body"][0]["facts"]
            found[action["title"]] = [f["title"] for f in facts]
    return found


async def help_of(chat: PlaygroundClient, conversation: str, user: str) -> BotMessage:
    reply = await ask(chat, conversation, "hjælp", user=user)
    assert reply["text"] is not None and reply["text"].startswith("Det kan jeg hjælpe med")
    assert everyone(reply)[:3] == ["hjælp", "pejlemærker", "målsætninger"]
    assert "opret udvalg" in everyone(reply) and "tilmeld som leder" in everyone(reply)
    return reply


async def test_the_welcome_in_the_personal_chat_and_in_a_channel(chat: PlaygroundClient) -> None:
    personal = chat.cfg.personal_chat_id
    for activity in await chat.install(personal):
        await chat.wait_for_turn(activity)
    [welcome] = await chat.wait_for_messages(personal)
    assert welcome["text"] is not None
    assert welcome["text"].startswith("Hej! Jeg er Strategibot\n\nJeg svarer på spørgsmål")
    assert "Skriv »hjælp« for at se alt" in welcome["text"]
    examples = submit_actions(welcome)
    assert [e["title"] for e in examples] == [
        "Hvad betyder målsætning 2.3?", "Hvad er TRIO?", "Hvornår blev strategien godkendt?",
    ]  # fmt: skip
    await chat.submit(personal, welcome["id"], examples[1]["data"])
    [clicked] = await chat.wait_for_messages(personal)
    typed = await ask(chat, personal, "Hvad er TRIO?")
    assert (clicked["text"], card(clicked)) == (typed["text"], card(typed))

    channel = chat.cfg.channel_id
    for activity in await chat.install(channel):
        await chat.wait_for_turn(activity)
    [posted] = await chat.wait_for_messages(channel)
    assert len(posted["part_ids"]) == 1 and posted["attachments"] == []  # one post
    assert posted["text"] is not None and "skal du @nævne mig" in posted["text"]
    await chat.sync()
    assert chat.pending(channel) == []


async def test_each_role_sees_its_commands(chat: PlaygroundClient, own_stack: E2EStack) -> None:
    admin = chat.cfg.personal_chat_id
    megan, adele, isaiah = [await chat.personal_chat(u) for u in (MEGAN, ADELE, ISAIAH)]
    await own_stack.set_clock("2027-01-04T10:00:00+01:00")

    plain = await help_of(chat, adele, ADELE)
    assert sections(plain) == {}
    assert "ny statusrunde" not in str(card(plain))  # no admin commands for a plain user

    form = await ask(chat, megan, "opret udvalg", user=MEGAN)
    await chat.submit(megan, form["id"], COMMITTEE_FORM, user=MEGAN)
    [saved] = await chat.wait_for_messages(megan)
    assert saved["text"] is not None and saved["text"].startswith("Udvalget »LMU Test« er gemt")
    chair = await help_of(chat, megan, MEGAN)
    [(name, commands)] = sections(chair).items()
    assert name == "For formænd og TRIO"
    assert {
        "mine udvalg", "næste påmindelser", "ret udvalg LMU Bostøtten",
        "pause påmindelser til 1. marts", "@Strategibot tilknyt LMU Bostøtten",
    } <= set(commands)  # fmt: skip

    await ask(chat, admin, "hej")  # the bot knows the admin's chat, for the approval
    await ask(chat, isaiah, "tilmeld som leder Botilbud Nord", user=ISAIAH)
    [request] = await chat.wait_for_messages(admin)
    await chat.submit(admin, request["id"], actions(request)["Godkend"]["data"])
    [approved] = await chat.wait_for_messages(admin)
    assert approved["text"] is not None and approved["text"].startswith("Godkendt")
    await chat.wait_for_messages(isaiah)  # "Du er godkendt som leder …"
    leader = await help_of(chat, isaiah, ISAIAH)
    assert sections(leader) == {
        "For ledere": ["afmeld som leder", "status", "status 2.3 gul: godt i gang",
                       "ret min status"],
    }  # fmt: skip

    admin_help = await help_of(chat, admin, "user-id-0")
    [(name, commands)] = sections(admin_help).items()
    assert name == "For administratorer"
    assert {"ny statusrunde", "statusrunder", "rapport", "@Strategibot tilknyt fagpersoner"} <= set(
        commands
    )


async def test_a_how_to_question_explains_and_its_button_opens_the_form(
    chat: PlaygroundClient,
) -> None:
    adele = await chat.personal_chat(ADELE)
    reply = await ask(chat, adele, "Hvordan opretter jeg et udvalg?", user=ADELE)
    assert reply["text"] is not None
    assert reply["text"].startswith("Før hvert LMU- og OMU-møde sender jeg formanden")
    [button] = submit_actions(reply)
    assert button["title"] == "opret udvalg"
    personal = chat.cfg.personal_chat_id  # clicked by Alex, whose chat shows the card's id
    mine = await ask(chat, personal, "hvordan opretter jeg et udvalg")
    await chat.submit(personal, mine["id"], submit_actions(mine)[0]["data"])
    [form] = await chat.wait_for_messages(personal)
    assert title(form) == "Opret udvalg"
