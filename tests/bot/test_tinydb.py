"""The TinyDB files beyond the shared contract (``test_storage.py``): TinyDB's own format and
API, one atomic file write per change, partitions, the locks, ``apply`` across files under a
failure or a crash at every step, damage, the one writer, and the migration of the old
snapshot + journal (``tests/data/legacy_store``, written by the engine this one replaced).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import TinyDB
from tinydb.table import Table

import bot.storage
from bot.storage import (
    AtomicJSONStorage,
    StoreBusyError,
    StoreFrozenError,
    TinyDBStore,
    open_tinydb,
    partition_of,
    quarantine_corrupt,
    read_data,
)
from dialogs.store import Doc, Store

TESTS = Path(__file__).resolve().parents[1]
LEGACY = TESTS / "data" / "legacy_store"
LEGACY_DATA = json.loads((TESTS / "data" / "legacy_store.expected.json").read_text("utf-8"))


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


async def everything(store: Store, tables: tuple[str, ...]) -> dict[str, dict[str, Doc]]:
    found = {table: await store.all(table) for table in tables}
    return {table: docs for table, docs in found.items() if docs}


# --------------------------------------------------------------------------- TinyDB, itself


def test_the_partitions_name_the_features_tables() -> None:
    from bot.conversations import PERSONAL_INDEX
    from bot.conversations import TABLE as CONVERSATIONS
    from bot.outbox import TABLE as OUTBOX
    from dialogs.qa.feature import FEEDBACK_TABLE, QUESTION_AUTHORS, QUESTION_LOG
    from dialogs.reminders import repository as reminders
    from dialogs.status import repository as status

    grouped = {
        "status": {status.LEADERS, status.ROUNDS, status.LEDGER, status.NOTES},
        "reminders": {
            reminders.COMMITTEES,
            reminders.MEETINGS,
            reminders.LEDGER,
            reminders.SNOOZES,
            reminders.ACKS,
            reminders.SETTINGS,
        },
    }
    for name, tables in grouped.items():
        assert {partition_of(table, "any|key") for table in tables} == {name}
    for table, directory in (
        (OUTBOX, "outbox"),
        (CONVERSATIONS, "conversations"),
        (PERSONAL_INDEX, "conversations"),
        (QUESTION_LOG, "questions"),
        (FEEDBACK_TABLE, "questions"),
        (QUESTION_AUTHORS, "questions"),
    ):
        spread = {partition_of(table, f"key-{n}") for n in range(200)}
        assert len(spread) > 4 and all(p.startswith(f"{directory}/") for p in spread)
    replies = {partition_of(status.REPLIES, f"efteraar-2026|aad-{n}") for n in range(200)}
    assert {p.rsplit("/", 1)[0] for p in replies} == {"status_replies/efteraar-2026"}
    assert len(replies) == bot.storage.REPLY_BUCKETS


def test_file_names_are_safe_and_never_shared() -> None:
    names = ["t", "T", "forår-2027", "for_r-2027", "../etc", "a/b", "", "x" * 300, "\ud800"]
    files_ = [partition_of(name, "k") for name in names]
    assert len(set(files_)) == len(names)  # also where case is ignored
    assert len({f.lower() for f in files_}) == len(names)
    assert all(f and "/" not in f and not f.startswith(".") and len(f) < 80 for f in files_)
    assert partition_of("t", "k") == "t" and partition_of("status_rounds", "x") == "status"


async def test_the_files_are_tinydb_files_read_through_tinydb(tmp_path: Path) -> None:
    class StringKeyTable(Table):
        document_id_class = str  # type: ignore[assignment]

    class StringKeyDB(TinyDB):
        table_class = StringKeyTable

    store = TinyDBStore(tmp_path / "db.json")
    await store.put("conversations", "a:19:x@thread", {"kind": "channel", "name": "Ørum"})
    await store.put("committees", "c1", {"name": "LMU"})
    await store.put("meetings", "c1|m1", {"start": "2027-01-14"})
    await store.close()
    db = StringKeyDB(tmp_path / "db" / "reminders.json", access_mode="r")
    try:
        assert db.tables() == {"committees", "meetings"}
        assert db.table("meetings").get(doc_id="c1|m1") == {"start": "2027-01-14"}  # type: ignore[call-overload]
    finally:
        db.close()
    [conversations] = (tmp_path / "db" / "conversations").glob("*.json")
    assert json.loads(conversations.read_text("utf-8")) == {
        "conversations": {"a:19:x@thread": {"kind": "channel", "name": "Ørum"}}
    }


def test_the_storage_writes_atomically_when_tinydb_is_used_directly(tmp_path: Path) -> None:
    path = tmp_path / "direct.json"
    db = TinyDB(path, None, storage=AtomicJSONStorage)
    db.table("t").insert({"v": 1})
    assert json.loads(path.read_text("utf-8")) == {"t": {"1": {"v": 1}}}
    assert not list(tmp_path.glob("*.tmp"))
    assert TinyDB(path, None, storage=AtomicJSONStorage).table("t").all() == [{"v": 1}]


async def test_a_put_replaces_the_document_in_its_place(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    await store.put_many("t", {"a": {"v": 1, "old": True}, "b": {"v": 2}, "c": {"v": 3}})
    await store.put("t", "a", {"v": 4})
    await store.put_many("t", {"c": {"v": 5}, "d": {"v": 6}, "b": {"v": 7}})
    assert list((await store.all("t")).items()) == [
        ("a", {"v": 4}),
        ("b", {"v": 7}),
        ("c", {"v": 5}),
        ("d", {"v": 6}),
    ]
    assert await store.keys("t") == ["a", "b", "c", "d"]
    assert json.loads((tmp_path / "db" / "t.json").read_text("utf-8"))["t"]["a"] == {"v": 4}


# --------------------------------------------------------------------------- writes


class Calls:
    """Which file operations a write made, in order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
        self.log: list[tuple[str, str]] = []
        real_fsync, real_replace = os.fsync, os.replace

        def fsync(fd: int) -> None:
            real_fsync(fd)
            target = Path(os.readlink(f"/proc/self/fd/{fd}"))
            self.log.append(("fsync", self.name(target, root)))

        def replace(src: Any, dst: Any) -> None:
            real_replace(src, dst)
            self.log.append(
                ("rename", f"{self.name(Path(src), root)} -> {self.name(Path(dst), root)}")
            )

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)

    @staticmethod
    def name(path: Path, root: Path) -> str:
        return "." if path == root else path.relative_to(root).as_posix()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
async def test_each_write_is_one_atomic_file_write_before_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    await store.put("t", "k", {"v": 0})  # the file and its directory exist
    calls = Calls(monkeypatch, tmp_path / "db")
    await store.put("t", "k", {"v": 1})
    assert calls.log == [
        ("fsync", "t.json.tmp"),
        ("rename", "t.json.tmp -> t.json"),
        ("fsync", "."),
    ]
    assert json.loads((tmp_path / "db" / "t.json").read_bytes()) == {"t": {"k": {"v": 1}}}
    calls.log.clear()
    await store.put("t", "k", {"v": 1})  # unchanged: nothing to write
    assert await store.delete("t", "nothing") is False
    assert calls.log == []
    await store.put_many("committees", {"a": {"v": 1}, "b": {"v": 2}})  # one file: one write
    await store.apply([("committees", "a", None), ("meetings", "a|1", {"v": 3})])
    assert [c for c in calls.log if c[0] == "rename"] == [
        ("rename", "reminders.json.tmp -> reminders.json"),
        ("rename", "reminders.json.tmp -> reminders.json"),
    ]


async def test_a_write_costs_its_file_not_the_database(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    for r in range(5):
        await store.put_many(
            "status_replies", {f"round-{r}|leader-{n}": {"comment": "x" * 500} for n in range(40)}
        )
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (tmp_path / "db").rglob("*.json")}
    await store.put("status_replies", "round-4|leader-7", {"comment": "ny"})
    changed = [p for p, stat in before.items() if (p.stat().st_ino, p.stat().st_mtime_ns) != stat]
    assert [p.relative_to(tmp_path / "db").as_posix() for p in changed] == [
        f"{partition_of('status_replies', 'round-4|leader-7')}.json"
    ]
    largest = store.stats()["largest_file_bytes"]
    assert largest < store.stats()["size_bytes"] / 20


async def test_a_failed_write_changes_neither_memory_nor_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("t", "k", {"v": 1})

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        await store.put("t", "k", {"v": 2})
    with pytest.raises(OSError):
        await store.delete("t", "k")
    with pytest.raises(OSError):
        await store.put("u", "new", {"v": 3})
    monkeypatch.undo()
    assert await store.get("t", "k") == {"v": 1}
    assert await store.all("u") == {}
    assert read_data(path) == {"t": {"k": {"v": 1}}}
    assert not list((tmp_path / "db").rglob("*.tmp"))
    await store.put("t", "k2", {"v": 3})  # and it goes on cleanly
    assert read_data(path) == {"t": {"k": {"v": 1}, "k2": {"v": 3}}}


class SlowDisk:
    """Holds every file write until let go (the write runs in a worker thread)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = threading.Event()
        self.go_on = threading.Event()
        real = bot.storage._write_atomic

        def slow(path: Path, data: bytes) -> None:
            self.started.set()
            assert self.go_on.wait(10)
            real(path, data)

        monkeypatch.setattr(bot.storage, "_write_atomic", slow)


async def test_a_read_waits_for_the_writes_issued_before_it_and_the_loop_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    await store.put("t", "k", {"v": 1})
    await store.put("other", "x", {"v": 1})
    disk = SlowDisk(monkeypatch)
    write = asyncio.create_task(store.put("t", "k", {"v": 2}))
    await asyncio.to_thread(disk.started.wait, 5)
    reader = asyncio.create_task(store.get("t", "k"))
    lister = asyncio.create_task(store.all("t"))
    ticks = 0
    for _ in range(5):  # the event loop runs while the file is written
        await asyncio.sleep(0.001)
        ticks += 1
    assert ticks == 5
    assert not reader.done() and not lister.done()  # not on disk yet: they wait for it
    assert await store.get("other", "x") == {"v": 1}  # other files are read at once
    assert store.stats()["tables"]["t"] == 1
    second = asyncio.create_task(store.put("t", "k", {"v": 3}))  # waits for the first
    await asyncio.sleep(0.01)
    assert not second.done()
    disk.go_on.set()
    await write
    assert await reader in ({"v": 2}, {"v": 3})
    assert (await lister)["k"] in ({"v": 2}, {"v": 3})
    await second
    assert await store.get("t", "k") == {"v": 3}
    assert read_data(tmp_path / "db.json") == {"t": {"k": {"v": 3}}, "other": {"x": {"v": 1}}}


async def test_concurrent_read_merge_writes_lose_no_update(tmp_path: Path) -> None:
    """Four submits of one leader at once, each merging its answer into the stored reply."""
    store = TinyDBStore(tmp_path / "db.json")

    async def submit(goal: str) -> None:
        reply = await store.get("status_replies", "r|aad-1") or {"answers": {}}
        reply["answers"][goal] = "gul"
        await store.put("status_replies", "r|aad-1", reply)

    goals = [f"{p}.{n}" for p in range(1, 5) for n in range(1, 5)]
    await asyncio.gather(*(submit(goal) for goal in goals))
    stored = await TinyDBStore(tmp_path / "db.json").get("status_replies", "r|aad-1")
    assert stored is not None and sorted(stored["answers"]) == goals


async def test_a_cancelled_caller_lets_its_write_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    disk = SlowDisk(monkeypatch)
    caller = asyncio.create_task(store.put("t", "k", {"v": 1}))
    await asyncio.to_thread(disk.started.wait, 5)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    later = asyncio.create_task(store.put("t", "k2", {"v": 2}))
    await asyncio.sleep(0.01)
    assert not later.done()  # the file is still being written: the lock is held
    disk.go_on.set()
    await later
    await store.close()  # waits for writes in flight
    assert await store.get("t", "k") == {"v": 1}
    assert read_data(tmp_path / "db.json") == {"t": {"k": {"v": 1}, "k2": {"v": 2}}}


async def test_concurrent_writes_to_one_file_and_many_all_arrive(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    writes = [store.put("status_replies", f"r|leader-{n}", {"n": n}) for n in range(100)]
    writes += [store.put("t", f"k{n}", {"n": n}) for n in range(50)]
    writes += [store.put("outbox", f"m{n}", {"n": n}) for n in range(100)]
    await asyncio.gather(*writes)
    expected = {
        "status_replies": {f"r|leader-{n}": {"n": n} for n in range(100)},
        "t": {f"k{n}": {"n": n} for n in range(50)},
        "outbox": {f"m{n}": {"n": n} for n in range(100)},
    }
    assert await everything(store, tuple(expected)) == expected
    assert await everything(TinyDBStore(path), tuple(expected)) == expected


async def test_add_is_a_claim_across_concurrent_callers_and_files(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    keys = [f"c|m{n % 7}|aad-{n % 5}" for n in range(140)]
    claimed = await asyncio.gather(
        *(store.add("reminder_ledger", k, {"n": i}) for i, k in enumerate(keys))
    )
    assert sum(claimed) == len(set(keys))
    reopened = TinyDBStore(tmp_path / "db.json")
    assert sorted(await reopened.keys("reminder_ledger")) == sorted(set(keys))
    assert await reopened.add("reminder_ledger", keys[0], {}) is False


# --------------------------------------------------------------------------- apply across files

BEFORE: dict[str, dict[str, Doc]] = {
    "committees": {"c": {"v": 0}},
    "t": {"gone": {"v": 0}, "kept": {"v": 0}},
    "outbox": {f"m{n}": {"v": 0} for n in range(3)},
}
CHANGES: list[tuple[str, str, Doc | None]] = [
    ("committees", "c", {"v": 1}),
    ("meetings", "c|new", {"v": 1}),
    ("t", "gone", None),
    ("t", "new", {"v": 1}),
    *(("outbox", f"m{n}", {"v": 1}) for n in range(3)),
]
TABLES = ("committees", "meetings", "t", "outbox")


def after_changes() -> dict[str, dict[str, Doc]]:
    state = {t: dict(docs) for t, docs in BEFORE.items()}
    for table, key, doc in CHANGES:
        if doc is None:
            state[table].pop(key)
        else:
            state.setdefault(table, {})[key] = doc
    return state


AFTER = after_changes()


async def seeded(path: Path) -> TinyDBStore:
    store = TinyDBStore(path)
    for table, docs in BEFORE.items():
        await store.put_many(table, docs)
    return store


def test_the_changes_span_several_files() -> None:
    assert len({partition_of(t, k) for t, k, _ in CHANGES}) >= 4


class FailAt:
    """The ``n``-th file operation of a write (an atomic write or a removal) raises."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, n: int, *, then: bool = False) -> None:
        self.n, self.count, self.then = n, 0, then
        for name in ("_write_atomic", "_remove_durably"):
            real = getattr(bot.storage, name)
            monkeypatch.setattr(bot.storage, name, self.wrap(real))

    def wrap(self, real: Callable[..., None]) -> Callable[..., None]:
        def step(*args: Any) -> None:
            self.count += 1
            if self.count == self.n or (self.then and self.count > self.n):
                raise OSError(28, "No space left on device")
            real(*args)

        return step


async def count_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    store = await seeded(tmp_path / "count" / "db.json")
    with monkeypatch.context() as patch:
        counter = FailAt(patch, 10**9)
        await store.apply(CHANGES)
    return counter.count


async def test_apply_across_files_is_all_or_nothing_when_any_step_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = await count_steps(tmp_path, monkeypatch)
    assert steps == 2 + len({partition_of(t, k) for t, k, _ in CHANGES})  # intent, files, intent
    outcomes = []
    for n in range(1, steps + 1):
        path = tmp_path / f"fail-{n}" / "db.json"
        store = await seeded(path)
        with monkeypatch.context() as patch:
            FailAt(patch, n)
            try:
                await store.apply(CHANGES)
                outcome = "done"
            except OSError:
                outcome = "failed"
        seen = await everything(store, TABLES)
        frozen = store.stats()["frozen"]
        outcomes.append((outcome, seen == AFTER, bool(frozen)))
        assert seen in (BEFORE, AFTER), n
        assert (seen == BEFORE) == (outcome == "failed"), n
        reopened = TinyDBStore(path)
        assert await everything(reopened, TABLES) == seen, n  # the disk agrees (after a start)
        assert reopened.quarantined == [] and not list(path.parent.rglob("*.intent")), n
        assert read_data(path) == seen
    # Failing at the intent or a file: nothing; at the intent's removal: done, but the files
    # wait for a restart (the replay must not undo a later write).
    assert outcomes[:-1] == [("failed", False, False)] * (steps - 1)
    assert outcomes[-1] == ("done", True, True)


async def test_when_the_undo_fails_too_the_change_stands_and_its_files_wait_for_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = await seeded(path)
    with monkeypatch.context() as patch:
        FailAt(patch, 3, then=True)  # the second file fails, and so does every write after
        with pytest.raises(OSError):
            await store.apply(CHANGES)
    assert await everything(store, TABLES) == AFTER  # as the next start will make it
    assert store.stats()["frozen"]
    with pytest.raises(StoreFrozenError):
        await store.put("committees", "c", {"v": 2})
    await store.put("elsewhere", "k", {"v": 1})  # other files are written as usual
    assert len(list(path.parent.rglob("*.intent"))) == 1
    reopened = TinyDBStore(path)
    assert await everything(reopened, TABLES) == AFTER
    assert not list(path.parent.rglob("*.intent"))
    await reopened.put("committees", "c", {"v": 2})


def copy_state(source: Path, target: Path) -> None:
    """The data directory as a crash would leave it right now."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.lock"))


@contextmanager
def disk_states(monkeypatch: pytest.MonkeyPatch, watched: Path, out: Path) -> Iterator[list[Path]]:
    """Copies of ``watched`` taken at every fsync, rename and unlink inside the block: each is
    what a crash at that step would leave on disk."""
    states: list[Path] = []
    real_replace, real_fsync, real_unlink = os.replace, os.fsync, Path.unlink

    def capture() -> None:
        states.append(out / f"state{len(states)}")
        copy_state(watched, states[-1])

    def replace(src: Any, dst: Any) -> None:
        capture()
        real_replace(src, dst)
        capture()

    def fsync(fd: int) -> None:
        real_fsync(fd)
        capture()

    def unlink(self: Path, missing_ok: bool = False) -> None:
        capture()
        real_unlink(self, missing_ok=missing_ok)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        patch.setattr(os, "fsync", fsync)
        patch.setattr(Path, "unlink", unlink)
        yield states


async def test_a_crash_at_any_step_of_an_apply_leaves_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live"
    store = await seeded(live / "db.json")
    with disk_states(monkeypatch, live, tmp_path) as states:
        await store.apply(CHANGES)
    assert len(states) > 20
    seen = []
    for state in states:
        reopened = TinyDBStore(state / "db.json")
        data = await everything(reopened, TABLES)
        assert data in (BEFORE, AFTER), state.name
        assert reopened.quarantined == [], state.name
        seen.append(data == AFTER)
        await reopened.close()
    assert seen[0] is False and seen[-1] is True
    assert seen == sorted(seen)  # once the intent is on disk, the change is there to stay


# --------------------------------------------------------------------------- reopening


def random_ops(rng: random.Random, n: int) -> list[tuple[str, str, Doc | None]]:
    ops: list[tuple[str, str, Doc | None]] = []
    for i in range(n):
        table = rng.choice(["a", "status_replies", "outbox", "committees"])
        key = f"r{rng.randrange(3)}|k{rng.randrange(30)}"
        doc = None if rng.random() < 0.25 else {"i": i, "text": "æøå " * rng.randrange(30)}
        ops.append((table, key, doc))
    return ops


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "killed"])
async def test_reopening_after_many_writes_and_deletes_gives_the_same_data(
    tmp_path: Path, closed: bool
) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path)
    model: dict[str, dict[str, Doc]] = {}
    for table, key, doc in random_ops(random.Random(7), 500):
        if doc is None:
            assert await first.delete(table, key) is (key in model.get(table, {}))
            model.get(table, {}).pop(key, None)
        else:
            await first.put(table, key, doc)
            model.setdefault(table, {})[key] = doc
    model = {t: docs for t, docs in model.items() if docs}
    if closed:
        await first.close()
    tables = ("a", "status_replies", "outbox", "committees")
    assert await everything(TinyDBStore(path), tables) == model
    assert read_data(path) == {t: model[t] for t in read_data(path)}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["t", "T", "status_replies", "outbox", "leaders"])
            | st.text(max_size=6),
            st.text(max_size=8),
            st.dictionaries(st.text(max_size=4), json_values, max_size=3),
        ),
        max_size=12,
    )
)
def test_any_document_under_any_name_comes_back_from_the_files(
    tmp_path_factory: pytest.TempPathFactory, docs: list[tuple[str, str, Doc]]
) -> None:
    path = tmp_path_factory.mktemp("any") / "db.json"

    async def run() -> tuple[dict[str, dict[str, Doc]], dict[str, dict[str, Doc]]]:
        store = TinyDBStore(path)
        model: dict[str, dict[str, Doc]] = {}
        for table, key, doc in docs:
            await store.put(table, key, doc)
            model.setdefault(table, {})[key] = json.loads(json.dumps(doc))
        tables = tuple(model)
        return model, await everything(TinyDBStore(path), tables)

    model, reopened = asyncio.run(run())
    assert reopened == model
    assert read_data(path) == model


# --------------------------------------------------------------------------- damage


@pytest.mark.parametrize("garbage", [b'{"t": {"k": {"v"', b"\x00\x01", b"[1, 2]", b'{"t": 5}'])
async def test_a_corrupt_file_is_kept_aside_and_the_rest_is_read(
    tmp_path: Path, garbage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path)
    await first.put("t", "k", {"v": 1})
    await first.put("leaders", "aad-1", {"name": "Mette"})
    await first.close()
    (tmp_path / "db" / "t.json").write_bytes(garbage)
    with caplog.at_level(logging.ERROR):
        store = TinyDBStore(path)
    [aside] = store.quarantined
    assert aside.name.startswith("t.json.corrupt-") and aside.read_bytes() == garbage
    assert store.stats()["quarantined"] == [str(aside)]
    assert "unreadable" in caplog.text
    assert await store.all("t") == {}
    assert await store.get("leaders", "aad-1") == {"name": "Mette"}
    await store.put("t", "k2", {"v": 2})
    assert TinyDBStore(path).quarantined == []  # the next start finds nothing wrong
    assert read_data(path) == {"t": {"k2": {"v": 2}}, "leaders": {"aad-1": {"name": "Mette"}}}
    assert aside.read_bytes() == garbage


def test_quarantine_corrupt_moves_only_unreadable_files(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"t": {}}', encoding="utf-8")
    bad.write_text("{", encoding="utf-8")
    assert quarantine_corrupt(good) is None
    first = quarantine_corrupt(bad)
    bad.write_text("{{", encoding="utf-8")
    second = quarantine_corrupt(bad)  # same second: a new name, nothing overwritten
    assert first is not None and second is not None and first != second
    assert (first.read_text(), second.read_text()) == ("{", "{{")


async def test_leftovers_of_a_crash_are_cleaned_up_at_start(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path)
    await first.put("t", "k", {"v": 1})
    await first.put("status_replies", "r|a", {"v": 2})
    del first
    root = tmp_path / "db"
    (root / "t.json.tmp").write_bytes(b'{"t": {"half')
    [reply_file] = root.glob("status_replies/*/*.json")
    reply_file.with_name(reply_file.name + ".tmp").write_bytes(b"")
    (root / "1-x.intent.tmp").write_bytes(b'{"changes": [["t"')
    store = TinyDBStore(path)
    assert await store.get("t", "k") == {"v": 1}
    assert not list(root.rglob("*.tmp")) and store.quarantined == []


async def test_a_document_in_another_file_than_its_own_is_moved_there(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("t", "own", {"v": 1})
    await store.put("status_rounds", "r", {"v": 2})
    await store.close()
    # As if the partitioning changed: a round written into t.json, one leader in both.
    (tmp_path / "db" / "t.json").write_text(
        json.dumps({"t": {"own": {"v": 1}}, "status_rounds": {"r": {"v": 9}, "r2": {"v": 3}}}),
        encoding="utf-8",
    )
    moved = TinyDBStore(path)
    assert await moved.all("status_rounds") == {"r": {"v": 2}, "r2": {"v": 3}}  # its own wins
    assert json.loads((tmp_path / "db" / "t.json").read_bytes()) == {"t": {"own": {"v": 1}}}
    assert read_data(path)["status_rounds"] == {"r": {"v": 2}, "r2": {"v": 3}}


# --------------------------------------------------------------------------- the rest


async def test_deleted_data_leaves_the_files_when_the_delete_returns(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    await store.put("leaders", "aad-1", {"name": "Lilla æble"})
    await store.put("leaders", "aad-2", {"name": "Bo"})
    await store.put("outbox", "private:aad-1", {"text": "Lilla æble"})
    await store.delete("leaders", "aad-1")
    await store.delete("outbox", "private:aad-1")
    for name, raw in files(tmp_path).items():
        assert b"aad-1" not in raw and "Lilla æble".encode() not in raw, name
    assert await store.compact() is True  # and removes the files left empty
    assert sorted(files(tmp_path / "db")) == ["status.json"]
    await store.put("outbox", "private:aad-3", {"v": 1})  # and writes them again


async def test_redaction_scrubs_the_files_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path)
    await first.put("leaders", "aad-1", {"name": "Lilla æble"})
    await first.close()
    (tmp_path / "db" / "status.json").write_bytes(b'{"leaders": {"aad-1": {"name": "Lilla \\u00e6')
    store = TinyDBStore(path)
    [aside] = store.quarantined
    (tmp_path / "db.json.pre-tinydb").write_bytes(
        '{"leaders":{"aad-1":{"name":"Lilla æble"}}}'.encode()
    )
    assert await store.redact({"aad-1", "Lilla æble"}) == 2
    for name, raw in files(tmp_path).items():
        assert b"aad-1" not in raw and "Lilla æble".encode() not in raw, name
        assert b"Lilla \\u00e6ble" not in raw, name
    assert aside.exists() and b"[slettet]" in aside.read_bytes()


async def test_stats_describe_the_files(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("t", "k", {"v": 1})
    await store.put_many("outbox", {f"m{n}": {"n": n} for n in range(30)})
    stats = store.stats()
    assert (stats["backend"], stats["path"], stats["read_only"]) == ("tinydb", str(path), False)
    on_disk = [p for p in (tmp_path / "db").rglob("*.json")]
    assert stats["files"] == len(on_disk)
    assert stats["size_bytes"] == sum(p.stat().st_size for p in on_disk)
    assert stats["documents"] == 31 and stats["tables"] == {"t": 1, "outbox": 30}
    assert stats["quarantined"] == [] and stats["migrated_from"] == [] and stats["frozen"] == []
    json.dumps(stats)


async def test_read_data_is_one_consistent_copy_and_changes_no_file(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = await seeded(path)
    (tmp_path / "db" / "t.json.tmp").write_bytes(b"torn")
    before = files(tmp_path)
    assert read_data(path) == BEFORE
    assert files(tmp_path) == before

    async def keep_writing() -> None:
        for n in range(200):
            await store.apply([("committees", "c", {"v": n}), ("t", "kept", {"v": n})])

    writer = asyncio.create_task(keep_writing())
    while not writer.done():
        data = await asyncio.to_thread(read_data, path)
        assert data["committees"]["c"] == data["t"]["kept"]  # never half an apply
    await writer


LOCK_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    print("busy", flush=True)
    sys.exit(1)
print("locked", flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def another_process_holds(lock: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.communicate("", timeout=10)


async def test_a_second_process_reads_but_may_not_write(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path)
    await first.put("t", "k0", {"i": 0})
    await first.close()
    (tmp_path / "db" / "t.json.tmp").write_bytes(b"torn")  # the owner is mid-write
    with another_process_holds(tmp_path / "db.json.lock"):
        reader = TinyDBStore(path)
        assert reader.owner is False and reader.stats()["read_only"] is True
        assert await reader.all("t") == {"k0": {"i": 0}}
        assert (tmp_path / "db" / "t.json.tmp").exists()  # repairs are the owner's
        for write in (
            reader.put("t", "k1", {"i": 1}),
            reader.delete("t", "k0"),
            reader.add("t", "k1", {}),
            reader.apply([("t", "k1", {})]),
        ):
            with pytest.raises(StoreBusyError):
                await write
        await reader.close()
    await reader.put("t", "k1", {"i": 1})  # the owner let go: takes over and reloads
    assert reader.owner is True
    assert not (tmp_path / "db" / "t.json.tmp").exists()
    assert read_data(path) == {"t": {"k0": {"i": 0}, "k1": {"i": 1}}}


# --------------------------------------------------------------------------- migration


@pytest.fixture
def legacy_dir(tmp_path: Path) -> Path:
    """A data directory as the previous engine left it: snapshot + journal, never closed."""
    data_dir = tmp_path / "data"
    shutil.copytree(LEGACY, data_dir)
    return data_dir


TABLE_NAMES = tuple(LEGACY_DATA)


async def test_the_old_snapshot_and_journal_are_migrated_once_with_a_backup(
    legacy_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = files(legacy_dir)
    with caplog.at_level(logging.WARNING):
        store = open_tinydb(legacy_dir)
    assert f"migrated {sum(map(len, LEGACY_DATA.values()))} documents" in caplog.text
    assert await everything(store, TABLE_NAMES) == LEGACY_DATA
    assert store.quarantined == []
    left = files(legacy_dir)
    assert left["strategibot.json.pre-tinydb"] == old["strategibot.json"]
    assert left["strategibot.json.journal.pre-tinydb"] == old["strategibot.json.journal"]
    assert "strategibot.json" not in left and "strategibot.json.journal" not in left
    assert store.stats()["migrated_from"] == [
        str(legacy_dir / "strategibot.json.pre-tinydb"),
        str(legacy_dir / "strategibot.json.journal.pre-tinydb"),
    ]
    assert read_data(legacy_dir / "strategibot.json") == LEGACY_DATA
    await store.put("leaders", "aad-2", {"name": "Bo"})
    await store.close()
    again = open_tinydb(legacy_dir)  # once: the next start reads the TinyDB files
    assert again.stats()["migrated_from"] == []
    assert await again.get("leaders", "aad-2") == {"name": "Bo"}
    assert await again.get("question_log", "q1") == LEGACY_DATA["question_log"]["q1"]


@pytest.mark.parametrize(
    ("tail", "quarantined"),
    [(b'{"op":"put","t":"t","k":"k9","d":{"i"', False), (b"\x00" * 9, False)],
    ids=["torn-line", "zeros"],
)
async def test_a_torn_last_journal_line_is_ignored_in_the_migration(
    legacy_dir: Path, tail: bytes, quarantined: bool
) -> None:
    journal = legacy_dir / "strategibot.json.journal"
    journal.write_bytes(journal.read_bytes() + tail)
    store = open_tinydb(legacy_dir)
    assert await everything(store, TABLE_NAMES) == LEGACY_DATA
    assert bool(store.quarantined) is quarantined
    assert (legacy_dir / "strategibot.json.journal.pre-tinydb").read_bytes().endswith(tail)


async def test_a_journal_corrupt_in_the_middle_is_kept_aside_and_what_came_before_migrated(
    legacy_dir: Path,
) -> None:
    journal = legacy_dir / "strategibot.json.journal"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join([*lines[:2], b"[1]\n", *lines[2:]]))
    store = open_tinydb(legacy_dir)
    [aside] = store.quarantined
    assert aside.name.startswith("strategibot.json.journal.corrupt-")
    assert await store.get("leaders", "aad-1") == LEGACY_DATA["leaders"]["aad-1"]  # line 1
    assert await store.get("leaders", "email:bo@example.dk") is None  # line 2
    assert await store.all("question_log") == {}  # after the bad line: not read
    assert not (legacy_dir / "strategibot.json.journal").exists()


async def test_an_unreadable_old_snapshot_is_kept_aside_and_its_journal_migrated(
    legacy_dir: Path,
) -> None:
    (legacy_dir / "strategibot.json").write_bytes(b'{"leaders": {"aad-1"')
    store = open_tinydb(legacy_dir)
    [aside] = store.quarantined
    assert aside.name.startswith("strategibot.json.corrupt-")
    assert await store.get("question_log", "q1") == LEGACY_DATA["question_log"]["q1"]
    assert await store.all("committees") == {}  # only in the snapshot


async def test_a_second_process_reads_the_old_files_without_migrating(legacy_dir: Path) -> None:
    with another_process_holds(legacy_dir / "strategibot.json.lock"):
        reader = open_tinydb(legacy_dir)
        assert reader.owner is False
        assert await everything(reader, TABLE_NAMES) == LEGACY_DATA
        assert not (legacy_dir / "strategibot").exists()
        with pytest.raises(StoreBusyError):
            await reader.put("t", "k", {})
    await reader.put("t", "k", {"v": 1})  # the owner let go: this one migrates
    assert (legacy_dir / "strategibot").is_dir()
    assert read_data(legacy_dir / "strategibot.json") == {**LEGACY_DATA, "t": {"k": {"v": 1}}}


async def test_a_crash_at_any_step_of_the_migration_loses_nothing(
    tmp_path: Path, legacy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with disk_states(monkeypatch, legacy_dir, tmp_path) as states:
        open_tinydb(legacy_dir)
    assert len(states) > 10
    for state in states:
        store = open_tinydb(state)
        assert await everything(store, TABLE_NAMES) == LEGACY_DATA, state.name
        assert store.quarantined == [], state.name
        left = files(state)
        assert "strategibot.json" not in left and "strategibot.json.journal" not in left
        assert left["strategibot.json.pre-tinydb"] == (LEGACY / "strategibot.json").read_bytes()
        await store.close()


async def test_a_backup_is_restored_by_putting_it_in_place_of_the_directory(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    store = open_tinydb(data_dir)
    await store.put("leaders", "aad-1", {"name": "Mette"})
    await store.put("status_replies", "r|aad-1", {"comment": "før"})
    copy = read_data(data_dir / "strategibot.json")  # python -m bot backup
    await store.put("status_replies", "r|aad-1", {"comment": "efter"})
    await store.close()
    (data_dir / "strategibot.json").write_text(json.dumps(copy), encoding="utf-8")
    ignored = open_tinydb(data_dir)  # the directory exists: the copy is not read
    assert await ignored.get("status_replies", "r|aad-1") == {"comment": "efter"}
    await ignored.close()
    shutil.move(data_dir / "strategibot", tmp_path / "moved-away")
    restored = open_tinydb(data_dir)
    assert await restored.get("status_replies", "r|aad-1") == {"comment": "før"}
    assert read_data(data_dir / "strategibot.json") == copy


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=5),
        st.dictionaries(st.text(max_size=5), st.dictionaries(st.text(max_size=3), json_values)),
        max_size=3,
    )
)
def test_files_are_written_exactly_as_json_dumps_writes_them(data: dict[str, Any]) -> None:
    cache: dict[tuple[str, str], tuple[Doc, str]] = {}
    for _ in range(2):  # the second time from the cache
        raw = bot.storage._encode(data, cache)
        tables = {name: docs for name, docs in data.items() if docs}
        try:
            expected = json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode()
        except UnicodeEncodeError:
            expected = json.dumps(tables, separators=(",", ":")).encode()
        assert raw == expected
        assert bot.storage._decode(raw) == tables
