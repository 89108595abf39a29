"""Issue #13, findings 8 and 9: ``/healthz`` in constant time, for the right people, and
honest when writes fail.

8. Before, every call parsed every stored conversation (241 ms at 20 000) and anyone could see
   the data file's path and the counts. Now anyone gets ``ok``/``degraded``; the details come
   from memory (computed by the scheduler tick) and only on loopback or with ``HEALTHZ_TOKEN``.
9. Before, ``/healthz`` said ``ok`` while every write failed (a full disk, a read-only data
   directory), and the log blamed another process. Now ``bot/store_health.py``'s
   ``WatchedStore`` records the last failed write: ``degraded`` with the reason, and the log
   says what the operating system said.
"""

from __future__ import annotations

import builtins
import errno
import inspect
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, create_app
from bot.conversations import ConversationDirectory
from bot.health import Health
from bot.http_limits import Pacer
from bot.settings import Settings
from bot.storage import MemoryStore, TinyDBStore
from bot.store_health import WatchedStore
from dialogs.store import Change, Doc, Store
from scheduler.clock import ManualClock
from tools.fake_connector import FakeConnector, first_message, personal_activity

TOKEN = "s3cret-health-token"
FROM_ELSEWHERE = {"X-Forwarded-For": "203.0.113.7"}  # a proxy in front: not loopback


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


class CountingStore(MemoryStore):
    """A memory store that counts the reads that cost something at 20 000 documents."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {"all": 0, "keys": 0, "stats": 0}

    async def all(self, table: str) -> dict[str, Doc]:
        self.reads["all"] += 1
        return await super().all(table)

    async def keys(self, table: str) -> list[str]:
        self.reads["keys"] += 1
        return await super().keys(table)

    def stats(self) -> dict[str, Any]:
        self.reads["stats"] += 1
        return super().stats()


class FullDisk(MemoryStore):
    """A memory store whose writes raise ``ENOSPC`` while ``full`` is set, as the journal's
    append does on a full disk."""

    full = False
    error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/strategibot.json.journal")

    def _check(self) -> None:
        if self.full:
            raise self.error

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        self._check()
        await super().put(table, key, doc)

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        self._check()
        await super().put_many(table, items)

    async def delete(self, table: str, key: str) -> bool:
        self._check()
        return await super().delete(table, key)

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        self._check()
        return await super().add(table, key, doc)

    async def apply(self, changes: Sequence[Change]) -> None:
        self._check()
        await super().apply(changes)


@pytest.fixture
async def many(
    clock: ManualClock, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[TestClient, CountingStore]]:  # type: ignore[type-arg]
    """The app over 20 000 stored conversations (``@pytest.mark.parametrize("many", [n],
    indirect=True)`` for another number), with ``HEALTHZ_TOKEN`` set."""
    conversations = getattr(request, "param", 20_000)
    store = CountingStore()
    await ConversationDirectory(store).remember(
        first_message(1, "http://127.0.0.1:1/"), clock.now()
    )
    [stored] = (await store.all("conversations")).values()
    await store.put_many("conversations", {f"c{n}": stored for n in range(conversations)})
    app = create_app(_settings(HEALTHZ_TOKEN=TOKEN), store, clock)
    async with TestClient(TestServer(app)) as client:
        yield client, store


FEW = pytest.mark.parametrize("many", [100], indirect=True)


# --------------------------------------------------------------------------- finding 8


async def test_anyone_gets_liveness_without_paths_or_counts(
    tmp_path: Path, clock: ManualClock
) -> None:
    store = TinyDBStore(tmp_path / "strategibot.json")
    await store.put("notes", "n1", {"x": 1})
    app = create_app(_settings(), store, clock)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz", headers=FROM_ELSEWHERE)
        assert response.status == 200
        text = await response.text()
        assert json.loads(text) == {"status": "ok"}
        assert str(tmp_path) not in text
        # The same request from this machine sees the details.
        details = await (await client.get("/healthz")).json()
    assert details["status"] == "ok" and details["reasons"] == []
    assert details["storage"]["documents"] >= 1


@FEW
async def test_the_token_shows_the_details_and_a_wrong_one_is_refused(
    many: tuple[TestClient, CountingStore],  # type: ignore[type-arg]
) -> None:
    client, _ = many
    right = {**FROM_ELSEWHERE, "Authorization": f"Bearer {TOKEN}"}
    details = await (await client.get("/healthz", headers=right)).json()
    assert details["status"] == "ok"
    assert {"authentication", "tenants", "warnings", "storage", "scheduler", "outbox"} <= set(
        details
    )
    assert details["storage"]["documents"] > 100
    for wrong in (f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}"):
        refused = await client.get("/healthz", headers={**FROM_ELSEWHERE, "Authorization": wrong})
        assert refused.status == 401
        assert await refused.json() == {"error": "Ikke autoriseret"}
    anonymous = await (await client.get("/healthz", headers=FROM_ELSEWHERE)).json()
    assert anonymous == {"status": "ok"}


async def test_healthz_reads_nothing_from_the_store_per_request(
    many: tuple[TestClient, CountingStore],  # type: ignore[type-arg]
) -> None:
    """Before: every call parsed all 20 000 conversations. Now 80 calls, anonymous or with
    the details, read nothing: the details were computed at start-up and are served from
    memory until the next scheduler tick."""
    client, store = many
    before = dict(store.reads)
    right = {**FROM_ELSEWHERE, "Authorization": f"Bearer {TOKEN}"}
    for n in range(40):
        assert (await client.get("/healthz", headers=FROM_ELSEWHERE)).status == 200
        assert (await client.get("/healthz", headers=right if n % 2 else {})).status == 200
    assert store.reads == before


@FEW
async def test_the_details_are_refreshed_by_the_scheduler_tick(
    many: tuple[TestClient, CountingStore],  # type: ignore[type-arg]
) -> None:
    client, store = many
    services = client.app[SERVICES]
    before = (await (await client.get("/healthz")).json())["storage"]["documents"]
    await store.put("notes", "one-more", {"x": 1})
    assert (await (await client.get("/healthz")).json())["storage"]["documents"] == before
    await services.tick()
    assert (await (await client.get("/healthz")).json())["storage"]["documents"] == before + 1


@FEW
async def test_a_section_can_be_added(
    many: tuple[TestClient, CountingStore],  # type: ignore[type-arg]
) -> None:
    """Later features (a sender election between two instances) add their own section."""
    client, _ = many
    health = client.app[SERVICES].health
    health.add("example", lambda: {"role": "sender"})
    health.add("example_live", lambda: 7, live=True)
    health.refresh()
    details = await (await client.get("/healthz")).json()
    assert (details["example"], details["example_live"]) == ({"role": "sender"}, 7)


# --------------------------------------------------------------------------- finding 9


async def test_a_full_disk_is_degraded_with_the_reason_and_logged_as_such(
    clock: ManualClock, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    store = FullDisk()
    app = create_app(_settings(), store, clock)
    async with TestClient(TestServer(app)) as client:
        store.full = True
        with caplog.at_level(logging.ERROR):
            turn = await client.post(
                "/api/messages", json=personal_activity(1, connector.url, text="hej")
            )
        assert turn.status in (200, 201)
        health = await (await client.get("/healthz")).json()
        assert health["status"] == "degraded"
        [reason] = health["reasons"]
        assert "No space left on device" in reason and "[Errno 28]" in reason
        assert health["writes"]["ok"] is False
        assert health["writes"]["last_failure"]["error"].startswith(
            "OSError: [Errno 28] No space left on device"
        )
        anonymous = await (await client.get("/healthz", headers=FROM_ELSEWHERE)).json()
        assert anonymous == {"status": "degraded"}
        logged = [r.getMessage() for r in caplog.records if r.name == "bot.store_health"]
        assert any("OSError: [Errno 28] No space left on device" in line for line in logged)
        assert "another process" not in caplog.text

        store.full = False  # space again: the next write clears it
        with caplog.at_level(logging.WARNING):
            turn = await client.post(
                "/api/messages", json=personal_activity(1, connector.url, text="hej")
            )
        health = await (await client.get("/healthz")).json()
        assert (health["status"], health["reasons"], health["writes"]["ok"]) == ("ok", [], True)
        assert "storage writes work again" in caplog.text


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A data directory on a read-only file system: every open for writing under it fails
    with ``EROFS`` (as root, ``chmod`` would not stop the tests)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    TinyDBStore(data_dir / "strategibot.json")  # the files exist, as before a remount
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    real_os_open, real_open = os.open, builtins.open

    def refused(path: Any) -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & writing and Path(os.fsdecode(path)).is_relative_to(data_dir):
            raise refused(path)
        return real_os_open(path, flags, *args, **kwargs)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        under = isinstance(file, str | bytes | os.PathLike)
        if under and set(mode) & set("wax+") and Path(os.fsdecode(file)).is_relative_to(data_dir):
            raise refused(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    return data_dir


async def test_a_read_only_data_directory_is_degraded_and_not_blamed_on_another_process(
    read_only: Path,
    clock: ManualClock,
    connector: FakeConnector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        store = TinyDBStore(read_only / "strategibot.json")
        app = create_app(_settings(), store, clock)
        async with TestClient(TestServer(app)) as client:
            # Said at start-up, before any user's turn fails:
            health = await (await client.get("/healthz")).json()
            assert health["status"] == "degraded"
            assert "Read-only file system" in health["reasons"][0]
            turn = await client.post(
                "/api/messages", json=personal_activity(1, connector.url, text="hej")
            )
            assert turn.status in (200, 201)
            health = await (await client.get("/healthz")).json()
    assert health["status"] == "degraded"
    assert health["writes"]["last_failure"]["operation"] != "open"  # the turn's write
    assert "[Errno 30] Read-only file system" in health["reasons"][0]
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.store_health"]
    assert ours and all("[Errno 30] Read-only file system" in line for line in ours)
    assert not any("another process" in line for line in ours)


async def test_back_to_back_anonymous_pollers_are_paced() -> None:
    """Each anonymous call is cheap now, but 20 pollers calling back to back still made
    hundreds a second that every turn queued behind: beyond 50 a second they wait their turn
    (at most a second each), so a poller that calls every few seconds never waits."""
    now = [0.0]
    pace = Pacer(50.0, clock=lambda: now[0])
    waits = [pace.delay() for _ in range(200)]  # 200 calls at the same instant
    assert waits[0] == 0 and waits[1] == pytest.approx(0.02) and waits[49] == pytest.approx(0.98)
    assert max(waits) == 1.0 and pace.delayed == 199
    now[0] = 100.0  # much later, one call: no wait
    assert pace.delay() == 0


async def test_details_are_computed_again_when_no_tick_has_done_it_for_a_minute() -> None:
    now = [0.0]
    health = Health(max_age=60.0, clock=lambda: now[0])
    computed = []
    health.add("storage", lambda: computed.append(1) or len(computed))
    health.refresh()
    for _ in range(100):
        assert health.details()["storage"] == 1
    now[0] = 61.0
    assert [health.details()["storage"] for _ in range(100)] == [2] * 100


def test_every_store_method_is_passed_through() -> None:
    """A method added to the Store interface must be forwarded by WatchedStore too, or the
    backend's own version would be skipped for the interface's default."""
    interface = {
        name
        for name, member in inspect.getmembers(Store)
        if not name.startswith("_") and callable(member)
    }
    missing = sorted(name for name in interface if name not in vars(WatchedStore))
    assert not missing, f"add these to bot/store_health.py's WatchedStore: {missing}"


async def test_a_callers_mistake_is_not_a_failed_write() -> None:
    class Picky(MemoryStore):
        async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
            raise ValueError("not a valid key")

    watched = WatchedStore(Picky())
    with pytest.raises(ValueError):
        await watched.put("t", "k", {})
    assert watched.reason() is None
