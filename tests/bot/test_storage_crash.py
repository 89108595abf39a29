"""SIGKILL a process that is writing to a TinyDBStore; every confirmed write must survive.

The child (:mod:`tests.bot.storage_writer`) prints a line after each write returned. The
parent kills it after a number of confirmations and reopens the files: the data must be the
state after exactly the confirmed operations, or after one more (the write in progress may or
may not have reached the disk), with every document byte for byte – in every table at once,
so an ``apply`` across files killed half-way is either all there or not at all.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage import TinyDBStore, read_data
from tests.bot.storage_writer import APPLIED, TABLE, expected, seed_document

ROOT = Path(__file__).resolve().parents[2]


def kill_after(path: Path, confirmations: int, seed: int) -> int:
    """Run the writer, SIGKILL it after ``confirmations`` writes; how many were confirmed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.bot.storage_writer", str(path), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    confirmed = 0
    try:
        assert child.stdout.readline() == "seeded\n", child.stderr and child.stderr.read()
        for line in child.stdout:
            _, number = line.split()
            assert int(number) == confirmed
            confirmed += 1
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
    return confirmed


@pytest.mark.parametrize(
    ("confirmations", "seed"),
    [(300, 0), (1, 0), (4, 0), (300, 2000), (137, 200)],
    ids=["many", "first-write", "first-apply", "big-seed", "small-seed"],
)
async def test_every_confirmed_write_survives_sigkill(
    tmp_path: Path, confirmations: int, seed: int
) -> None:
    path = tmp_path / "strategibot.json"
    confirmed = kill_after(path, confirmations, seed)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())

    store = TinyDBStore(path)
    actual = {table: await store.all(table) for table in (TABLE, *APPLIED)}
    now, one_more = expected(confirmed), expected(confirmed + 1)
    counts = (
        f"confirmed={confirmed} documents={len(actual[TABLE])} expected={len(now[TABLE])} "
        f"or {len(one_more[TABLE])} files_after_kill={left}"
    )
    print(counts)
    assert actual in (now, one_more), counts  # every confirmed document, exactly; no extras
    assert await store.all("seed") == {f"s{i}": seed_document(i) for i in range(seed)}, counts
    assert store.quarantined == [], counts
    root = tmp_path / "strategibot"
    assert not list(root.rglob("*.tmp")), counts  # leftovers removed at start
    assert not list(root.glob("*.intent")), counts  # an interrupted apply was completed

    await store.put(TABLE, "after", {"v": 1})  # and it goes on from there
    await store.close()
    on_disk = read_data(path)
    assert on_disk[TABLE] == {**actual[TABLE], "after": {"v": 1}}, counts
    for table in APPLIED:
        assert on_disk.get(table, {}) == actual[table], counts
    # Plain TinyDB JSON: every file parses as {"table": {"key": {...}}}.
    for file in root.rglob("*.json"):
        assert all(isinstance(docs, dict) for docs in json.loads(file.read_bytes()).values())
