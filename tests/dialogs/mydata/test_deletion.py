""" "slet mine data" deletes: afterwards no file in the data directory and no log line holds
the user's id or what they wrote, except the tombstone the report counts (which names no one).

Everything is seeded through the app's real handlers (``create_app`` + the Teams handler) over
a file store in ``tmp_path``: Mette (``aad-user-1``) is an approved leader with a status reply
with a distinctive comment, an approved TRIO member of an LMU who snoozed its reminder, asked a
question the bot could not answer, gave a 👎, asked for »mine data« in a group chat and was sent
status cards, decisions and reminders through the outbox. Bo (``aad-user-2``) is another leader
and Chris (``aad-user-3``) chairs the LMU; their data must stay as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from botbuilder.schema import ChannelAccount

from bot.app import Services
from bot.storage import TinyDBStore, read_data
from content import Content
from dialogs.qa.feature import FEEDBACK_TABLE, QUESTION_AUTHORS, QUESTION_LOG
from dialogs.reminders.repository import LEDGER as REMINDER_LEDGER
from dialogs.reminders.repository import SNOOZES
from dialogs.replies import Reply
from dialogs.status.repository import REPLIES
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import ROUND_FORM, app_services, card_of, run
from tests.bot.teams import click_as as click
from tests.bot.teams import say_as as say
from tests.conftest import TZ

ADMIN = teams.user(9, "Admin Andersen")
METTE = teams.user(1, "Mette Leder")
BO = teams.user(2, "Bo Leder")
CHRIS = teams.user(3, "Chris Formand")
METTE_ID = "aad-user-1"

COMMENT = "Vi fodrer de lilla elefanter i bostøtten hver tirsdag"
NEXT_STEP = "Ring til Zanzibar-gruppen om elefanterne"
QUESTION = "Hvordan fodrer man en lilla giraf på Mars?"
THUMBS_DOWN = "Hvad siger strategien om grønne kometer i Grenaa?"
BO_COMMENT = "Botilbuddet har beskrevet sit serviceniveau"
# What identifies Mette besides her Entra ID object id: her Teams id and her personal chat.
METTE_TRACES = (METTE_ID, "29:user-1", "a:personal-1", COMMENT, NEXT_STEP, QUESTION, THUMBS_DOWN)

COMMITTEE_FORM = {
    **teams.COMMITTEE_FORM,
    "name": "LMU Privat",
    "schedule": "01-12-2026 kl. 13, 15-12-2026 kl. 13",
}


def files(root: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file under ``root`` (the data directory), with its bytes."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path, path.read_bytes()


def found(root: Path, text: str) -> list[str]:
    """The files under ``root`` that contain ``text`` (as written, or JSON-escaped)."""
    forms = {text.encode(), text.encode("unicode_escape").replace(b"\\x", b"\\u00")}
    return [path.name for path, raw in files(root) if any(form in raw for form in forms)]


class Sent:
    """A stand-in for the Bot Connector: records what the outbox sends."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, Reply]] = []

    async def __call__(self, conversation_id: str, reply: Reply) -> str:
        self.messages.append((conversation_id, reply))
        return f"msg-{len(self.messages)}"


async def deliver(services: Services, sent: Sent) -> None:
    """Send everything queued in the outbox, as the running bot does."""
    services.outbox._send = sent  # the messenger would call the Bot Connector
    await services.outbox.start()
    await services.outbox.join()
    await services.outbox.stop()


async def become_leader(services: Services, who: ChannelAccount, unit: str) -> None:
    """``tilmeld som leder`` and, if the admin must approve it, the admin's approval."""
    await say(services, f"tilmeld som leder {unit}", who)
    leader = await services.status.repository.leader(str(who.aad_object_id))
    assert leader is not None and leader.unit == unit
    if leader.pending:
        approve = {"action": "leader_approve", "user": who.aad_object_id, "unit": unit}
        await click(services, approve, ADMIN)
    leader = await services.status.repository.leader(str(who.aad_object_id))
    assert leader is not None and not leader.pending


async def join_trio(services: Services, who: ChannelAccount, committee_id: str) -> None:
    """``tilmeld trio`` and, if the chair must approve it, the chair's approval."""
    await say(services, "tilmeld trio LMU Privat", who)
    committee = await services.reminders.repository.committee(committee_id)
    assert committee is not None
    [member] = [p for p in committee.trio if p.user_id == who.aad_object_id]
    if getattr(member, "pending", False):
        approve = {"action": "trio_approve", "committee": committee_id, "user": who.aad_object_id}
        await click(services, approve, CHRIS)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def services(data_dir: Path, clock: ManualClock, content: Content) -> Services:
    store = TinyDBStore(data_dir / "strategibot.json")
    return app_services(clock, store=store, content=content, admins="aad-user-9")


async def seed(services: Services, clock: ManualClock) -> tuple[str, str]:
    """Mette's, Bo's and Chris's data, through the handlers; the round's and LMU's ids."""
    for who in (METTE, BO, CHRIS, ADMIN):
        await say(services, "hej", who)  # their personal chats are known
    await become_leader(services, METTE, "Bostøtte")
    await become_leader(services, BO, "Botilbud")
    await click(services, ROUND_FORM, ADMIN)
    [round_] = await services.status.repository.rounds()
    submit = {"action": "status_submit", "round": round_.id, "page": 0}
    [saved] = await click(
        services,
        {**submit, "status_2_3": "delvist", "comment_2_3": COMMENT, "next_2_3": NEXT_STEP},
        METTE,
    )
    assert saved.summary.startswith("Tak – din status for Efterår 2026 er gemt")
    await click(services, {**submit, "status_1_1": "paa_sporet", "comment_1_1": BO_COMMENT}, BO)

    await click(services, COMMITTEE_FORM, CHRIS)
    [committee] = await services.reminders.repository.committees()
    await join_trio(services, METTE, committee.id)
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=TZ))  # 7 days before the meeting of 1/12
    assert (await services.tick())["sent"] == 2  # the chair and Mette
    sent = Sent()
    await deliver(services, sent)
    [reminder] = [
        reply
        for chat, reply in sent.messages
        if chat == "a:personal-1" and reply.card and "LMU Privat" in reply.text
    ]
    assert reminder.card is not None
    snooze = next(
        action["data"]
        for element in reminder.card["body"]
        if element["type"] == "ActionSet"
        for action in element["actions"]
        if action["data"].get("action") == "reminder_snooze"
    )
    [snoozed] = await click(services, snooze, METTE)
    assert snoozed.text.startswith("Jeg minder dig om det igen")

    await say(services, QUESTION, METTE)
    feedback = {"action": "feedback", "helpful": False, "target": "maalsaetning:2.3"}
    await click(services, {**feedback, "question": THUMBS_DOWN}, METTE)
    await run(services, teams.message("mine data", teams.GROUP, mention=True, sender=METTE))
    return round_.id, committee.id


async def test_deleting_leaves_no_trace_of_the_user_in_the_files_or_the_log(
    services: Services,
    clock: ManualClock,
    content: Content,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    round_id, committee_id = await seed(services, clock)
    stored = services.store
    # Everything is there before: in the tables and in the files.
    assert await stored.all(SNOOZES) and await stored.all(QUESTION_LOG)
    assert await stored.all(FEEDBACK_TABLE) and await stored.all(QUESTION_AUTHORS)
    assert any(METTE_ID in key for key in await stored.keys(REMINDER_LEDGER))
    queued = [d for d in (await stored.all("outbox")).values() if d["status"] == "queued"]
    assert [d["conversation_id"] for d in queued] == ["a:personal-1"]  # »mine data«, privately
    for trace in METTE_TRACES:
        assert found(data_dir, trace), trace

    [confirm] = await say(services, "slet mine data", METTE)
    confirmation = card_of(confirm)["fallbackText"]
    assert "2 spørgsmål, jeg ikke kunne svare på eller fik 👎 for, og 1 👍/👎" in confirmation
    [done] = await click(services, {"action": "delete_my_data", "confirm": "true"}, METTE)
    assert done.text == content.mydata.deleted

    for trace in METTE_TRACES:
        assert found(data_dir, trace) == [], trace
        assert trace not in caplog.text, trace
    # Only the lock and the TinyDB files, each rewritten whole by its last write: no journal,
    # no temporary or half-done change lying about with old bytes in it.
    left = [p.relative_to(data_dir) for p, _ in files(data_dir)]
    assert [p for p in left if p.parent == Path(".")] == [Path("strategibot.json.lock")]
    tinydb = [p for p in left if p.parent != Path(".")]
    assert all(p.parts[0] == "strategibot" and p.suffix == ".json" for p in tinydb), tinydb

    # What the report needs stays, naming no one: Mette's reply is counted as withdrawn.
    on_disk = read_data(data_dir / "strategibot.json")
    [tombstone] = [d for k, d in on_disk[REPLIES].items() if d["withdrawn"]]
    assert (tombstone["user_id"], tombstone["unit"], tombstone["answers"]) == ("", "", [])
    round_ = await services.status.repository.round(round_id)
    assert round_ is not None and round_.recipients == ("aad-user-2",)
    report = await services.status.report(round_)
    assert (report.withdrawn, report.answered, report.recipients) == (1, 1, 1)
    replies = await say(services, "rapport", ADMIN)
    text = "\n".join(card_of(r)["fallbackText"] for r in replies)
    assert "1 svar er trukket tilbage og indgår ikke." in text
    assert BO_COMMENT in text and COMMENT not in text

    # Bo's and Chris's data are as they were.
    bo = await services.status.repository.reply(round_id, "aad-user-2")
    assert bo is not None and bo.answers[0].comment == BO_COMMENT
    assert found(data_dir, BO_COMMENT) and found(data_dir, "aad-user-2")
    committee = await services.reminders.repository.committee(committee_id)
    assert committee is not None and committee.chair.user_id == "aad-user-3"
    assert committee.trio == ()
    assert await services.conversations.reachable("aad-user-2")
    assert await services.conversations.reachable("aad-user-3")
    assert not await services.conversations.reachable(METTE_ID)
    chris_reminders = [k for k in await stored.keys(REMINDER_LEDGER) if "aad-user-3" in k]
    assert chris_reminders  # the chair's reminder stays sent exactly once


async def test_a_chair_keeps_the_committee_and_its_reminders_and_loses_the_rest(
    services: Services, clock: ManualClock, content: Content, data_dir: Path
) -> None:
    _, committee_id = await seed(services, clock)
    await say(services, "Hvordan fodrer man en blå hval på Månen?", CHRIS)
    [done] = await click(services, {"action": "delete_my_data", "confirm": "true"}, CHRIS)
    assert done.text.startswith(content.mydata.deleted + " Du er stadig formand for LMU Privat")
    assert found(data_dir, "blå hval") == []
    # Still the chair, still reminded there: the chat, and the reminder sent exactly once.
    committee = await services.reminders.repository.committee(committee_id)
    assert committee is not None and committee.chair.user_id == "aad-user-3"
    assert await services.conversations.reachable("aad-user-3")
    assert [k for k in await services.store.keys(REMINDER_LEDGER) if "aad-user-3" in k]
    assert (await services.tick())["sent"] == 0


async def test_unreadable_files_kept_aside_are_scrubbed_too(
    data_dir: Path, clock: ManualClock, content: Content
) -> None:
    """A data file that could not be read at start is kept aside for the admins; after »slet
    mine data« it is still there, without the user's id or text."""
    data_dir.mkdir(parents=True)
    torn = f'{{"leaders": {{"{METTE_ID}": {{"user_id": "{METTE_ID}", "name": "Mette", "unit": "'
    (data_dir / "strategibot.json").write_text(torn + COMMENT, encoding="utf-8")
    store = TinyDBStore(data_dir / "strategibot.json")
    [aside] = store.quarantined
    services = app_services(clock, store=store, content=content, admins="aad-user-9")
    await say(services, "hej", METTE)
    await become_leader(services, METTE, "Bostøtte")
    await say(services, COMMENT, METTE)  # not understood: logged
    # Kept aside, the copy of the old file kept at the first start, and the question log.
    hits = found(data_dir, COMMENT)
    assert {aside.name, "strategibot.json.pre-tinydb"} <= set(hits) and len(hits) == 3
    await click(services, {"action": "delete_my_data", "confirm": "true"}, METTE)
    assert aside.exists() and b"[slettet]" in aside.read_bytes()
    for trace in (METTE_ID, COMMENT):
        assert found(data_dir, trace) == [], trace
