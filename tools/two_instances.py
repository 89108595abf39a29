"""Two bot processes on one PostgreSQL database: the sender is killed mid fan-out, the other
takes over, and every reminder arrives exactly once, never faster than Teams allows.

:func:`run_two_instances` (``tests/bot/test_two_instances.py``, ``bench/postgres.py``):

1. Starts a fake Bot Connector and two bots (:class:`~tools.live_bot.LiveBot`, ``TEST_CLOCK=1``,
   the same ``DATABASE_URL``, ``SENDER_CHECK_SECONDS`` short): **B** first, so B holds the
   sender role (the advisory lock), then **A**, which only serves chat.
2. A chair creates a committee through **A**: in the Microsoft 365 Agents Playground pointed
   at A (``playground=True``: the Playground's own user, "opret udvalg" and the form), or as
   a card submit from the fake connector. Its reminder goes to the chair's personal chat.
3. ``recipients`` more committees with the same meeting are stored directly in the database,
   each chair with a personal chat at the fake connector: the fan-out's recipients.
4. B's clock is moved to the reminders' send time: its job claims and queues every reminder
   and its outbox starts sending (30 a second). A's clock is moved there too and its job
   runs: it must send nothing (every reminder is claimed in the ledger already).
5. With ``kill_at``: when that share has been delivered, the connector holds new requests (the
   sends in flight are not accepted), B is killed with SIGKILL, and the held requests are
   answered 503 afterwards. A takes the sender role within ``check_seconds`` and resumes
   what is queued. (Killing B between the connector's 200 and B's "sent" mark, a few
   milliseconds per message, would send that one message twice: the outbox's documented
   at-least-once window; the hold keeps the test about the take-over.)
6. Waits until every recipient has its reminder, then counts: delivered, lost, duplicated,
   the busiest second at the connector (limit 30) and per conversation (limit 7), the time
   from the first to the last delivery against the rate-limit minimum (N / 30 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.conversations import ConversationDirectory
from bot.postgres import PostgresStore
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.reminders.repository import COMMITTEES, LEDGER, MEETINGS, ReminderRepository
from tools.fake_connector import FakeConnector, first_message, max_per_window, personal_activity
from tools.live_bot import ROOT, LiveBot
from tools.playground import said

GLOBAL_RATE = 30.0
PER_CONVERSATION_RATE = 7.0
TARGET_RATIO = 1.2
CHAIR = 777_777  # the chair who creates the committee through A (without the Playground)
COMMITTEE_FORM = {
    "action": "committee_save",
    "committee": "",
    "name": "LMU Test",
    "kind": "LMU",
    "schedule": "12-01-2027 kl. 13 og 26-01-2027 kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}
SAVED = "Udvalget »LMU Test« er gemt med 2 møder."
BEFORE = "2027-01-05T08:59:00+01:00"
SEND_TIME = "2027-01-05T09:00:00+01:00"
REMINDER = "Påmindelse: "


@dataclass(frozen=True)
class FanoutPlan:
    """How many recipients, and whether (and when) the sender is killed."""

    recipients: int = 1000
    kill_at: float | None = 0.4  # share delivered when B is killed; None: no kill
    check_seconds: float = 1.0  # SENDER_CHECK_SECONDS of both bots (the default)
    playground: bool = True  # create the committee in the Agents Playground (else a submit)
    timeout: float = 240.0


@dataclass
class FanoutResult:
    """What one run counted."""

    plan: FanoutPlan
    expected: int = 0  # reminders: the recipients and the chair
    delivered: int = 0  # distinct recipients whose reminder arrived
    duplicates: int = 0  # reminders accepted more than once (must be 0)
    lost: int = 0  # recipients without their reminder (must be 0)
    chair_reminders: int = 0  # the chair's reminders (in the Playground, or at the connector)
    requests: int = 0  # requests at the connector, held ones included
    held_at_kill: int = 0  # sends in flight at the kill (answered 503 after it)
    max_per_second: int = 0
    max_per_second_b: int = 0  # before the kill (B alone)
    max_per_second_a: int = 0  # after the take-over (A alone)
    started_per_second: dict[str, int] = field(default_factory=dict)  # each outbox's busiest
    max_per_conversation: int = 0
    fanout_seconds: float = 0.0  # the first delivery to the last
    takeover_seconds: float | None = None  # the kill until A says it is the sender
    gap_seconds: float | None = None  # B's last request until A's first (A's quiet period)
    delivered_before_kill: int = 0
    tick_b: dict[str, int] = field(default_factory=dict)
    tick_a: dict[str, int] = field(default_factory=dict)
    senders_before: tuple[bool, bool] = (False, False)  # (A, B)
    senders_after: tuple[bool, bool] = (False, False)
    ledger: dict[str, int] = field(default_factory=dict)  # reminder_ledger by status
    outbox: dict[str, int] = field(default_factory=dict)  # outbox by status
    set_up_seconds: float = 0.0
    start_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def minimum_seconds(self) -> float:
        """The rate limit's minimum for the fan-out: all reminders at 30 a second."""
        return self.expected / GLOBAL_RATE

    @property
    def ratio(self) -> float:
        """Elapsed against that minimum."""
        return self.fanout_seconds / self.minimum_seconds if self.expected else 0.0

    @property
    def ok(self) -> bool:
        """Every reminder once, the limits kept, and the take-over happened when asked."""
        took_over = self.plan.kill_at is None or self.senders_after == (True, False)
        return (
            self.expected > 0
            and self.delivered == self.expected
            and not (self.lost or self.duplicates)
            and self.chair_reminders == 1
            and all(n <= GLOBAL_RATE for n in self.started_per_second.values())
            and (self.plan.kill_at is None or (self.gap_seconds or 0) >= 1.0)
            and self.max_per_conversation <= PER_CONVERSATION_RATE
            and self.senders_before == (False, True)
            and not self.tick_a
            and took_over
        )

    def lines(self) -> list[str]:
        """The figures, one per line."""
        p = self.plan
        kill = (
            f"SIGKILL of the sender after {p.kill_at:.0%} delivered"
            if p.kill_at is not None
            else "no kill"
        )
        where = "the Agents Playground" if p.playground else "a card submit"
        takeover = (
            f"{self.takeover_seconds:.2f} s (checks every {p.check_seconds} s)"
            if self.takeover_seconds is not None
            else "-"
        )
        return [
            f"two instances on PostgreSQL, {self.expected} reminders ({kill}; committee "
            f"created through A in {where})",
            f"  set-up                 {self.set_up_seconds:.1f} s (bots started in "
            + ", ".join(f"{k} {v:.1f} s" for k, v in self.start_seconds.items())
            + ")",
            f"  sender at the start    A {self.senders_before[0]}, B {self.senders_before[1]}",
            f"  B's job                {self.tick_b};  A's job at the same time {self.tick_a}",
            f"  delivered before kill  {self.delivered_before_kill}  (in flight at the kill: "
            f"{self.held_at_kill}, answered 503 after it)",
            f"  take-over              {takeover}; B's last request to A's first "
            + (f"{self.gap_seconds:.2f} s" if self.gap_seconds is not None else "-"),
            f"  sender at the end      A {self.senders_after[0]}, B {self.senders_after[1]}",
            f"  delivered              {self.delivered} / {self.expected}  (the chair's: "
            f"{self.chair_reminders})",
            f"  lost                   {self.lost}  (must be 0)",
            f"  duplicates             {self.duplicates}  (must be 0)",
            f"  requests               {self.requests}",
            "  sends started/1 s      "
            + ", ".join(f"{k} {v}" for k, v in self.started_per_second.items())
            + f"  (each outbox's busiest second; limit {GLOBAL_RATE:.0f})",
            f"  max arrivals/1 s       {self.max_per_second}  (at the connector, with send-path "
            f"jitter; B alone {self.max_per_second_b}, A alone {self.max_per_second_a}); per "
            f"conversation {self.max_per_conversation} (limit {PER_CONVERSATION_RATE:.0f})",
            f"  ledger / outbox        {self.ledger} / {self.outbox}",
            f"  fan-out time           {self.fanout_seconds:.2f} s; rate-limit minimum "
            f"{self.minimum_seconds:.2f} s; ratio {self.ratio:.3f} (target ≤ {TARGET_RATIO})",
            "  result                 " + ("ok" if self.ok else "BROKEN"),
        ]


class Reminders:
    """Counts the reminders the connector accepted as they arrive (incrementally: the
    connector runs in this process, and a slow check would delay its answers)."""

    def __init__(self, connector: FakeConnector, first: int) -> None:
        self.connector = connector
        self._seen = first
        self.delivered = 0
        self.conversations: set[str] = set()

    def _update(self) -> None:
        received = self.connector.received
        for r in received[self._seen :]:
            if r.delivered and r.label.startswith(REMINDER):
                self.delivered += 1
                self.conversations.add(r.conversation_id)
        self._seen = len(received)

    def count(self) -> int:
        """Reminders accepted so far."""
        self._update()
        return self.delivered

    def recipients(self) -> int:
        """Conversations that have their reminder."""
        self._update()
        return len(self.conversations)


async def _sender(bot: LiveBot) -> bool:
    if not bot.running():
        return False
    return bool((await bot.healthz()).get("sender", {}).get("sender"))


async def _started_per_second(bot: LiveBot) -> int:
    """The most sends the bot's outbox started in any one second."""
    return int((await bot.healthz())["outbox"].get("max_per_second", 0))


async def _seed(database_url: str, service_url: str, recipients: int) -> None:
    """``recipients`` committees with the meeting of the committee created through A, each
    chair with a personal chat at ``service_url``."""
    store = await PostgresStore.open(database_url, max_size=4)
    try:
        repo = ReminderRepository(store)
        [created] = await repo.committees()
        meeting = (await repo.meetings(created.id))[0]
        committees: dict[str, dict[str, Any]] = {}
        meetings: dict[str, dict[str, Any]] = {}
        for n in range(recipients):
            ident = f"fan-{n:04d}"
            chair = Person(user_id=f"aad-user-{n}", name=f"Formand {n}")
            committees[ident] = Committee(
                id=ident, name=f"LMU Fan {n:04d}", kind=CommitteeKind.LMU, chair=chair
            ).model_dump(mode="json")
            copy = Meeting(id=meeting.id, committee_id=ident, start=meeting.start)
            meetings[f"{ident}|{meeting.id}"] = copy.model_dump(mode="json")
        await store.put_many(COMMITTEES, committees)
        await store.put_many(MEETINGS, meetings)
        directory = ConversationDirectory(store)
        now = datetime.fromisoformat(BEFORE)
        gate = asyncio.Semaphore(4)

        async def remember(n: int) -> None:
            async with gate:
                await directory.remember(first_message(n, service_url), now)

        await asyncio.gather(*(remember(n) for n in range(recipients)))
    finally:
        await store.close()


async def _statuses(database_url: str) -> tuple[dict[str, int], dict[str, int]]:
    store = await PostgresStore.open(database_url, max_size=1)
    try:
        ledger = Counter(str(d.get("status")) for d in (await store.all(LEDGER)).values())
        outbox = Counter(str(d.get("status")) for d in (await store.all("outbox")).values())
    finally:
        await store.close()
    return dict(ledger), dict(outbox)


async def _create_committee_in_playground(a: LiveBot, workdir: Path) -> Any:
    """The Playground pointed at A; its user creates the committee. Returns (process,
    client) so the chair's reminder can be awaited there."""
    from tools.playground import PlaygroundClient, PlaygroundProcess, ensure_node_modules

    await asyncio.to_thread(ensure_node_modules, ROOT)
    process = PlaygroundProcess(ROOT, a.endpoint, log_dir=workdir / "playground")
    await asyncio.to_thread(process.start)
    client = await PlaygroundClient(process.base_url, default_timeout=30).connect()
    personal = client.cfg.personal_chat_id
    await client.send(personal, "opret udvalg")
    [form] = await client.wait_for_messages(personal)
    await client.submit(personal, form["id"], COMMITTEE_FORM)
    [saved] = await client.wait_for_messages(personal)
    if not str(saved.get("text") or "").startswith(SAVED):
        raise RuntimeError(f"the committee was not saved: {saved.get('text')!r}")
    return process, client


async def run_two_instances(plan: FanoutPlan, workdir: Path, database_url: str) -> FanoutResult:
    """Run the scenario of the module docstring."""
    result = FanoutResult(plan)
    connector = FakeConnector()
    url = await connector.start()
    env = {
        "DATABASE_URL": database_url,
        "SENDER_CHECK_SECONDS": str(plan.check_seconds),
        "REMINDER_INTERVAL_SECONDS": "3600",
    }
    b = LiveBot(workdir / "b", workdir / "b.log", env=env, name="instance B")
    a = LiveBot(workdir / "a", workdir / "a.log", env=env, name="instance A")
    playground: Any = None
    client: Any = None
    first = 0
    kill_time = float("inf")
    chair_conversation = f"a:personal-{CHAIR}"
    try:
        started = time.perf_counter()
        result.start_seconds["B"] = await b.start()
        result.start_seconds["A"] = await a.start()
        result.senders_before = (await _sender(a), await _sender(b))
        for bot in (a, b):
            await bot.set_clock(BEFORE)
        if plan.playground:
            playground, client = await _create_committee_in_playground(a, workdir)
        else:
            await a.post(personal_activity(CHAIR, url, text="hej"))
            status = await a.post(personal_activity(CHAIR, url, value=COMMITTEE_FORM))
            if status not in (200, 201):
                raise RuntimeError(f"the committee form answered {status}")
        await _seed(database_url, url, plan.recipients)
        result.expected = plan.recipients + 1
        result.set_up_seconds = time.perf_counter() - started

        first = len(connector.received)
        counted = Reminders(connector, first)

        at_connector = plan.recipients + (0 if plan.playground else 1)
        result.tick_b = await b.set_clock(SEND_TIME)  # the fan-out starts on B
        result.tick_a = await a.set_clock(SEND_TIME)  # A's job at once: must send nothing
        if plan.kill_at is not None:
            threshold = round(plan.kill_at * at_connector)
            await connector.wait_for(
                lambda: counted.count() >= threshold, plan.timeout, f"{threshold} reminders"
            )
            connector.hold()  # what B sends from now on is never accepted
            await connector.wait_for(lambda: connector.held > 0, 10, "a held send")
            await asyncio.sleep(0.3)  # B marks the sends accepted before the hold
            result.delivered_before_kill = counted.count()
            result.started_per_second["B"] = await _started_per_second(b)
            result.held_at_kill = connector.held
            await b.kill()
            killed = time.perf_counter()
            kill_time = killed
            connector.release()
            while not await _sender(a):
                if time.perf_counter() - killed > 30:
                    raise TimeoutError(f"A did not take over:\n{a.log_tail()}")
                await asyncio.sleep(0.05)
            result.takeover_seconds = time.perf_counter() - killed
        await connector.wait_for(
            lambda: counted.recipients() >= at_connector,
            plan.timeout,
            f"{at_connector} reminders",
        )
        if client is not None:
            chair = await client.wait_for_messages(client.cfg.personal_chat_id, timeout=60)
            result.chair_reminders = sum(1 for m in chair if said(m).startswith(REMINDER))
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
        await connector.settled()
        if client is not None:
            extra = await client.drain()
            result.chair_reminders += sum(1 for m in extra if said(m).startswith(REMINDER))
        result.senders_after = (await _sender(a), await _sender(b))
        for name, bot in (("A", a), ("B", b)):
            if bot.running():
                result.started_per_second[name] = await _started_per_second(bot)
        for bot in (a, b):
            if bot.running():
                await bot.outbox_idle(60)
        result.ledger, result.outbox = await _statuses(database_url)
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()
        if playground is not None:
            await asyncio.to_thread(playground.stop)
        for bot in (a, b):
            with contextlib.suppress(Exception):
                await bot.terminate()
        await connector.stop()

    received = connector.received[first:]
    delivered = [r for r in received if r.delivered and r.label.startswith(REMINDER)]
    per_conversation = Counter(r.conversation_id for r in delivered)
    if not plan.playground:
        result.chair_reminders = per_conversation.get(chair_conversation, 0)
    in_playground = 1 if plan.playground and result.chair_reminders > 0 else 0
    result.delivered = len(per_conversation) + in_playground
    result.duplicates = sum(n - 1 for n in per_conversation.values()) + max(
        0, result.chair_reminders - 1
    )
    result.lost = result.expected - result.delivered
    result.requests = len(received)
    result.max_per_second = max_per_window(r.at for r in received)
    result.max_per_second_b = max_per_window(r.at for r in received if r.at < kill_time)
    result.max_per_second_a = max_per_window(r.at for r in received if r.at >= kill_time)
    before = [r.at for r in received if r.at < kill_time]
    after = [r.at for r in received if r.at >= kill_time]
    if plan.kill_at is not None and before and after:
        result.gap_seconds = min(after) - max(before)
    by_conversation: dict[str, list[float]] = {}
    for r in received:
        by_conversation.setdefault(r.conversation_id, []).append(r.at)
    result.max_per_conversation = max(map(max_per_window, by_conversation.values()), default=0)
    if delivered:
        result.fanout_seconds = delivered[-1].at - delivered[0].at
    return result
