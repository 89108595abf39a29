"""The storage contract, run against every backend."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.storage import MemoryStore, Store, TinyDBStore

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


async def test_each_put_writes_the_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    replaced: list[object] = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (replaced.append(b), real_replace(a, b)))
    await store.put("t", "new", {"v": 1})
    await store.put("t", "new", {"v": 2})
    assert len(replaced) == 2


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
    assert await store.get("t", "k") == {"items": [1]}


async def test_tinydb_survives_reopening(tmp_path: Path) -> None:
    first = TinyDBStore(tmp_path / "db.json")
    await first.put("t", "k", {"v": 1})
    await first.close()
    second = TinyDBStore(tmp_path / "db.json")
    assert await second.get("t", "k") == {"v": 1}
    assert second.quarantined is None


@pytest.mark.parametrize("garbage", ['{"t": {"k": {"v"', "\x00\x01", "[1, 2]", '{"t": 5}'])
async def test_a_corrupt_file_is_kept_aside_not_overwritten(tmp_path: Path, garbage: str) -> None:
    path = tmp_path / "db.json"
    path.write_text(garbage, encoding="utf-8")
    store = TinyDBStore(path)
    assert store.quarantined is not None
    assert store.quarantined.read_text(encoding="utf-8") == garbage
    assert await store.all("t") == {}
    await store.put("t", "k", {"v": 1})
    assert json.loads(path.read_text(encoding="utf-8")) == {"t": {"k": {"v": 1}}}


async def test_a_failed_write_leaves_the_old_file_and_memory_in_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    await store.put("t", "k", {"v": 1})

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        await store.put("t", "k", {"v": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text(encoding="utf-8")) == {"t": {"k": {"v": 1}}}
    assert await store.get("t", "k") == {"v": 1}
