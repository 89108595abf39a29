""" "mine data" and "slet mine data" through the feature's router, over a MemoryStore.

Leader 1 (``aad-1``) is registered for Bostøtte, has answered round »Runde r2«, wrote the
notes of an LMU meeting and is in that LMU's TRIO; leader 2 (``aad-2``) answered the same round;
``aad-9`` chairs the LMU. Every text is the Danish one of ``content/data/mydata.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.storage import MemoryStore
from content import Content
from content.models import Status
from dialogs.intents import IntentParser
from dialogs.mydata.cards import DELETE_DATA
from dialogs.mydata.feature import MyDataFeature
from dialogs.reminders import repository as reminder_tables
from dialogs.reminders.models import Committee, CommitteeKind, Person
from dialogs.reminders.repository import ReminderRepository
from dialogs.replies import Reply
from dialogs.router import Dispatcher, Turn
from dialogs.status import repository as status_tables
from dialogs.status.models import MeetingNote
from dialogs.status.repository import StatusRepository, reply_key
from tests.dialogs.status.records import AT, leader, make_round, reply

LEADER, OTHER, CHAIR, NOBODY = "aad-1", "aad-2", "aad-9", "aad-5"
INVALID = Reply("invalid submit")
TABLES = (
    status_tables.LEADERS,
    status_tables.ROUNDS,
    status_tables.REPLIES,
    status_tables.NOTES,
    status_tables.LEDGER,
    reminder_tables.COMMITTEES,
)
CONFIRMED = {"action": DELETE_DATA, "confirm": "true"}


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def dispatcher(content: Content, store: MemoryStore) -> Dispatcher:
    """The feature's router behind the app's intent parser."""
    feature = MyDataFeature(content, StatusRepository(store), ReminderRepository(store))
    return Dispatcher(
        feature.router(),
        IntentParser(content.commands),
        invalid_submit=INVALID,
        too_long=Reply("too long"),
    )


@pytest.fixture
async def stored(store: MemoryStore) -> None:
    """What the module docstring describes, written as the features write it."""
    status, reminders = StatusRepository(store), ReminderRepository(store)
    one, two = leader(1), leader(2, "Botilbud")
    for person in (one, two):
        await status.save_leader(person)
    await status.save_round(make_round([one, two], ("1.1", "2.3")))
    answers = {"1.1": Status.PARTLY, "2.3": Status.ON_TRACK}
    await status.save_reply(reply(one, answers, comments={"2.3": ("Bostøtten er i gang", "")}))
    await status.save_reply(reply(two, {"1.1": Status.NOT_STARTED}))
    for person in (one, two):
        await status.record(f"nudge:r2:{person.user_id}:0", "sent", AT)
    note = MeetingNote(
        committee_id="lmu", meeting_id="m1", meeting_start=AT, maalsaetninger=("2.3",),
        points="Vi talte om serviceniveauet", author=LEADER, at=AT,
    )  # fmt: skip
    await status.save_note(note)
    lmu = Committee(
        id="lmu", name="LMU Test", kind=CommitteeKind.LMU, chair=Person(user_id=CHAIR),
        trio=(Person(user_id=LEADER), Person(user_id=OTHER)),
    )  # fmt: skip
    await reminders.save_committee(lmu)


async def say(
    dispatcher: Dispatcher, user: str, text: str = "", value: Mapping[str, Any] | None = None
) -> tuple[str, list[Reply]]:
    """One turn of ``user`` in their personal chat: what handled it, and the replies."""
    turn = Turn(text, value, user, f"a:personal-{user}", "personal", False, AT)
    return await dispatcher.dispatch(turn)


async def tables(store: MemoryStore) -> dict[str, dict[str, Any]]:
    return {table: await store.all(table) for table in TABLES}


def fallback(answer: Reply) -> list[str]:
    assert answer.card is not None
    return str(answer.card["fallbackText"]).splitlines()


def elements(answer: Reply, kind: str) -> list[dict[str, Any]]:
    assert answer.card is not None
    return [e for e in answer.card["body"] if e["type"] == kind]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("mine data", "mine_data"),
        ("Hvad ved du om mig?", "mine_data"),
        ("my data", "mine_data"),
        ("slet mine data", "slet_mine_data"),
        ("slet alt om mig", "slet_mine_data"),
        ("delete my data", "slet_mine_data"),
    ],
)
async def test_the_commands_reach_the_feature(
    dispatcher: Dispatcher, text: str, intent: str
) -> None:
    handled, _ = await say(dispatcher, NOBODY, text)
    assert handled == intent


async def test_someone_with_nothing_stored_sees_only_the_chat_and_has_nothing_to_delete(
    dispatcher: Dispatcher, content: Content, store: MemoryStore
) -> None:
    t = content.mydata
    _, [shown] = await say(dispatcher, NOBODY, "mine data")
    assert shown.text == "Det gemmer Strategibot om dig"
    assert fallback(shown) == [
        "Det gemmer Strategibot om dig",
        "En henvisning til din chat med mig, så jeg kan sende dig beskeder. "
        "Den slettes, når du fjerner appen.",
        t.anonymous,
    ]
    assert elements(shown, "TextBlock")[-1]["text"] == "Skriv »slet mine data« for at slette det."
    _, [nothing] = await say(dispatcher, NOBODY, "slet mine data")
    assert nothing == Reply(
        "Jeg har ingen data om dig, der kan slettes – kun henvisningen til vores chat, "
        "som slettes, når du fjerner appen."
    )
    assert await tables(store) == {table: {} for table in TABLES}


async def test_a_leader_sees_registration_reply_notes_and_trio(
    dispatcher: Dispatcher, content: Content, stored: None
) -> None:
    _, [shown] = await say(dispatcher, LEADER, "mine data")
    assert fallback(shown) == [
        "Det gemmer Strategibot om dig",
        "Du er tilmeldt som leder for »Bostøtte« (navn: Leder 1).",
        "Dit statussvar til »Runde r2«: 2 målsætninger, senest ændret 20. maj 2027.",
        "1 mødenotat, du har skrevet efter LMU-møder (med dig som forfatter).",
        "Du er med i TRIO for »LMU Test« og får mødepåmindelser.",
        content.mydata.chat,
        content.mydata.anonymous,
    ]
    [bullets] = [b for b in elements(shown, "TextBlock") if b["text"].startswith("- ")]
    assert bullets["text"] == "\n".join(f"- {line}" for line in fallback(shown)[1:])


async def test_a_chair_sees_the_committee_which_slet_mine_data_does_not_delete(
    dispatcher: Dispatcher, content: Content, stored: None
) -> None:
    _, [shown] = await say(dispatcher, CHAIR, "mine data")
    assert fallback(shown)[1:] == [
        "Du er formand for »LMU Test« og får mødepåmindelser.",
        content.mydata.chat,
        content.mydata.anonymous,
    ]
    _, [nothing] = await say(dispatcher, CHAIR, "slet mine data")
    assert nothing.text == content.mydata.nothing and nothing.card is None


async def test_the_confirmation_card_lists_what_goes_and_asks_for_the_box_ticked(
    dispatcher: Dispatcher, store: MemoryStore, stored: None
) -> None:
    before = await tables(store)
    _, [confirm] = await say(dispatcher, LEADER, "slet mine data")
    assert confirm.text == "Slet mine data"
    assert fallback(confirm) == [
        "Slet mine data",
        "Du er tilmeldt som leder for »Bostøtte« (navn: Leder 1).",
        "Dit statussvar til »Runde r2«: 2 målsætninger, senest ændret 20. maj 2027.",
        "Dit navn på 1 mødenotat (selve notaterne hører til mødet og bliver).",
        "Du er med i TRIO for »LMU Test« og får mødepåmindelser.",
    ]
    texts = [e["text"] for e in elements(confirm, "TextBlock")]
    assert texts[:2] == ["Slet mine data", "Det her sletter jeg, hvis du trykker på knappen:"]
    [toggle] = elements(confirm, "Input.Toggle")
    assert (toggle["id"], toggle["title"]) == ("confirm", "Ja, jeg vil slette mine data")
    assert (toggle["value"], toggle["valueOn"], toggle["valueOff"]) == ("false", "true", "false")
    # Sent without a tick, Teams shows this at the box: what to do, not the label again.
    assert toggle["isRequired"] is True
    assert toggle["errorMessage"] == (
        "Sæt kryds her, og tryk på knappen igen, hvis du vil slette dine data. "
        "Intet er slettet endnu."
    )
    [buttons] = elements(confirm, "ActionSet")
    assert [(b["title"], b["data"]) for b in buttons["actions"]] == [
        ("Slet mine data", {"action": "delete_my_data"})
    ]
    assert await tables(store) == before  # asking deletes nothing


async def test_confirming_deletes_the_users_data_and_leaves_the_others(
    dispatcher: Dispatcher, store: MemoryStore, stored: None
) -> None:
    # Ids in the submit are not trusted: the turn's own user is the one deleted.
    submit = {**CONFIRMED, "user": OTHER, "user_id": OTHER}
    handled, [done] = await say(dispatcher, LEADER, value=submit)
    assert handled == "submit:delete_my_data"
    assert done == Reply(
        "Dine data er slettet. I rapporterne står der nu kun, at et svar er trukket tilbage."
    )
    after = await tables(store)
    assert LEADER not in str(after) and "Bostøtten er i gang" not in str(after)
    status = StatusRepository(store)
    assert await status.leader(LEADER) is None
    assert await status.reply("r2", LEADER) is None
    [tombstone] = [r for r in await status.replies("r2") if r.user_id != OTHER]
    assert tombstone.withdrawn and (tombstone.unit, tombstone.answers) == ("", ())
    [round_] = await status.rounds()
    assert round_.recipients == (OTHER,)
    assert set(after[status_tables.LEDGER]) == {f"nudge:r2:{OTHER}:0"}
    [note] = await status.notes()
    assert (note.author, note.points) == ("", "Vi talte om serviceniveauet")  # the meeting's
    [lmu] = await ReminderRepository(store).committees()
    assert (lmu.chair.user_id, [p.user_id for p in lmu.trio]) == (CHAIR, [OTHER])
    # The other leader's data is all there.
    other = await status.leader(OTHER)
    assert other is not None and other.unit == "Botilbud"
    kept = await status.reply("r2", OTHER)
    assert kept is not None and [a.status for a in kept.answers] == [Status.NOT_STARTED]
    assert reply_key("r2", OTHER) in after[status_tables.REPLIES]
    _, [shown] = await say(dispatcher, LEADER, "slet mine data")
    assert shown.text.startswith("Jeg har ingen data om dig")


async def test_a_chair_who_deletes_is_told_the_committee_stays(
    dispatcher: Dispatcher, store: MemoryStore, stored: None
) -> None:
    before = await tables(store)
    _, [done] = await say(dispatcher, CHAIR, value=CONFIRMED)
    assert done.text == (
        "Dine data er slettet. I rapporterne står der nu kun, at et svar er trukket tilbage. "
        "Du er stadig formand for LMU Test – bed en administrator om at give formandsposten "
        "videre, eller skriv »slet udvalg« og udvalgets navn."
    )
    assert await tables(store) == before


@pytest.mark.parametrize(
    "confirm",
    [{"confirm": "false"}, {}, {"confirm": ""}, {"confirm": "ja"}, {"confirm": " true"},
     {"confirm": ["true"]}, {"confirm": {"value": "true"}}, {"confirm": None}],
    ids=["false", "missing", "empty", "ja", "padded", "list", "object", "null"],
)  # fmt: skip
async def test_an_unconfirmed_delete_deletes_nothing(
    dispatcher: Dispatcher, store: MemoryStore, stored: None, confirm: dict[str, Any]
) -> None:
    before = await tables(store)
    handled, [refused] = await say(dispatcher, LEADER, value={"action": DELETE_DATA, **confirm})
    assert handled == "submit:delete_my_data"
    assert refused == Reply(
        "Sæt kryds i »Ja, jeg vil slette mine data«, hvis du vil slette dem. Intet er slettet."
    )
    assert await tables(store) == before


@pytest.mark.parametrize(
    "value",
    [{"confirm": "true"}, {"action": "delete_my_data ", "confirm": "true"},
     {"action": ["delete_my_data"], "confirm": "true"}, {"action": None, "confirm": "true"}],
    ids=["no-action", "padded-action", "list-action", "null-action"],
)  # fmt: skip
async def test_a_malformed_submit_is_refused_and_deletes_nothing(
    dispatcher: Dispatcher, store: MemoryStore, stored: None, value: dict[str, Any]
) -> None:
    before = await tables(store)
    assert await say(dispatcher, LEADER, value=value) == ("invalid_submit", [INVALID])
    assert await tables(store) == before
