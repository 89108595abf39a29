"""SIGKILL a process that is writing to a TinyDBStore; every confirmed write must survive.

The child (:mod:`tests.bot.storage_writer`) prints a line after each write returned. The
parent kills it after a number of confirmations and reopens the files: the data must be the
state after exactly the confirmed operations, or after one more (the write in progress may or
may not have reached the disk), with every document byte for byte.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage import TinyDBStore, read_data
from tests.bot.storage_writer import TABLE, expected, seed_document

ROOT = Path(__file__).resolve().parents[2]


def kill_after(path: Path, confirmations: int, compact_entries: int, seed: int) -> tuple[int, int]:
    """Run the writer, SIGKILL it after ``confirmations`` writes; (confirmed, while compacting)."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.bot.storage_writer",
            str(path),
            str(compact_entries),
            str(seed),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    confirmed = during_compaction = 0
    try:
        assert child.stdout.readline() == "seeded\n", child.stderr and child.stderr.read()
        for line in child.stdout:
            _, number, compacting = line.split()
            assert int(number) == confirmed
            confirmed += 1
            during_compaction += int(compacting)
            if confirmed == confirmations:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=10)
    # Lines printed after the kill signal went out are confirmations too.
    for line in child.stdout:
        if line.startswith("ok "):
            confirmed += 1
    assert child.returncode == -signal.SIGKILL, child.stderr and child.stderr.read()
    return confirmed, during_compaction


@pytest.mark.parametrize(
    ("confirmations", "compact_entries", "seed"),
    [(300, 10_000, 0), (1, 10_000, 0), (300, 25, 2000), (137, 7, 2000)],
    ids=["journal-only", "first-write", "compacting-often", "compacting-always"],
)
async def test_every_confirmed_write_survives_sigkill(
    tmp_path: Path, confirmations: int, compact_entries: int, seed: int
) -> None:
    path = tmp_path / "strategibot.json"
    confirmed, during_compaction = kill_after(path, confirmations, compact_entries, seed)
    left = sorted(p.name for p in tmp_path.iterdir())

    store = TinyDBStore(path)
    actual = await store.all(TABLE)
    stats = store.stats()
    now, one_more = expected(confirmed), expected(confirmed + 1)
    counts = (
        f"confirmed={confirmed} written_during_compaction={during_compaction} "
        f"documents={len(actual)} expected={len(now)} or {len(one_more)} "
        f"journal_entries={stats['journal_entries']} snapshot_bytes={stats['snapshot_bytes']} "
        f"files_after_kill={left}"
    )
    print(counts)
    assert actual in (now, one_more), counts  # every confirmed document, exactly; no extras
    assert await store.all("seed") == {f"s{i}": seed_document(i) for i in range(seed)}, counts
    assert store.quarantined == [], counts
    assert not list(tmp_path.glob("*.tmp")), counts  # leftovers removed at start
    if compact_entries < confirmations:
        assert path.exists(), counts  # compactions happened

    await store.close()
    snapshot = json.loads(path.read_text(encoding="utf-8"))  # plain TinyDB JSON again
    assert snapshot.get(TABLE, {}) == actual, counts
    assert read_data(path)[TABLE] == actual, counts
    assert os.path.getsize(path.with_name(path.name + ".journal")) == 0, counts
