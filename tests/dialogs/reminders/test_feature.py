"""Setting up committees in chat, through the Teams handler (TestAdapter)."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.app import Services
from dialogs.reminders.repository import COMMITTEES
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, run
from tests.cards.walk import actions

FORM = teams.COMMITTEE_FORM


async def say(services: Services, activity: Activity) -> str:
    [reply] = await run(services, activity)
    return str(reply.text)


def card_button(reply: Activity, title: str) -> dict[str, Any]:
    """The button ``title`` of the reply's card (in its action sets, at any depth)."""
    found = [a for a in actions(teams.card_of(reply)) if a.get("title") == title]
    assert found, [a.get("title") for a in actions(teams.card_of(reply))]
    return found[0]


async def test_create_committee_with_the_form(services: Services) -> None:
    [form] = await run(services, teams.message("opret udvalg"))
    inputs = [
        e["id"] for e in form.attachments[0].content["body"] if e["type"].startswith("Input.")
    ]
    assert inputs == ["name", "kind", "schedule", "lead_days", "remind_chair"]
    text = await say(services, teams.submit(FORM))
    assert text.startswith("Udvalget »LMU Område Ørum« er gemt med ")
    # Monday 23/11: the first meeting is tomorrow, so its reminder goes out at once.
    assert text.endswith(
        "Første påmindelse kommer med det samme, "
        "fordi mødet tirsdag 24. november kl. 13.00 er tæt på."
    )
    [committee] = await services.reminders.repository.committees()
    assert committee.chair.user_id == "aad-user-1"
    assert len(await services.reminders.repository.meetings(committee.id)) >= 20


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "Skriv et navn til udvalget."),
        ({"kind": "Bestyrelse"}, "Vælg en type"),
        ({"lead_days": "syv"}, "Antal dage før mødet skal være et helt tal fra 1 til 28."),
        ({"lead_days": "40"}, "Antal dage før mødet skal være et helt tal fra 1 til 28."),
        ({"schedule": "hver 2. uge tirsdg kl. 13"}, "Jeg kender ikke ugedagen »tirsdg«"),
        ({"schedule": "14-01-2020 kl. 13"}, "fortiden"),
        ({"remind_chair": "false"}, "Vælg mindst én modtager"),
    ],
)
async def test_invalid_forms_save_nothing(
    services: Services, change: dict[str, Any], message: str
) -> None:
    text = await say(services, teams.submit({**FORM, **change}))
    assert message in text
    assert await services.store.all(COMMITTEES) == {}


async def test_list_preview_link_pause_and_delete(services: Services) -> None:
    await say(services, teams.submit(FORM))
    assert (
        "LMU Område Ørum (LMU) – næste møde"
        in (await run(services, teams.message("mine udvalg")))[0]
        .attachments[0]
        .content["fallbackText"]
    )
    [preview] = await run(services, teams.message("næste påmindelser"))
    assert preview.text == "Næste påmindelser"
    assert "LMU Område Ørum" in preview.attachments[0].content["fallbackText"]

    linked = await say(
        services, teams.message("tilknyt lmu omrade orum", teams.CHANNEL, mention=True)
    )
    assert linked == "Denne kanal får nu påmindelser for »LMU Område Ørum«."
    [committee] = await services.reminders.repository.committees()
    assert committee.channel_id == teams.CHANNEL.id.split(";")[0]

    paused = await say(services, teams.message("pause påmindelser til 1. marts"))
    assert paused == (
        "Påmindelser for »LMU Område Ørum« er sat på pause til og med 1. marts 2027. "
        "Skriv »genoptag påmindelser«, hvis de skal starte igen før."
    )

    [confirm] = await run(services, teams.message("slet udvalg LMU Område Ørum"))
    assert len(await services.reminders.repository.committees()) == 1  # asked, not deleted
    delete = card_button(confirm, "Slet udvalget")
    assert await say(services, teams.submit(delete["data"])) == (
        "Udvalget »LMU Område Ørum« er slettet."
    )
    assert await services.reminders.repository.committees() == []


async def test_only_the_chair_or_an_admin_may_change_a_committee(services: Services) -> None:
    await say(services, teams.submit(FORM))
    stranger = teams.message("slet udvalg LMU Område Ørum")
    stranger.from_property = teams.ChannelAccount(id="29:other", aad_object_id="aad-other")
    text = await say(services, stranger)
    assert text == "Kun udvalgets formand eller en administrator kan ændre »LMU Område Ørum«."
    assert len(await services.reminders.repository.committees()) == 1


async def test_reminder_buttons_acknowledge_and_snooze(
    services: Services, clock: ManualClock
) -> None:
    await say(services, teams.submit(FORM))
    [committee] = await services.reminders.repository.committees()
    meeting = (await services.reminders.repository.meetings(committee.id))[0]
    ref = {"committee": committee.id, "meeting": meeting.id, "recipient": "user:aad-user-1"}
    ack = await say(services, teams.submit({**ref, "action": "reminder_ack"}))
    assert ack.startswith("Tak – strategien står på dagsordenen til LMU Område Ørum")
    [stored] = await services.reminders.repository.acknowledgements()
    assert stored["committee_id"] == committee.id
    snooze = await say(services, teams.submit({**ref, "action": "reminder_snooze"}))
    assert snooze == "Jeg minder dig om det igen tirsdag 24. november kl. 9.00."
    bad = await say(services, teams.submit({**ref, "meeting": "nope", "action": "reminder_ack"}))
    assert "Det møde findes ikke længere" in bad


async def test_trio_members_sign_up_for_the_reminders(services: Services) -> None:
    await say(services, teams.submit(FORM))
    member = teams.message("tilmeld trio LMU Område Ørum")
    member.from_property = teams.ChannelAccount(id="29:tr", aad_object_id="aad-tr")
    assert await say(services, member) == (
        "Tak. Formanden for »LMU Område Ørum« skal godkende, at du er med i TRIO. "
        "Du får besked her."
    )
    [committee] = await services.reminders.repository.committees()
    approve = {"action": "trio_approve", "committee": committee.id, "user": "aad-tr"}
    assert (await say(services, teams.submit(approve))).startswith("Godkendt – ")  # the chair
    [committee] = await services.reminders.repository.committees()
    assert "user:aad-tr" in committee.recipients()
    [preview] = await run(services, teams.message("næste påmindelser"))
    lines = preview.attachments[0].content["fallbackText"].splitlines()[1:]
    meetings = [line.split(" – ")[1] for line in lines]
    assert len(meetings) == len(set(meetings))  # one line per meeting, not per recipient
    in_channel = teams.message("tilmeld trio LMU Område Ørum", teams.CHANNEL, mention=True)
    assert "personlige chat" in await say(services, in_channel)
    leave = teams.message("afmeld trio LMU Område Ørum")
    leave.from_property = teams.ChannelAccount(id="29:tr", aad_object_id="aad-tr")
    assert await say(services, leave) == "Du får ikke længere påmindelser for »LMU Område Ørum«."
    [committee] = await services.reminders.repository.committees()
    assert "user:aad-tr" not in committee.recipients()


async def test_a_deactivated_channel_is_reported_to_the_chair(services: Services) -> None:
    await say(services, teams.submit(FORM))  # the chair's personal chat is remembered too
    await say(services, teams.message("tilknyt LMU Område Ørum", teams.CHANNEL, mention=True))
    channel = teams.CHANNEL.id.split(";")[0]
    await services.conversations.deactivate(channel, 403, services.clock.now())
    await services.reminders.tick()
    await services.reminders.tick()  # reported once, however often the job runs
    queued = [doc for doc in (await services.store.all("outbox")).values() if "kanalen" in str(doc)]
    assert len(queued) == 1 and queued[0]["conversation_id"] == teams.PERSONAL.id
    assert "»LMU Område Ørum« til kanalen" in str(queued[0])


async def test_a_pause_is_personal_even_for_an_admin(clock: ManualClock) -> None:
    services = app_services(clock, admins="aad-admin")
    await say(services, teams.submit(FORM))
    admin = teams.ChannelAccount(id="29:admin", aad_object_id="aad-admin")
    created = teams.submit({**FORM, "name": "OMU"})
    created.from_property = admin
    await say(services, created)
    pause = teams.message("pause påmindelser til 1. marts")
    pause.from_property = admin
    assert (await say(services, pause)).startswith(
        "Påmindelser for »OMU« er sat på pause til og med 1. marts 2027."
    )
    paused = {c.name: c.paused_until for c in await services.reminders.repository.committees()}
    assert paused["LMU Område Ørum"] is None
