"""A short throttling storm through the real outbox, Messenger and botbuilder adapter.

The fake Bot Connector answers 30 % of sends 429 (half with ``Retry-After``) and 5 % 502/504
for three seconds; two conversations always answer 403 and two 404. Every message to a
healthy conversation must be accepted exactly once and in order, and each dead conversation
must be asked once, then marked inactive with nothing more sent to it. Figures are printed
(``pytest -s``), timings never asserted. ``bench/storm.py`` is the one-minute version.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from dialogs.reminders.models import Committee, CommitteeKind, Person
from dialogs.replies import Reply
from scheduler.clock import ManualClock
from tests.bot.teams import app_services
from tests.conftest import TZ
from tools.fake_connector import FakeConnector, Received, first_message, personal_conversation
from tools.storm import StormPlan, StormResult, count_deliveries, message_text, run_storm

PLAN = StormPlan(
    healthy=30,
    per_conversation=4,
    forbidden=2,
    gone=2,
    duration=3.0,
    spread=1.5,
    retry_after=("1",),
    backoff_base=0.2,  # the app's is 1 s; shorter keeps the test short, the logic is the same
    seed=7,
    timeout=60.0,
)


async def test_every_message_exactly_once_and_dead_chats_deactivated(tmp_path: Path) -> None:
    result = await run_storm(PLAN, tmp_path)
    print("\n" + "\n".join(result.lines()))
    assert result.messages == (30 + 4) * 4
    assert result.throttled > 0 and result.transient > 0  # the storm did happen
    assert result.retried == result.throttled + result.transient  # each refusal retried
    assert (result.delivered, result.expected) == (120, 120)
    assert result.duplicates == 0
    assert result.missing == 0
    assert result.out_of_order == 0
    assert result.deactivated == result.dead_conversations == 4
    assert result.dead_requests == 4  # one refused send each, then nothing
    assert result.skipped == 4 * 3  # their later messages were dropped, not sent
    assert result.wrongly_deactivated == 0
    assert result.failed == 0
    assert result.not_sent_in_store == 0
    assert result.notes == []
    assert result.ok


def _received(seq: int, conversation: str, text: str, status: int = 200) -> Received:
    return Received(seq, float(seq), conversation, "", text, "", False, status, {})


def test_the_count_sees_duplicates_losses_and_reordering() -> None:
    plan = StormPlan(healthy=2, per_conversation=2, forbidden=1, gone=0)
    a, b = "a:storm-0000", "a:storm-0001"
    received = [
        _received(0, a, message_text(a, 0)),
        _received(1, a, message_text(a, 1), 429),
        _received(2, a, message_text(a, 1)),
        _received(3, a, message_text(a, 1)),  # accepted twice
        _received(4, b, message_text(b, 1)),  # 0 never arrives, 1 first
        _received(5, "a:blocked-00", "x", 403),
        _received(6, "a:blocked-00", "y", 403),  # sent again after the refusal
    ]
    result = StormResult(plan)
    count_deliveries(result, received, [a, b], {"a:blocked-00": 403}, plan)
    assert (result.delivered, result.duplicates, result.missing) == (3, 1, 1)
    assert result.out_of_order == 1  # a: the duplicate; b is in order without the lost one
    assert result.dead_requests == 2
    assert result.throttled == 1
    assert not result.ok


async def test_a_deactivated_chat_that_is_no_committees_target_alarms_nobody(
    connector: FakeConnector,
) -> None:
    blocked = [personal_conversation(n) for n in (2, 3)]  # two leaders blocked the bot
    connector.dead = dict.fromkeys(blocked, 403)
    now = datetime(2027, 1, 4, 10, tzinfo=TZ)
    services = app_services(ManualClock(now), admins="aad-user-9")
    for n in (2, 3, 9):
        await services.conversations.remember(first_message(n, connector.url), now)
    # A committee whose chair (user 1) has not installed the app: unrelated to users 2, 3.
    chair = Person(user_id="aad-user-1")
    committee = Committee(id="lmu-x", name="LMU X", kind=CommitteeKind.LMU, chair=chair)
    await services.reminders.repository.save_committee(committee)
    await services.outbox.start()
    for conversation in blocked:
        await services.outbox.enqueue(conversation, Reply("Status: Vinter 2027"))
    await services.outbox.join()
    await services.outbox.stop()
    assert [r.status for r in connector.received if r.conversation_id in blocked] == [403, 403]
    to_admin = [r.label for r in connector.received if r.conversation_id == "a:personal-9"]
    assert to_admin == []  # today: two notices that LMU X's chair can no longer be reached
