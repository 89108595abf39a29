"""Caps with clear Danish messages, and a scheduler run that costs what is due (issue #13,
findings 6 and 10).

* A schedule of at most 500 characters, at most 60 meetings a committee in the coming year
  (also from an .ics file), at most 20 committees a chair (admins are not limited).
* Dates at most three years ahead in schedules, pauses and moved meetings; year 9999 gets the
  same clear message, never a generic error.
* The job that runs every minute reads the stored plans once (and again when they change),
  then only the meetings whose send time has come.
"""

from __future__ import annotations

import argparse
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services
from bot.storage import MemoryStore
from content import Content
from dialogs.ledger import CLAIM_LEASE
from dialogs.reminders import cli as reminders_cli
from dialogs.reminders.models import Committee, Meeting, Person
from dialogs.reminders.repository import (
    COMMITTEES,
    LEDGER,
    MEETINGS,
    SNOOZES,
    committee_change,
    meeting_change,
)
from dialogs.store import Doc
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, run
from tests.conftest import TZ

FORM = {**teams.COMMITTEE_FORM, "name": "LMU Ørum"}


async def say(services: Services, activity: Any) -> str:
    [reply] = await run(services, activity)
    return str(reply.text)


async def test_the_schedule_that_made_3660_meetings_is_refused_before_it_is_read(
    services: Services,
) -> None:
    """The adversarial run's schedule: 1.4 KB of weekly series."""
    schedule = ", ".join(f"hver uge {day} kl. {h}" for day in ("mandag", "tirsdag", "onsdag",
                         "torsdag", "fredag") for h in range(7, 20))  # fmt: skip
    assert len(schedule) > 1400
    text = await say(services, teams.submit({**FORM, "schedule": schedule}))
    assert text == (
        f"Mødeplanen er for lang ({len(schedule)} tegn). Skriv den med højst 500 tegn, "
        "fx »hver 6. uge tirsdag kl. 13«."
    )
    assert await services.store.all(MEETINGS) == {}


async def test_more_than_60_meetings_a_year_are_refused(services: Services) -> None:
    schedule = "hver uge mandag og onsdag kl. 9"  # 105 meetings in the coming year
    text = await say(services, teams.submit({**FORM, "schedule": schedule}))
    assert text == (
        "Mødeplanen giver 105 møder det næste år – højst 60 er muligt. Skriv en plan med "
        "færre møder, fx »hver 2. uge tirsdag kl. 13«."
    )
    assert await services.store.all(COMMITTEES) == {}
    weekly = await say(services, teams.submit({**FORM, "schedule": "hver uge tirsdag kl. 13"}))
    assert weekly.startswith("Udvalget »LMU Ørum« er gemt med 53 møder")


ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//DA\r
BEGIN:VEVENT\r
UID:daily@test\r
DTSTART;TZID=Europe/Copenhagen:20261201T090000\r
RRULE:FREQ=DAILY;COUNT={count}\r
SUMMARY:LMU\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.mark.parametrize(("count", "imported"), [(61, False), (30, True)])
async def test_an_ics_file_may_not_add_more_than_60_meetings_a_year(
    services: Services, tmp_path: Path, count: int, imported: bool
) -> None:
    await say(services, teams.submit({**FORM, "schedule": "første torsdag i måneden kl. 9"}))
    before = await services.store.all(MEETINGS)
    path = tmp_path / "moeder.ics"
    path.write_text(ICS.format(count=count), encoding="utf-8")
    args = argparse.Namespace(command="import-ics", file=path, committee="LMU Ørum")
    out, err = io.StringIO(), io.StringIO()
    status = await reminders_cli.run(args, services.reminders, out, err)
    if imported:
        assert (status, out.getvalue()) == (0, "30 møder importeret til LMU Ørum.\n")
        return
    assert status == 2
    assert err.getvalue() == (
        "Kalenderen ville give LMU Ørum 71 møder det næste år – højst 60 er muligt. "
        "Intet er importeret.\n"
    )
    assert await services.store.all(MEETINGS) == before


async def test_a_chair_has_at_most_20_committees_and_an_admin_any_number(
    clock: ManualClock, content: Content
) -> None:
    services = app_services(clock, content=content, admins="aad-admin")
    monthly = {**FORM, "schedule": "første torsdag i måneden kl. 9"}
    for n in range(20):
        text = await say(services, teams.submit({**monthly, "name": f"LMU {n}"}))
        assert text.startswith(f"Udvalget »LMU {n}« er gemt")
    text = await say(services, teams.submit({**monthly, "name": "LMU 20"}))
    assert text == (
        "Du er allerede formand for 20 udvalg, og flere kan du ikke oprette. Slet et udvalg, "
        "du ikke bruger længere, med »slet udvalg« og navnet."
    )
    admin = teams.ChannelAccount(id="29:admin", name="Admin", aad_object_id="aad-admin")
    for n in range(20, 22):
        created = teams.submit({**monthly, "name": f"LMU {n}"}, sender=admin)
        assert (await say(services, created)).startswith(f"Udvalget »LMU {n}« er gemt")
    assert len(await services.store.all(COMMITTEES)) == 22


TOO_FAR = "ligger for langt ude i fremtiden. Skriv en dato senest 23. november 2029."


@pytest.mark.parametrize("day", ["31-12-9999", "1. januar 9999", "24-11-2029", "1/1 2030"])
async def test_a_pause_too_far_ahead_gets_a_clear_message(services: Services, day: str) -> None:
    await say(services, teams.message("pause påmindelser til 1. marts"))  # no committee yet
    await say(services, teams.submit(FORM))
    text = await say(services, teams.message(f"pause påmindelser til {day}"))
    assert text == (
        f"Datoen »{day}« {TOO_FAR} Hele kommandoen ser sådan ud: »pause påmindelser til 1. marts«."
    )
    [committee] = await services.reminders.repository.committees()
    assert committee.paused_until is None


@pytest.mark.parametrize("day", ["blabla", "32-13-2027", "1. marts 9999", "31. februar"])
async def test_a_pause_error_gives_one_example_not_two(services: Services, day: str) -> None:
    await say(services, teams.submit(FORM))
    text = await say(services, teams.message(f"pause påmindelser til {day}"))
    assert text.count("fx") <= 1, text
    assert "»pause påmindelser til 1. marts«" in text


@pytest.mark.parametrize(
    "schedule",
    ["31-12-9999 kl. 13", "hver uge tirsdag kl. 13 fra 1. januar 9999",
     "første torsdag i måneden kl. 9 til 31-12-9999", "hver 2. uge tirsdag kl. 13 fra 1-1-2030"],
)  # fmt: skip
async def test_a_schedule_too_far_ahead_gets_a_clear_message(
    services: Services, schedule: str
) -> None:
    text = await say(services, teams.submit({**FORM, "schedule": schedule}))
    assert text.startswith("Datoen »") and text.endswith(TOO_FAR), text
    assert await services.store.all(COMMITTEES) == {}


@pytest.mark.parametrize("day", ["9999-12-31", "2029-11-24"])
async def test_a_meeting_moved_too_far_ahead_gets_a_clear_message(
    services: Services, day: str
) -> None:
    await say(services, teams.submit(FORM))
    [committee] = await services.reminders.repository.committees()
    [meeting, *_] = await services.reminders.repository.meetings(committee.id)
    move = {"action": "meeting_move", "committee": committee.id, "meeting": meeting.id,
            "date": day, "time": "13:00"}  # fmt: skip
    shown = "-".join(reversed(day.split("-")))
    assert await say(services, teams.submit(move)) == f"Datoen »{shown}« {TOO_FAR}"
    assert (await services.reminders.repository.meetings(committee.id))[0] == meeting
    move["date"] = "2029-11-23"  # the last day allowed
    assert (await say(services, teams.submit(move))).startswith("Mødet er flyttet til")


# --------------------------------------------------------------------------- the job's cost


class CountingStore(MemoryStore):
    """A memory store that counts reads by kind and table."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[tuple[str, str]] = Counter()

    async def get(self, table: str, key: str) -> Doc | None:
        self.reads["get", table] += 1
        return await super().get(table, key)

    async def all(self, table: str) -> dict[str, Doc]:
        self.reads["all", table] += 1
        return await super().all(table)

    async def keys(self, table: str) -> list[str]:
        self.reads["keys", table] += 1
        return await super().keys(table)


async def chats(services: Services, users: Iterable[int]) -> None:
    """The personal chats of ``aad-user-<n>``, as if each had written to the bot."""
    for n in users:
        activity = teams.message("hej", teams.personal(n), sender=teams.user(n))
        await services.conversations.remember(activity, services.clock.now())


def reads_of(reads: Mapping[tuple[str, str], int], *tables: str) -> dict[tuple[str, str], int]:
    return {k: n for k, n in reads.items() if k[1] in tables}


async def test_the_minutely_run_reads_what_is_due_not_what_is_stored(
    clock: ManualClock, content: Content
) -> None:
    store = CountingStore()
    services = app_services(clock, store, content)
    repository, now = services.reminders.repository, clock.now()
    await chats(services, range(40))
    changes = []
    for c in range(40):  # 40 committees × 50 weekly meetings = 2000 stored meetings
        committee = Committee(id=f"lmu{c}", name=f"LMU {c}", kind="LMU",
                              chair=Person(user_id=f"aad-user-{c}"))  # fmt: skip
        changes.append(committee_change(committee))
        for w in range(50):
            start = now + timedelta(days=2 + 7 * w, hours=3)
            changes.append(meeting_change(Meeting(id=f"m{w}", committee_id=committee.id,
                                                  start=start)))  # fmt: skip
    await repository.apply(changes)
    await services.reminders.tick()  # reads the plans once: every reminder due now goes out
    due_now = len(await store.all(LEDGER))
    assert due_now == 40  # the first meeting of each committee is within its 7 days
    store.reads.clear()
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        assert await services.reminders.tick() == Counter()
    reads = reads_of(store.reads, COMMITTEES, MEETINGS, LEDGER, SNOOZES)
    assert not [k for k in reads if k[0] in ("all", "keys")], reads  # no table read whole
    assert sum(reads.values()) == 0, reads  # nothing is due: no ledger look-up either
    # A change of plans (any instance's) is seen at the next run, which reads them again.
    await repository.save_meeting(Meeting(id="m0", committee_id="lmu0", start=now))
    store.reads.clear()
    clock.advance(timedelta(minutes=1))
    await services.reminders.tick()
    assert store.reads["all", MEETINGS] == 1
    # A week on, the next meeting of each committee falls due, once each.
    clock.advance(timedelta(days=7))
    assert (await services.reminders.tick())["sent"] == 40
    store.reads.clear()
    clock.advance(timedelta(minutes=1))
    assert await services.reminders.tick() == Counter()
    assert sum(reads_of(store.reads, COMMITTEES, MEETINGS, LEDGER, SNOOZES).values()) == 0


async def test_a_reminder_falls_due_without_the_plans_being_read_again(
    clock: ManualClock, content: Content
) -> None:
    store = CountingStore()
    services = app_services(clock, store, content)
    await chats(services, [1])
    committee = Committee(id="lmu", name="LMU", kind="LMU", chair=Person(user_id="aad-user-1"))
    # Sent at 9.00 on Wednesday 25 November, seven days before the meeting.
    meeting = Meeting(id="m", committee_id="lmu", start=datetime(2026, 12, 2, 13, tzinfo=TZ))
    await services.reminders.repository.apply([committee_change(committee),
                                              meeting_change(meeting)])  # fmt: skip
    clock.set(datetime(2026, 11, 25, 8, 58, tzinfo=TZ))
    assert await services.reminders.tick() == Counter()
    store.reads.clear()
    clock.advance(timedelta(minutes=1))
    assert await services.reminders.tick() == Counter()
    clock.advance(timedelta(minutes=1))
    assert (await services.reminders.tick())["sent"] == 1
    assert store.reads["all", MEETINGS] == 0 and store.reads["all", LEDGER] == 0
    clock.advance(timedelta(minutes=1))
    assert await services.reminders.tick() == Counter()  # once


async def test_a_reminder_another_instance_claimed_is_taken_over_when_the_claim_goes_stale(
    clock: ManualClock, content: Content
) -> None:
    """The index keeps a meeting in view until its reminders have outcomes: a claim alone
    (its holder may die between claiming and sending) does not take it out of view."""
    services = app_services(clock, content=content)
    await chats(services, [1])
    committee = Committee(id="lmu", name="LMU", kind="LMU", chair=Person(user_id="aad-user-1"))
    meeting = Meeting(id="m", committee_id="lmu", start=datetime(2026, 12, 2, 13, tzinfo=TZ))
    await services.reminders.repository.apply(
        [committee_change(committee), meeting_change(meeting)]
    )
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=TZ))
    key = "lmu|m|user:aad-user-1"
    assert await services.reminders.repository.claim(key, clock.now())  # the other instance
    assert await services.reminders.tick() == Counter()  # it has the reminder
    clock.advance(CLAIM_LEASE + timedelta(minutes=1))  # … and died before it sent it
    assert (await services.reminders.tick())["sent"] == 1
    assert (await services.store.get(LEDGER, key) or {})["status"] == "sent"
