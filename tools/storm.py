"""A throttling storm against the real outbox: exactly-once delivery and deactivation.

:func:`run_storm` wires the bot as :func:`bot.app.create_app` does (a :class:`TinyDBStore` in
``data_dir``, the ``ConversationDirectory``, the botbuilder ``CloudAdapter`` and the
``Messenger``) and sends through a real :class:`~bot.outbox.Outbox` to a
:class:`~tools.fake_connector.FakeConnector` that, for ``duration`` seconds, answers a share
of sends ``429`` (half with ``Retry-After``, half without) and some ``502``/``504``; a few
conversations always answer ``403`` or ``404``. Messages are enqueued in waves while the storm
runs, so some reach conversations already deactivated.

:class:`StormResult` is counted at the fake connector, by each message's unique text: every
message to a healthy conversation accepted exactly once and in enqueue order, every dead
conversation asked exactly once, then marked inactive in the store with no further sends.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.app import SERVICES, create_app
from bot.conversations import TABLE as CONVERSATIONS
from bot.outbox import TABLE as OUTBOX
from bot.outbox import Outbox
from bot.settings import Settings
from bot.storage import TinyDBStore
from dialogs.replies import Reply
from scheduler.clock import SystemClock
from tools.fake_connector import FakeConnector, Faults, Received, first_message, max_per_window

GLOBAL_RATE = 30.0  # the outbox's defaults, for the rate-limit minimum
PER_CONVERSATION_RATE = 7.0


@dataclass(frozen=True)
class StormPlan:
    """How big the storm is."""

    healthy: int = 200  # conversations that accept messages (after the faults)
    per_conversation: int = 6  # messages to each conversation, one per wave
    forbidden: int = 5  # conversations that always answer 403
    gone: int = 5  # conversations that always answer 404
    duration: float = 60.0  # seconds of 429/5xx
    spread: float = 20.0  # the waves are enqueued over this many seconds
    throttle: float = 0.30
    transient: float = 0.05
    retry_after: tuple[str, ...] = ("1", "2")
    backoff_base: float = 1.0  # the outbox's default
    seed: int = 2024
    timeout: float = 600.0

    def conversations(self) -> tuple[list[str], dict[str, int]]:
        """The healthy conversation ids and the dead ones with their status."""
        healthy = [f"a:storm-{i:04d}" for i in range(self.healthy)]
        dead = {f"a:blocked-{i:02d}": 403 for i in range(self.forbidden)}
        dead.update({f"a:gone-{i:02d}": 404 for i in range(self.gone)})
        return healthy, dead


def message_text(conversation_id: str, n: int) -> str:
    """The unique text of message ``n`` to a conversation."""
    return f"Storm {conversation_id} #{n:03d}"


@dataclass
class StormResult:
    """What the connector and the store saw."""

    plan: StormPlan
    messages: int = 0  # enqueued, to every conversation
    expected: int = 0  # to healthy conversations
    delivered: int = 0  # distinct healthy messages accepted
    duplicates: int = 0  # accepted more than once (beyond the first)
    missing: int = 0  # never accepted
    out_of_order: int = 0  # healthy conversations whose messages arrived out of order
    requests: int = 0  # every send the connector got
    throttled: int = 0  # answered 429
    transient: int = 0  # answered 502/504
    dead_conversations: int = 0
    deactivated: int = 0  # dead conversations marked inactive in the store
    wrongly_deactivated: int = 0  # healthy conversations marked inactive
    dead_requests: int = 0  # sends to dead conversations (one each is right)
    skipped: int = 0  # messages the outbox dropped for a deactivated conversation
    retried: int = 0  # retries the outbox scheduled
    failed: int = 0  # messages the outbox gave up on
    not_sent_in_store: int = 0  # healthy messages whose outbox record is not ``sent``
    elapsed: float = 0.0  # outbox start until everything is done
    max_per_second: int = 0  # most requests in any one second at the connector
    max_per_conversation: int = 0  # … to any one conversation
    notes: list[str] = field(default_factory=list)

    @property
    def minimum(self) -> float:
        """Seconds the rate limits need for the messages alone (no retries)."""
        return max(self.expected / GLOBAL_RATE, self.plan.per_conversation / PER_CONVERSATION_RATE)

    @property
    def attempts_minimum(self) -> float:
        """Seconds the global rate limit needs for every request the connector got."""
        return self.requests / GLOBAL_RATE

    @property
    def ok(self) -> bool:
        """Exactly once, in order, and every dead conversation deactivated after one send."""
        return (
            self.delivered == self.expected
            and not (self.duplicates or self.missing or self.out_of_order)
            and self.deactivated == self.dead_conversations
            and self.dead_requests == self.dead_conversations
            and not (self.wrongly_deactivated or self.failed or self.not_sent_in_store)
        )

    def lines(self) -> list[str]:
        """The figures, one per line."""
        p = self.plan
        return [
            f"storm of {self.messages} messages to {p.healthy + p.forbidden + p.gone} "
            f"conversations ({p.forbidden} answer 403, {p.gone} answer 404), seed {p.seed}",
            f"  faults for {p.duration:.0f} s: {p.throttle:.0%} 429 (half with Retry-After "
            f"{'/'.join(p.retry_after)} s), {p.transient:.0%} 502/504",
            f"  requests               {self.requests}  (429: {self.throttled}, "
            f"502/504: {self.transient})",
            f"  delivered              {self.delivered} / {self.expected}",
            f"  duplicates             {self.duplicates}  (must be 0)",
            f"  missing                {self.missing}  (must be 0)",
            f"  out of order           {self.out_of_order} conversations  (must be 0)",
            f"  deactivated            {self.deactivated} / {self.dead_conversations}"
            f"  (sends to them: {self.dead_requests}, one each; skipped: {self.skipped})",
            f"  retried                {self.retried}",
            f"  failed                 {self.failed}  (must be 0)",
            f"  max requests/1 s       {self.max_per_second}  (limit {GLOBAL_RATE:.0f}; "
            f"per conversation {self.max_per_conversation}, limit {PER_CONVERSATION_RATE:.0f})",
            f"  elapsed                {self.elapsed:.2f} s",
            f"  rate-limit minimum     {self.minimum:.2f} s for the messages "
            f"({self.expected} / {GLOBAL_RATE:.0f} per second); {self.attempts_minimum:.2f} s "
            f"for every request",
            *(f"  note: {note}" for note in self.notes),
            "  result                 " + ("ok" if self.ok else "BROKEN"),
        ]


async def run_storm(plan: StormPlan, data_dir: Path) -> StormResult:
    """Run one storm (see the module docstring)."""
    healthy, dead = plan.conversations()
    faults = Faults(
        throttle=plan.throttle,
        transient=plan.transient,
        retry_after_values=plan.retry_after,
        seed=plan.seed,
    )
    connector = FakeConnector(faults=faults, dead=dead, latency=(0.0, 0.01), seed=plan.seed)
    result = StormResult(plan)
    store = TinyDBStore(data_dir / "strategibot.json")
    await connector.start()
    try:
        settings = Settings(_env_file=None, DATA_DIR=data_dir)
        services = create_app(settings, store, SystemClock())[SERVICES]
        now = datetime.now(UTC)
        for conversation_id in [*healthy, *dead]:
            user = conversation_id.removeprefix("a:")  # a user of one's own per conversation
            hello = first_message(user, connector.url, conversation_id)
            await services.conversations.remember(hello, now)
        deactivations: list[tuple[str, int]] = []
        notify = services.outbox.on_deactivated

        async def on_deactivated(conversation_id: str, status: int) -> None:
            deactivations.append((conversation_id, status))
            if notify is not None:
                await notify(conversation_id, status)

        # As create_app wires it; ``backoff_base`` may be shortened for a quick test.
        outbox = Outbox(
            store,
            services.messenger,
            clock=services.clock,
            on_deactivated=on_deactivated,
            backoff_base=plan.backoff_base,
        )
        everyone = [*healthy, *dead]

        async def enqueue_waves() -> None:
            for n in range(plan.per_conversation):
                for conversation_id in everyone:
                    key = f"storm:{conversation_id}:{n}"
                    await outbox.enqueue(
                        conversation_id, Reply(message_text(conversation_id, n)), key=key
                    )
                    result.messages += 1
                if n + 1 < plan.per_conversation:
                    await asyncio.sleep(plan.spread / max(1, plan.per_conversation - 1))

        started = time.perf_counter()
        faults.until = started + plan.duration
        await outbox.start()
        try:
            async with asyncio.timeout(plan.timeout):
                await enqueue_waves()
                await outbox.join()
        finally:
            result.elapsed = time.perf_counter() - started
            await outbox.stop()
        stats = outbox.stats()
        result.retried, result.failed, result.skipped = (
            stats["retried"],
            stats["failed"],
            stats["skipped"],
        )
        conversations = await store.all(CONVERSATIONS)
        records = await store.all(OUTBOX)
    finally:
        await connector.stop()
        await store.close()

    count_deliveries(result, connector.received, healthy, dead, plan)
    for conversation_id, status in dead.items():
        doc = conversations[conversation_id]
        marked = doc.get("deactivated") or {}
        if doc.get("active") is False and marked.get("status") == status:
            result.deactivated += 1
        else:
            result.notes.append(f"{conversation_id} not deactivated: {doc}")
    result.wrongly_deactivated = sum(1 for c in healthy if conversations[c].get("active") is False)
    for conversation_id in healthy:
        for n in range(plan.per_conversation):
            record = records.get(f"storm:{conversation_id}:{n}") or {}
            if record.get("status") != "sent":
                result.not_sent_in_store += 1
    if sorted(c for c, _ in deactivations) != sorted(dead):
        result.notes.append(f"on_deactivated was told {deactivations}")
    return result


def count_deliveries(
    result: StormResult,
    received: list[Received],
    healthy: list[str],
    dead: dict[str, int],
    plan: StormPlan,
) -> None:
    """Fill in ``result`` from what the connector received."""
    result.dead_conversations = len(dead)
    result.requests = len(received)
    result.throttled = sum(1 for r in received if r.status == 429)
    result.transient = sum(1 for r in received if r.status in (502, 504))
    result.dead_requests = sum(1 for r in received if r.conversation_id in dead)
    accepted = Counter(r.text for r in received if r.delivered)
    result.expected = len(healthy) * plan.per_conversation
    for conversation_id in healthy:
        texts = [message_text(conversation_id, n) for n in range(plan.per_conversation)]
        result.delivered += sum(1 for t in texts if accepted[t])
        result.missing += sum(1 for t in texts if not accepted[t])
        result.duplicates += sum(accepted[t] - 1 for t in texts if accepted[t] > 1)
        order = [r.text for r in received if r.delivered and r.conversation_id == conversation_id]
        if order != [t for t in texts if accepted[t]]:
            result.out_of_order += 1
    strays = [r for r in received if r.delivered and r.conversation_id in dead]
    if strays:
        result.notes.append(f"{len(strays)} messages accepted by dead conversations")
    result.max_per_second = max_per_window(r.at for r in received)
    per_conversation: dict[str, list[float]] = {}
    for r in received:
        per_conversation.setdefault(r.conversation_id, []).append(r.at)
    result.max_per_conversation = max(map(max_per_window, per_conversation.values()), default=0)
