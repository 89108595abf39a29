"""SIGKILL during 1000 concurrent status submissions: confirmed means durable.

    .venv/bin/python bench/crash.py            # 100 leaders × 10 målsætninger (about 10 s)
    .venv/bin/python bench/crash.py --quick    # 40 leaders × 5 målsætninger (about 5 s)

What it does (:mod:`tools.crash`):

1. Starts a fake Bot Connector (127.0.0.1, free port) and the bot as a process
   (``python -m bot``, ``TEST_CLOCK=1``, a temporary ``DATA_DIR``).
2. Registers the leaders ("tilmeld som leder …", each from their own personal chat), has an
   admin approve each and open a round over the first målsætninger of the strategy.
3. Posts every leader's status for every målsætning at once (``status_submit`` card
   submits, each with its own status and a unique comment) and records which got the
   confirmation "Tak – din status for … er gemt" at the connector.
4. Kills the bot with SIGKILL once 40 % are confirmed, reads the data file as it lies on
   disk, starts the bot again on it (a leftover lock file must not stop it), stops it, and
   reads the data file again.
5. Prints sent / confirmed before the kill / present after the restart / lost (must be 0) /
   unconfirmed but present, and any answer altered, duplicated or stored for nothing.

The exit status is non-zero if a confirmed submission is lost or altered, an answer is
doubled, or the bot does not start again on the data.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.crash import CrashPlan, run_crash  # noqa: E402

FULL = CrashPlan(leaders=100, goals=10)
QUICK = CrashPlan(leaders=40, goals=5)


async def run(plan: CrashPlan) -> int:
    """Run the crash in a temporary directory and print the figures."""
    with tempfile.TemporaryDirectory(prefix="strategibot-crash-") as tmp:
        result = await run_crash(plan, Path(tmp))
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="200 submissions")
    parser.add_argument("--leaders", type=int, help="how many leaders (overrides --quick)")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share confirmed at the kill")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    plan = QUICK if args.quick else FULL
    plan = CrashPlan(leaders=args.leaders or plan.leaders, goals=plan.goals, kill_at=args.kill_at)
    return asyncio.run(run(plan))


if __name__ == "__main__":
    sys.exit(main())
