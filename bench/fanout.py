"""Fan-out of 1000 committees' reminders through the outbox, against a throttling connector.

    .venv/bin/python bench/fanout.py            # 1000 conversations (about 35 s)
    .venv/bin/python bench/fanout.py --quick    # 200 conversations (about 7 s)

What it does:

1. Starts a fake Bot Connector (aiohttp, 127.0.0.1, free port) that answers a seeded random
   5 % of sends with ``429`` + ``Retry-After: 1`` and the rest with ``200``, and records every
   request: conversation, text, status, time.
2. Stores one conversation reference per committee (1000 distinct personal chats, through
   ``ConversationDirectory.remember``, pointing at the fake connector) in a ``MemoryStore``.
3. Enqueues one reminder per committee (key ``reminder:<committee>:<meeting>:<recipient>``)
   in the real :class:`bot.outbox.Outbox`, which sends through the real ``Messenger`` and
   botbuilder ``CloudAdapter`` (``bot.adapter.create_adapter``), and times start → all sent.
4. Prints delivered, duplicates, lost, retried, the most sends the outbox started in any one
   second and the most requests the connector received in any one second (overall and per
   conversation; arrivals carry network and thread-pool jitter), the total time, and the
   rate-limit minimum (N / 30 per second) with the ratio against its 1.2 target.

The exit status is non-zero only if a reminder is lost or duplicated (or the bot posted its
error text); timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapter import create_adapter  # noqa: E402
from bot.conversations import ConversationDirectory  # noqa: E402
from bot.messenger import Messenger  # noqa: E402
from bot.outbox import Outbox  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import MemoryStore  # noqa: E402
from dialogs.replies import Reply  # noqa: E402

GLOBAL_RATE = 30.0
PER_CONVERSATION_RATE = 7.0
TARGET_RATIO = 1.2
ERROR_TEXT = "fejl"


@dataclass
class FakeConnector:
    """Accepts the bot's posts; a seeded share of them gets 429 + Retry-After."""

    throttle_share: float
    retry_after: str
    rng: random.Random
    requests: list[tuple[float, str, str, int]] = field(default_factory=list)

    async def activities(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = request.match_info["conversation"]
        status = 429 if self.rng.random() < self.throttle_share else 200
        self.requests.append((time.monotonic(), conversation, str(body.get("text")), status))
        if status == 429:
            error = {"error": {"code": "Throttled", "message": "Too many requests"}}
            return web.json_response(error, status=429, headers={"Retry-After": self.retry_after})
        return web.json_response({"id": f"activity-{len(self.requests)}"})

    def app(self) -> web.Application:
        app = web.Application()
        for path in (
            "/v3/conversations/{conversation}/activities",
            "/v3/conversations/{conversation}/activities/{activity}",
        ):
            app.router.add_post(path, self.activities)
        return app


def max_per_window(times: list[float], width: float = 1.0) -> int:
    """The most requests in any window ``(t - width, t]``."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - width:
            start += 1
        best = max(best, end - start + 1)
    return best


def committee_activity(index: int, service_url: str) -> Activity:
    """A message from committee ``index``'s chair in their personal chat with the bot."""
    return Activity(
        type="message",
        channel_id="msteams",
        service_url=service_url,
        from_property=ChannelAccount(id=f"29:chair-{index:04d}", aad_object_id=f"aad-{index}"),
        recipient=ChannelAccount(id="28:strategibot", name="Strategibot"),
        conversation=ConversationAccount(
            id=f"a:committee-{index:04d}", conversation_type="personal", tenant_id="norddjurs"
        ),
    )


async def run(messages: int, seed: int, throttle_share: float) -> int:
    """Run the fan-out; returns the exit status."""
    connector = FakeConnector(throttle_share, "1", random.Random(seed))
    runner = web.AppRunner(connector.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    service_url = f"http://127.0.0.1:{port}/"

    try:
        store = MemoryStore()
        directory = ConversationDirectory(store)
        now = datetime.now(UTC)
        for i in range(messages):
            await directory.remember(committee_activity(i, service_url), now)
        adapter = create_adapter(Settings(_env_file=None), ERROR_TEXT)
        send = Messenger(adapter, directory, "").send
        dispatched: list[float] = []

        async def sender(conversation_id: str, reply: Reply) -> object:
            dispatched.append(time.monotonic())
            return await send(conversation_id, reply)

        outbox = Outbox(
            store,
            sender,
            global_rate=GLOBAL_RATE,
            per_conversation_rate=PER_CONVERSATION_RATE,
            rng=random.Random(seed),
        )
        for i in range(messages):
            reply = Reply(f"Påmindelse {i:04d}: strategien er fast punkt på dagsordenen")
            key = f"reminder:committee-{i:04d}:2026-12-01T13:00:chair-{i:04d}"
            await outbox.enqueue(f"a:committee-{i:04d}", reply, key=key)

        started = time.monotonic()
        await outbox.start()
        await outbox.join()
        elapsed = time.monotonic() - started
        await outbox.stop()
        stats = outbox.stats()
    finally:
        await runner.cleanup()

    accepted = Counter(c for _, c, _, status in connector.requests if status == 200)
    expected = {f"a:committee-{i:04d}" for i in range(messages)}
    delivered = len(expected & set(accepted))
    duplicates = sum(n - 1 for n in accepted.values() if n > 1)
    lost = len(expected - set(accepted))
    apologies = sum(1 for _, _, text, _ in connector.requests if text == ERROR_TEXT)
    throttled = sum(1 for *_, status in connector.requests if status == 429)
    times = [t for t, *_ in connector.requests]
    per_conversation: dict[str, list[float]] = {}
    for t, c, _, _ in connector.requests:
        per_conversation.setdefault(c, []).append(t)
    minimum = messages / GLOBAL_RATE
    ratio = elapsed / minimum

    print(f"fan-out of {messages} reminders to {messages} conversations (seed {seed})")
    print(f"  connector answered 429 + Retry-After: 1 to {throttle_share:.0%} of sends")
    print(f"  requests               {len(connector.requests)}  (429s: {throttled})")
    print(f"  delivered              {delivered} / {messages}")
    print(f"  duplicates             {duplicates}  (must be 0)")
    print(f"  lost                   {lost}  (must be 0)")
    print(f"  error texts posted     {apologies}  (must be 0)")
    print(f"  retried                {stats['retried']}")
    print(f"  failed                 {stats['failed']}")
    print(f"  max sends started/1 s  {max_per_window(dispatched)}  (limit {GLOBAL_RATE:.0f})")
    print(
        f"  max arrivals/1 s       {max_per_window(times)}"
        "  (at the connector, with network and thread-pool jitter)"
    )
    print(
        f"  max per conversation   {max(map(max_per_window, per_conversation.values()))}"
        f"  (limit {PER_CONVERSATION_RATE:.0f})"
    )
    print(f"  total time             {elapsed:.2f} s")
    print(f"  rate-limit minimum     {minimum:.2f} s  ({messages} / {GLOBAL_RATE:.0f} per second)")
    print(f"  ratio                  {ratio:.3f}  (target ≤ {TARGET_RATIO})")
    broken = lost or duplicates or apologies or delivered != messages
    print("  result                 " + ("BROKEN" if broken else "ok"))
    return 1 if broken else 0


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="200 messages instead of 1000")
    parser.add_argument("--messages", type=int, help="how many committees (overrides --quick)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--throttle", type=float, default=0.05, help="share answered 429")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    messages = args.messages or (200 if args.quick else 1000)
    return asyncio.run(run(messages, args.seed, args.throttle))


if __name__ == "__main__":
    sys.exit(main())
