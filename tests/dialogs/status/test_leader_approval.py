"""Roles are granted, not claimed: a self-registered leader waits for an admin's approval.

Through the Teams handler (TestAdapter) with a manual clock, like ``test_feature.py``: Karen
(``aad-user-1``) and Bo (``aad-user-2``) ask to be leaders; Admin Andersen (``aad-user-9``)
approves or rejects from the card sent to the admins' personal chats.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from botbuilder.schema import Activity, ChannelAccount

from bot.app import Services
from bot.storage import MemoryStore
from content import Content
from content.models import Status
from dialogs.status.approval import leadership_request, open_request
from dialogs.status.leaders_csv import parse_leaders_csv
from dialogs.status.models import Leader
from dialogs.status.repository import LEADERS, REPLIES, ROUNDS
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import ROUND_FORM, app_services, card_of
from tests.bot.teams import click_as as click
from tests.bot.teams import say_as as say
from tests.conftest import TZ
from tests.dialogs.status.records import leader, make_round, reply
from tests.dialogs.status.test_report import report_of

ADMIN = teams.user(9, "Admin Andersen")
KAREN = teams.user(1, "Karen Hansen")
BO = teams.user(2, "Bo Leder")
REQUESTED = (
    "Tak. En administrator skal godkende, at du er leder for »Botilbud Nord«. Du får besked her."
)
APPROVE = {"action": "leader_approve", "user": "aad-user-1", "unit": "Botilbud Nord"}
REJECT = {**APPROVE, "action": "leader_reject"}


@pytest.fixture
def services(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, admins="aad-user-9")


async def outbox(services: Services, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Proactive messages waiting in the outbox whose key starts with ``prefix``."""
    return {k: v for k, v in (await services.store.all("outbox")).items() if k.startswith(prefix)}


async def texts_to(services: Services, who: ChannelAccount) -> list[str]:
    """The texts queued for ``who``'s personal chat."""
    chat = teams.chat_of(who).id
    return [
        m["reply"]["text"]
        for m in (await outbox(services)).values()
        if m["conversation_id"] == chat
    ]


async def ask(services: Services) -> None:
    """The admin's chat is known; Karen asks to lead Botilbud Nord."""
    await say(services, "hej", ADMIN)
    [reply_] = await say(services, "tilmeld som leder Botilbud Nord", KAREN)
    assert reply_.text == REQUESTED


async def open_round(services: Services) -> list[Activity]:
    return await click(services, ROUND_FORM, ADMIN)


# -- the rule ----------------------------------------------------------------------------------


PENDING = Leader(user_id="u", unit="A", pending_since=datetime(2026, 11, 23, tzinfo=TZ))
APPROVED = Leader(user_id="u", unit="A")


@pytest.mark.parametrize(
    ("existing", "unit", "is_admin", "outcome"),
    [
        (None, "A", False, "pending"),
        (None, "A", True, "approved"),
        (APPROVED, "A", False, "unchanged"),
        (APPROVED, "A", True, "unchanged"),
        (APPROVED, "B", False, "moved"),
        (APPROVED, "B", True, "approved"),
        (PENDING, "A", False, "waiting"),
        (PENDING, "B", False, "pending"),
        (PENDING, " a ", False, "waiting"),
        (APPROVED, "a", False, "unchanged"),
        (PENDING, "A", True, "approved"),
    ],
)
def test_who_is_a_leader_at_once_and_who_asks(
    existing: Leader | None, unit: str, is_admin: bool, outcome: str
) -> None:
    assert leadership_request(existing, unit, is_admin) == outcome


def test_a_card_acts_only_on_the_request_it_was_sent_for() -> None:
    assert open_request(PENDING, "A")
    assert not open_request(PENDING, "B")  # replaced by a request for another unit
    assert not open_request(APPROVED, "A")  # decided
    assert not open_request(None, "A")  # withdrawn or rejected


# -- asking ------------------------------------------------------------------------------------


async def test_a_self_registered_leader_is_pending_and_the_admins_get_a_card(
    services: Services,
) -> None:
    await ask(services)
    stored = await services.status.repository.leader("aad-user-1")
    assert stored is not None and stored.pending and stored.unit == "Botilbud Nord"
    [card_message] = (await outbox(services, "leader-request:aad-user-1:")).values()
    assert card_message["conversation_id"] == teams.chat_of(ADMIN).id
    assert card_message["reply"]["text"] == "Karen Hansen vil være leder for »Botilbud Nord«."
    buttons = card_message["reply"]["card"]["body"][-1]["actions"]
    assert [(b["title"], b["data"]) for b in buttons] == [("Godkend", APPROVE), ("Afvis", REJECT)]
    [reply_] = await say(services, "tilmeld som leder botilbud nord", KAREN)
    assert reply_.text.startswith("Du har allerede bedt om at blive leder for »Botilbud Nord«.")
    await services.tick()
    assert len(await outbox(services, "leader-request:")) == 1  # one card per request


async def test_the_card_waits_for_an_admin_who_can_be_reached(services: Services) -> None:
    [reply_] = await say(services, "tilmeld som leder Botilbud Nord", KAREN)
    assert reply_.text == REQUESTED
    assert await outbox(services, "leader-request:") == {}  # no admin has the app yet
    await say(services, "hej", ADMIN)
    assert (await services.tick())["approval_asked"] == 1
    assert (await services.tick())["approval_asked"] == 0
    [card_message] = (await outbox(services, "leader-request:")).values()
    assert card_message["conversation_id"] == teams.chat_of(ADMIN).id


async def test_a_pending_leader_is_in_no_round_and_gets_no_card(services: Services) -> None:
    await ask(services)
    [reply_] = await open_round(services)
    assert reply_.text.startswith("Der er ingen tilmeldte ledere")
    assert await services.store.all(ROUNDS) == {}
    await say(services, "tilmeld som leder Bostøtte", ADMIN)  # an admin is a leader at once
    [reply_] = await open_round(services)
    assert reply_.text.startswith("Statusrunden »Efterår 2026« er startet. 1 leder har")
    [round_] = await services.status.repository.rounds()
    assert round_.recipients == ("aad-user-9",)
    await services.tick()
    assert list(await outbox(services, "announce:")) == [f"announce:{round_.id}:aad-user-9"]
    [reply_] = await say(services, "status", KAREN)
    assert reply_.text.startswith("Der er ingen statusrunde til dig lige nu.")


async def test_an_approved_leader_does_not_move_unit_by_asking(services: Services) -> None:
    await ask(services)
    await click(services, APPROVE, ADMIN)
    [reply_] = await say(services, "tilmeld som leder Bostøtte", KAREN)
    assert "afmeld som leder" in reply_.text
    stored = await services.status.repository.leader("aad-user-1")
    assert stored is not None and stored.unit == "Botilbud Nord" and not stored.pending


# -- deciding ----------------------------------------------------------------------------------


async def test_approval_registers_the_leader_and_tells_them(services: Services) -> None:
    await say(services, "tilmeld som leder Bostøtte", ADMIN)
    await open_round(services)
    await ask(services)
    [confirmation] = await click(services, APPROVE, ADMIN)
    assert confirmation.text == (
        "Godkendt – Karen Hansen er nu leder for »Botilbud Nord« og får besked."
    )
    stored = await services.status.repository.leader("aad-user-1")
    assert stored is not None and not stored.pending
    [round_] = await services.status.repository.rounds()
    assert "aad-user-1" in round_.recipients  # the open round asks her too
    assert await texts_to(services, KAREN) == [
        "Du er godkendt som leder for »Botilbud Nord«. Du får statuskortet, når en statusrunde "
        "starter. Du er også med i den igangværende statusrunde: Efterår 2026. Kortet kommer "
        "om lidt."
    ]
    await services.tick()
    assert f"announce:{round_.id}:aad-user-1" in await outbox(services, "announce:")
    [again] = await click(services, REJECT, ADMIN)  # another admin's card, clicked later
    assert again.text == "Den anmodning er allerede behandlet eller trukket tilbage."
    assert await services.status.repository.leader("aad-user-1") is not None


async def test_rejection_forgets_the_request_and_tells_the_requester(
    services: Services,
) -> None:
    await ask(services)
    [confirmation] = await click(services, REJECT, ADMIN)
    assert confirmation.text == (
        "Afvist – Karen Hansen bliver ikke leder for »Botilbud Nord« og får besked."
    )
    assert await services.status.repository.leader("aad-user-1") is None
    [told] = await texts_to(services, KAREN)
    assert told.startswith(
        "En administrator har ikke godkendt, at du er leder for »Botilbud Nord«."
    )
    [again] = await click(services, APPROVE, ADMIN)
    assert again.text == "Den anmodning er allerede behandlet eller trukket tilbage."
    assert await services.status.repository.leader("aad-user-1") is None


@pytest.mark.parametrize("who", [KAREN, BO])
async def test_only_admins_decide(services: Services, who: ChannelAccount) -> None:
    await ask(services)
    before = await services.store.all(LEADERS)
    for value in (APPROVE, REJECT):
        [reply_] = await click(services, value, who)
        assert reply_.text.startswith("Det er kun for administratorer")
    assert await services.store.all(LEADERS) == before


async def test_a_card_for_an_older_request_does_nothing(services: Services) -> None:
    await ask(services)
    await say(services, "tilmeld som leder Bostøtte", KAREN)  # changed her mind
    [reply_] = await click(services, APPROVE, ADMIN)  # the first card
    assert reply_.text == "Den anmodning er allerede behandlet eller trukket tilbage."
    stored = await services.status.repository.leader("aad-user-1")
    assert stored is not None and stored.pending and stored.unit == "Bostøtte"


# -- what a pending leader cannot do -----------------------------------------------------------


async def test_a_leader_who_asks_again_cannot_answer_in_their_old_rounds(
    services: Services, clock: ManualClock
) -> None:
    """Unregistered and asked again: still a recipient of the open round, but pending. Without
    the check they would get nudges and answer as the unit they only claimed."""
    await ask(services)
    await click(services, APPROVE, ADMIN)
    await say(services, "tilmeld som leder Bostøtte", BO)
    await click(services, {**APPROVE, "user": "aad-user-2", "unit": "Bostøtte"}, ADMIN)
    await open_round(services)
    [round_] = await services.status.repository.rounds()
    await say(services, "afmeld som leder", KAREN)
    [reply_] = await say(services, "tilmeld som leder Myndighed", KAREN)
    assert reply_.text.startswith("Tak. En administrator skal godkende")
    answer = {"action": "status_submit", "round": round_.id, "page": 0, "status_2_3": "delvist"}
    [reply_] = await click(services, answer, KAREN)
    assert reply_.text.startswith("Du er ikke med i statusrunden")
    [reply_] = await say(services, "status 2.3 gul: vi er i gang", KAREN)
    assert reply_.text.startswith("Der er ingen statusrunde til dig med målsætning 2.3")
    [reply_] = await click(services, {"action": "status_open", "round": round_.id}, KAREN)
    assert reply_.text.startswith("Den statusrunde kender jeg ikke")
    assert await services.store.all(REPLIES) == {}
    clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=TZ))  # 3 working days before the deadline
    assert (await services.tick())["nudged"] == 1  # Bo only
    assert [k for k in await outbox(services, "nudge:") if "aad-user-1" in k] == []


async def test_a_card_not_yet_delivered_does_not_go_to_a_leader_who_became_pending(
    services: Services,
) -> None:
    """Imported (approved) but not reachable when the round opened; then unregistered and
    asked for another unit before the card went out."""
    imported = Leader(user_id="aad-user-1", name="Karen Hansen", unit="Bostøtte", source="import")
    await services.status.repository.save_leader(imported)
    await say(services, "hej", ADMIN)
    await open_round(services)
    await say(services, "afmeld som leder", KAREN)
    await say(services, "tilmeld som leder Botilbud Nord", KAREN)
    assert (await services.tick())["announced"] == 0
    assert await outbox(services, "announce:") == {}


def test_the_report_shows_no_pending_leader(content: Content) -> None:
    """Leader 3 was asked in the round, then unregistered and asked to lead another unit: the
    report neither names them nor shows the unit they only claimed."""
    one, two, three = leader(1, "Bostøtte"), leader(2, "Botilbud"), leader(3, "Myndighed")
    claimed = three.model_copy(update={"unit": "Påstået enhed", "pending_since": datetime.now(TZ)})
    round_ = make_round([one, two, three])
    replies = [reply(one, {"2.3": Status.ON_TRACK})]
    report = report_of(content, round_, replies, [one, two, claimed])
    assert "Påstået enhed" not in report.heatmap.units
    assert [(r.key, r.name, r.unit) for r in report.missing] == [
        ("aad-2", "Leder 2", "Botilbud"),
        ("aad-3", "", ""),
    ]


# -- imported leaders, "mine data", leaders stored before approvals ----------------------------


def test_imported_leaders_are_approved() -> None:
    leaders, errors = parse_leaders_csv(
        "navn;e-mail;enhed\nKaren;karen@example.invalid;Bostøtte\n".encode()
    )
    assert errors == [] and [x.pending for x in leaders] == [False]


async def test_my_data_shows_a_pending_request(services: Services) -> None:
    await ask(services)
    [shown] = await say(services, "mine data", KAREN)
    assert (
        "Du har bedt om at blive leder for »Botilbud Nord« (navn: Karen Hansen). En administrator "
        "har ikke godkendt det endnu." in card_of(shown)["fallbackText"]
    )
    await click(services, APPROVE, ADMIN)
    [shown] = await say(services, "mine data", KAREN)
    assert "Du er tilmeldt som leder for »Botilbud Nord«" in card_of(shown)["fallbackText"]


async def test_leaders_stored_before_approvals_are_approved_and_logged_once(
    clock: ManualClock, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    old = {"user_id": "aad-user-1", "name": "Karen Hansen", "unit": "Bostøtte", "source": "chat"}
    await store.put(LEADERS, "aad-user-1", old)
    services = app_services(clock, store, content, admins="aad-user-9")
    stored = await services.status.repository.leader("aad-user-1")
    assert stored is not None and not stored.pending  # approved, even before the migration
    with caplog.at_level(logging.INFO, logger="dialogs.status.service"):
        assert await services.status.migrate_approvals() == 1
        assert await services.status.migrate_approvals() == 0
    logged = [r.getMessage() for r in caplog.records if r.name == "dialogs.status.service"]
    assert logged == ["approvals: 1 leaders stored before approvals are approved"]
    assert (await store.get(LEADERS, "aad-user-1") or {})["pending_since"] is None
    [reply_] = await open_round(services)
    assert reply_.text.startswith("Statusrunden »Efterår 2026« er startet.")
