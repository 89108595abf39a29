"""Write latency and start-up time of the data file: journal + snapshot vs. whole-file rewrite.

    .venv/bin/python bench/storage.py            # full run (about a minute)
    .venv/bin/python bench/storage.py --quick    # smoke run for CI (a few seconds)

What it measures, in one run on the same disk (a temporary directory; ``--dir`` to choose):

1. ``put`` latency p50/p99 of a status submit (a new ~2 KB document; every other one replaces
   an earlier one) with 0, 1 000 and 10 000 documents of ~2 KB already stored, for
   ``TinyDBStore`` (journal + snapshot), the previous whole-file-rewrite store (kept below as
   ``WholeFileStore``, the baseline) and ``MemoryStore`` (the lower bound);
2. the same with compactions running (a compaction every 500 writes) and the longest the event
   loop was kept waiting meanwhile, plus the time of one compaction of 10 000 documents;
3. time to open a 10 000-document store (snapshot only, and snapshot + a 10 000-entry journal
   as after a crash) and the file sizes;
4. a reminder fan-out: 1 000 outbox documents written one ``put`` at a time, and as one
   ``put_many``, into the 10 000-document store.

Figures are printed, never asserted.
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
from dialogs.store import Doc, Store  # noqa: E402

# --------------------------------------------------------------------------- the baseline
# The store as it was before the journal: TinyDB over a storage that rewrites the whole
# file atomically on every write.


class AtomicJSONStorage(Storage):
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
    """The previous TinyDBStore (one file, rewritten whole on every write)."""

    def __init__(self, path: Path) -> None:
        self._db = _StringKeyDB(path, storage=AtomicJSONStorage)
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
        "round": "2026-H2",
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


def seed_file(path: Path, n: int) -> None:
    """A TinyDB file with ``n`` status replies, as the bot would have after a restart."""
    tables = {"status_replies": {f"r{i}": status_reply(i) for i in range(n)}} if n else {}
    path.write_text(json.dumps(tables, ensure_ascii=False, separators=(",", ":")), "utf-8")


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
    """Time ``n`` status submits; the request handler yields to the loop in between."""
    samples: list[float] = []
    for i in range(n):
        key = f"r{existing + i}" if i % 2 == 0 or existing == 0 else f"r{i * 7919 % existing}"
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
    print("\n1. put latency of a status submit (~2 KB), with N documents of ~2 KB stored")
    for existing in sizes:
        print(f" N = {existing}")
        for name, n in (("WholeFileStore (old)", n_old), ("TinyDBStore (new)", n_new)):
            directory = work / f"puts-{name[:5]}-{existing}"
            directory.mkdir()
            path = directory / "strategibot.json"
            seed_file(path, existing)
            store: Store = WholeFileStore(path) if "old" in name else TinyDBStore(path)
            samples = await put_latencies(store, n, existing)
            await store.close()
            row(name, samples)
        memory = MemoryStore()
        await memory.put_many("status_replies", {f"r{i}": status_reply(i) for i in range(existing)})
        row("MemoryStore (lower bound)", await put_latencies(memory, n_new, existing))


async def bench_compaction(work: Path, existing: int, n: int) -> None:
    print(f"\n2. with compactions running (N = {existing}, a compaction every 500 writes)")
    path = work / "compaction" / "strategibot.json"
    path.parent.mkdir()
    seed_file(path, existing)
    store = TinyDBStore(path, compact_entries=500)
    with LoopLag() as lag:
        samples = await put_latencies(store, n, existing)
        while store.stats()["compacting"]:
            await asyncio.sleep(0.001)
    row("TinyDBStore put", samples, f"  loop lag max {lag.worst * 1000:.1f} ms")
    await store.put("status_replies", "one-more", status_reply(1))
    with LoopLag() as lag:
        start = time.perf_counter()
        await store.compact()
        took = time.perf_counter() - start
    print(
        f"  one compaction of {existing} documents   {took * 1000:8.1f} ms"
        f"   (loop lag max {lag.worst * 1000:.1f} ms; writes go on meanwhile)"
    )
    await store.close()


async def bench_open(work: Path, existing: int, journal_entries: int) -> None:
    print(f"\n3. opening a store with {existing} documents")
    directory = work / "open"
    directory.mkdir()
    path = directory / "strategibot.json"
    seed_file(path, existing)
    store = TinyDBStore(path)
    await store.close()
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        opened = TinyDBStore(path)
        timings.append(time.perf_counter() - start)
        del opened  # lets go of the lock
    print(f"  snapshot only                      {min(timings) * 1000:8.1f} ms")
    start = time.perf_counter()
    old = WholeFileStore(path)
    await old.get("status_replies", "r1")
    print(f"  WholeFileStore (old), same file    {(time.perf_counter() - start) * 1000:8.1f} ms")
    await old.close()
    store = TinyDBStore(path, compact_entries=10**9, compact_bytes=2**40)
    for i in range(journal_entries):
        await store.put("status_replies", f"r{i * 7 % existing}", status_reply(20_000_000 + i))
    journal = path.with_name(path.name + ".journal")
    del store  # as after a crash: no close(), the journal is not compacted
    start = time.perf_counter()
    reopened = TinyDBStore(path)
    took = time.perf_counter() - start
    print(f"  snapshot + {journal_entries}-entry journal     {took * 1000:8.1f} ms")
    size, jsize = path.stat().st_size, journal.stat().st_size
    print(f"  snapshot {size / 1e6:.1f} MB, journal {jsize / 1e6:.1f} MB")
    await reopened.close()
    print(f"  after close(): snapshot {path.stat().st_size / 1e6:.1f} MB, journal 0 MB")


async def bench_fanout(work: Path, existing: int, messages: int, n_old: int) -> None:
    print(f"\n4. reminder fan-out: {messages} outbox documents into a {existing}-document store")

    async def timed(
        make: Callable[[Path], Store], write: Callable[[Store], Awaitable[None]]
    ) -> float:
        directory = Path(tempfile.mkdtemp(dir=work))
        path = directory / "strategibot.json"
        seed_file(path, existing)
        store = make(path)
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
    print(f"  WholeFileStore, one put each       {old:8.2f} s  (from {n_old}, scaled)")
    print(f"  TinyDBStore, one put each          {await timed(TinyDBStore, one_by_one):8.3f} s")
    print(f"  TinyDBStore, one put_many          {await timed(TinyDBStore, batch):8.3f} s")


async def run(work: Path, quick: bool) -> None:
    sizes = [0, 1000, 10_000]
    n_new, n_old = (300, 20) if quick else (2000, 100)
    await bench_puts(work, sizes, n_new, n_old)
    await bench_compaction(work, 10_000, 600 if quick else 3000)
    await bench_open(work, 10_000, 2000 if quick else 10_000)
    await bench_fanout(work, 10_000, 1000, 10 if quick else 50)


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
