"""The PostgreSQL backend of :class:`~dialogs.store.Store`, for several instances on one database.

Chosen by ``DATABASE_URL`` (``postgresql://user:password@host:5432/db?sslmode=require``);
without it the bot keeps its data in TinyDB files (``bot/storage.py``). Open it with
:meth:`PostgresStore.open`, which runs the migrations.

**One table of documents, not a table per feature.** Every feature already talks to storage
as documents in named tables addressed by keys (``dialogs/store.py``), and none of them queries
inside a document: they read a document by key, a whole table, or a table's keys. So the
schema is ``documents(tbl, key, doc)`` with the primary key ``(tbl, key)``, which gives each
operation of the interface exactly one indexed statement, makes ``add`` a unique-key claim
(``INSERT … ON CONFLICT DO NOTHING``) and ``apply`` one transaction across tables, and lets a
feature add a table or a field without a migration (the same freedom the TinyDB files give).
Real tables per feature would duplicate the Pydantic models in SQL and need a migration for
every field, for no query that needs them.

* ``doc`` is ``json``, not ``jsonb``: ``json`` keeps the text exactly as written and
  accepts every document the other backends accept, whereas ``jsonb`` refuses ``\\u0000`` and
  lone surrogates (a fuzzed display name can hold them) and reorders keys. Nothing here needs
  ``jsonb``'s indexing; an operator can still read fields with ``doc->>'status'``.
* ``key`` is ``bytea`` (UTF-8, lone surrogates passed through): ``text`` cannot hold a NUL or a
  lone surrogate, and a key is whatever id Teams sent. Read one in ``psql`` with
  ``convert_from(key, 'UTF8')``.
* ``seq`` (an identity) keeps insertion order: ``all`` and ``keys`` list a table in the order
  its keys were first stored, as the in-memory and TinyDB backends do; replacing a document
  keeps its place.

**Migrations** run at start-up, in one transaction under an advisory lock (two instances
starting together migrate once): ``schema_version`` records each applied version with its
time. A database whose version is newer than this code refuses to start.

Connections come from a ``psycopg_pool.AsyncConnectionPool`` in autocommit mode: each
operation is one statement (``put_many`` too, with ``unnest``), so it is atomic on its own;
``apply`` uses an explicit transaction. A write has returned only after PostgreSQL committed it.

``stats`` is synchronous (for ``/healthz``): it reports document counts kept in memory,
counted at start, adjusted exactly by this instance's own writes and recounted in the
background when older than :data:`RECOUNT_SECONDS` (other instances' writes show up then).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Self

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool

from bot.storage import doc_text
from dialogs.store import Change, Doc, Store

log = logging.getLogger(__name__)

RECOUNT_SECONDS = 30.0
MIGRATION_LOCK = 0x5354_5241_0001  # pg_advisory_xact_lock key while migrating ("STRA" 1)

# (version, what it does, statements). Append only: a released version never changes.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "documents keyed by (table, key)",
        (
            """
            CREATE TABLE documents (
                tbl text NOT NULL,
                key bytea NOT NULL,
                doc json NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tbl, key)
            )
            """,
            "CREATE INDEX documents_tbl_seq ON documents (tbl, seq)",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the bot."""


def _key(table: str, key: str) -> bytes:
    """The stored form of ``key`` (and a check of both names)."""
    if not isinstance(table, str) or not isinstance(key, str):
        raise TypeError("table and key are strings")
    if "\x00" in table:
        raise TypeError("a table name cannot hold NUL")
    return key.encode("utf-8", "surrogatepass")


def _unkey(raw: bytes | memoryview) -> str:
    return bytes(raw).decode("utf-8", "surrogatepass")


def describe(url: str) -> str:
    """``host:port/database`` of a libpq URL, for logs and ``/healthz`` (never the password)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql"
    host = str(parts.get("host") or "localhost")
    if host.startswith("/"):
        host = "socket"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


async def migrate(conn: AsyncConnection[Any]) -> tuple[int, list[int]]:
    """Bring the schema to :data:`SCHEMA_VERSION`; (the version found, versions applied)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_version (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_version")
        row = await cursor.fetchone()
        found = int(row[0]) if row else 0
        if found > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the database has schema version {found}, newer than this bot's "
                f"{SCHEMA_VERSION}: run the newer version of the bot"
            )
        applied = []
        for version, description, statements in MIGRATIONS:
            if version <= found:
                continue
            for statement in statements:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                (version, description),
            )
            applied.append(version)
    return found, applied


class PostgresStore(Store):
    """Documents in PostgreSQL (see the module docstring). Create with :meth:`open`."""

    def __init__(self, url: str, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        self.url = url
        self.pool = pool
        self.schema_version = SCHEMA_VERSION
        self._counts: dict[str, int] = {}
        self._counted_at = 0.0
        self._writes = 0  # own writes, so a recount that overlapped one is not trusted
        self._recount: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0
    ) -> Self:
        """Connect, migrate and count; raises ``psycopg.OperationalError`` if the database
        cannot be reached within ``timeout`` seconds."""
        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True},
            open=False,
            timeout=timeout,
            name="strategibot",
        )
        await pool.open(wait=True, timeout=timeout)
        store = cls(url, pool)
        try:
            async with pool.connection() as conn:
                found, applied = await migrate(conn)
            if applied:
                log.info(
                    "database %s migrated from schema version %d to %d",
                    describe(url),
                    found,
                    applied[-1],
                )
            await store._count()
        except BaseException:
            await pool.close()
            raise
        return store

    # ----------------------------------------------------------------- reads

    async def get(self, table: str, key: str) -> Doc | None:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT doc FROM documents WHERE tbl = %s AND key = %s", (table, _key(table, key))
            )
            row = await cursor.fetchone()
        return None if row is None else dict(row[0])

    async def all(self, table: str) -> dict[str, Doc]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT key, doc FROM documents WHERE tbl = %s ORDER BY seq", (table,)
            )
            rows = await cursor.fetchall()
        return {_unkey(key): doc for key, doc in rows}

    async def keys(self, table: str) -> list[str]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT key FROM documents WHERE tbl = %s ORDER BY seq", (table,)
            )
            rows = await cursor.fetchall()
        return [_unkey(row[0]) for row in rows]

    async def dump(self) -> dict[str, dict[str, Doc]]:
        """Every document by table and key, read in one snapshot (``python -m bot backup``)."""
        tables: dict[str, dict[str, Doc]] = {}
        async with self.pool.connection() as conn:
            await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
            try:
                async with conn.transaction():
                    cursor = await conn.execute(
                        "SELECT tbl, key, doc FROM documents ORDER BY tbl, seq"
                    )
                    for table, key, doc in await cursor.fetchall():
                        tables.setdefault(table, {})[_unkey(key)] = doc
            finally:
                await conn.set_isolation_level(None)
        return tables

    # ----------------------------------------------------------------- writes

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        raw, text = _key(table, key), doc_text(doc)
        async with self.pool.connection() as conn:
            cursor = await conn.execute(_UPSERT, (table, raw, text))
            row = await cursor.fetchone()
        self._wrote(table, 1 if row and row[0] else 0)

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        keys = [_key(table, key) for key in items]
        texts = [doc_text(doc) for doc in items.values()]
        if not keys:
            return
        async with self.pool.connection() as conn:
            cursor = await conn.execute(_UPSERT_MANY, (table, keys, texts))
            rows = await cursor.fetchall()
        self._wrote(table, sum(1 for row in rows if row[0]))

    async def delete(self, table: str, key: str) -> bool:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM documents WHERE tbl = %s AND key = %s RETURNING 1",
                (table, _key(table, key)),
            )
            gone = await cursor.fetchone() is not None
        self._wrote(table, -1 if gone else 0)
        return gone

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        """Insert only if ``key`` is free: ``INSERT … ON CONFLICT DO NOTHING``, so of any
        number of callers in any number of instances exactly one gets True."""
        raw, text = _key(table, key), doc_text(doc)
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "INSERT INTO documents (tbl, key, doc) VALUES (%s, %s, %s::json) "
                "ON CONFLICT (tbl, key) DO NOTHING RETURNING 1",
                (table, raw, text),
            )
            added = await cursor.fetchone() is not None
        self._wrote(table, 1 if added else 0)
        return added

    async def apply(self, changes: Sequence[Change]) -> None:
        """Every change in one transaction: all of them or (on any error) none."""
        prepared = [
            (table, _key(table, key), None if doc is None else doc_text(doc))
            for table, key, doc in changes
        ]
        if not prepared:
            return
        delta: dict[str, int] = {}
        async with self.pool.connection() as conn, conn.transaction():
            for table, raw, text in prepared:
                if text is None:
                    cursor = await conn.execute(
                        "DELETE FROM documents WHERE tbl = %s AND key = %s RETURNING 1",
                        (table, raw),
                    )
                    change = -1 if await cursor.fetchone() is not None else 0
                else:
                    cursor = await conn.execute(_UPSERT, (table, raw, text))
                    row = await cursor.fetchone()
                    change = 1 if row and row[0] else 0
                delta[table] = delta.get(table, 0) + change
        for table, change in delta.items():
            self._wrote(table, change)

    # ----------------------------------------------------------------- the rest

    async def compact(self) -> bool:
        """Rewrite the documents table (``VACUUM FULL``), so deleted documents ("slet mine
        data") no longer lie in its files as dead rows. It holds an exclusive lock on the
        table while it runs (well under a second for a municipality's data); if another
        instance's reads keep it from starting within 5 s, False (it is done at the next
        erasure). The server's write-ahead log and backups keep old bytes for as long as
        their retention says (see docs/deployment.md)."""
        try:
            async with self.pool.connection() as conn:
                await conn.execute("SET lock_timeout = '5s'")
                try:
                    await conn.execute("VACUUM FULL documents")
                finally:
                    await conn.execute("RESET lock_timeout")
        except psycopg.Error:
            log.exception("VACUUM FULL of the documents table failed")
            return False
        return True

    async def redact(self, traces: Collection[str]) -> int:
        """Nothing is ever kept aside as unreadable: no file to redact."""
        return 0

    def stats(self) -> dict[str, Any]:
        """Document counts (see the module docstring), the server and the schema version."""
        stale = time.monotonic() - self._counted_at > RECOUNT_SECONDS
        if stale and not self._closed and (self._recount is None or self._recount.done()):
            with contextlib.suppress(RuntimeError):  # no running loop: counts as they are
                self._recount = asyncio.get_running_loop().create_task(self._count_quietly())
        tables = {name: n for name, n in sorted(self._counts.items()) if n > 0}
        pool = self.pool.get_stats()
        return {
            "backend": "postgresql",
            "server": describe(self.url),
            "schema_version": self.schema_version,
            "documents": sum(tables.values()),
            "tables": tables,
            "counted_seconds_ago": round(time.monotonic() - self._counted_at, 1),
            "connections": pool.get("pool_size", 0),
            "quarantined": [],
        }

    async def close(self) -> None:
        self._closed = True
        if self._recount is not None:
            self._recount.cancel()
            with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                await self._recount
        await self.pool.close()

    # ----------------------------------------------------------------- counting

    def _wrote(self, table: str, change: int) -> None:
        self._writes += 1
        if change:
            self._counts[table] = self._counts.get(table, 0) + change

    async def _count(self) -> None:
        writes = self._writes
        async with self.pool.connection() as conn:
            cursor = await conn.execute("SELECT tbl, count(*) FROM documents GROUP BY tbl")
            rows = await cursor.fetchall()
        if writes == self._writes:  # else a write of ours overlapped: keep the exact counts
            self._counts = {str(table): int(n) for table, n in rows}
        self._counted_at = time.monotonic()

    async def _count_quietly(self) -> None:
        try:
            await self._count()
        except (psycopg.Error, OSError) as exc:
            log.warning("counting documents failed: %s", type(exc).__name__)


_UPSERT = (
    "INSERT INTO documents (tbl, key, doc) VALUES (%s, %s, %s::json) "
    "ON CONFLICT (tbl, key) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now() "
    "RETURNING (xmax = 0)"
)
_UPSERT_MANY = (
    "INSERT INTO documents (tbl, key, doc) "
    "SELECT %s, k, d::json FROM unnest(%s::bytea[], %s::text[]) AS u(k, d) "
    "ON CONFLICT (tbl, key) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now() "
    "RETURNING (xmax = 0)"
)
