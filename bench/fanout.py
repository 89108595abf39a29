"""Fan-out of 1000 committees' reminders through the outbox, against a throttling connector.

    .venv/bin/python bench/fanout.py            # 1000 conversations (about 35 s)
    .venv/bin/python bench/fanout.py --quick    # 200 conversations (about 7 s)

What it does:

1. Starts a fake Bot Connector (:class:`tools.fake_connector.FakeConnector`: aiohttp,
   127.0.0.1, free port) that answers a seeded random 5 % of sends with ``429`` +
   ``Retry-After: 1`` and the rest with ``200``, and records every request: conversation, text,
   status, time.
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapter import create_adapter  # noqa: E402
from bot.conversations import ConversationDirectory  # noqa: E402
from bot.messenger import Messenger  # noqa: E402
from bot.outbox import Outbox  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import MemoryStore  # noqa: E402
from dialogs.replies import Reply  # noqa: E402
from tools.fake_connector import FakeConnector, Faults, first_message, max_per_window  # noqa: E402

GLOBAL_RATE = 30.0
PER_CONVERSATION_RATE = 7.0
TARGET_RATIO = 1.2
ERROR_TEXT = "fejl"


def conversation(index: int) -> str:
    """The personal chat of committee ``index``'s chair with the bot."""
    return f"a:committee-{index:04d}"


async def run(messages: int, seed: int, throttle_share: float) -> int:
    """Run the fan-out; returns the exit status."""
    throttled = Faults(throttle=throttle_share, retry_after_share=1.0, transient=0.0, seed=seed)
    connector = FakeConnector(faults=throttled)
    service_url = await connector.start()

    try:
        store = MemoryStore()
        directory = ConversationDirectory(store)
        now = datetime.now(UTC)
        for i in range(messages):
            chair = f"chair-{i:04d}"  # committee i's chair, in their personal chat
            await directory.remember(first_message(chair, service_url, conversation(i)), now)
        adapter = create_adapter(Settings(_env_file=None), ERROR_TEXT)
        send = Messenger(adapter, directory, "").send
        dispatched: list[float] = []

        async def sender(conversation_id: str, reply: Reply) -> object:
            dispatched.append(time.perf_counter())
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
            await outbox.enqueue(conversation(i), reply, key=key)

        started = time.perf_counter()
        await outbox.start()
        await outbox.join()
        elapsed = time.perf_counter() - started
        await outbox.stop()
        stats = outbox.stats()
    finally:
        await connector.stop()

    requests = connector.received
    accepted = Counter(r.conversation_id for r in connector.delivered())
    expected = {conversation(i) for i in range(messages)}
    delivered = len(expected & set(accepted))
    duplicates = sum(n - 1 for n in accepted.values() if n > 1)
    lost = len(expected - set(accepted))
    apologies = sum(1 for r in requests if r.text == ERROR_TEXT)
    refused = sum(1 for r in requests if r.status == 429)
    per_conversation = connector.per_conversation().values()
    minimum = messages / GLOBAL_RATE
    ratio = elapsed / minimum

    print(f"fan-out of {messages} reminders to {messages} conversations (seed {seed})")
    print(f"  connector answered 429 + Retry-After: 1 to {throttle_share:.0%} of sends")
    print(f"  requests               {len(requests)}  (429s: {refused})")
    print(f"  delivered              {delivered} / {messages}")
    print(f"  duplicates             {duplicates}  (must be 0)")
    print(f"  lost                   {lost}  (must be 0)")
    print(f"  error texts posted     {apologies}  (must be 0)")
    print(f"  retried                {stats['retried']}")
    print(f"  failed                 {stats['failed']}")
    print(f"  max sends started/1 s  {max_per_window(dispatched)}  (limit {GLOBAL_RATE:.0f})")
    print(
        f"  max arrivals/1 s       {max_per_window(r.at for r in requests)}"
        "  (at the connector, with network and thread-pool jitter)"
    )
    print(
        f"  max per conversation   "
        f"{max(max_per_window(r.at for r in rs) for rs in per_conversation)}"
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
