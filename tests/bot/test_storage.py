"""The storage contract, run against every backend, and the TinyDB file's crash safety."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tinydb import TinyDB
from tinydb.table import Table

import bot.storage
from bot.storage import (
    Doc,
    MemoryStore,
    Store,
    StoreBusyError,
    TinyDBStore,
    quarantine_corrupt,
    read_data,
)

Factory = Callable[[Path], Store]
BACKENDS: dict[str, Factory] = {
    "memory": lambda _: MemoryStore(),
    "tinydb": lambda tmp: TinyDBStore(tmp / "db.json"),
}


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend = BACKENDS[request.param](tmp_path)
    yield backend
    await backend.close()


# --------------------------------------------------------------------------- the contract


async def test_put_get_replace_delete(store: Store) -> None:
    assert await store.get("t", "a") is None
    await store.put("t", "a", {"n": 1, "text": "æøå"})
    await store.put("t", "a", {"n": 2, "text": "æøå"})
    assert await store.get("t", "a") == {"n": 2, "text": "æøå"}
    assert await store.delete("t", "a") is True
    assert await store.delete("t", "a") is False
    assert await store.get("t", "a") is None


async def test_put_replaces_the_whole_document(store: Store) -> None:
    await store.put("t", "k", {"a": 1, "b": 2})
    await store.put("t", "k", {"a": 3})
    assert await store.get("t", "k") == {"a": 3}


async def test_tables_are_separate_and_all_lists_by_key(store: Store) -> None:
    await store.put("x", "1", {"v": "x1"})
    await store.put("y", "1", {"v": "y1"})
    await store.put("x", "a:2;b", {"v": "x2"})
    assert await store.all("x") == {"1": {"v": "x1"}, "a:2;b": {"v": "x2"}}
    assert await store.all("empty") == {}


async def test_returned_documents_are_copies(store: Store) -> None:
    await store.put("t", "k", {"items": [1]})
    doc = await store.get("t", "k")
    assert doc is not None
    doc["items"].append(2)
    every = await store.all("t")
    every["k"]["items"].append(3)
    assert await store.get("t", "k") == {"items": [1]}


async def test_stored_documents_are_copies_of_the_callers(store: Store) -> None:
    mine: dict[str, Any] = {"items": [1], "nested": {"a": 1}}
    await store.put("t", "k", mine)
    mine["items"].append(2)
    mine["nested"]["a"] = 2
    assert await store.get("t", "k") == {"items": [1], "nested": {"a": 1}}


async def test_documents_are_plain_json(store: Store) -> None:
    await store.put("t", "k", {"tuple": (1, 2), "n": None, "f": 1.5, "odd": "\ud800 æ \n"})
    assert await store.get("t", "k") == {"tuple": [1, 2], "n": None, "f": 1.5, "odd": "\ud800 æ \n"}


async def test_what_is_not_a_json_document_is_refused(store: Store) -> None:
    with pytest.raises(TypeError):
        await store.put("t", "k", {"when": object()})
    with pytest.raises(TypeError):
        await store.put("t", "k", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await store.put("t", 7, {"v": 1})  # type: ignore[arg-type]
    assert await store.all("t") == {}


async def test_put_many_inserts_and_replaces(store: Store) -> None:
    await store.put("t", "a", {"v": 0})
    await store.put_many("t", {"a": {"v": 1}, "b": {"v": 2}, "c:d": {"v": 3}})
    await store.put_many("t", {})
    assert await store.all("t") == {"a": {"v": 1}, "b": {"v": 2}, "c:d": {"v": 3}}


async def test_keys_list_a_table_without_its_documents(store: Store) -> None:
    await store.put_many("t", {"b": {"v": 1}, "a": {"v": 2}})
    await store.delete("t", "b")
    await store.put("u", "x", {})
    assert await store.keys("t") == ["a"]
    assert await store.keys("nothing") == []


async def test_stats_count_documents_per_table(store: Store) -> None:
    await store.put_many("x", {"1": {}, "2": {}})
    await store.put("y", "1", {})
    await store.delete("x", "2")
    stats = store.stats()
    assert stats["documents"] == 2
    assert stats["tables"] == {"x": 1, "y": 1}
    json.dumps(stats)  # ready for /healthz


# --------------------------------------------------------------------------- TinyDB: writes


def lines(path: Path) -> list[dict[str, Any]]:
    """The journal's entries."""
    journal = path.with_name(path.name + ".journal")
    return [json.loads(line) for line in journal.read_bytes().splitlines()]


async def test_each_write_is_one_journal_line_fsynced_before_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    journal = path.with_name("db.json.journal")
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if os.path.exists(journal) and os.fstat(fd).st_ino == journal.stat().st_ino:
            synced.append(len(journal.read_bytes().splitlines()))

    monkeypatch.setattr(os, "fsync", fsync)
    await store.put("t", "new", {"v": 1})
    await store.put("t", "new", {"v": 2})
    await store.put("t", "new", {"v": 2})  # unchanged: nothing to write
    await store.put_many("t", {"a": {"v": 3}, "b": {"v": 4}})
    assert await store.delete("t", "a") is True
    assert await store.delete("t", "a") is False
    assert synced == [1, 2, 3, 4]
    assert lines(path) == [
        {"op": "put", "t": "t", "k": "new", "d": {"v": 1}},
        {"op": "put", "t": "t", "k": "new", "d": {"v": 2}},
        {"op": "put_many", "t": "t", "d": {"a": {"v": 3}, "b": {"v": 4}}},
        {"op": "del", "t": "t", "k": "a"},
    ]
    assert not path.exists()  # no snapshot until a compaction


async def test_a_failed_append_is_cut_back_and_memory_stays_in_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("t", "k", {"v": 1})
    real_write_all = bot.storage._write_all

    def disk_full(fd: int, data: bytes) -> None:
        real_write_all(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bot.storage, "_write_all", disk_full)
    with pytest.raises(OSError):
        await store.put("t", "k", {"v": 2, "pad": "x" * 100})
    with pytest.raises(OSError):
        await store.delete("t", "k")
    monkeypatch.undo()
    assert await store.get("t", "k") == {"v": 1}
    assert lines(path) == [{"op": "put", "t": "t", "k": "k", "d": {"v": 1}}]
    await store.put("t", "k2", {"v": 3})  # the journal goes on cleanly
    assert read_data(path) == {"t": {"k": {"v": 1}, "k2": {"v": 3}}}


async def test_a_write_that_fails_to_sync_is_not_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        await store.put("t", "k", {"v": 1})
    monkeypatch.undo()
    assert await store.get("t", "k") is None
    assert read_data(path) == {}


# --------------------------------------------------------------------------- TinyDB: reopening


def random_ops(rng: random.Random, n: int) -> list[tuple[str, str, Doc | None]]:
    """Puts (some replacing) and deletes over a small key space, in two tables."""
    ops: list[tuple[str, str, Doc | None]] = []
    for i in range(n):
        table = rng.choice(["a", "b"])
        key = f"k{rng.randrange(40)}"
        doc = None if rng.random() < 0.25 else {"i": i, "text": "æøå " * rng.randrange(30)}
        ops.append((table, key, doc))
    return ops


async def apply_ops(
    store: Store, ops: list[tuple[str, str, Doc | None]], before: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run ``ops`` and return what the store must hold after them."""
    model: dict[str, dict[str, Doc]] = {t: dict(docs) for t, docs in (before or {}).items()}
    for table, key, doc in ops:
        if doc is None:
            existed = key in model.get(table, {})
            assert await store.delete(table, key) is existed
            model.get(table, {}).pop(key, None)
        else:
            await store.put(table, key, doc)
            model.setdefault(table, {})[key] = doc
    return {t: docs for t, docs in model.items() if docs}


async def contents(store: Store) -> dict[str, Any]:
    tables = {t: await store.all(t) for t in ("a", "b")}
    return {t: docs for t, docs in tables.items() if docs}


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "killed"])
@pytest.mark.parametrize("compact_entries", [10_000, 7])
async def test_reopening_after_many_writes_and_deletes_gives_the_same_data(
    tmp_path: Path, closed: bool, compact_entries: int
) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path, compact_entries=compact_entries)
    model = await apply_ops(first, random_ops(random.Random(compact_entries), 400))
    async with asyncio.timeout(10):  # (a compaction in the same process is no crash)
        while first.stats()["compacting"]:
            await asyncio.sleep(0.01)
    if closed:
        await first.close()
    second = TinyDBStore(path)
    assert await contents(second) == model
    assert second.quarantined == []
    assert read_data(path) == model
    if closed:  # close() compacts: the snapshot alone holds everything
        assert second.stats()["journal_entries"] == 0
        assert json.loads(path.read_text(encoding="utf-8")) == model
    elif compact_entries > 400:
        assert second.stats()["journal_entries"] == len(lines(path)) > 300  # all replayed
    model = await apply_ops(second, random_ops(random.Random(99), 50), model)
    await second.close()
    assert await contents(TinyDBStore(path)) == model


async def test_the_snapshot_is_readable_by_tinydb(tmp_path: Path) -> None:
    class StringKeyTable(Table):
        document_id_class = str  # type: ignore[assignment]

    class StringKeyDB(TinyDB):
        table_class = StringKeyTable

    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("conversations", "a:19:x@thread", {"kind": "channel", "name": "Ørum"})
    await store.put_many("outbox", {"m1": {"status": "sent"}, "m2": {"status": "queued"}})
    await store.close()
    db = StringKeyDB(path, access_mode="r")
    try:
        assert db.tables() == {"conversations", "outbox"}
        doc = db.table("conversations").get(doc_id="a:19:x@thread")  # type: ignore[call-overload]
        assert doc == {"kind": "channel", "name": "Ørum"}
        assert len(db.table("outbox")) == 2
    finally:
        db.close()


async def test_an_old_single_file_database_opens_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text('{"t": {"k": {"v": "æ"}}, "empty": {}}', encoding="utf-8")
    store = TinyDBStore(path)
    assert await store.all("t") == {"k": {"v": "æ"}}
    assert store.quarantined == []
    await store.put("t", "k2", {"v": 2})
    assert read_data(path) == {"t": {"k": {"v": "æ"}, "k2": {"v": 2}}}


async def test_the_journal_is_replayed_over_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    first = TinyDBStore(path)
    await first.put_many("t", {"a": {"v": 1}, "b": {"v": 1}, "c": {"v": 1}})
    await first.close()
    second = TinyDBStore(path)
    await second.put("t", "a", {"v": 2})
    await second.delete("t", "b")
    await second.put_many("u", {"x": {"v": 3}})
    # killed: no close, the snapshot is the old one
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "t": {"a": {"v": 1}, "b": {"v": 1}, "c": {"v": 1}}
    }
    third = TinyDBStore(path)
    assert await third.all("t") == {"a": {"v": 2}, "c": {"v": 1}}
    assert await third.all("u") == {"x": {"v": 3}}
    assert third.stats()["journal_entries"] == 3


# --------------------------------------------------------------------------- TinyDB: damage


async def written(path: Path, n: int) -> Path:
    """``n`` entries ``k<i>: {"i": i}`` put into a store that is never closed, so they are
    in its journal alone; the journal."""
    store = TinyDBStore(path)
    for i in range(n):
        await store.put("t", f"k{i}", {"i": i})
    return path.with_name(f"{path.name}.journal")


@pytest.mark.parametrize(
    "tail",
    [
        b'{"op":"put","t":"t","k":"k9","d":{"i"',
        b'{"op":"put","t":"t","k":"k9","d":{}}',
        b"\x00" * 9,
    ],
    ids=["half-line", "no-newline", "zeros"],
)
async def test_a_torn_last_line_is_ignored_logged_and_cut_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, tail: bytes
) -> None:
    path = tmp_path / "db.json"
    journal = await written(path, 3)
    good = journal.read_bytes()
    journal.write_bytes(good + tail)
    with caplog.at_level(logging.WARNING):
        store = TinyDBStore(path)
    assert await store.all("t") == {f"k{i}": {"i": i} for i in range(3)}
    assert store.quarantined == []
    assert "torn last entry" in caplog.text
    assert journal.read_bytes() == good
    await store.put("t", "after", {"v": 1})
    assert read_data(path)["t"]["after"] == {"v": 1}


async def test_a_bad_line_with_a_newline_at_the_very_end_counts_as_torn(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    journal = await written(path, 2)
    journal.write_bytes(journal.read_bytes() + b'{"op":"pu\n\x00\x00')
    store = TinyDBStore(path)
    assert await store.all("t") == {"k0": {"i": 0}, "k1": {"i": 1}}
    assert store.quarantined == []


@pytest.mark.parametrize(
    "bad",
    [b'{"op":"put","t":"t","k":"k1","d":{"i"', b'{"op":"drop","t":"t"}', b"[1]", b"\xff\xfe"],
)
async def test_a_corrupt_line_in_the_middle_quarantines_the_journal_and_keeps_what_came_before(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, bad: bytes
) -> None:
    path = tmp_path / "db.json"
    journal = await written(path, 4)
    entries = journal.read_bytes().splitlines(keepends=True)
    damaged = b"".join([*entries[:2], bad + b"\n", *entries[2:]])
    journal.write_bytes(damaged)
    with caplog.at_level(logging.ERROR):
        store = TinyDBStore(path)
    assert await store.all("t") == {"k0": {"i": 0}, "k1": {"i": 1}}
    [aside] = store.quarantined
    assert aside.name.startswith("db.json.journal.corrupt-")
    assert aside.read_bytes() == damaged  # kept whole, for a person to look at
    assert "corrupt at line 3" in caplog.text
    assert store.stats()["quarantined"] == [str(aside)]
    # The good entries are in a new snapshot; the next start finds nothing wrong.
    assert json.loads(path.read_text(encoding="utf-8")) == {"t": {"k0": {"i": 0}, "k1": {"i": 1}}}
    await store.put("t", "k9", {"i": 9})
    again = TinyDBStore(path)
    assert again.quarantined == []
    assert await again.all("t") == {"k0": {"i": 0}, "k1": {"i": 1}, "k9": {"i": 9}}


@pytest.mark.parametrize("garbage", ['{"t": {"k": {"v"', "\x00\x01", "[1, 2]", '{"t": 5}'])
async def test_a_corrupt_snapshot_is_kept_aside_not_overwritten(
    tmp_path: Path, garbage: str
) -> None:
    path = tmp_path / "db.json"
    path.write_text(garbage, encoding="utf-8")
    store = TinyDBStore(path)
    [aside] = store.quarantined
    assert aside.read_text(encoding="utf-8") == garbage
    assert await store.all("t") == {}
    await store.put("t", "k", {"v": 1})
    await store.close()
    assert json.loads(path.read_text(encoding="utf-8")) == {"t": {"k": {"v": 1}}}
    assert aside.read_text(encoding="utf-8") == garbage


async def test_a_corrupt_snapshot_still_gets_the_journal_replayed(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    await written(path, 2)
    path.write_text("{broken", encoding="utf-8")
    store = TinyDBStore(path)
    assert len(store.quarantined) == 1
    assert await store.all("t") == {"k0": {"i": 0}, "k1": {"i": 1}}


def tinydb_shaped(data: object) -> bool:
    return isinstance(data, dict) and all(
        isinstance(docs, dict) and all(isinstance(d, dict) for d in docs.values())
        for docs in data.values()
    )


def parsed(raw: bytes) -> dict[str, Any] | None:
    tables = bot.storage._parse_snapshot(raw)
    if tables is None:
        return None
    return {t: {k: json.loads(text) for k, text in docs.items()} for t, docs in tables.items()}


json_docs = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
snapshots = st.dictionaries(
    st.text(max_size=5),
    st.dictionaries(
        st.text(max_size=5), st.dictionaries(st.text(max_size=3), json_docs), max_size=3
    ),
    max_size=3,
)


@settings(max_examples=100, deadline=None)
@given(snapshots, st.sampled_from([None, 0, 2]), st.booleans())
def test_snapshots_in_any_json_layout_are_read_like_json_loads(
    data: dict[str, Any], indent: int | None, ascii_only: bool
) -> None:
    raw = json.dumps(data, indent=indent, ensure_ascii=ascii_only).encode("utf-8")
    assert parsed(b" \n" + raw + b"\n ") == {t: docs for t, docs in data.items() if docs}


@settings(max_examples=60, deadline=None)
@given(
    st.text(max_size=4),
    st.dictionaries(
        st.text(max_size=4), st.dictionaries(st.text(max_size=3), json_docs), min_size=1, max_size=3
    ),
)
def test_journal_lines_read_back_and_no_torn_prefix_passes(
    table: str, docs: dict[str, Any]
) -> None:
    key = next(iter(docs))
    text = {k: bot.storage._doc_text(d) for k, d in docs.items()}
    payload = "{" + ",".join(f"{json.dumps(k)}:{t}" for k, t in text.items()) + "}"
    written = {
        bot.storage._line("put", table, key, text[key]): [(table, key, text[key])],
        bot.storage._line("del", table, key, None): [(table, key, None)],
        bot.storage._line("put_many", table, None, payload): [(table, k, text[k]) for k in docs],
    }
    for line, changes in written.items():
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert bot.storage._journal_changes(line[:-1]) == changes
        for cut in range(len(line) - 1):
            with pytest.raises((ValueError, IndexError)):
                bot.storage._journal_changes(line[:cut])


@pytest.mark.parametrize(
    "raw",
    [
        '{"t":{"k":{}},}',
        '{"t":{"k":{},}}',
        '{"t":{"k":{}} "u":{}}',
        '{"t":{"k":{} "j":{}}}',
        '{"t":{"k":{}}}x',
        '{"t":{"k":{}}',
        '{"t" {"k":{}}}',
        '{"t":{"k":[]}}',
        '{"t":{"k":{"a":}}}',
        '{"t":[]}',
        "{,}",
        '{"t":{,}}',
        "{t:{}}",
        '{"t":{"k":{}}}{}',
        "[]",
        "null",
        '"x"',
        "{",
    ],
)
def test_snapshots_that_json_or_tinydb_would_refuse_are_refused(raw: str) -> None:
    try:
        valid = tinydb_shaped(json.loads(raw))
    except ValueError:
        valid = False
    assert not valid
    assert parsed(raw.encode()) is None


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


async def test_leftover_temporary_files_are_removed_at_start(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    await written(path, 2)
    (tmp_path / "db.json.tmp").write_text('{"t": {"half', encoding="utf-8")
    (tmp_path / "db.json.journal.tmp").write_bytes(b'{"op":"put"')
    store = TinyDBStore(path)
    assert await store.all("t") == {"k0": {"i": 0}, "k1": {"i": 1}}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "db.json.journal",
        "db.json.lock",
    ]


# --------------------------------------------------------------------------- TinyDB: compaction


async def test_compaction_runs_when_the_journal_is_long_and_on_close(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path, compact_entries=5)
    for i in range(4):
        await store.put("t", f"k{i}", {"i": i})
    assert not path.exists()
    await store.put("t", "k4", {"i": 4})  # the 5th entry starts a compaction
    assert store.stats()["compacting"] is True
    await store.compact()
    assert store.stats()["journal_entries"] == 0
    assert store.stats()["last_compaction"] is not None
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "t": {f"k{i}": {"i": i} for i in range(5)}
    }
    await store.put("t", "k5", {"i": 5})
    await store.close()
    assert lines(path) == []
    assert read_data(path)["t"]["k5"] == {"i": 5}


async def test_writes_during_a_compaction_become_the_new_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put_many("t", {f"k{i}": {"i": i} for i in range(10)})
    started, go_on = threading.Event(), threading.Event()
    real = bot.storage._write_snapshot

    def slow_snapshot(target: Path, tables: dict[str, dict[str, str]]) -> int:
        started.set()
        go_on.wait(5)
        return real(target, tables)

    monkeypatch.setattr(bot.storage, "_write_snapshot", slow_snapshot)
    compaction = asyncio.create_task(store.compact())
    await asyncio.to_thread(started.wait, 5)
    await store.put("t", "k0", {"i": "new"})
    assert await store.delete("t", "k1") is True
    await store.put("t", "k10", {"i": 10})
    go_on.set()
    assert await compaction is True
    snapshot = json.loads(path.read_text(encoding="utf-8"))["t"]
    assert snapshot == {f"k{i}": {"i": i} for i in range(10)}  # as at the start
    assert [(e["op"], e["k"]) for e in lines(path)] == [
        ("put", "k0"),
        ("del", "k1"),
        ("put", "k10"),
    ]
    expected = {"k0": {"i": "new"}, **{f"k{i}": {"i": i} for i in range(2, 11)}}
    assert await store.all("t") == expected
    assert await TinyDBStore(path).all("t") == expected


def copy_state(source: Path, target: Path) -> Path:
    """The data files as a crash would leave them right now."""
    target.mkdir()
    for name in ("db.json", "db.json.journal", "db.json.tmp", "db.json.journal.tmp"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target / "db.json"


async def test_a_crash_at_any_step_of_a_compaction_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live"
    path = live / "db.json"
    store = TinyDBStore(path)
    await store.put_many("t", {f"k{i}": {"i": i} for i in range(20)})
    await store.compact()
    for i in range(15):  # replaces, deletes and new keys in the journal
        if i % 3 == 0:
            await store.delete("t", f"k{i}")
        else:
            await store.put("t", f"k{i + 10}", {"i": i, "again": True})
    expected = await store.all("t")

    states: list[Path] = []
    real_replace, real_fsync = os.replace, os.fsync

    def capture() -> None:
        states.append(copy_state(live, tmp_path / f"state{len(states)}"))

    def replace(src: Any, dst: Any) -> None:
        capture()
        real_replace(src, dst)
        capture()

    def fsync(fd: int) -> None:
        real_fsync(fd)
        capture()

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    assert await store.compact() is True
    monkeypatch.undo()
    assert len(states) >= 6  # before/after both renames, every fsync
    for state in states:
        reopened = TinyDBStore(state)
        assert await reopened.all("t") == expected, state.parent.name
        assert reopened.quarantined == [], state.parent.name
        await reopened.put("t", "later", {"v": 1})  # and it goes on from there
        await reopened.close()
        assert read_data(state)["t"] == {**expected, "later": {"v": 1}}


async def test_a_crash_between_snapshot_and_journal_replay_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put_many("t", {"a": {"v": 1}, "b": {"v": 1}})
    await store.delete("t", "a")
    await store.put("t", "b", {"v": 2})
    await store.put("t", "a", {"v": 3})

    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TinyDBStore, "_replace_journal", fail)
    with caplog.at_level(logging.ERROR):
        assert await store.compact() is False
    assert "compaction of" in caplog.text
    monkeypatch.undo()
    # New snapshot, old journal: replaying the journal over it gives the same state.
    assert json.loads(path.read_text(encoding="utf-8")) == {"t": {"a": {"v": 3}, "b": {"v": 2}}}
    assert len(lines(path)) == 4
    assert await TinyDBStore(path).all("t") == {"a": {"v": 3}, "b": {"v": 2}}
    assert await store.all("t") == {"a": {"v": 3}, "b": {"v": 2}}
    await store.put("t", "c", {"v": 4})
    assert await TinyDBStore(path).all("t") == {"a": {"v": 3}, "b": {"v": 2}, "c": {"v": 4}}


async def test_a_failed_snapshot_keeps_the_journal_and_is_retried_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path, compact_entries=3)
    real = bot.storage._write_snapshot
    calls: list[int] = []

    def full(target: Path, tables: dict[str, dict[str, str]]) -> int:
        calls.append(1)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bot.storage, "_write_snapshot", full)
    for i in range(3):
        await store.put("t", f"k{i}", {"i": i})
    assert await store.compact() is False
    assert not list(tmp_path.glob("*.tmp"))
    await store.put("t", "k3", {"i": 3})  # not yet: wait for as many entries again
    assert store.stats()["compacting"] is False
    monkeypatch.setattr(bot.storage, "_write_snapshot", real)
    for i in range(4, 6):
        await store.put("t", f"k{i}", {"i": i})
    assert store.stats()["compacting"] is True
    assert await store.compact() is True
    assert len(calls) >= 1
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "t": {f"k{i}": {"i": i} for i in range(6)}
    }


# --------------------------------------------------------------------------- TinyDB: the rest


async def test_stats_describe_the_files(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("t", "k", {"v": 1})
    stats = store.stats()
    assert stats["path"] == str(path)
    assert stats["journal_entries"] == 1
    assert stats["journal_bytes"] == path.with_name("db.json.journal").stat().st_size
    assert stats["size_bytes"] == stats["snapshot_bytes"] + stats["journal_bytes"]
    assert stats["quarantined"] == [] and stats["read_only"] is False
    await store.close()
    assert store.stats()["snapshot_bytes"] == path.stat().st_size


async def test_read_data_changes_no_file(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    journal = await written(path, 2)
    torn = journal.read_bytes() + b'{"op":'
    journal.write_bytes(torn)
    assert read_data(path) == {"t": {"k0": {"i": 0}, "k1": {"i": 1}}}
    assert journal.read_bytes() == torn


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


async def test_a_second_process_reads_but_may_not_write(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    journal = await written(path, 2)
    journal.write_bytes(journal.read_bytes() + b'{"op":')  # the owner is mid-append
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(tmp_path / "db.json.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"  # not us
        reader = TinyDBStore(path)
        assert reader.owner is False and reader.stats()["read_only"] is True
        assert await reader.all("t") == {"k0": {"i": 0}, "k1": {"i": 1}}
        assert journal.read_bytes().endswith(b'{"op":')  # repairs are the owner's
        with pytest.raises(StoreBusyError):
            await reader.put("t", "k2", {"i": 2})
        await reader.close()  # no compaction behind the owner's back
        assert not path.exists()
    finally:
        holder.communicate("", timeout=10)
    await reader.put("t", "k2", {"i": 2})  # the owner let go: takes over and reloads
    assert reader.owner is True
    assert read_data(path) == {"t": {"k0": {"i": 0}, "k1": {"i": 1}, "k2": {"i": 2}}}
