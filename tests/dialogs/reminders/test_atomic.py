"""A change of several documents is all or nothing (issue #13, finding 5).

A committee edit cancels the committee's future meetings, creates the new ones and saves the
committee; a crash or a full disk part-way once left 32 of 53 future meetings cancelled and
none created. Here the disk fills up at every step of the change in turn (the n-th document
written to the watched tables fails, whether it is one ``put`` or one change inside
``Store.apply``): afterwards the old plan or the new one stands, whole, in memory and, for
the file store, on disk after a restart. The same for deleting a committee and opening a
status round (which purges the comments of old rounds).
"""

from __future__ import annotations

import errno
import itertools
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Mapping,
    Sequence,
)
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services
from bot.storage import MemoryStore, TinyDBStore
from content import Content
from dialogs.reminders.repository import COMMITTEES, MEETINGS
from dialogs.status.models import Answer, Leader, StatusReply
from dialogs.status.repository import REPLIES, ROUNDS
from dialogs.status.service import RoundRequest
from dialogs.store import Change, Doc, Store
from scheduler.calendar import parse_schedule
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import app_services, run
from tests.conftest import TZ

OLD_PLAN = "hver uge tirsdag kl. 13"  # 53 meetings in the coming year
NEW_PLAN = "første torsdag i måneden kl. 9"
FORM = {"action": "committee_save", "committee": "", "name": "LMU Ørum", "kind": "LMU",
        "schedule": OLD_PLAN, "lead_days": "7", "remind_chair": "true"}  # fmt: skip


class DiskFull(OSError):
    def __init__(self) -> None:
        super().__init__(errno.ENOSPC, "No space left on device")


class _Unwritable(Mapping[str, Any]):
    """A document the backend fails on while it writes it, as on a full disk."""

    def __getitem__(self, key: str) -> Any:
        raise DiskFull

    def __iter__(self) -> Iterator[str]:
        raise DiskFull

    def __len__(self) -> int:
        raise DiskFull


class Crashing(Store):
    """``inner``, with the ``fail_at``-th write step to ``tables`` failing (0 is the first).

    A step is one ``put``, ``delete`` or ``add``, one item of ``put_many``, or one change of
    ``apply``: there the failing change is handed to the backend as a document it cannot
    write, so the backend's own ``apply`` meets the failure part-way."""

    def __init__(self, inner: Store, tables: Collection[str]) -> None:
        self.inner = inner
        self.tables = frozenset(tables)
        self.fail_at: int | None = None
        self.steps = 0

    def _fails(self, table: str) -> bool:
        if table not in self.tables:
            return False
        self.steps += 1
        return self.fail_at is not None and self.steps == self.fail_at + 1

    async def get(self, table: str, key: str) -> Doc | None:
        return await self.inner.get(table, key)

    async def all(self, table: str) -> dict[str, Doc]:
        return await self.inner.all(table)

    async def keys(self, table: str) -> list[str]:
        return await self.inner.keys(table)

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        if self._fails(table):
            raise DiskFull
        await self.inner.put(table, key, doc)

    async def delete(self, table: str, key: str) -> bool:
        if self._fails(table):
            raise DiskFull
        return await self.inner.delete(table, key)

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        if self._fails(table):
            raise DiskFull
        return await self.inner.add(table, key, doc)

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        if any([self._fails(table) for _ in items]):
            raise DiskFull
        await self.inner.put_many(table, items)

    async def apply(self, changes: Sequence[Change]) -> None:
        written: list[Change] = []
        for table, key, doc in changes:
            written.append((table, key, _Unwritable() if self._fails(table) else doc))
        await self.inner.apply(written)

    def stats(self) -> dict[str, Any]:
        return self.inner.stats()


Backend = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["memory", "file"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """A new store of the kind: in memory, or the TinyDB files (closed and opened again, as
    after a restart, by :func:`reopened`)."""
    opened: list[Store] = []
    counter = itertools.count()

    async def new() -> Store:
        store: Store = MemoryStore()
        if request.param == "file":
            store = TinyDBStore(tmp_path / f"data-{next(counter)}" / "strategibot.json")
        opened.append(store)
        return store

    yield new
    for store in opened:
        await store.close()


async def reopened(store: Store) -> Store:
    """The file store as the next start reads it from disk; memory as it is."""
    if isinstance(store, TinyDBStore):
        await store.close()
        return TinyDBStore(store.path)
    return store


async def tables(store: Store, *names: str) -> dict[str, dict[str, Doc]]:
    return {name: await store.all(name) for name in names}


async def world(
    backend: Backend, clock: ManualClock, content: Content, watched: Collection[str]
) -> tuple[Services, Crashing]:
    store = Crashing(await backend(), watched)
    services = app_services(clock, store, content)
    [reply] = await run(services, teams.submit(FORM))
    assert str(reply.text).startswith("Udvalget »LMU Ørum« er gemt med 53 møder"), reply.text
    return services, store


async def every_step(
    backend: Backend,
    clock: ManualClock,
    content: Content,
    watched: Collection[str],
    change: Callable[[Services], Awaitable[object]],
    check: Callable[[dict[str, dict[str, Doc]], dict[str, dict[str, Doc]]], None],
) -> int:
    """Fail the change at each step in turn; ``check(before, after_success)`` the new state.
    Returns how many steps the change has."""
    for n in itertools.count():
        services, store = await world(backend, clock, content, watched)
        before = await tables(store.inner, *watched)
        store.fail_at, store.steps = n, 0
        try:
            await change(services)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
            after = await tables(await reopened(store.inner), *watched)
            assert after == before, f"a failure at step {n} left part of the change"
            continue
        check(before, await tables(await reopened(store.inner), *watched))
        return n
    raise AssertionError("unreachable")


async def test_a_committee_edit_leaves_the_old_or_the_new_plan_whole(
    backend: Backend, clock: ManualClock, content: Content
) -> None:
    now = clock.now()

    async def edit(services: Services) -> object:
        [committee] = await services.reminders.repository.committees()
        edited = {**FORM, "committee": committee.id, "name": "LMU Ørum Nord",
                  "schedule": NEW_PLAN}  # fmt: skip
        return await run(services, teams.submit(edited))

    def check(before: dict[str, dict[str, Doc]], after: dict[str, dict[str, Doc]]) -> None:
        [committee] = after[COMMITTEES].values()
        assert committee["name"] == "LMU Ørum Nord"
        new = parse_schedule(NEW_PLAN, TZ, now.date()).occurrences(now, now + timedelta(366))
        ahead = {
            datetime.fromisoformat(m["start"]): m["cancelled"]
            for m in after[MEETINGS].values()
            if datetime.fromisoformat(m["start"]) > now
        }
        assert sorted(start for start, cancelled in ahead.items() if not cancelled) == new
        assert sum(ahead.values()) == 53  # every old future meeting cancelled

    steps = await every_step(backend, clock, content, (COMMITTEES, MEETINGS), edit, check)
    assert steps == 53 + 1 + 12  # cancelled, the committee, created: each step was tried


async def test_deleting_a_committee_deletes_it_and_its_meetings_or_nothing(
    backend: Backend, clock: ManualClock, content: Content
) -> None:
    async def delete(services: Services) -> object:
        [committee] = await services.reminders.repository.committees()
        confirm = {"action": "committee_delete", "committee": committee.id}
        return await run(services, teams.execute(confirm))  # "Slet udvalget" on its card

    def check(before: dict[str, dict[str, Doc]], after: dict[str, dict[str, Doc]]) -> None:
        assert after == {COMMITTEES: {}, MEETINGS: {}}

    steps = await every_step(backend, clock, content, (COMMITTEES, MEETINGS), delete, check)
    assert steps == 53 + 1


async def test_opening_a_round_and_purging_old_comments_is_one_change(
    backend: Backend, clock: ManualClock, content: Content
) -> None:
    """With one round's comments kept, opening the next purges the older one's comments."""
    leaders = [Leader(user_id=f"aad-user-{n}", name=f"Leder {n}", unit="Bostøtte")
               for n in range(1, 4)]  # fmt: skip

    async def setup(services: Services) -> None:
        for leader in leaders:
            await services.status.repository.save_leader(leader)
        request = RoundRequest(name="Forår", deadline=date(2026, 12, 9))
        old, _ = await services.status.create_round(request, "aad-admin", clock.now())
        for leader in leaders:
            answer = Answer(maalsaetning="2.3", status="delvist", comment="Godt i gang")
            await services.status.repository.save_reply(
                StatusReply(round_id=old.id, user_id=leader.user_id, unit=leader.unit,
                            answers=(answer,), first_at=clock.now(), updated_at=clock.now())
            )  # fmt: skip

    watched = (ROUNDS, REPLIES)
    later = clock.now() + timedelta(hours=1)  # the newer round
    for n in itertools.count():
        store = Crashing(await backend(), watched)
        services = app_services(clock, store, content, status_keep_rounds=1)
        await setup(services)
        before = await tables(store.inner, *watched)
        store.fail_at, store.steps = n, 0
        try:
            request = RoundRequest(name="Efterår", deadline=date(2026, 12, 10))
            await services.status.create_round(request, "aad-admin", later)
        except OSError:
            assert await tables(await reopened(store.inner), *watched) == before, n
            continue
        after = await tables(await reopened(store.inner), *watched)
        assert sorted(r["name"] for r in after[ROUNDS].values()) == ["Efterår", "Forår"]
        assert [a["comment"] for r in after[REPLIES].values() for a in r["answers"]] == [""] * 3
        assert n == 1 + 3  # the round and three purged replies: each step was tried
        break
