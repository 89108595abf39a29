"""Cost of the reminders' job that runs every minute, against how many meetings are stored.

    .venv/bin/python bench/tick.py            # 100 and 10 000 meetings, 200 runs each
    .venv/bin/python bench/tick.py --quick    # 100 and 2 000 meetings, 50 runs

What it does, for each size N:

1. Seeds an in-memory store (the same code as the TinyDB files, without the disk) with N/50
   committees of 50 weekly meetings each, half of them in the past with their reminders in
   the ledger (N ledger entries), every chair reachable.
2. Runs the job once (the start-up run: it reads the stored plans and builds the index of
   send times), then times it minute by minute with nothing due: what it costs every minute.
3. Times the same minute done as the job did before the index (every committee, meeting,
   ledger entry and snooze read and planned; with today's faster sorting and send-time
   cache, so the job before this change cost more still), and one run after a change of
   plans (the index is read again), for comparison.

Prints p50 and p99 in milliseconds. Timings are reported, never asserted; the tests
(``tests/dialogs/reminders/test_caps.py``) check that a quiet minute reads no table whole.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.storage import MemoryStore  # noqa: E402
from content import load_content  # noqa: E402
from dialogs.reminders.due import plan, reminder_key  # noqa: E402
from dialogs.reminders.models import Committee, Meeting, Person  # noqa: E402
from dialogs.reminders.repository import (  # noqa: E402
    LEDGER,
    ReminderRepository,
    committee_change,
    meeting_change,
)
from dialogs.reminders.service import ReminderService  # noqa: E402
from dialogs.replies import Reply  # noqa: E402
from scheduler.clock import ManualClock  # noqa: E402

TZ = ZoneInfo("Europe/Copenhagen")
START = datetime(2027, 3, 1, 10, 0, tzinfo=TZ)
PER_COMMITTEE = 50


class Accepting:
    """A delivery that takes every message (nothing is due in the timed minutes anyway)."""

    async def send(self, recipient: str, reply: Reply, key: str) -> bool:
        return True

    async def reachable(self, user_id: str) -> bool:
        return True

    async def refused(self, recipient: str) -> int | None:
        return None

    async def send_to_admins(self, reply: Reply, key: str) -> int:
        return 0


async def seeded(meetings: int) -> tuple[ReminderService, ManualClock]:
    store = MemoryStore()
    repository = ReminderRepository(store)
    clock = ManualClock(START)
    changes = []
    ledger = {}
    for c in range(meetings // PER_COMMITTEE):
        committee = Committee(
            id=f"lmu-{c}", name=f"LMU {c}", kind="LMU", chair=Person(user_id=f"aad-{c}")
        )
        changes.append(committee_change(committee))
        for w in range(PER_COMMITTEE):
            start = START + timedelta(weeks=w - PER_COMMITTEE // 2, days=c % 5, hours=3)
            meeting = Meeting(id=f"m{w}", committee_id=committee.id, start=start)
            changes.append(meeting_change(meeting))
            if start < START:
                key = reminder_key(meeting, f"user:{committee.chair.user_id}")
                ledger[key] = {"status": "sent", "at": (start - timedelta(days=7)).isoformat()}
    await repository.apply(changes)
    await store.put_many(LEDGER, ledger)
    service = ReminderService(repository, clock, load_content(), TZ, Accepting())
    return service, clock


def timed(runs: int, step: Callable[[], Awaitable[object]]) -> list[float]:
    async def all_runs() -> list[float]:
        found = []
        for _ in range(runs):
            began = time.perf_counter()
            await step()
            found.append((time.perf_counter() - began) * 1000)
        return found

    return asyncio.run(all_runs())


def summary(ms: list[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):8.3f} ms   p99 {p99:8.3f} ms"


def measure(meetings: int, runs: int) -> None:
    service, clock = asyncio.run(seeded(meetings))
    asyncio.run(service.tick())  # the start-up run: reads the plans, sends what is due

    async def quiet_minute() -> None:
        clock.advance(timedelta(minutes=1))
        counts = await service.tick()
        assert not counts, counts  # nothing due in these minutes

    async def full_scan() -> None:  # the job before the index
        repo, now = service.repository, clock.now()
        plan(now, await repo.committees(), await repo.meetings(), service.policy, service.tz,
             await repo.handled(now), await repo.snoozed())  # fmt: skip

    async def after_a_change() -> None:
        [committee, *_] = await service.repository.committees()
        await service.repository.save_committee(committee)  # a new token: read again
        await service.tick()

    indexed = timed(runs, quiet_minute)
    scan = timed(max(runs // 10, 5), full_scan)
    rebuilt = timed(max(runs // 10, 5), after_a_change)
    print(f"{meetings:6d} meetings  every minute (indexed)   {summary(indexed)}")
    print(f"{meetings:6d} meetings  every minute (read all)  {summary(scan)}")
    print(f"{meetings:6d} meetings  after a change of plans  {summary(rebuilt)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes, runs = ((100, 2_000), 50) if args.quick else ((100, 10_000), 200)
    for size in sizes:
        measure(size, runs)


if __name__ == "__main__":
    main()
