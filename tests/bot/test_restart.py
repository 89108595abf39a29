"""Restarts around send times: every reminder and nudge goes out exactly once.

The bot runs as a process (``python -m bot``, ``TEST_CLOCK=1``, a temporary ``DATA_DIR``) and
sends to a local fake Bot Connector. A chair sets up a committee with two meetings (reminders
on Tuesday 5 and Tuesday 19 January 2027 at 09:00); two leaders register and an admin opens a
status round with the deadline Friday 15 January, so the leader who does not answer is nudged
on Tuesday 12 and Thursday 14 January at 09:00. Each start begins on the real clock, so
``POST /_test/clock`` sets the bot's clock right after every start.

Four runs, stopped with SIGTERM in one case and SIGKILL in the other:

1. set-up; stopped before the first reminder and before the nudge days;
2. the first reminder's time, then the first nudge day; stopped while the connector holds the
   nudge's send unanswered: SIGKILL kills the bot before the answer (the send failed, the
   nudge stays queued), SIGTERM lets the send finish when the connector accepts it during
   the graceful stop (the nudge is marked sent);
3. a queued nudge is resumed, a sent one is not sent again; the second nudge day and the
   second reminder's time; stopped once everything has arrived;
4. the clock is moved past everything: nothing more may be sent.

The fake connector must have accepted each reminder, nudge and round card exactly once, and
the ledgers (``reminder_ledger``, ``status_ledger``) and the outbox in the data file must hold
one ``sent`` entry for each.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.storage import read_data
from tools.fake_connector import FakeConnector, Received, personal_activity, personal_conversation
from tools.live_bot import LiveBot

CHAIR, LEADER_1, LEADER_2, ADMIN = 1, 2, 3, 9
COMMITTEE_FORM = {
    "action": "committee_save",
    "committee": "",
    "name": "LMU Genstart",
    "kind": "LMU",
    "schedule": "12-01-2027 kl. 13 og 26-01-2027 kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}
ROUND_FORM = {
    "action": "round_create",
    "name": "Vinter 2027",
    "scope": "chosen",
    "goals": "2.3",
    "units": "",
    "deadline": "2027-01-15",
}
REMINDER_1 = "Påmindelse: LMU Genstart\n\nMøde tirsdag 12. januar kl. 13.00"
REMINDER_2 = "Påmindelse: LMU Genstart\n\nMøde tirsdag 26. januar kl. 13.00"
CARD = "Status: Vinter 2027"
NUDGE = "Husk din status til »Vinter 2027« – fristen er 15. januar. 1 af 2 ledere har svaret."
APPROVED = "Du er godkendt som leder for »{unit}«. Du får statuskortet, når en statusrunde starter."


async def say(
    bot: LiveBot, connector: FakeConnector, who: int, text: str | None = None, /, **value: Any
) -> list[Received]:
    """One turn from user ``who``'s personal chat; the replies the connector got. (Positional,
    so a card value may have a field called ``user``.)"""
    activity = personal_activity(
        who, connector.url, text=text, value=value or None, name=f"Bruger {who}"
    )
    assert await bot.post(activity) in (200, 201), bot.log_tail()
    return connector.replies_to(activity["id"])


def seen(connector: FakeConnector) -> Counter[tuple[str, str]]:
    """(conversation, text) of every accepted message that does not answer a turn."""
    return Counter((r.conversation_id, r.label) for r in connector.delivered() if r.proactive)


async def arrived(connector: FakeConnector, count: int) -> None:
    await connector.wait_for(lambda: seen(connector).total() >= count, 15, f"{count} messages")


async def stop(bot: LiveBot, how: str) -> None:
    code = await (bot.kill() if how == "sigkill" else bot.terminate())
    assert code == (-9 if how == "sigkill" else 0), bot.log_tail()


async def set_up(bot: LiveBot, connector: FakeConnector) -> None:
    assert await bot.set_clock("2027-01-04T10:00:00+01:00") == {}
    await say(bot, connector, CHAIR, "hej")
    await say(bot, connector, ADMIN, "hej")  # the admin gets the leaders' requests
    [saved] = await say(bot, connector, CHAIR, **COMMITTEE_FORM)
    assert saved.text == (
        "Udvalget »LMU Genstart« er gemt med 2 møder. "
        "Første påmindelse: tirsdag 5. januar kl. 9.00."
    )
    for user, unit in ((LEADER_1, "Bostøtte"), (LEADER_2, "Botilbud")):
        [registered] = await say(bot, connector, user, f"tilmeld som leder {unit}")
        assert registered.text.startswith("Tak. En administrator skal godkende")
        approve = {"action": "leader_approve", "user": f"aad-user-{user}", "unit": unit}
        [approved] = await say(bot, connector, ADMIN, **approve)
        assert approved.text.startswith("Godkendt – ")
    [opened] = await say(bot, connector, ADMIN, **ROUND_FORM)
    assert opened.text.startswith("Statusrunden »Vinter 2027« er startet. 2 ledere har fået kortet")
    await arrived(connector, 6)  # the requests, the approvals and the round's cards
    data = read_data(bot.data_file)
    [round_id] = data["status_rounds"]
    [answered] = await say(
        bot, connector, LEADER_1, action="status_submit", round=round_id, page=0,
        status_2_3="delvist", comment_2_3="I gang",
    )  # fmt: skip
    assert answered.label == "Tak – din status for Vinter 2027 er gemt (1 målsætning)."


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
async def test_reminders_and_nudges_exactly_once_across_restarts(
    tmp_path: Path, connector: FakeConnector, how: str
) -> None:
    bot = LiveBot(tmp_path / "data", tmp_path / "bot.log", env={"ADMINS": f"aad-user-{ADMIN}"})
    chair, one, two = (personal_conversation(u) for u in (CHAIR, LEADER_1, LEADER_2))
    admin = personal_conversation(ADMIN)
    cards = {
        (one, CARD),
        (two, CARD),
        (admin, f"Bruger {LEADER_1} vil være leder for »Bostøtte«."),
        (admin, f"Bruger {LEADER_2} vil være leder for »Botilbud«."),
        (one, APPROVED.format(unit="Bostøtte")),
        (two, APPROVED.format(unit="Botilbud")),
    }
    nudge = (two, NUDGE)  # both nudges read the same: counted per phase
    try:
        # 1: set-up, stopped before any send time
        await bot.start()
        await set_up(bot, connector)
        await bot.outbox_idle()
        assert seen(connector) == Counter(cards)
        await stop(bot, how)

        # 2: the first reminder, then the first nudge day; stopped with the nudge unsent
        await bot.start()
        assert await bot.set_clock("2027-01-05T08:59:00+01:00") == {}
        assert await bot.set_clock("2027-01-05T09:00:00+01:00") == {"sent": 1}
        await arrived(connector, 7)
        # The nudge's send is held in flight. SIGKILL: the bot dies before the connector
        # answers (not delivered). SIGTERM: the connector accepts it during the graceful stop.
        connector.hold(503 if how == "sigkill" else 200)
        assert await bot.set_clock("2027-01-12T09:00:00+01:00") == {"nudged": 1}
        await connector.wait_for(lambda: connector.held == 1, 10, "the held nudge")
        stopping = asyncio.create_task(stop(bot, how))
        await bot.wait_closed()  # killed, or stopping gracefully with the send in flight
        connector.release()
        await stopping

        # 3: the queued nudge is resumed; the second nudge day and the second reminder
        await bot.start()
        await arrived(connector, 8)
        assert await bot.set_clock("2027-01-12T09:05:00+01:00") == {}
        await bot.outbox_idle()
        assert seen(connector) == Counter([*cards, (chair, REMINDER_1), nudge])
        assert await bot.set_clock("2027-01-14T09:00:00+01:00") == {"nudged": 1}
        assert await bot.set_clock("2027-01-19T09:00:00+01:00") == {"sent": 1}
        await arrived(connector, 10)
        await bot.outbox_idle()
        await stop(bot, how)

        # 4: past everything; nothing more is sent
        await bot.start()
        assert await bot.set_clock("2027-01-19T09:05:00+01:00") == {}
        assert await bot.set_clock("2027-01-27T10:00:00+01:00") == {}
        await bot.outbox_idle()
        await bot.terminate()
    finally:
        await bot.kill()

    print(f"\n{how}: {bot.starts} starts, {len(connector.received)} requests; accepted:")
    for (conversation, label), n in sorted(seen(connector).items()):
        print(f"  {n} × {conversation}: {label!r}")
    assert seen(connector) == Counter(
        [*cards, (chair, REMINDER_1), (chair, REMINDER_2), nudge, nudge]
    )
    refused = [r.status for r in connector.received if not r.delivered]
    assert refused == ([503] if how == "sigkill" else [])  # the killed send was not accepted

    data = read_data(bot.data_file)
    [committee] = data["committees"]
    [round_id] = data["status_rounds"]
    user = f"user:aad-user-{CHAIR}"
    assert data["reminder_ledger"].keys() == {
        f"{committee}|20270112T1300|{user}",
        f"{committee}|20270126T1300|{user}",
    }
    leader_1, leader_2 = f"aad-user-{LEADER_1}", f"aad-user-{LEADER_2}"
    asked = "2027-01-04T10:00:00+01:00"
    assert data["status_ledger"].keys() == {
        f"leader-request:{leader_1}:{asked}",
        f"leader-request:{leader_2}:{asked}",
        f"announce:{round_id}:{leader_1}",
        f"announce:{round_id}:{leader_2}",
        f"nudge:{round_id}:{leader_2}:0",
        f"nudge:{round_id}:{leader_2}:1",
    }
    ledgers = [*data["reminder_ledger"].values(), *data["status_ledger"].values()]
    assert {doc["status"] for doc in ledgers} == {"sent"}
    assert Counter(doc["status"] for doc in data["outbox"].values()) == {"sent": 10}
