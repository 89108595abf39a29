"""A throttling storm: the outbox delivers every message exactly once and drops dead chats.

    .venv/bin/python bench/storm.py            # 60 s of faults, 1260 messages (about 65 s)
    .venv/bin/python bench/storm.py --quick    # 10 s of faults, 360 messages (about 15 s)

What it does (:mod:`tools.storm`):

1. Starts a fake Bot Connector (127.0.0.1, free port) that, for the storm's duration, answers a
   seeded 30 % of sends ``429`` (half with ``Retry-After: 1`` or ``2``, half without) and 5 %
   ``502``/``504``; five conversations always answer ``403`` and five ``404``.
2. Wires the bot as ``create_app`` does, on a TinyDB file in a temporary directory: the
   conversations are stored with the fake connector as their ``serviceUrl``; the real
   ``Outbox`` sends through the real ``Messenger`` and botbuilder ``CloudAdapter``.
3. Enqueues one message to every conversation per wave, the waves spread over the first third
   of the storm (later waves find the dead conversations already deactivated), and waits until
   the outbox has nothing left.
4. Prints delivered / duplicates / missing / out of order, deactivated (and how many sends the
   dead conversations got: one each), retried, failed, the busiest second at the connector,
   the elapsed time and the rate-limit minimum for comparison.

The exit status is non-zero when a message is lost, duplicated or reordered, or a dead
conversation is not deactivated after its first refusal; timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.storm import StormPlan, run_storm  # noqa: E402

FULL = StormPlan(healthy=200, per_conversation=6, duration=60.0, spread=20.0)
QUICK = StormPlan(healthy=50, per_conversation=6, duration=10.0, spread=3.0)


async def run(plan: StormPlan) -> int:
    """Run the storm in a temporary directory and print the figures."""
    with tempfile.TemporaryDirectory(prefix="strategibot-storm-") as tmp:
        result = await run_storm(plan, Path(tmp))
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a 10 s storm")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--duration", type=float, help="seconds of faults")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    plan = replace(QUICK if args.quick else FULL, seed=args.seed)
    if args.duration:
        plan = replace(plan, duration=args.duration, spread=args.duration / 3)
    return asyncio.run(run(plan))


if __name__ == "__main__":
    sys.exit(main())
