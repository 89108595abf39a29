"""Meeting reminders end to end, as a chair tries them in the Agents Playground.

The bot runs with ``TEST_CLOCK=1``: ``POST /_test/clock`` moves its clock and runs the
reminder job at once, so no test waits for real time to pass.
"""

from __future__ import annotations

from tools.playground import PlaygroundClient

from .chat import COMMITTEE_FORM, actions
from .conftest import E2EStack


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
    assert reminder["text"] == "Påmindelse: LMU Test\n\nMøde tirsdag 12. januar kl. 13.00"
    [in_channel] = await chat.wait_for_messages(channel)
    assert in_channel["text"] == reminder["text"]

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
    assert again["text"] == reminder["text"]
    assert chat.pending(channel) == []

    await chat.submit(personal, again["id"], actions(again)["Vis målsætning 1.1"]["data"])
    [shown] = await chat.wait_for_messages(personal)
    assert (shown["text"] or "").startswith("1.1 Vi taler med og ikke om borgeren")
