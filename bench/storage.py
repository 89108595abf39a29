"""Write latency, start-up and migration of the TinyDB files: partitioned vs. one file.

    .venv/bin/python bench/storage.py            # full run (a minute or two)
    .venv/bin/python bench/storage.py --quick    # smoke run for CI (several seconds)

What it measures, in one run on the same disk (a temporary directory; ``--dir`` to choose):

1. ``put`` latency p50/p99 of a status submit (a ~2 KB reply; every other one replaces an
   earlier one) with 0, 1 000 and 10 000 replies of ~2 KB stored over 20 rounds, for
   ``TinyDBStore`` (TinyDB files partitioned by table group, round and key: the default),
   TinyDB with everything in one file rewritten on every write (``WholeFileStore``, kept
   below: what "TinyDB used plainly" costs) and ``MemoryStore`` (the lower bound); and the
   longest the event loop was kept waiting meanwhile;
2. ``apply`` of a committee with 10 meetings (one file) and an ``apply`` across three files
   (intent + three files), and ``add`` claims of the reminder ledger;
3. time to open a store with 10 000 replies, and to migrate the previous engine's snapshot +
   journal with 10 000 documents;
4. a reminder fan-out: 1 000 outbox documents written one ``put`` at a time, and as one
   ``put_many``, into the 10 000-reply store.

The previous engine (a hand-written journal over one TinyDB-format snapshot, replaced by real
TinyDB) is no longer in the code; its figures, measured on the same machine before it was
removed, are printed beside as "before". Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import string
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.storage import MemoryStore, TinyDBStore  # noqa: E402
from dialogs.store import Change, Doc, Store  # noqa: E402

# The hand-written journal engine this store replaced, measured by its own benchmark (10 000
# replies in one round) on this machine (2 cores, other work running) in the same session.
BEFORE = {
    "put 0": "p50 0.15 ms, p99 0.24 ms",
    "put 1000": "p50 0.18 ms, p99 3.7 ms",
    "put 10000": "p50 0.14 ms, p99 3.9 ms; with its compactions p99 2.8 ms, loop lag max 21 ms",
    "open": "138 ms (snapshot only), 573 ms with a 10 000-entry journal",
    "fan-out": "0.52 s one put each, 0.033 s one put_many",
}

# --------------------------------------------------------------------------- the baseline
# TinyDB used plainly: everything in one file, rewritten whole (atomically) on every write.


class WholeFileStorage(Storage):
    """Writes the whole file atomically (temp, fsync, rename, fsync dir); caches it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._cache: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._cache is None:
            if not self.path.exists():
                return None
            self._cache = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        return self._cache

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._cache = data

    def close(self) -> None:
        self._cache = None


class _StringKeyTable(Table):
    document_id_class = str  # type: ignore[assignment]

    def _get_next_id(self) -> str:
        raise TypeError("documents in this store always have a key")


class _StringKeyDB(TinyDB):
    table_class = _StringKeyTable


class WholeFileStore(Store):
    """TinyDB with one file for everything, rewritten whole on every write."""

    def __init__(self, path: Path) -> None:
        self._db = _StringKeyDB(path, storage=WholeFileStorage)
        self._lock = asyncio.Lock()

    async def get(self, table: str, key: str) -> Doc | None:
        doc = self._db.table(table).get(doc_id=key)  # type: ignore[call-overload]
        return json.loads(json.dumps(dict(doc))) if doc is not None else None

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        plain = json.loads(json.dumps(doc))

        def replace(stored: MutableMapping[str, Any]) -> None:
            stored.clear()
            stored.update(plain)

        async with self._lock:
            tbl = self._db.table(table)
            if tbl.contains(doc_id=key):  # type: ignore[arg-type]
                tbl.update(replace, doc_ids=[key])  # type: ignore[list-item]
            else:
                tbl.insert(Document(plain, doc_id=key))  # type: ignore[arg-type]

    async def delete(self, table: str, key: str) -> bool:
        async with self._lock:
            tbl = self._db.table(table)
            if not tbl.contains(doc_id=key):  # type: ignore[arg-type]
                return False
            tbl.remove(doc_ids=[key])  # type: ignore[list-item]
            return True

    async def all(self, table: str) -> dict[str, Doc]:
        return {str(d.doc_id): dict(d) for d in self._db.table(table).all()}

    async def close(self) -> None:
        self._db.close()


# --------------------------------------------------------------------------- data


RNG = random.Random(20261123)
WORDS = [
    "".join(RNG.choices(string.ascii_lowercase + "æøå", k=RNG.randrange(3, 11))) for _ in range(400)
]


def status_reply(i: int, size: int = 2000) -> Doc:
    """A status reply of about ``size`` bytes of JSON."""
    rng = random.Random(i)
    answers: dict[str, str] = {}
    goal = 0
    while sum(len(a) + 12 for a in answers.values()) < size - 200:
        goal += 1
        answers[f"{1 + goal // 4}.{1 + goal % 4}"] = " ".join(rng.choices(WORDS, k=12))
    return {
        "round": f"round-{i % ROUNDS:02d}",
        "user_id": f"29:{i:08x}-aad",
        "unit": f"Enhed {i % 40}",
        "submitted": "2026-11-23T10:00:00+01:00",
        "answers": answers,
    }


def outbox_doc(i: int) -> Doc:
    """An enqueued reminder (about 400 bytes)."""
    return {
        "conversation_id": f"a:1{i:020d}",
        "reply": {"text": "Husk strategien på dagsordenen til mødet i morgen. " * 4, "card": None},
        "status": "queued",
        "seq": i,
        "attempts": 0,
        "enqueued": "2026-11-23T09:00:00+01:00",
    }


ROUNDS = 20


def reply_key(i: int) -> str:
    """The key of reply ``i``: 20 rounds, as ten years of half-yearly rounds leave them."""
    return f"round-{i % ROUNDS:02d}|leader-{i // ROUNDS:05d}"


def seed_file(path: Path, n: int) -> None:
    """One TinyDB file with ``n`` status replies (the whole-file baseline)."""
    tables = {"status_replies": {reply_key(i): status_reply(i) for i in range(n)}} if n else {}
    path.write_text(json.dumps(tables, ensure_ascii=False, separators=(",", ":")), "utf-8")


async def seed_store(store: Store, n: int) -> None:
    """``n`` status replies, a round at a time."""
    by_round: dict[str, dict[str, Doc]] = {}
    for i in range(n):
        key = reply_key(i)
        by_round.setdefault(key.split("|")[0], {})[key] = status_reply(i)
    for docs in by_round.values():
        await store.put_many("status_replies", docs)


# --------------------------------------------------------------------------- measuring


def pct(samples: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


class LoopLag:
    """The longest the event loop was kept from running a 1 ms timer."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, time.perf_counter() - start - 0.001)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def put_latencies(store: Store, n: int, existing: int) -> list[float]:
    """Time ``n`` status submits in the newest round; the handler yields in between."""
    samples: list[float] = []
    newest = (existing - 1) % ROUNDS if existing else 0
    in_round = [i for i in range(existing) if i % ROUNDS == newest]
    for i in range(n):
        if i % 2 == 0 or not in_round:
            key = f"round-{newest:02d}|new-{i:05d}"
        else:
            key = reply_key(in_round[i * 7919 % len(in_round)])
        doc = status_reply(10_000_000 + i)
        start = time.perf_counter()
        await store.put("status_replies", key, doc)
        samples.append(time.perf_counter() - start)
        await asyncio.sleep(0)
    return samples


def row(label: str, samples: list[float], extra: str = "") -> None:
    print(
        f"  {label:34} p50 {pct(samples, 50):8.3f} ms   p99 {pct(samples, 99):8.3f} ms"
        f"   max {max(samples) * 1000:8.2f} ms  (n={len(samples)}){extra}"
    )


async def bench_puts(work: Path, sizes: list[int], n_new: int, n_old: int) -> None:
    print(f"\n1. put latency of a status submit (~2 KB), N replies of ~2 KB over {ROUNDS} rounds")
    for existing in sizes:
        print(f" N = {existing}")
        directory = work / f"puts-one-file-{existing}"
        directory.mkdir()
        seed_file(directory / "strategibot.json", existing)
        whole = WholeFileStore(directory / "strategibot.json")
        row("TinyDB, one file (baseline)", await put_latencies(whole, n_old, existing))
        await whole.close()
        store = TinyDBStore(work / f"puts-{existing}" / "strategibot.json")
        await seed_store(store, existing)
        with LoopLag() as lag:
            samples = await put_latencies(store, n_new, existing)
        row("TinyDBStore (partitioned)", samples, f"  loop lag max {lag.worst * 1000:.1f} ms")
        await store.close()
        memory = MemoryStore()
        await seed_store(memory, existing)
        row("MemoryStore (lower bound)", await put_latencies(memory, n_new, existing))
        print(f"  {'before (journal engine)':34} {BEFORE[f'put {existing}']}")


async def bench_changes(work: Path, n: int) -> None:
    print("\n2. multi-document changes")
    store = TinyDBStore(work / "changes" / "strategibot.json")
    await seed_store(store, 1000)
    one_file, three_files, claims = [], [], []
    for i in range(n):
        committee = [("committees", f"c{i}", {"name": f"LMU {i}"})]
        meetings = [
            ("meetings", f"c{i}|m{m}", {"start": f"2027-01-{m + 1:02d}"}) for m in range(10)
        ]
        start = time.perf_counter()
        await store.apply(committee + meetings)
        one_file.append(time.perf_counter() - start)
        spread: list[Change] = [
            ("status_rounds", f"r{i}", {"n": i}),
            ("outbox", f"announce:r{i}", {"status": "queued"}),
            ("t", f"k{i}", {"n": i}),
        ]
        start = time.perf_counter()
        await store.apply(spread)
        three_files.append(time.perf_counter() - start)
        start = time.perf_counter()
        await store.add("reminder_ledger", f"c{i}|m0|aad-{i}", {"status": "sent"})
        claims.append(time.perf_counter() - start)
    row("apply: committee + 10 meetings", one_file, "  (one file)")
    row("apply across 3 files", three_files, "  (intent + 3 files)")
    row("add: a reminder ledger claim", claims)
    await store.close()


async def bench_open(work: Path, existing: int) -> None:
    print(f"\n3. opening a store with {existing} replies")
    path = work / "open" / "strategibot.json"
    store = TinyDBStore(path)
    await seed_store(store, existing)
    await store.close()
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        opened = TinyDBStore(path)
        timings.append(time.perf_counter() - start)
        await opened.close()
    files = [p for p in path.with_suffix("").rglob("*.json")]
    size = sum(p.stat().st_size for p in files)
    print(
        f"  TinyDBStore                        {min(timings) * 1000:8.1f} ms"
        f"   ({len(files)} files, {size / 1e6:.1f} MB)"
    )
    one = work / "open-one" / "strategibot.json"
    one.parent.mkdir()
    seed_file(one, existing)
    start = time.perf_counter()
    whole = WholeFileStore(one)
    await whole.get("status_replies", "x")
    print(f"  TinyDB, one file (baseline)        {(time.perf_counter() - start) * 1000:8.1f} ms")
    await whole.close()
    print(f"  before (journal engine)            {BEFORE['open']}")
    # The previous engine's files: a snapshot of all but the last 1 000, and those in its
    # journal (one JSON line per write), as a bot stopped by SIGKILL leaves them.
    legacy = work / "legacy" / "strategibot.json"
    legacy.parent.mkdir()
    keys = [reply_key(i) for i in range(existing)]
    snapshot = {"status_replies": {k: status_reply(i) for i, k in enumerate(keys[:-1000])}}
    legacy.write_text(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")), "utf-8")
    with open(legacy.with_name("strategibot.json.journal"), "w", encoding="utf-8") as journal:
        for i, key in enumerate(keys[-1000:], existing - 1000):
            line = {"op": "put", "t": "status_replies", "k": key, "d": status_reply(i)}
            journal.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    start = time.perf_counter()
    migrated = TinyDBStore(legacy)
    took = time.perf_counter() - start
    assert len(await migrated.keys("status_replies")) == existing
    print(
        f"  migrating the old snapshot+journal {took * 1000:8.1f} ms   (once, at the first start)"
    )
    await migrated.close()


async def bench_fanout(work: Path, existing: int, messages: int, n_old: int) -> None:
    print(f"\n4. reminder fan-out: {messages} outbox documents into a {existing}-reply store")

    async def timed(
        make: Callable[[Path], Store], write: Callable[[Store], Awaitable[None]]
    ) -> float:
        directory = Path(tempfile.mkdtemp(dir=work))
        path = directory / "strategibot.json"
        if make is WholeFileStore:
            seed_file(path, existing)
        store = make(path)
        if make is not WholeFileStore:
            await seed_store(store, existing)
        start = time.perf_counter()
        await write(store)
        took = time.perf_counter() - start
        await store.close()
        return took

    async def one_by_one(store: Store, count: int = messages) -> None:
        for i in range(count):
            await store.put("outbox", f"reminder:{i}", outbox_doc(i))

    async def batch(store: Store) -> None:
        await store.put_many("outbox", {f"reminder:{i}": outbox_doc(i) for i in range(messages)})

    async def old_sample(store: Store) -> None:
        await one_by_one(store, n_old)

    old = await timed(WholeFileStore, old_sample) * messages / n_old
    print(f"  TinyDB, one file, one put each     {old:8.2f} s  (from {n_old}, scaled)")
    print(f"  TinyDBStore, one put each          {await timed(TinyDBStore, one_by_one):8.3f} s")
    print(f"  TinyDBStore, one put_many          {await timed(TinyDBStore, batch):8.3f} s")
    print(f"  before (journal engine)            {BEFORE['fan-out']}")


async def run(work: Path, quick: bool) -> None:
    sizes = [0, 1000, 10_000]
    n_new, n_old = (300, 10) if quick else (2000, 50)
    await bench_puts(work, sizes, n_new, n_old)
    await bench_changes(work, 50 if quick else 300)
    await bench_open(work, 10_000)
    await bench_fanout(work, 10_000, 1000, 5 if quick else 20)


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer samples (for CI)")
    parser.add_argument("--dir", type=Path, help="where to put the files (default: a temp dir)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storage-bench-", dir=args.dir))
    size = len(json.dumps(status_reply(1), ensure_ascii=False, separators=(",", ":")).encode())
    print(
        f"Storage benchmark — Python {platform.python_version()}, {platform.system()}, "
        f"{os.cpu_count()} CPUs, files in {work}; a status reply is {size} bytes of JSON"
    )
    print("  target: a status submit with 10 000 replies stored at p99 <= 20 ms")
    try:
        asyncio.run(run(work, args.quick))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
