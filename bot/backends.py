"""The storage backend and the sender election, chosen once from the settings.

* ``DATABASE_URL`` unset (the default): the TinyDB files in ``DATA_DIR``; one process writes
  them, so that process is always the sender (:class:`~bot.sender_election.SingleProcess`).
  Enough for one municipality on one instance.
* ``DATABASE_URL=postgresql://…``: :class:`~bot.postgres.PostgresStore`; any number of
  instances share it, and the holder of an advisory lock sends
  (:class:`~bot.sender_election.AdvisoryLockElection`).

``python -m bot`` (serve and every command) opens its store here.
"""

from __future__ import annotations

import psycopg

from bot.postgres import PostgresStore, SchemaTooNew, describe
from bot.sender_election import AdvisoryLockElection, SenderElection, SingleProcess
from bot.settings import Settings
from bot.storage import TinyDBStore, read_data
from dialogs.store import Doc, Store


class StoreUnavailable(RuntimeError):
    """The database in ``DATABASE_URL`` cannot be used (the message says why)."""


async def open_store(settings: Settings, *, max_connections: int = 10) -> Store:
    """The store the settings name: PostgreSQL (migrated) or the TinyDB files."""
    if not settings.database_url:
        return TinyDBStore(settings.data_file)
    try:
        return await PostgresStore.open(settings.database_url, max_size=max_connections)
    except (psycopg.Error, SchemaTooNew) as exc:
        where = describe(settings.database_url)
        raise StoreUnavailable(f"DATABASE_URL ({where}) cannot be used: {exc}") from exc


def shared(store: Store) -> bool:
    """Whether other instances may use the same store at the same time."""
    return isinstance(store, PostgresStore)


def election_for(store: Store, settings: Settings) -> SenderElection:
    """Who sends: the advisory-lock holder on PostgreSQL, else this one process."""
    if isinstance(store, PostgresStore):
        return AdvisoryLockElection(store.url, check_seconds=settings.sender_check_seconds)
    return SingleProcess()


async def dump(settings: Settings) -> dict[str, dict[str, Doc]]:
    """Every document by table and key: one consistent copy (``python -m bot backup``)."""
    if not settings.database_url:
        return read_data(settings.data_file)
    store = await open_store(settings, max_connections=1)
    try:
        assert isinstance(store, PostgresStore)
        return await store.dump()
    finally:
        await store.close()
