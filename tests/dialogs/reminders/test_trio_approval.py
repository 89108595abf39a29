"""Roles are granted, not claimed: joining a committee's TRIO waits for the chair's approval,
and only the chair, approved TRIO members and admins may use the reminder.

Through the Teams handler (TestAdapter) with a manual clock (Monday 23 November 2026): Mette
(``aad-user-1``) chairs »LMU Område Ørum«, Karen (``aad-user-3``) asks to join its TRIO, Sune
(``aad-user-4``) is a colleague in the team channel, Admin Andersen is ``aad-user-9``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from botbuilder.schema import ChannelAccount, ConversationAccount

from bot.app import Services
from bot.storage import MemoryStore
from content import Content
from dialogs.reminders.models import Committee, CommitteeKind, Person
from dialogs.reminders.repository import ACKS, COMMITTEES, SNOOZES
from dialogs.reminders.roles import may_act, may_change, trio_request
from dialogs.status.repository import NOTES
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, card_of, run
from tests.conftest import TZ

CHAIR = teams.user(1, "Mette Formand")
KAREN = teams.user(3, "Karen Hansen")
SUNE = teams.user(4, "Sune Kollega")
ADMIN = teams.user(9, "Admin Andersen")
NAME = "LMU Område Ørum"
FORM = {
    "action": "committee_save",
    "committee": "",
    "name": NAME,
    "kind": "LMU",
    "schedule": "hver 2. uge tirsdag kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}
REQUESTED = f"Tak. Formanden for »{NAME}« skal godkende, at du er med i TRIO. Du får besked her."
REFUSED = f"Kun formanden og TRIO for »{NAME}« (eller en administrator) kan det. Intet er gemt."
CLOSED = "Den anmodning er allerede behandlet eller trukket tilbage."


@pytest.fixture
def services(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, admins="aad-user-9")


def _chat(who: ChannelAccount) -> ConversationAccount:
    return teams.personal(int(who.id.rsplit("-", 1)[1]))


async def say(
    services: Services, text: str, who: ChannelAccount, where: ConversationAccount | None = None
) -> str:
    activity = teams.message(text, where or _chat(who), mention=where is not None, sender=who)
    [reply] = await run(services, activity)
    return str(reply.text)


async def click(
    services: Services,
    value: dict[str, Any],
    who: ChannelAccount,
    where: ConversationAccount | None = None,
) -> str:
    [reply] = await run(services, teams.submit(value, where or _chat(who), sender=who))
    return str(reply.text)


async def committee(services: Services) -> Committee:
    [found] = await services.reminders.repository.committees()
    return found


async def set_up(services: Services) -> Committee:
    """The chair creates the committee and links the team channel; Karen asks to join."""
    assert (await click(services, FORM, CHAIR)).startswith(f"Udvalget »{NAME}« er gemt")
    await say(services, f"tilknyt {NAME}", CHAIR, teams.CHANNEL)
    assert await say(services, f"tilmeld trio {NAME}", KAREN) == REQUESTED
    return await committee(services)


def decision(found: Committee, action: str = "trio_approve") -> dict[str, str]:
    return {"action": action, "committee": found.id, "user": "aad-user-3"}


async def meeting_ref(services: Services, found: Committee, recipient: str) -> dict[str, str]:
    meeting = (await services.reminders.repository.meetings(found.id))[0]
    return {"committee": found.id, "meeting": meeting.id, "recipient": recipient}


async def outbox(services: Services, prefix: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in (await services.store.all("outbox")).items() if k.startswith(prefix)}


async def texts_to(services: Services, who: ChannelAccount) -> list[str]:
    chat = _chat(who).id
    return [
        m["reply"]["text"]
        for m in (await services.store.all("outbox")).values()
        if m["conversation_id"] == chat
    ]


# -- the rules ---------------------------------------------------------------------------------

SINCE = datetime(2026, 11, 23, 10, tzinfo=TZ)
RULES = Committee(
    id="lmu", name="LMU", kind=CommitteeKind.LMU, chair=Person(user_id="chair"),
    trio=(Person(user_id="member"), Person(user_id="asked", pending_since=SINCE)),
)  # fmt: skip


@pytest.mark.parametrize(
    ("user", "is_admin", "act", "change", "asks"),
    [
        ("chair", False, True, True, "chair"),
        ("member", False, True, False, "member"),
        ("asked", False, False, False, "waiting"),
        ("asked", True, True, True, "approved"),
        ("stranger", False, False, False, "pending"),
        ("stranger", True, True, True, "approved"),
    ],
)
def test_who_may_do_what(user: str, is_admin: bool, act: bool, change: bool, asks: str) -> None:
    assert may_act(RULES, user, is_admin) is act
    assert may_change(RULES, user, is_admin) is change
    assert trio_request(RULES, user, is_admin) == asks


def test_only_approved_members_get_the_reminders() -> None:
    assert RULES.recipients() == ["user:chair", "user:member"]


# -- asking and deciding -----------------------------------------------------------------------


async def test_a_request_waits_for_the_chair_who_gets_a_card(services: Services) -> None:
    found = await set_up(services)
    assert "user:aad-user-3" not in found.recipients()
    [request] = (await outbox(services, "trio-request:")).values()
    assert request["conversation_id"] == _chat(CHAIR).id
    assert request["reply"]["text"] == f"Karen Hansen vil være med i TRIO for »{NAME}«."
    buttons = request["reply"]["card"]["body"][-1]["actions"]
    assert [(b["title"], b["data"]) for b in buttons] == [
        ("Godkend", decision(found)),
        ("Afvis", decision(found, "trio_reject")),
    ]
    assert (await say(services, f"tilmeld trio {NAME}", KAREN)).startswith(
        f"Du har allerede bedt om at være med i TRIO for »{NAME}«."
    )
    assert await say(services, f"tilmeld trio {NAME}", CHAIR) == (
        f"Du er formand for »{NAME}« og får allerede påmindelserne."
    )
    assert (await services.reminders.tick())["sent"] == 2  # tomorrow: the chair and channel
    assert len(await outbox(services, "trio-request:")) == 1  # one card per request
    reminders = (await outbox(services, "reminder:")).values()
    assert _chat(KAREN).id not in [m["conversation_id"] for m in reminders]


async def test_the_chair_approves_and_the_member_is_told(services: Services) -> None:
    found = await set_up(services)
    assert await click(services, decision(found), CHAIR) == (
        f"Godkendt – Karen Hansen er nu med i TRIO for »{NAME}« og får besked."
    )
    assert "user:aad-user-3" in (await committee(services)).recipients()
    assert await texts_to(services, KAREN) == [
        f"Du får nu påmindelser for »{NAME}« i din personlige chat som en del af TRIO."
    ]
    assert await click(services, decision(found, "trio_reject"), CHAIR) == CLOSED
    assert "user:aad-user-3" in (await committee(services)).recipients()
    assert await say(services, f"tilmeld trio {NAME}", KAREN) == (
        f"Du er allerede med i TRIO for »{NAME}«."
    )


async def test_the_chair_rejects_and_the_requester_is_told(services: Services) -> None:
    found = await set_up(services)
    assert await click(services, decision(found, "trio_reject"), CHAIR) == (
        f"Afvist – Karen Hansen kommer ikke med i TRIO for »{NAME}« og får besked."
    )
    assert (await committee(services)).trio == ()
    [told] = await texts_to(services, KAREN)
    assert told.startswith(f"Formanden for »{NAME}« har ikke godkendt, at du er med i TRIO.")
    assert await click(services, decision(found), CHAIR) == CLOSED
    assert (await committee(services)).trio == ()


@pytest.mark.parametrize("who", [KAREN, SUNE])
async def test_only_the_chair_or_an_admin_decides(services: Services, who: ChannelAccount) -> None:
    found = await set_up(services)
    before = await services.store.all(COMMITTEES)
    for action in ("trio_approve", "trio_reject"):
        assert await click(services, decision(found, action), who) == (
            f"Kun udvalgets formand eller en administrator kan ændre »{NAME}«."
        )
    assert await services.store.all(COMMITTEES) == before
    assert (await click(services, decision(found), ADMIN)).startswith("Godkendt – ")


async def test_the_admins_get_the_card_when_the_chair_cannot_be_reached(
    services: Services,
) -> None:
    await services.reminders.repository.save_committee(
        Committee(id="lmu", name=NAME, kind=CommitteeKind.LMU, chair=Person(user_id="aad-away"))
    )
    await say(services, "hej", ADMIN)
    assert await say(services, f"tilmeld trio {NAME}", KAREN) == REQUESTED
    [request] = (await outbox(services, "trio-request:")).values()
    assert request["conversation_id"] == _chat(ADMIN).id


async def test_an_admin_joins_at_once(services: Services) -> None:
    await click(services, FORM, CHAIR)
    assert await say(services, f"tilmeld trio {NAME}", ADMIN) == (
        f"Du får nu påmindelser for »{NAME}« i din personlige chat som en del af TRIO."
    )
    assert "user:aad-user-9" in (await committee(services)).recipients()


# -- using the reminder ------------------------------------------------------------------------


async def test_a_pending_member_may_not_use_the_reminder(services: Services) -> None:
    found = await set_up(services)
    ref = await meeting_ref(services, found, "user:aad-user-3")
    assert await click(services, {**ref, "action": "reminder_ack"}, KAREN) == REFUSED
    assert await click(services, {**ref, "action": "reminder_snooze"}, KAREN) == REFUSED
    note = {"action": "meeting_note", "committee": found.id, "meeting": ref["meeting"],
            "discussed": "2.3", "points": "Vi talte om det"}  # fmt: skip
    assert await click(services, note, KAREN) == REFUSED
    assert await services.store.all(ACKS) == {}
    assert await services.store.all(SNOOZES) == {}
    assert await services.store.all(NOTES) == {}
    answer = await say(services, "hvad skal vi drøfte på næste LMU-møde?", KAREN)
    assert answer.startswith("Jeg har ikke et møde, hvor du er formand eller med i TRIO.")


async def test_an_approved_member_may_acknowledge_snooze_and_write_the_notes(
    services: Services,
) -> None:
    found = await set_up(services)
    await click(services, decision(found), CHAIR)
    ref = await meeting_ref(services, found, "user:aad-user-3")
    ack = await click(services, {**ref, "action": "reminder_ack"}, KAREN)
    assert ack.startswith(f"Tak – strategien står på dagsordenen til {NAME}")
    snooze = await click(services, {**ref, "action": "reminder_snooze"}, KAREN)
    assert snooze.startswith("Jeg minder dig om det igen")
    note = {"action": "meeting_note", "committee": found.id, "meeting": ref["meeting"],
            "discussed": "2.3", "points": "Vi talte om det"}  # fmt: skip
    assert (await click(services, note, KAREN)).startswith(f"Tak – det er gemt, at {NAME}")
    answer = await say(services, "hvad skal vi drøfte på næste LMU-møde?", KAREN)
    assert NAME in answer


async def test_a_click_in_the_channel_counts_only_for_the_chair_trio_and_admins(
    services: Services,
) -> None:
    """The channel's reminder is seen by the whole team: Sune's click there stores nothing,
    the chair's does."""
    found = await set_up(services)
    channel = f"channel:{teams.CHANNEL.id.split(';')[0]}"
    ref = await meeting_ref(services, found, channel)
    for action in ("reminder_ack", "reminder_snooze"):
        assert await click(services, {**ref, "action": action}, SUNE, teams.CHANNEL) == REFUSED
    assert await services.store.all(ACKS) == {}
    assert await services.store.all(SNOOZES) == {}
    assert (
        await click(services, {**ref, "action": "reminder_ack"}, CHAIR, teams.CHANNEL)
    ).startswith("Tak – strategien står på dagsordenen")
    assert len(await services.store.all(ACKS)) == 1


# -- "mine data", and members stored before approvals ------------------------------------------


async def test_my_data_shows_a_pending_request(services: Services) -> None:
    found = await set_up(services)
    [shown] = await run(services, teams.message("mine data", _chat(KAREN), sender=KAREN))
    assert (
        f"Du har bedt om at være med i TRIO for »{NAME}«. Formanden har ikke godkendt det endnu."
        in card_of(shown)["fallbackText"]
    )
    await click(services, decision(found), CHAIR)
    [shown] = await run(services, teams.message("mine data", _chat(KAREN), sender=KAREN))
    assert (
        f"Du er med i TRIO for »{NAME}« og får mødepåmindelser." in card_of(shown)["fallbackText"]
    )


async def test_members_stored_before_approvals_are_approved_and_logged_once(
    clock: ManualClock, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    old = {
        "id": "lmu", "name": NAME, "kind": "LMU", "chair": {"user_id": "aad-user-1", "name": ""},
        "trio": [{"user_id": "aad-user-3", "name": "Karen Hansen"}],
    }  # fmt: skip
    await store.put(COMMITTEES, "lmu", old)
    services = app_services(clock, store, content)
    assert "user:aad-user-3" in (await committee(services)).recipients()
    with caplog.at_level(logging.INFO, logger="dialogs.reminders.service"):
        assert await services.reminders.migrate_approvals() == 1
        assert await services.reminders.migrate_approvals() == 0
    logged = [r.getMessage() for r in caplog.records if r.name == "dialogs.reminders.service"]
    assert logged == ["approvals: 1 TRIO members stored before approvals are approved"]
    [member] = (await store.get(COMMITTEES, "lmu") or {})["trio"]
    assert member["pending_since"] is None
