"""The storage contract, run against every backend (what only the TinyDB files do is in
``test_tinydb.py``, PostgreSQL's in ``test_postgres.py``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.postgres import PostgresStore
from bot.storage import MemoryStore, Store, TinyDBStore

Factory = Callable[[Path], Store]
BACKENDS: dict[str, Factory] = {
    "memory": lambda _: MemoryStore(),
    "tinydb": lambda tmp: TinyDBStore(tmp / "db.json"),
}


@pytest.fixture(params=[*sorted(BACKENDS), "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "postgresql":  # a fresh database on the session's server
        backend: Store = await PostgresStore.open(request.getfixturevalue("postgres_url"))
    else:
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


async def test_add_claims_a_free_key_once_even_when_asked_at_once(store: Store) -> None:
    claims = await asyncio.gather(*(store.add("ledger", "k", {"n": n}) for n in range(20)))
    assert claims.count(True) == 1
    assert await store.get("ledger", "k") == {"n": claims.index(True)}
    assert await store.add("ledger", "k", {"n": 99}) is False


async def test_apply_is_all_or_nothing_when_a_document_is_refused(store: Store) -> None:
    await store.put("committees", "c", {"v": 0})
    with pytest.raises(TypeError):
        await store.apply([("committees", "c", {"v": 1}), ("meetings", "c|m", {"when": object()})])
    assert await store.all("committees") == {"c": {"v": 0}}
    assert await store.all("meetings") == {}
    await store.apply(
        [("committees", "c", {"v": 2}), ("meetings", "c|m", {"v": 3}), ("outbox", "x", {"v": 4})]
    )
    assert (await store.get("committees", "c"), await store.get("outbox", "x")) == (
        {"v": 2},
        {"v": 4},
    )
