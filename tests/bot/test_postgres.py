"""The PostgreSQL backend beyond the shared contract (``test_storage.py``): the claim and the
transaction across connections, migrations, keys PostgreSQL's text cannot hold, counts,
backups, and the sender election's advisory lock.

Every test runs on a fresh database of the session's throw-away server (``postgres_url``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from bot.postgres import SCHEMA_VERSION, PostgresStore, SchemaTooNew, describe
from bot.sender_election import AdvisoryLockElection
from bot.storage import MemoryStore
from dialogs.ledger import Ledger
from dialogs.store import Store


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PostgresStore]:
    store = await PostgresStore.open(postgres_url)
    yield store
    await store.close()


@pytest.fixture(params=["memory", "postgresql"])
async def any_store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The claim and the transaction as every backend must give them."""
    if request.param == "memory":
        yield MemoryStore()
        return
    store = await PostgresStore.open(request.getfixturevalue("postgres_url"))
    yield store
    await store.close()


# --------------------------------------------------------------------------- add and apply


async def test_add_inserts_only_a_free_key(any_store: Store) -> None:
    assert await any_store.add("ledger", "k", {"status": "claimed"}) is True
    assert await any_store.add("ledger", "k", {"status": "other"}) is False
    assert await any_store.get("ledger", "k") == {"status": "claimed"}
    await any_store.delete("ledger", "k")
    assert await any_store.add("ledger", "k", {"status": "again"}) is True


async def test_apply_makes_every_change(any_store: Store) -> None:
    await any_store.put("a", "gone", {"v": 0})
    await any_store.apply(
        [("a", "x", {"v": 1}), ("b", "y", {"v": 2}), ("a", "gone", None), ("a", "x", {"v": 3})]
    )
    assert await any_store.all("a") == {"x": {"v": 3}}
    assert await any_store.all("b") == {"y": {"v": 2}}
    assert any_store.stats()["tables"] == {"a": 1, "b": 1}


async def test_apply_is_all_or_nothing(pg: PostgresStore) -> None:
    await pg.put("a", "kept", {"v": 1})
    with pytest.raises(TypeError):
        await pg.apply([("a", "kept", None), ("a", "new", {"bad": object()})])
    assert await pg.all("a") == {"kept": {"v": 1}}
    # A failure inside the transaction (the server refuses the second statement) undoes the
    # first: a table name PostgreSQL cannot hold is refused before anything is sent.
    with pytest.raises(TypeError):
        await pg.apply([("a", "kept", None), ("a\x00", "x", {"v": 2})])
    assert await pg.all("a") == {"kept": {"v": 1}}


async def test_a_failed_transaction_changes_nothing(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await pg.put("a", "kept", {"v": 1})
    real = psycopg.AsyncConnection.execute
    calls = 0

    async def failing(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise psycopg.OperationalError("connection lost")
        return await real(self, query, params, **kw)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", failing)
    with pytest.raises(psycopg.OperationalError):
        await pg.apply([("a", "kept", None), ("a", "new", {"v": 2})])
    monkeypatch.undo()
    assert await pg.all("a") == {"kept": {"v": 1}}


async def test_of_many_claims_at_once_across_pools_exactly_one_wins(postgres_url: str) -> None:
    stores = [await PostgresStore.open(postgres_url, max_size=5) for _ in range(4)]
    try:
        keys = [f"reminder:{n}" for n in range(50)]
        results = await asyncio.gather(
            *(store.add("ledger", key, {"by": i}) for key in keys for i, store in enumerate(stores))
        )
        assert sum(results) == len(keys)
        winners = await stores[0].all("ledger")
        assert set(winners) == set(keys)
        ledger = Ledger(stores[1], "claims")
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        claims = await asyncio.gather(
            *(Ledger(store, "claims").claim("nudge:1", now) for store in stores)
        )
        assert claims.count(True) == 1
        assert await ledger.handled(now) == {"nudge:1"}
    finally:
        for store in stores:
            await store.close()


# --------------------------------------------------------------------------- storage details


async def test_keys_and_documents_postgres_text_cannot_hold_round_trip(pg: PostgresStore) -> None:
    odd = ["nul\x00key", "\ud800 lone", "æøå", "a:19:x@thread;messageid=1", ""]
    for n, key in enumerate(odd):
        await pg.put("t", key, {"n": n, "text": "\x00 \ud800 æ"})
    assert await pg.keys("t") == odd
    assert await pg.get("t", "nul\x00key") == {"n": 0, "text": "\x00 \ud800 æ"}
    assert await pg.delete("t", "\ud800 lone") is True


async def test_tables_list_in_insertion_order_and_a_replace_keeps_its_place(
    pg: PostgresStore,
) -> None:
    await pg.put_many("t", {"b": {}, "a": {}, "c": {}})
    await pg.put("t", "a", {"v": 2})
    await pg.delete("t", "b")
    await pg.put("t", "b", {})
    assert await pg.keys("t") == ["a", "c", "b"]
    assert list(await pg.all("t")) == ["a", "c", "b"]


async def test_migrations_are_versioned_and_run_once(postgres_url: str) -> None:
    first = await PostgresStore.open(postgres_url)
    second = await PostgresStore.open(postgres_url)  # finds the schema in place
    async with first.pool.connection() as conn:
        cursor = await conn.execute("SELECT version, description FROM schema_version")
        rows = await cursor.fetchall()
    assert [row[0] for row in rows] == list(range(1, SCHEMA_VERSION + 1))
    await second.close()
    async with first.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version, description) VALUES (%s, 'future')",
            (SCHEMA_VERSION + 1,),
        )
    await first.close()
    with pytest.raises(SchemaTooNew):
        await PostgresStore.open(postgres_url)


async def test_two_instances_migrating_at_once_both_start(postgres_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(postgres_url) for _ in range(3)))
    for store in stores:
        await store.put("t", "k", {"v": 1})
        await store.close()


async def test_counts_follow_other_instances_after_a_recount(postgres_url: str) -> None:
    mine = await PostgresStore.open(postgres_url)
    other = await PostgresStore.open(postgres_url)
    try:
        await mine.put("t", "a", {})
        await other.put_many("t", {"b": {}, "c": {}})
        assert mine.stats()["tables"] == {"t": 1}  # counted at start, plus its own write
        await mine._count()
        stats = mine.stats()
        assert stats["tables"] == {"t": 3} and stats["documents"] == 3
        assert stats["backend"] == "postgresql" and stats["schema_version"] == SCHEMA_VERSION
        assert "postgres@" not in stats["server"]  # never the user or the password
    finally:
        await mine.close()
        await other.close()


async def test_dump_is_every_document_and_compact_rewrites_the_table(pg: PostgresStore) -> None:
    await pg.put_many("t", {"a": {"v": 1}, "b": {"v": 2}})
    await pg.put("u", "x", {"v": 3})
    await pg.delete("t", "a")
    assert await pg.dump() == {"t": {"b": {"v": 2}}, "u": {"x": {"v": 3}}}
    assert await pg.compact() is True
    assert await pg.all("t") == {"b": {"v": 2}}
    assert await pg.redact({"anything"}) == 0


def test_describe_never_shows_the_password() -> None:
    url = "postgresql://bot:s3cret@db.example:6432/strategibot?sslmode=require"
    assert describe(url) == "db.example:6432/strategibot"
    assert describe("postgresql://u@/db?host=/tmp/x") == "socket:5432/db"


# --------------------------------------------------------------------------- the election


async def test_one_instance_holds_the_sender_role_and_another_takes_over(
    postgres_url: str,
) -> None:
    events: list[str] = []

    def hooks(name: str) -> tuple[Any, Any]:
        async def elected() -> None:
            events.append(f"{name} sends")

        async def deposed() -> None:
            events.append(f"{name} stops")

        return elected, deposed

    a = AdvisoryLockElection(postgres_url, check_seconds=0.2, instance="a")
    b = AdvisoryLockElection(postgres_url, check_seconds=0.2, instance="b")
    await a.start(*hooks("a"))
    await b.start(*hooks("b"))
    await asyncio.sleep(0.5)
    assert (a.is_sender, b.is_sender) == (True, False)
    assert a.as_json()["sender"] is True and b.as_json()["instance"] == "b"

    # a's session ends (as when its process is killed, or a fail-over); a still lives here,
    # so it stops at its next check, and b takes the free lock at its own next check
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE %s",
            ("%sender-election a",),
        )
    for _ in range(50):
        await asyncio.sleep(0.1)
        if b.is_sender and not a.is_sender:
            break
    assert (a.is_sender, b.is_sender) == (False, True)
    assert events[0] == "a sends" and sorted(events[1:3]) == ["a stops", "b sends"]
    assert b.quiet_seconds == 1.0 + 0.2  # b's first send waits until a has surely stopped
    await b.stop()  # gives the role up: a takes it again at its next check
    for _ in range(50):
        await asyncio.sleep(0.1)
        if a.is_sender:
            break
    assert a.is_sender and events[-2:] == ["b stops", "a sends"]
    await a.stop()


# --------------------------------------------------------------------------- two ticks at once


class Recorder:
    """A delivery that records every message it is given (everyone reachable)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def send(self, recipient: str, reply: Any, key: str) -> bool:
        self.keys.append(key)
        await asyncio.sleep(0)
        return True

    async def reachable(self, user_id: str) -> bool:
        return True

    async def refused(self, recipient: str) -> int | None:
        return None

    async def send_to_admins(self, reply: Any, key: str) -> int:
        self.keys.append(f"{key}:admin")
        return 1


async def test_two_instances_ticking_at_once_send_each_reminder_and_card_once(
    postgres_url: str, content: Any
) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from dialogs.reminders.models import Committee, Meeting, Person
    from dialogs.reminders.repository import ReminderRepository
    from dialogs.reminders.service import ReminderService
    from dialogs.status.models import Leader, Round
    from dialogs.status.repository import StatusRepository
    from dialogs.status.service import StatusService
    from scheduler.clock import ManualClock

    tz = ZoneInfo("Europe/Copenhagen")
    now = datetime(2027, 1, 12, 9, 0, tzinfo=tz)
    seed = await PostgresStore.open(postgres_url)
    repo = ReminderRepository(seed)
    for n in range(40):
        chair = Person(user_id=f"aad-chair-{n}")
        await repo.save_committee(Committee(id=f"c{n}", name=f"LMU {n}", kind="LMU", chair=chair))
        start = datetime(2027, 1, 19, 13, 0, tzinfo=tz)
        await repo.save_meeting(Meeting(id="m1", committee_id=f"c{n}", start=start))
    status = StatusRepository(seed)
    for n in range(40):
        await status.save_leader(Leader(user_id=f"aad-leader-{n}", unit="Enhed"))
    await status.save_round(
        Round(
            id="r1", name="Runde", maalsaetninger=("1.1",),
            recipients=tuple(f"aad-leader-{n}" for n in range(40)),
            deadline=date(2027, 2, 1), opened_at=now,
        )
    )  # fmt: skip
    await seed.close()

    stores = [await PostgresStore.open(postgres_url) for _ in range(2)]
    deliveries = [Recorder(), Recorder()]
    try:
        jobs = []
        for store, delivery in zip(stores, deliveries, strict=True):
            clock = ManualClock(now)
            reminders = ReminderService(ReminderRepository(store), clock, content, tz, delivery)
            status_service = StatusService(
                StatusRepository(store), reminders.repository, clock, content, tz, delivery
            )
            jobs += [reminders.tick(), status_service.tick()]
        await asyncio.gather(*jobs)
        sent = deliveries[0].keys + deliveries[1].keys
        assert len(sent) == len(set(sent)) == 80  # 40 reminders and 40 status cards, once
        ledger = await stores[0].all("reminder_ledger")
        assert {d["status"] for d in ledger.values()} == {"sent"} and len(ledger) == 40
    finally:
        for store in stores:
            await store.close()
