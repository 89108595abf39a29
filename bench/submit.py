"""Submitting a status card with 10 000 replies already stored.

    .venv/bin/python bench/submit.py            # 10 000 stored replies, 1000 submits
    .venv/bin/python bench/submit.py --quick    # 2 000 stored replies, 200 submits

It builds the real app (``create_app``) on the default on-disk store (``TinyDBStore`` in a
temporary directory), stores a round, its leaders and N replies of 14 answers each with
comments, then times whole card submits through the router, as Teams would send them: the
form is validated, the reply is merged and written durably, and the confirmation is built.
The same submits against ``MemoryStore`` in the same run are the baseline (the code without
disk). Prints p50/p95/p99 and the target "p99 ≤ 20 ms"; never asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import SERVICES, Services, create_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import MemoryStore, TinyDBStore  # noqa: E402
from content.models import Status  # noqa: E402
from dialogs.router import Turn  # noqa: E402
from dialogs.status.models import Answer, Leader, Round, StatusReply  # noqa: E402
from dialogs.status.repository import LEADERS, REPLIES, reply_key  # noqa: E402
from dialogs.store import Store  # noqa: E402
from scheduler.clock import ManualClock  # noqa: E402

TZ = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2027, 5, 25, 10, 0, tzinfo=TZ)
IDS = [f"{p}.{n}" for p, count in ((1, 4), (2, 4), (3, 3), (4, 3)) for n in range(1, count + 1)]
COMMENT = "Vi har beskrevet serviceniveauet og drøftet det på LMU-mødet. " * 5


async def seed(store: Store, replies: int) -> Round:
    """A round of 14 målsætninger with ``replies`` leaders who have all answered."""
    keys = [f"leader-{n:05d}" for n in range(replies)]
    round_ = Round(
        id="forår-2027",
        name="Forår 2027",
        maalsaetninger=tuple(IDS),
        recipients=(*keys, "bench-user"),
        deadline=date(2027, 6, 9),
        opened_at=NOW - timedelta(days=1),
    )
    await store.put("status_rounds", round_.id, round_.model_dump(mode="json"))
    answers = tuple(Answer(maalsaetning=i, status=Status.PARTLY, comment=COMMENT) for i in IDS)
    await store.put_many(
        LEADERS, {k: Leader(user_id=k, unit="Bostøtte").model_dump(mode="json") for k in keys}
    )
    await store.put_many(
        REPLIES,
        {
            reply_key(round_.id, k): StatusReply(
                round_id=round_.id,
                user_id=k,
                unit="Bostøtte",
                answers=answers,
                first_at=NOW,
                updated_at=NOW,
            ).model_dump(mode="json")
            for k in keys
        },
    )
    await store.put(
        LEADERS, "bench-user", Leader(user_id="bench-user", unit="Botilbud").model_dump()
    )
    return round_


async def measure(services: Services, round_: Round, submits: int) -> list[float]:
    """Milliseconds per card submit, each a different comment."""
    dispatcher = services.bot.dispatcher
    times = []
    for n in range(submits):
        value = {
            "action": "status_submit",
            "round": round_.id,
            "page": 0,
            "status_1_1": "delvist",
            "comment_1_1": f"Status nummer {n}",
        }
        turn = Turn(
            text="",
            value=value,
            user_id="bench-user",
            conversation_id="a:bench",
            conversation_kind="personal",
            is_admin=False,
            now=NOW,
        )
        started = time.perf_counter()
        intent, replies = await dispatcher.dispatch(turn)
        times.append((time.perf_counter() - started) * 1000)
        assert intent == "submit:status_submit" and replies[0].text.startswith("Tak"), replies
    return times


async def run(store: Store, replies: int, submits: int) -> list[float]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = create_app(settings, store, ManualClock(NOW))[SERVICES]
    round_ = await seed(store, replies)
    times = await measure(services, round_, submits)
    stored = await services.status.repository.reply(round_.id, "bench-user")
    assert stored is not None and stored.answers[0].comment == f"Status nummer {submits - 1}"
    await store.close()
    return times


def line(name: str, times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return (
        f"{name:28} p50 {statistics.median(times):6.2f} ms   p95 {cuts[94]:6.2f} ms   "
        f"p99 {cuts[98]:6.2f} ms   max {max(times):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    replies, submits = (2_000, 200) if args.quick else (10_000, 1_000)
    memory = asyncio.run(run(MemoryStore(), replies, submits))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "strategibot.json"
        disk = asyncio.run(run(TinyDBStore(path), replies, submits))
        size = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
    print(
        f"Status submits with {replies} replies stored ({submits} submits, {size:.1f} MB on disk)"
    )
    print(line("MemoryStore (baseline)", memory))
    print(line("TinyDBStore (on disk)", disk))
    p99 = statistics.quantiles(disk, n=100)[98]
    print(f"target p99 ≤ 20 ms: {'met' if p99 <= 20 else 'NOT met'} ({p99:.2f} ms)")


if __name__ == "__main__":
    main()
