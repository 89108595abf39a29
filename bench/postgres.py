"""PostgreSQL: status submits with 10 000 replies, start-up with that data, two instances.

    .venv/bin/python bench/postgres.py            # everything (about 3 minutes)
    .venv/bin/python bench/postgres.py --quick    # 2 000 replies, 200 submits, 300 reminders

A throw-away server (``tools/postgres_server.py``, ``fsync`` on, as in production) is
started in a temporary directory. Then:

1. **Status submits**: the real app (``create_app``) on :class:`bot.postgres.PostgresStore`
   with 20 rounds of 500 leaders' replies (14 answers with comments each: 10 000 replies)
   times whole card submits through the router, as ``bench/submit.py`` does on TinyDB; the
   same submits on ``MemoryStore`` are printed beside them (the code without storage).
2. **Start-up** with that data: ``python -m bot`` with ``DATABASE_URL`` until ``/healthz``
   answers, and opening the store (connect, migrations checked, documents counted) alone.
3. **Two instances, fan-out** (:mod:`tools.two_instances`, without the Playground: the
   committee is created through A by a card submit): 1000 reminders, once with no kill and
   once with a SIGKILL of the sender after 40 %, against the rate-limit minimum (N / 30 s).
4. **Crash** (:mod:`tools.crash`, as ``bench/crash.py`` on TinyDB): 1000 concurrent status
   submits, SIGKILL after 40 % are confirmed, restart: lost and doubled must be 0.

Figures are printed, never asserted; the exit status is non-zero only if a reminder is lost
or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.submit import measure  # noqa: E402
from bot.app import SERVICES, create_app  # noqa: E402
from bot.postgres import PostgresStore  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import MemoryStore  # noqa: E402
from content.models import Status  # noqa: E402
from dialogs.status.models import Answer, Leader, Round, StatusReply  # noqa: E402
from dialogs.status.repository import LEADERS, REPLIES, ROUNDS, reply_key  # noqa: E402
from dialogs.store import Store  # noqa: E402
from scheduler.clock import ManualClock  # noqa: E402
from tools.crash import CrashPlan, run_crash  # noqa: E402
from tools.live_bot import LiveBot  # noqa: E402
from tools.postgres_server import TempPostgres  # noqa: E402
from tools.two_instances import FanoutPlan, run_two_instances  # noqa: E402

TZ = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2027, 5, 25, 10, 0, tzinfo=TZ)
IDS = [f"{p}.{n}" for p, count in ((1, 4), (2, 4), (3, 3), (4, 3)) for n in range(1, count + 1)]
COMMENT = "Vi har beskrevet serviceniveauet og drøftet det på LMU-mødet. " * 5
ROUNDS_COUNT = 20


async def seed(store: Store, replies: int) -> Round:
    """``ROUNDS_COUNT`` rounds of ``replies / ROUNDS_COUNT`` answered leaders each; the bench
    user is asked in the newest one."""
    per_round = replies // ROUNDS_COUNT
    keys = [f"leader-{n:05d}" for n in range(per_round)]
    await store.put_many(
        LEADERS, {k: Leader(user_id=k, unit="Bostøtte").model_dump(mode="json") for k in keys}
    )
    await store.put(
        LEADERS, "bench-user", Leader(user_id="bench-user", unit="Botilbud").model_dump()
    )
    answers = tuple(Answer(maalsaetning=i, status=Status.PARTLY, comment=COMMENT) for i in IDS)
    newest: Round | None = None
    for r in range(ROUNDS_COUNT):
        opened = NOW - timedelta(days=180 * (ROUNDS_COUNT - r))
        newest = Round(
            id=f"runde-{r:02d}",
            name=f"Runde {r:02d}",
            maalsaetninger=tuple(IDS),
            recipients=(*keys, "bench-user"),
            deadline=date(2027, 6, 9) if r == ROUNDS_COUNT - 1 else opened.date(),
            opened_at=opened if r < ROUNDS_COUNT - 1 else NOW - timedelta(days=1),
        )
        await store.put(ROUNDS, newest.id, newest.model_dump(mode="json"))
        await store.put_many(
            REPLIES,
            {
                reply_key(newest.id, k): StatusReply(
                    round_id=newest.id,
                    user_id=k,
                    unit="Bostøtte",
                    answers=answers,
                    first_at=NOW,
                    updated_at=NOW,
                ).model_dump(mode="json")
                for k in keys
            },
        )
    assert newest is not None
    return newest


async def submits_on(store: Store, replies: int, submits: int) -> list[float]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = create_app(settings, store, ManualClock(NOW))[SERVICES]
    round_ = await seed(store, replies)
    times = await measure(services, round_, submits)
    stored = await services.status.repository.reply(round_.id, "bench-user")
    assert stored is not None and stored.answers[0].comment == f"Status nummer {submits - 1}"
    return times


def line(name: str, times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return (
        f"  {name:26} p50 {statistics.median(times):6.2f} ms   p95 {cuts[94]:6.2f} ms   "
        f"p99 {cuts[98]:6.2f} ms   max {max(times):6.2f} ms"
    )


async def submit_bench(server: TempPostgres, replies: int, submits: int) -> str:
    """Part 1 and 2; returns the URL of the seeded database."""
    memory = await submits_on(MemoryStore(), replies, submits)
    url = server.create_database("bench_submit")
    store = await PostgresStore.open(url)
    try:
        on_postgres = await submits_on(store, replies, submits)
        size = await _size(store)
    finally:
        await store.close()
    print(
        f"Status submits with {replies} replies in {ROUNDS_COUNT} rounds stored "
        f"({submits} submits; the documents table is {size / 1e6:.1f} MB)"
    )
    print(line("MemoryStore (no storage)", memory))
    print(line("PostgreSQL (fsync on)", on_postgres))
    p99 = statistics.quantiles(on_postgres, n=100)[98]
    print(f"  target p99 ≤ 20 ms: {'met' if p99 <= 20 else 'NOT met'} ({p99:.2f} ms)")
    return url


async def _size(store: PostgresStore) -> int:
    async with store.pool.connection() as conn:
        cursor = await conn.execute("SELECT pg_total_relation_size('documents')")
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def startup_bench(url: str, workdir: Path) -> None:
    opens = []
    for _ in range(5):
        started = time.perf_counter()
        store = await PostgresStore.open(url)
        opens.append(time.perf_counter() - started)
        documents = store.stats()["documents"]
        await store.close()
    bot = LiveBot(workdir / "data", workdir / "bot.log", env={"DATABASE_URL": url})
    starts = []
    for _ in range(3):
        starts.append(await bot.start())
        await bot.terminate()
    print(f"Start-up with that data ({documents} documents)")
    print(
        f"  python -m bot until /healthz answers: {statistics.median(starts):.2f} s "
        f"(median of {len(starts)}; min {min(starts):.2f} s)"
    )
    print(
        f"  opening the store (connect, migrations checked, count): "
        f"{statistics.median(opens) * 1000:.0f} ms"
    )


async def fanout_bench(server: TempPostgres, recipients: int, workdir: Path) -> int:
    broken = 0
    for name, kill_at in (("nokill", None), ("kill", 0.4)):
        url = server.create_database(f"bench_fanout_{name}")
        plan = FanoutPlan(recipients=recipients, kill_at=kill_at, playground=False)
        result = await run_two_instances(plan, workdir / name, url)
        print("\n".join(result.lines()))
        broken += not result.ok
    return broken


async def run(quick: bool) -> int:
    replies, submits, recipients = (2_000, 200, 300) if quick else (10_000, 1_000, 1_000)
    server = TempPostgres.start(durable=True)
    try:
        print(f"throw-away PostgreSQL started in {server.start_seconds:.2f} s (fsync on)")
        with tempfile.TemporaryDirectory(prefix="strategibot-bench-pg-") as tmp:
            url = await submit_bench(server, replies, submits)
            await startup_bench(url, Path(tmp))
            broken = await fanout_bench(server, recipients, Path(tmp))
            crash = CrashPlan(leaders=40, goals=5) if quick else CrashPlan(leaders=100, goals=10)
            url = server.create_database("bench_crash")
            crashed = await run_crash(crash, Path(tmp) / "crash", database_url=url)
            print("\n".join(crashed.lines()))
            broken += not crashed.ok
    finally:
        server.stop()
    return 1 if broken else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(run(args.quick))


if __name__ == "__main__":
    sys.exit(main())
