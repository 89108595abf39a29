"""Meeting reminders end to end, as a chair tries them in the Agents Playground.

The bot runs with ``TEST_CLOCK=1``: ``POST /_test/clock`` moves its clock and runs the
reminder job at once, so no test waits for real time to pass.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cards.walk import text_blocks
from tools.playground import BotMessage, PlaygroundClient, said

from .chat import COMMITTEE_FORM, actions, card, fallback
from .conftest import BOT_COMMAND, E2EStack, StackFactory

MEGAN, ADELE = "user-id-1", "user-id-2"
AGENDA_ITEM = "Fælles langsigtet strategi for Socialområdet – fast punkt"


def every_action(message: BotMessage) -> dict[str, dict[str, Any]]:
    """The card's buttons by title, also those inside containers (not the fallbacks)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action.") and node["title"] not in found:
                found[node["title"]] = node
            for key, value in node.items():
                if key != "fallback":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card(message))
    return found


def texts_of(message: BotMessage) -> list[str]:
    """The text blocks of the message's card, inside containers too."""
    return text_blocks(card(message))


def joined_lines(node: Any) -> list[str]:
    """TextBlocks whose lines Teams would run together (a single new line in Markdown)."""
    return [t for t in text_blocks(node) if "\n" in re.sub(r"\n\n+|\n(?=- )", "", t)]


def committee_form(name: str, schedule: str, lead_days: int) -> dict[str, Any]:
    return {**COMMITTEE_FORM, "name": name, "schedule": schedule, "lead_days": str(lead_days)}


async def create(chat: PlaygroundClient, conversation: str, user: str, form: dict[str, Any]) -> str:
    """Create a committee with ``form`` as ``user``; the bot's answer."""
    await chat.send(conversation, "opret udvalg", user=user)
    [shown] = await chat.wait_for_messages(conversation)
    await chat.submit(conversation, shown["id"], form, user=user)
    [saved] = await chat.wait_for_messages(conversation)
    return str(saved["text"])


async def test_a_chair_sets_up_a_committee_and_gets_reminders(
    chat: PlaygroundClient, own_stack: E2EStack
) -> None:
    personal, channel = chat.cfg.personal_chat_id, chat.cfg.channel_id

    await chat.send(personal, "opret udvalg")
    [form] = await chat.wait_for_messages(personal)
    assert form["attachments"][0]["content"]["body"][0]["text"] == "Opret udvalg"
    await chat.submit(personal, form["id"], COMMITTEE_FORM)
    [saved] = await chat.wait_for_messages(personal)
    assert saved["text"] == (
        "Udvalget »LMU Test« er gemt med 2 møder. Første påmindelse: tirsdag 5. januar kl. 9.00."
    )

    await chat.send(channel, "tilknyt LMU Test", mention_bot=True)
    [linked] = await chat.wait_for_messages(channel)
    assert linked["text"] == "Denne kanal får nu påmindelser for »LMU Test«."

    await chat.send(personal, "næste påmindelser")
    [preview] = await chat.wait_for_messages(personal)
    assert preview["text"] == "Næste påmindelser"
    assert "LMU Test" in preview["attachments"][0]["content"]["fallbackText"]

    assert (await own_stack.set_clock("2027-01-05T08:59:00+01:00"))["outcomes"] == {}
    result = await own_stack.set_clock("2027-01-05T09:00:00+01:00")
    assert result["outcomes"] == {"sent": 2}

    [reminder] = await chat.wait_for_messages(personal)
    assert said(reminder) == "Påmindelse: LMU Test\n\nMøde tirsdag 12. januar kl. 13.00"
    assert not reminder["text"]  # the card says it: not twice
    [in_channel] = await chat.wait_for_messages(channel)
    assert said(in_channel) == said(reminder)

    buttons = actions(reminder)
    await chat.submit(personal, reminder["id"], buttons["Sat på dagsordenen"]["data"])
    [ack] = await chat.wait_for_messages(personal)
    assert ack["text"] == (
        "Tak – strategien står på dagsordenen til LMU Test tirsdag 12. januar kl. 13.00."
    )

    await chat.submit(personal, reminder["id"], buttons["Påmind mig igen i morgen"]["data"])
    [snoozed] = await chat.wait_for_messages(personal)
    assert snoozed["text"] == "Jeg minder dig om det igen onsdag 6. januar kl. 9.00."
    assert (await own_stack.set_clock("2027-01-05T15:00:00+01:00"))["outcomes"] == {}
    assert (await own_stack.set_clock("2027-01-06T09:00:00+01:00"))["outcomes"] == {"sent": 1}
    [again] = await chat.wait_for_messages(personal)
    assert said(again) == said(reminder)
    assert chat.pending(channel) == []

    show = every_action(again)["Vis målsætning 1.1"]  # under »Fokus og spørgsmål«
    await chat.submit(personal, again["id"], show["data"])
    [shown] = await chat.wait_for_messages(personal)
    assert (shown["text"] or "").startswith("1.1 Vi taler med og ikke om borgeren")


async def test_the_agenda_item_reads_as_the_chair_pastes_it_and_execute_replaces_the_card(
    chat: PlaygroundClient, own_stack: E2EStack
) -> None:
    """Issue #15 (1): the item's two lines are two lines, not one run together. Issue #16:
    »Sat på dagsordenen« as Action.Execute replaces the card, saying by whom and when."""
    alex = chat.cfg.personal_chat_id  # the playground's user: its cards can be clicked in place
    await own_stack.set_clock("2027-03-01T10:00:00+01:00")
    saved = await create(
        chat, alex, "user-id-0", committee_form("LMU Marts", "09-03-2027 kl. 13", 7)
    )
    assert saved.startswith("Udvalget »LMU Marts« er gemt")
    await own_stack.set_clock("2027-03-02T09:00:00+01:00")
    [reminder] = await chat.wait_for_messages(alex)
    texts = texts_of(reminder)
    item = texts.index(AGENDA_ITEM)
    assert texts[item - 1] == "Punkt til dagsordenen (kopiér):"
    assert texts[item + 1] == (
        "Fokus på dette møde: pejlemærke 1 »Borgeren først« – målsætning 1.1, 1.2."
    )
    assert joined_lines(card(reminder)) == []
    assert f"{AGENDA_ITEM}\n\nFokus på dette møde: pejlemærke 1" in fallback(reminder)

    ack = actions(reminder)["Sat på dagsordenen"]
    assert ack["type"] == "Action.Execute" and ack["fallback"]["type"] == "Action.Submit"
    replaced = await chat.execute(alex, reminder["id"], ack)
    assert replaced["type"] == "application/vnd.microsoft.card.adaptive"
    shown = text_blocks(replaced["value"])
    assert "✔ Sat på dagsordenen af Alex Wilber tirsdag 2. marts kl. 9.00." in shown
    assert AGENDA_ITEM in shown  # the same reminder, now saying what was done
    left = {a.get("verb") for a in every_action({**reminder, "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": replaced["value"]}
    ]}).values()}  # fmt: skip
    assert "reminder_ack" not in left and "reminder_snooze" not in left
    await chat.sync()
    assert chat.pending(alex) == []  # replaced in place: no new message


async def test_a_reminder_for_a_meeting_later_today_snoozes_to_before_the_meeting(
    chat: PlaygroundClient, own_stack: E2EStack
) -> None:
    """Issue #15 (2): "i morgen" would come after a meeting today; two hours do not."""
    adele = await chat.personal_chat(ADELE)
    await own_stack.set_clock("2027-04-06T08:00:00+02:00")
    saved = await create(chat, adele, ADELE, committee_form("LMU April", "06-04-2027 kl. 13", 7))
    assert saved.endswith("fordi mødet tirsdag 6. april kl. 13.00 er tæt på.")
    assert (await own_stack.set_clock("2027-04-06T09:00:00+02:00"))["outcomes"] == {"sent": 1}
    [reminder] = await chat.wait_for_messages(adele)
    buttons = actions(reminder)
    assert "Påmind mig igen i morgen" not in buttons
    await chat.submit(adele, reminder["id"], buttons["Påmind mig om 2 timer"]["data"], user=ADELE)
    [snoozed] = await chat.wait_for_messages(adele)
    assert snoozed["text"] == "Jeg minder dig om det igen tirsdag 6. april kl. 11.00."

    assert (await own_stack.set_clock("2027-04-06T10:59:00+02:00"))["outcomes"] == {}
    assert (await own_stack.set_clock("2027-04-06T11:00:00+02:00"))["outcomes"] == {"sent": 1}
    [again] = await chat.wait_for_messages(adele)
    assert not [t for t in actions(again) if t.startswith("Påmind mig")]
    assert "Mødet er i dag kl. 13.00, så der kommer ikke flere påmindelser om det." in (
        texts_of(again)
    )


async def test_omu_is_told_only_of_lmu_meetings_held_since_its_last_meeting(
    e2e_stacks: StackFactory, request: pytest.FixtureRequest
) -> None:
    """Issue #15 (3): OMU meets 4 and 25 May. LMU Nord's meeting of 11 May counts; LMU
    Vest's (12 May) does not once Vest is deleted; LMU Syd's confirmation is for 1 June,
    after OMU's meeting. A stack of its own, so the LMUs are exactly these."""
    own_stack = e2e_stacks.start(BOT_COMMAND, env={"TEST_CLOCK": "1"})
    async with own_stack.chat(request) as chat:
        await omu_case(chat, own_stack)


async def omu_case(chat: PlaygroundClient, own_stack: E2EStack) -> None:
    chair = await chat.personal_chat(MEGAN)
    await own_stack.set_clock("2027-04-30T10:00:00+02:00")
    plans = [
        ("OMU E2E", "04-05-2027 kl. 10 og 25-05-2027 kl. 10", 1, "OMU"),
        ("LMU Nord", "11-05-2027 kl. 13", 1, "LMU"),
        ("LMU Vest", "12-05-2027 kl. 13", 1, "LMU"),
        ("LMU Syd", "01-06-2027 kl. 13", 14, "LMU"),
    ]
    for name, schedule, lead, kind in plans:
        form = {**committee_form(name, schedule, lead), "kind": kind}
        assert (await create(chat, chair, MEGAN, form)).startswith(f"Udvalget »{name}«")

    async def next_starting(text: str) -> BotMessage:
        """The chair's next message starting with ``text``; the follow-up questions of
        acknowledged meetings, which come besides, are passed over."""
        for _ in range(6):
            [message] = await chat.wait_for_messages(chair)
            if said(message).startswith(text):
                return message
        raise AssertionError(f"no message starting {text!r}")

    async def reminder_at(when: str, committee: str) -> BotMessage:
        await own_stack.set_clock(when)
        return await next_starting(f"Påmindelse: {committee}\n")

    await reminder_at("2027-05-03T09:00:00+02:00", "OMU E2E")  # the meeting of 4 May
    for when, name in (("2027-05-10T09:00:00+02:00", "LMU Nord"),
                       ("2027-05-11T09:00:00+02:00", "LMU Vest"),
                       ("2027-05-18T09:00:00+02:00", "LMU Syd")):  # fmt: skip
        reminder = await reminder_at(when, name)
        ack = actions(reminder)["Sat på dagsordenen"]["data"]
        await chat.submit(chair, reminder["id"], ack, user=MEGAN)
        await next_starting(f"Tak – strategien står på dagsordenen til {name} ")
        if name == "LMU Nord":
            [nord] = re.findall(
                r"Fokus på dette møde: .* – målsætning ([0-9., ]+)\.", fallback(reminder)
            )

    await chat.send(chair, "slet udvalg LMU Vest", user=MEGAN)
    for _ in range(6):  # an acknowledged meeting's follow-up question may come first
        [asked] = await chat.wait_for_messages(chair)
        if not texts_of(asked)[0].startswith("Hvad drøftede"):
            break
    assert texts_of(asked)[0] == "Slet »LMU Vest«?"
    # A card in another user's chat is clicked as the playground sends it: no replyToId.
    await chat.submit(chair, "", actions(asked)["Slet udvalget"]["data"], user=MEGAN)
    deleted = await next_starting("Udvalget »LMU Vest«")
    assert deleted["text"] == "Udvalget »LMU Vest« er slettet."

    omu = await reminder_at("2027-05-24T09:00:00+02:00", "OMU E2E")
    texts = texts_of(omu)
    assert "Siden OMU's sidste møde har 1 af 2 LMU'er sat strategien på dagsordenen." in texts
    assert f"LMU'ernes fokus: {nord}." in texts
