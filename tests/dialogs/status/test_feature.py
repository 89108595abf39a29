"""Status rounds in chat, through the Teams handler (TestAdapter) with a manual clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity, ChannelAccount

from bot.app import Services
from content import Content
from dialogs.qa.feature import QUESTION_LOG
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.status.repository import REPLIES, ROUNDS
from scheduler.calendar import format_meeting
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import ROUND_FORM, app_services, card_of, run
from tests.bot.teams import click_as as click
from tests.cards.walk import elements
from tests.conftest import TZ

ADMIN = teams.user(9, "Admin Andersen")
LEADER_1 = teams.user(1, "Mette Leder")
LEADER_2 = teams.user(2, "Bo Leder")


@pytest.fixture
def services(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, admins="aad-user-9")


async def say(services: Services, text: str, who: ChannelAccount = LEADER_1) -> list[Activity]:
    return await run(services, teams.message(text, teams.chat_of(who), sender=who))


async def queued(services: Services) -> dict[str, dict[str, Any]]:
    """Proactive messages waiting in the outbox, by key."""
    return await services.store.all("outbox")


async def register(services: Services, text: str, who: ChannelAccount, unit: str) -> None:
    """A leader asks to be the leader of ``unit``, and the admin approves it."""
    [reply] = await say(services, text, who)
    assert (
        reply.text
        == f"Tak. En administrator skal godkende, at du er leder for »{unit}«. Du får besked her."
    )
    approve = {"action": "leader_approve", "user": who.aad_object_id, "unit": unit}
    [reply] = await click(services, approve, ADMIN)
    assert reply.text.startswith(f"Godkendt – {who.name} er nu leder for »{unit}«")


async def open_round(services: Services) -> str:
    """Two leaders register, the admin opens a round of 1.1 and 2.3; returns its id."""
    await register(services, "tilmeld som leder Bostøtte", LEADER_1, "Bostøtte")
    await register(services, "tilmeld som leder botilbud", LEADER_2, "Botilbud")
    [reply] = await click(services, ROUND_FORM, ADMIN)
    assert reply.text.startswith(
        "Statusrunden »Efterår 2026« er startet. 2 ledere har fået kortet."
    )
    [round_] = await services.status.repository.rounds()
    return round_.id


def answer(round_id: str, **fields: Any) -> dict[str, Any]:
    return {"action": "status_submit", "round": round_id, "page": 0, **fields}


def said(activity: Activity) -> str:
    """What a reply says once: its text, or (a form, a card saying it) its summary."""
    return str(activity.text or activity.summary or "")


def inputs(card: dict[str, Any]) -> dict[str, Any]:
    """The card's input fields by id, with their values."""
    return {e["id"]: e.get("value") for e in elements(card["body"]) if "id" in e
            and str(e["type"]).startswith("Input.")}  # fmt: skip


def text_blocks(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in elements(card["body"]) if e["type"] == "TextBlock"]


async def execute(
    services: Services, data: dict[str, Any], who: ChannelAccount
) -> tuple[dict[str, Any], list[Activity]]:
    """An ``Action.Execute`` click in ``who``'s chat: the invoke's answer, and the messages
    sent besides."""
    sent = await run(services, teams.execute(data, teams.chat_of(who), who))
    [response] = [a.value for a in sent if a.type == "invokeResponse"]
    assert isinstance(response, InvokeResponse) and response.status == 200
    return response.body, [a for a in sent if a.type == "message"]


async def test_register_with_the_form_and_a_new_unit(services: Services) -> None:
    [form] = await say(services, "tilmeld som leder")
    assert form.text is None and form.summary == "Tilmeld som leder"
    unit = card_of(form)["body"][2]
    assert [c["value"] for c in unit["choices"]][:2] == ["Bostøtte", "Botilbud"]
    assert not unit.get("isRequired")  # a typed unit is enough: the bot checks, not the client
    [reply] = await click(
        services,
        {"action": "leader_register", "unit": "__ny__", "new_unit": "Værested Grenaa"},
        LEADER_1,
    )
    assert reply.text == (
        "Tak. En administrator skal godkende, at du er leder for »Værested Grenaa«. "
        "Du får besked her."
    )
    leader = await services.status.repository.leader("aad-user-1")
    assert leader is not None and leader.name == "Mette Leder"
    [reply] = await click(services, {"action": "leader_register", "unit": ""}, LEADER_1)
    assert reply.text == "Vælg en enhed, eller skriv navnet på din enhed."


@pytest.mark.parametrize("chosen", ["", "Bostøtte", "__ny__"])
async def test_a_typed_unit_wins_over_the_list(services: Services, chosen: str) -> None:
    """Whatever the list shows, a unit typed in »Anden enhed« is the one registered."""
    form = {"action": "leader_register", "unit": chosen, "new_unit": "  Værested  Grenaa "}
    [reply] = await click(services, form, LEADER_1)
    assert reply.text == (
        "Tak. En administrator skal godkende, at du er leder for »Værested Grenaa«. "
        "Du får besked her."
    )
    leader = await services.status.repository.leader("aad-user-1")
    assert leader is not None and leader.unit == "Værested Grenaa"


async def test_another_unit_chosen_but_not_typed_says_where_to_type(services: Services) -> None:
    form = {"action": "leader_register", "unit": "__ny__", "new_unit": "  "}
    [reply] = await click(services, form, LEADER_1)
    assert reply.text == (
        "Du har valgt »Anden enhed«. Skriv navnet på din enhed i feltet under listen."
    )
    assert await services.status.repository.leader("aad-user-1") is None


async def test_round_cards_go_to_every_leader_once(services: Services) -> None:
    round_id = await open_round(services)
    messages = {k: v for k, v in (await queued(services)).items() if k.startswith("announce:")}
    assert sorted(messages) == [
        f"announce:{round_id}:aad-user-1",
        f"announce:{round_id}:aad-user-2",
    ]
    card = messages[f"announce:{round_id}:aad-user-1"]["reply"]["card"]
    assert list(inputs(card)) == [
        "status_1_1", "comment_1_1", "next_1_1", "status_2_3", "comment_2_3", "next_2_3",
    ]  # fmt: skip
    assert (await services.tick())["announced"] == 0  # the ledger: never twice


@pytest.mark.parametrize(
    ("who", "form", "message"),
    [
        (LEADER_1, {"name": ""}, "Giv runden et navn"),
        (LEADER_1, {"deadline": "2026-11-01"}, "Vælg en frist efter i dag"),
        (LEADER_1, {"deadline": "ikke en dato"}, "Vælg en frist efter i dag"),
        (LEADER_1, {"goals": ""}, "Vælg mindst én målsætning"),
        (LEADER_1, {"goals": "2.3,9.9"}, "Ukendte målsætninger: 9.9."),
        (LEADER_1, {"scope": "priorities"}, "OMU har ikke prioriteret"),
        (LEADER_1, {"units": "Myndighed"}, "Der er ingen tilmeldte ledere"),
        (LEADER_1, {"name": "Runde 010190-1234"}, "CPR-nummer"),
    ],
)
async def test_invalid_round_forms_open_nothing(
    services: Services, who: ChannelAccount, form: dict[str, str], message: str
) -> None:
    await say(services, "tilmeld som leder Bostøtte", who)
    [reply] = await click(services, {**ROUND_FORM, **form}, ADMIN)
    assert message in reply.text
    assert await services.store.all(ROUNDS) == {}


async def test_only_admins_open_rounds_or_see_the_overview(services: Services) -> None:
    for text in ("ny statusrunde", "statusrunder"):
        [reply] = await say(services, text, LEADER_1)
        assert reply.text.startswith("Det er kun for administratorer")
    [reply] = await click(services, ROUND_FORM, LEADER_1)
    assert reply.text.startswith("Det er kun for administratorer")
    [form] = await say(services, "ny statusrunde", ADMIN)
    assert card_of(form)["body"][1]["value"] == "Efterår 2026"


async def test_submit_edit_and_free_text(services: Services) -> None:
    round_id = await open_round(services)
    [summary] = await click(
        services,
        answer(
            round_id,
            status_1_1="paa_sporet",
            comment_1_1="Godt i gang",
            status_2_3="delvist",
            next_2_3="Beskriv bostøtten",
        ),
        LEADER_1,
    )
    # The receipt says it once: in the card, with the text as the notification only.
    assert summary.text is None
    assert summary.summary == "Tak – din status for Efterår 2026 er gemt (2 målsætninger)."
    assert text_blocks(card_of(summary))[0] == summary.summary
    assert "2.3 🟡 Delvist (næste skridt: Beskriv bostøtten)" in card_of(summary)["fallbackText"]
    [edit] = await say(services, "ret min status", LEADER_1)
    values = inputs(card_of(edit))
    assert values["status_1_1"] == "paa_sporet" and values["comment_1_1"] == "Godt i gang"
    [reply] = await say(services, "status 2.3 rød: vi mangler tid", LEADER_1)
    assert said(reply) == "Tak – din status for Efterår 2026 er gemt (1 målsætning)."
    stored = await services.status.repository.reply(round_id, "aad-user-1")
    assert stored is not None and not stored.late
    assert [(a.maalsaetning, a.status.value, a.comment) for a in stored.answers] == [
        ("1.1", "paa_sporet", "Godt i gang"),
        ("2.3", "ikke_i_gang", "vi mangler tid"),
    ]


@pytest.mark.parametrize(
    ("who", "value", "message"),
    [
        (LEADER_1, {"status_2_3": "gul"}, "Den knap kunne jeg ikke bruge"),
        (LEADER_1, {"comment_2_3": "uden status"}, "Vælg en status for 2.3"),
        (LEADER_1, {}, "Vælg en status for mindst én målsætning"),
        (LEADER_1, {"status_2_3": "delvist", "comment_2_3": "x" * 501}, "for lang"),
        (LEADER_1, {"status_2_3": "delvist", "comment_2_3": "borger 0101901234"}, "CPR-nummer"),
        (LEADER_1, {"status_2_3": "delvist", "next_2_3": "ring 010190-1234"}, "CPR-nummer"),
        (LEADER_1, {"page": 7, "status_2_3": "delvist"}, "Den knap kunne jeg ikke bruge"),
        (LEADER_1, {"round": "findes-ikke", "status_2_3": "delvist"}, "Den statusrunde kender"),
        (ADMIN, {"status_2_3": "delvist"}, "Du er ikke med i statusrunden"),
    ],
)
async def test_refused_submits_store_nothing(
    services: Services, who: ChannelAccount, value: dict[str, Any], message: str
) -> None:
    round_id = await open_round(services)
    [reply] = await click(services, {**answer(round_id), **value}, who)
    assert message in said(reply)
    assert await services.store.all(REPLIES) == {}


async def test_a_status_question_is_still_a_question(services: Services) -> None:
    [reply] = await say(services, "status april 2024")
    assert "april 2024" in reply.text  # the fact about the status of April 2024
    [reply] = await say(services, "status 5.2 gul")
    assert reply.text == "Målsætning 5.2 findes ikke. Strategien har målsætningerne 1.1–4.3."


async def test_late_reply_is_kept_and_marked(services: Services, clock: ManualClock) -> None:
    round_id = await open_round(services)
    clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=TZ))
    [reply] = await say(services, "status 1.1 grøn", LEADER_2)
    assert "Fristen var overskredet, så svaret er markeret som for sent." in text_blocks(
        card_of(reply)
    )
    stored = await services.status.repository.reply(round_id, "aad-user-2")
    assert stored is not None and stored.late


async def test_only_those_who_have_not_answered_are_nudged(
    services: Services, clock: ManualClock
) -> None:
    round_id = await open_round(services)
    await say(services, "status 2.3 grøn", LEADER_1)
    clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=TZ))  # Friday, 3 working days before 9/12
    outcomes = await services.tick()
    assert outcomes["nudged"] == 1
    nudges = {k: v for k, v in (await queued(services)).items() if k.startswith("nudge:")}
    [(key, message)] = nudges.items()
    assert key.startswith(f"nudge:{round_id}:aad-user-2:")
    assert "1 af 2 ledere har svaret" in message["reply"]["text"]
    assert (await services.tick())["nudged"] == 0


async def test_chair_is_asked_about_the_meeting_the_day_after(
    services: Services, clock: ManualClock
) -> None:
    await say(services, "hej", LEADER_1)  # the chair's personal chat is known
    repo = services.reminders.repository
    committee = Committee(
        id="lmu-1", name="LMU Bostøtte", kind=CommitteeKind.LMU, chair=Person(user_id="aad-user-1")
    )
    meeting = Meeting(id="m1", committee_id="lmu-1", start=datetime(2026, 11, 24, 13, tzinfo=TZ))
    await repo.save_committee(committee)
    await repo.save_meeting(meeting)
    await repo.acknowledge(committee, meeting, ("2.3",), clock.now())
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=TZ))
    assert (await services.tick())["followed_up"] == 1
    note = {"action": "meeting_note", "committee": "lmu-1", "meeting": "m1"}
    [reply] = await click(
        services, {**note, "discussed": "2.3", "points": "CPR 010190-1234"}, LEADER_1
    )
    assert "CPR-nummer" in reply.text
    [reply] = await click(services, {**note, "discussed": "2.3", "points": "a\nb\nc\nd"}, LEADER_1)
    assert "højst 3 linjer" in reply.text
    [reply] = await click(services, {**note, "discussed": "2.3"}, LEADER_2)
    assert reply.text == (
        "Kun formanden og TRIO for »LMU Bostøtte« (eller en administrator) kan det. Intet er gemt."
    )
    assert await services.status.repository.notes() == []
    [reply] = await click(
        services, {**note, "discussed": "2.3,3.1", "points": "Godt møde"}, LEADER_1
    )
    assert reply.text == "Tak – det er gemt, at LMU Bostøtte drøftede 2.3, 3.1."
    [stored] = await services.status.repository.notes()
    assert stored.maalsaetninger == ("2.3", "3.1") and stored.points == "Godt møde"


async def test_report_for_admins_and_own_replies_for_leaders(services: Services) -> None:
    round_id = await open_round(services)
    await click(services, answer(round_id, status_2_3="delvist", comment_2_3="Bostøtten"), LEADER_1)
    replies = await say(services, "rapport", ADMIN)
    assert replies and "Efterår 2026" in said(replies[0])
    assert "Bostøtten" in "".join(card_of(r)["fallbackText"] for r in replies)
    [own] = await say(services, "rapport", LEADER_1)
    assert "Bostøtten" in card_of(own)["fallbackText"]
    [reply] = await say(services, "rapport Forår 1999", ADMIN)
    assert reply.text.startswith("Jeg kender ingen statusrunde, der hedder »Forår 1999«")


async def test_my_data_and_deleting_it(services: Services) -> None:
    round_id = await open_round(services)
    await click(services, answer(round_id, status_2_3="delvist", comment_2_3="Bostøtten"), LEADER_1)
    [shown] = await say(services, "mine data", LEADER_1)
    text = card_of(shown)["fallbackText"]
    assert "leder for »Bostøtte«" in text and "»Efterår 2026«: 1 målsætning," in text
    [confirm] = await say(services, "slet mine data", LEADER_1)
    assert confirm.text is None and confirm.summary == "Slet mine data"
    assert card_of(confirm)["body"][-1]["actions"][0]["data"] == {"action": "delete_my_data"}
    [reply] = await click(services, {"action": "delete_my_data", "confirm": "false"}, LEADER_1)
    assert reply.text.startswith("Sæt kryds i »Ja, jeg vil slette mine data«")
    assert await services.status.repository.leader("aad-user-1") is not None
    [reply] = await click(services, {"action": "delete_my_data", "confirm": "true"}, LEADER_1)
    assert reply.text.startswith("Dine data er slettet.")
    dump = str(await services.store.all(REPLIES)) + str(await services.store.all(ROUNDS))
    assert "aad-user-1" not in dump and "Bostøtten" not in dump
    [left] = await services.status.repository.replies(round_id)
    assert left.withdrawn
    assert await services.status.repository.leader("aad-user-1") is None


async def test_a_question_with_a_cpr_number_is_neither_answered_nor_logged(
    services: Services,
) -> None:
    [reply] = await say(services, "hvad med borgeren 010190-1234 og kvalitetsstandarder?")
    assert reply.text.startswith("Jeg har hverken gemt eller besvaret dit spørgsmål")
    await say(services, "hvordan bager man kage 3112991234")
    await say(services, "hvordan bager man kage")
    logged = [row["text"] for row in (await services.store.all(QUESTION_LOG)).values()]
    assert logged == ["hvordan bager man kage"]


async def test_a_leader_asks_for_the_deadline_in_their_own_words(services: Services) -> None:
    """ "hvornår er fristen for status?" through the Q&A, answered from the open round."""
    [reply] = await say(services, "hvornår er fristen for status?", LEADER_1)
    assert reply.text.startswith("Der er ingen åben statusrunde for dig lige nu.")
    round_id = await open_round(services)
    [reply] = await say(services, "hvornår er fristen for status?", LEADER_1)
    assert reply.text.startswith("Statusrunden »Efterår 2026« har frist ")
    assert reply.text.endswith("Skriv »status« for at få statuskortet.")
    await click(services, answer(round_id, status_1_1="paa_sporet"), LEADER_1)
    [reply] = await say(services, "hvornår skal jeg aflevere min status", LEADER_1)
    assert reply.text.endswith("Du har svaret. Skriv »ret min status«, hvis du vil rette.")


@pytest.mark.parametrize(
    ("fields", "problem", "emptied"),
    [
        (
            {"comment_2_3": "borger 0101901234"},
            "Feltet »Kommentar« under målsætning 2.3 ligner et CPR-nummer, så intet er gemt.",
            ["comment_2_3"],
        ),
        (
            {"next_1_1": "ring til 010190-1234"},
            "Feltet »Næste skridt« under målsætning 1.1 ligner et CPR-nummer, så intet er gemt.",
            ["next_1_1"],
        ),
        (
            {"comment_1_1": "0101901234", "next_2_3": "010190-1234"},
            "Felterne »Kommentar« under målsætning 1.1, »Næste skridt« under målsætning 2.3 "
            "ligner CPR-numre, så intet er gemt.",
            ["comment_1_1", "next_2_3"],
        ),
    ],
)
async def test_a_cpr_number_in_a_field_brings_the_card_back_naming_the_field(
    services: Services, fields: dict[str, str], problem: str, emptied: list[str]
) -> None:
    """The card comes back with the field named by its målsætning and emptied, and all else
    as typed; the number is neither stored nor sent back."""
    round_id = await open_round(services)
    typed = {
        "status_1_1": "paa_sporet", "comment_1_1": "Godt i gang", "next_1_1": "Husmøde",
        "status_2_3": "delvist", "comment_2_3": "Beskrevet", "next_2_3": "Del det",
    }  # fmt: skip
    [reply] = await click(services, answer(round_id, **{**typed, **fields}), LEADER_1)
    card = card_of(reply)
    assert said(reply).startswith(problem)
    assert any(t.startswith(problem) for t in text_blocks(card))
    assert "CPR" in said(reply) and "1234" not in str(card) and "1234" not in said(reply)
    assert inputs(card) == {**typed, **dict.fromkeys(emptied, "")}
    assert await services.store.all(REPLIES) == {}


async def test_a_typed_status_with_a_cpr_number_names_the_field(services: Services) -> None:
    await open_round(services)
    [reply] = await say(services, "status 2.3 gul: borger 0101901234 er glad", LEADER_1)
    assert reply.text == (
        "»Kommentar« til målsætning 2.3 ligner et CPR-nummer, så intet er gemt. "
        "Skriv beskeden igen uden nummeret."
    )
    assert await services.store.all(REPLIES) == {}


async def test_gem_status_in_place_turns_the_card_into_its_receipt(
    services: Services, clock: ManualClock
) -> None:
    """Action.Execute: the saved page is replaced by what was saved, for whom, when, and how
    to change it; a refusal keeps the card, with the problem on it."""
    round_id = await open_round(services)
    [card] = [m["reply"]["card"] for k, m in (await queued(services)).items()
              if k == f"announce:{round_id}:aad-user-1"]  # fmt: skip
    [save] = [e for e in elements(card["body"]) if e["type"] == "Action.Execute"]
    assert save["title"] == "Gem status" and save["fallback"]["type"] == "Action.Submit"
    body, sent = await execute(
        services, answer(round_id, status_2_3="delvist", comment_2_3="Beskrevet"), LEADER_1
    )
    assert sent == []  # replaced in place: no new message
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    receipt = body["value"]
    shown = text_blocks(receipt)
    assert shown[0] == "Tak – din status for Efterår 2026 er gemt (1 målsætning)."
    facts = {f["title"]: f["value"] for e in elements(receipt["body"]) if e["type"] == "FactSet"
             for f in e["facts"]}  # fmt: skip
    assert facts == {
        "Leder": "Mette Leder (Bostøtte)",
        "Gemt": format_meeting(clock.now(), with_year=True, tz=TZ),
        "Besvaret": "1 af 2 målsætninger",
    }
    assert "2.3 🟡 Delvist – Beskrevet" in shown[1]
    assert any("ret min status" in t for t in shown)
    assert inputs(receipt) == {}  # nothing left to fill in

    body, sent = await execute(
        services, answer(round_id, status_2_3="delvist", comment_2_3="0101901234"), LEADER_1
    )
    assert sent == [] and inputs(body["value"])["comment_2_3"] == ""
    assert any(t.startswith("Feltet »Kommentar« under målsætning 2.3") for t in
               text_blocks(body["value"]))  # fmt: skip


async def test_a_page_saved_in_place_is_followed_by_the_next(services: Services) -> None:
    """A round of every målsætning has four short pages, one pejlemærke each; saving one
    replaces it with the receipt and sends the next page."""
    await register(services, "tilmeld som leder Bostøtte", LEADER_1, "Bostøtte")
    everything = {**ROUND_FORM, "scope": "all", "goals": ""}
    await click(services, everything, ADMIN)
    [round_] = await services.status.repository.rounds()
    body, [following] = await execute(
        services, answer(round_.id, status_1_1="paa_sporet"), LEADER_1
    )
    receipt = text_blocks(body["value"])
    assert "Side 2 af 4 kommer herunder." in receipt
    next_card = card_of(following)
    assert following.summary == "Status: Efterår 2026" and following.text is None
    assert [k for k in inputs(next_card) if k.startswith("status_")] == [
        "status_2_1", "status_2_2", "status_2_3", "status_2_4",
    ]  # fmt: skip
    facts = {f["title"]: f["value"] for e in elements(next_card["body"]) if e["type"] == "FactSet"
             for f in e["facts"]}  # fmt: skip
    assert facts["På kortet"] == "Side 2 af 4: 2.1–2.4"
    assert facts["Besvaret"] == "1 af 14 målsætninger"
