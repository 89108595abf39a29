"""The reminder's buttons in place (Action.Execute) and as messages (Action.Submit), the
confirmation before a committee is deleted, pauses that show and end, and the edit form."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount

from bot.app import Services
from content import Content
from dialogs.intents import IntentParser
from dialogs.reminders.models import Committee, Meeting
from dialogs.reminders.repository import ACKS, COMMITTEES, LEDGER, MEETINGS, SNOOZES
from scheduler.calendar import parse_schedule
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import run
from tests.cards.walk import actions as all_actions
from tests.cards.walk import text_blocks
from tests.conftest import TZ
from tests.dialogs.reminders.cardtext import single_breaks

FORM = teams.COMMITTEE_FORM  # "LMU Område Ørum", every 2nd Tuesday at 13 from 24/11/2026
STRANGER = ChannelAccount(id="29:other", name="Sune", aad_object_id="aad-other")


async def say(services: Services, activity: Activity) -> str:
    [reply] = await run(services, activity)
    return str(reply.text)


async def in_place(services: Services, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Click an ``Action.Execute`` with ``data``: the invoke response's body."""
    activity = teams.execute(data, **kw)
    adapter = TestAdapter(template_or_conversation=Activity().deserialize(activity.serialize()))
    response = await services.bot.on_invoke_activity(TurnContext(adapter, activity))
    body: dict[str, Any] = response.body
    return body


async def committee(services: Services) -> Committee:
    [found] = await services.reminders.repository.committees()
    return found


async def first_meeting(services: Services) -> tuple[Committee, Meeting, dict[str, str]]:
    found = await committee(services)
    meeting = (await services.reminders.repository.meetings(found.id))[0]
    ref = {"committee": found.id, "meeting": meeting.id, "recipient": "user:aad-user-1"}
    return found, meeting, ref


# -- "Sat på dagsordenen" and "Påmind mig igen" -----------------------------------------------


async def test_acknowledged_in_place_the_card_says_by_whom_and_when(services: Services) -> None:
    await say(services, teams.submit(FORM))
    _, _, ref = await first_meeting(services)
    body = await in_place(services, {**ref, "action": "reminder_ack"})
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    card = body["value"]
    texts = text_blocks(card)
    assert "✔ Sat på dagsordenen af Mette Leder mandag 23. november kl. 10.00." in texts
    assert "Fælles langsigtet strategi for Socialområdet – fast punkt" in texts
    verbs = {a.get("verb") for a in all_actions(card)}
    assert "reminder_ack" not in verbs and "reminder_snooze" not in verbs  # no stale buttons
    assert single_breaks(card) == []
    assert len(await services.store.all(ACKS)) == 1


async def test_acknowledged_as_a_submit_the_answer_stays_a_short_message(
    services: Services,
) -> None:
    await say(services, teams.submit(FORM))
    _, _, ref = await first_meeting(services)
    [reply] = await run(services, teams.submit({**ref, "action": "reminder_ack"}))
    assert reply.text == (
        "Tak – strategien står på dagsordenen til LMU Område Ørum tirsdag 24. november kl. 13.00."
    )
    assert not reply.attachments


async def test_snoozed_in_place_the_card_says_when_it_comes_again(
    services: Services, clock: ManualClock
) -> None:
    await say(services, teams.submit(FORM))
    _, _, ref = await first_meeting(services)  # tomorrow at 13: in two hours
    body = await in_place(services, {**ref, "action": "reminder_snooze", "snooze": "hours"})
    texts = text_blocks(body["value"])
    assert (
        "⏰ Påmindelsen kommer igen mandag 23. november kl. 12.00 – valgt af Mette Leder "
        "mandag 23. november kl. 10.00."
    ) in texts
    verbs = [a.get("verb") for a in all_actions(body["value"])]
    assert "reminder_snooze" not in verbs and "reminder_ack" in verbs
    [until] = (await services.store.all(SNOOZES)).values()
    assert datetime.fromisoformat(until["until"]) == clock.now() + timedelta(hours=2)


async def test_a_snooze_that_would_land_after_the_meeting_is_refused(
    services: Services, clock: ManualClock
) -> None:
    """An old card's "i morgen" for a meeting today, or a forged click: nothing is stored."""
    await say(services, teams.submit(FORM))
    _, _, ref = await first_meeting(services)  # Tuesday 24 November at 13
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=TZ))
    refused = await say(services, teams.submit({**ref, "action": "reminder_snooze"}))
    assert refused == (
        "Mødet er tirsdag 24. november kl. 13.00, så en ny påmindelse ville først komme "
        "efter mødet. Der kommer ikke flere påmindelser om det."
    )
    clock.set(datetime(2026, 11, 24, 11, 30, tzinfo=TZ))
    forged = {**ref, "action": "reminder_snooze", "snooze": "hours"}
    assert (await say(services, teams.submit(forged))).startswith("Mødet er tirsdag 24. november")
    assert await services.store.all(SNOOZES) == {}
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=TZ))
    assert (await say(services, teams.submit(forged))) == (
        "Jeg minder dig om det igen tirsdag 24. november kl. 11.00."
    )


async def test_the_reminder_for_a_meeting_today_offers_a_snooze_before_it(
    services: Services, clock: ManualClock
) -> None:
    """A meeting at 13 the day the reminder goes out (created the morning of the meeting):
    "om 2 timer", never "i morgen"; two hours later none fits, and the card says so."""
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=TZ))
    await say(services, teams.submit({**FORM, "schedule": "24-11-2026 kl. 13"}))
    await services.reminders.tick()
    [sent] = (await services.store.all("outbox")).values()
    card = sent["reply"]["card"]
    snooze = [a for a in all_actions(card) if a.get("verb") == "reminder_snooze"]
    assert [a["title"] for a in snooze] == ["Påmind mig om 2 timer"]
    assert await say(services, teams.submit(snooze[0]["data"])) == (
        "Jeg minder dig om det igen tirsdag 24. november kl. 11.00."
    )
    clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=TZ))
    assert (await services.reminders.tick())["sent"] == 1
    [again] = [d for d in (await services.store.all("outbox")).values() if d != sent]
    card = again["reply"]["card"]
    assert not [a for a in all_actions(card) if a.get("verb") == "reminder_snooze"]
    assert "Mødet er i dag kl. 13.00, så der kommer ikke flere påmindelser om det." in (
        text_blocks(card)
    )


# -- "slet udvalg" asks first -----------------------------------------------------------------


async def test_deleting_asks_first_and_says_what_goes(services: Services) -> None:
    await say(services, teams.submit(FORM))
    await say(services, teams.message("tilknyt LMU Område Ørum", teams.CHANNEL, mention=True))
    [asked] = await run(services, teams.message("slet udvalg LMU Område Ørum"))
    card = teams.card_of(asked)
    ahead = len([m for m in await services.reminders.repository.meetings() if not m.cancelled])
    assert text_blocks(card) == [
        "Slet »LMU Område Ørum«?",
        f"Udvalget slettes sammen med {ahead} kommende møder. Påmindelserne stopper, og det "
        "kan ikke fortrydes.",
        "Den kanal, der er tilknyttet udvalget, får ikke længere påmindelser for det.",
    ]
    buttons = {a["title"]: a for a in card["body"][-1]["actions"]}
    assert [(b["type"], b["fallback"]["type"]) for b in buttons.values()] == [
        ("Action.Execute", "Action.Submit"), ("Action.Execute", "Action.Submit"),
    ]  # fmt: skip
    assert len(await services.store.all(COMMITTEES)) == 1  # nothing deleted yet

    keep = await in_place(services, buttons["Behold det"]["data"])
    assert text_blocks(keep["value"]) == ["Udvalget »LMU Område Ørum« er ikke slettet."]
    assert len(await services.store.all(COMMITTEES)) == 1

    refused = await in_place(services, buttons["Slet udvalget"]["data"], sender=STRANGER)
    assert refused["value"] == (
        "Kun udvalgets formand eller en administrator kan ændre »LMU Område Ørum«."
    )  # the rights are checked again at the click
    assert len(await services.store.all(COMMITTEES)) == 1

    done = await in_place(services, buttons["Slet udvalget"]["data"])
    assert text_blocks(done["value"]) == [
        "🗑 Udvalget »LMU Område Ørum« blev slettet af Mette Leder mandag 23. november kl. 10.00."
    ]
    assert await services.store.all(COMMITTEES) == {}
    assert await services.store.all(MEETINGS) == {}

    again = await say(services, teams.submit(buttons["Slet udvalget"]["data"]))
    assert again == "Det udvalg er allerede slettet. Der er ikke mere at gøre."


async def test_one_upcoming_meeting_is_singular(services: Services) -> None:
    saved = await say(services, teams.submit({**FORM, "schedule": "01-12-2026 kl. 13"}))
    assert saved == (
        "Udvalget »LMU Område Ørum« er gemt med 1 møde. Første påmindelse: tirsdag 24. november "
        "kl. 9.00."
    )
    [asked] = await run(services, teams.message("slet udvalg LMU Område Ørum"))
    assert "sammen med 1 kommende møde." in text_blocks(teams.card_of(asked))[1]


# -- pauses show, and end -----------------------------------------------------------------------


async def test_a_pause_shows_and_genoptag_ends_it(services: Services, clock: ManualClock) -> None:
    await say(services, teams.submit(FORM))
    await say(services, teams.message("pause påmindelser til 31. december"))
    [mine] = await run(services, teams.message("mine udvalg"))
    assert (
        "påmindelser sat på pause til og med 31. december 2026"
        in (teams.card_of(mine)["fallbackText"])
    )
    [preview] = await run(services, teams.message("næste påmindelser"))
    assert text_blocks(teams.card_of(preview))[0] == (
        "Påmindelserne for »LMU Område Ørum« er sat på pause til og med 31. december 2026. "
        "Skriv »genoptag påmindelser« for at starte dem igen."
    )
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=TZ))  # 8 December's reminder: paused
    assert (await services.reminders.tick())["paused"] == 1
    statuses = {k.split("|")[1]: d["status"] for k, d in (await services.store.all(LEDGER)).items()}
    assert statuses == {"20261124T1300": "missed", "20261208T1300": "paused"}

    resumed = await say(services, teams.message("start påmindelser igen"))
    assert resumed == (
        "Påmindelserne for »LMU Område Ørum« er genoptaget. Kommende møder får deres "
        "påmindelse igen."
    )
    assert (await committee(services)).paused_until is None
    assert (await services.reminders.tick())["sent"] == 1  # the skipped one, after all
    [mine] = await run(services, teams.message("mine udvalg"))
    assert "pause" not in teams.card_of(mine)["fallbackText"]
    assert await say(services, teams.message("genoptag påmindelser")) == (
        "Ingen af dine udvalg har påmindelserne sat på pause."
    )


async def test_a_pause_that_has_ended_is_not_shown(services: Services, clock: ManualClock) -> None:
    await say(services, teams.submit(FORM))
    await say(services, teams.message("pause påmindelser til 1. december"))
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=TZ))
    [mine] = await run(services, teams.message("mine udvalg"))
    assert "pause" not in teams.card_of(mine)["fallbackText"]
    assert (await committee(services)).paused_until == date(2026, 12, 1)


# -- "ret udvalg" shows the plan; hints name the committee ------------------------------------


async def test_the_edit_form_shows_the_plan_and_saving_it_unchanged_keeps_the_meetings(
    services: Services,
) -> None:
    await say(services, teams.submit(FORM))
    before = await services.reminders.repository.meetings()
    [form] = await run(services, teams.message("ret udvalg LMU Område Ørum"))
    card = teams.card_of(form)
    [schedule] = [e for e in card["body"] if e.get("id") == "schedule"]
    assert schedule["value"] == "hver 2. uge tirsdag kl. 13"
    hint = (
        "Vil du også have påmindelsen i en kanal, så skriv »@Strategibot tilknyt LMU Område "
        "Ørum« i kanalen."
    )
    assert hint in text_blocks(card)
    [save] = [a for a in all_actions(card) if a["title"] == "Gem"]
    await say(services, teams.submit({**FORM, **save["data"], "schedule": schedule["value"],
                                      "lead_days": "3"}))  # fmt: skip
    assert await services.reminders.repository.meetings() == before
    assert (await committee(services)).lead_days == 3


async def test_after_a_meeting_moved_the_edit_form_shows_the_dates(
    services: Services, clock: ManualClock
) -> None:
    await say(
        services, teams.submit({**FORM, "schedule": "12-01-2027 kl. 13 og 23-02-2027 kl. 13"})
    )
    _, _, ref = await first_meeting(services)
    moved = {**ref, "action": "meeting_move", "date": "2027-01-13", "time": "13:30"}
    await say(services, teams.submit(moved))
    [form] = await run(services, teams.message("ret udvalg LMU Område Ørum"))
    [schedule] = [e for e in teams.card_of(form)["body"] if e.get("id") == "schedule"]
    assert schedule["value"] == "13-01-2027 kl. 13.30, 23-02-2027 kl. 13"
    parsed = parse_schedule(schedule["value"], TZ, clock.now().date())
    starts = parsed.occurrences(clock.now(), clock.now() + timedelta(days=366))
    assert starts == [m.start for m in await services.reminders.repository.meetings()]


async def test_tilknyt_outside_a_channel_names_the_committee(services: Services) -> None:
    await say(services, teams.submit(FORM))
    assert await say(services, teams.message("tilknyt lmu omrade orum")) == (
        "Skriv »@Strategibot tilknyt LMU Område Ørum« i den kanal, der skal have påmindelserne."
    )
    assert await say(services, teams.message("tilknyt LMU Ukendt")) == (
        "Jeg kender ikke udvalget »LMU Ukendt«. Skriv »mine udvalg« for at se dine udvalg."
    )


@pytest.mark.parametrize(
    "text",
    ["genoptag påmindelser", "Genoptag påmindelserne", "start påmindelser igen",
     "slå påmindelserne til igen", "afslut pausen", "resume reminders"],
)  # fmt: skip
def test_ways_to_end_a_pause(content: Content, text: str) -> None:
    assert IntentParser(content.commands).parse(text).name == "genoptag"
