"""Key–document storage: a small interface with an in-memory and a TinyDB backend.

Documents are JSON objects in named tables, addressed by string keys. Every write to the
TinyDB file is atomic (temporary file, fsync, rename) and writes are serialised by one lock,
so a crash leaves either the old or the new file, never half of one. Reads come from memory.
A file that cannot be parsed at start-up is moved aside with a timestamp, never overwritten.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

log = logging.getLogger(__name__)

Doc = dict[str, Any]


class Store(ABC):
    """The storage every feature uses."""

    @abstractmethod
    async def get(self, table: str, key: str) -> Doc | None:
        """The document at ``key``, or None."""

    @abstractmethod
    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        """Insert or replace the document at ``key``."""

    @abstractmethod
    async def delete(self, table: str, key: str) -> bool:
        """Remove the document at ``key``; True if there was one."""

    @abstractmethod
    async def all(self, table: str) -> dict[str, Doc]:
        """Every document in ``table`` by key."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""


class MemoryStore(Store):
    """A store that lives and dies with the process (tests, benchmarks)."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Doc]] = {}

    async def get(self, table: str, key: str) -> Doc | None:
        doc = self._tables.get(table, {}).get(key)
        return copy.deepcopy(doc) if doc is not None else None

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        self._tables.setdefault(table, {})[key] = json.loads(json.dumps(doc))

    async def delete(self, table: str, key: str) -> bool:
        return self._tables.get(table, {}).pop(key, None) is not None

    async def all(self, table: str) -> dict[str, Doc]:
        return copy.deepcopy(self._tables.get(table, {}))


class AtomicJSONStorage(Storage):
    """A TinyDB storage that writes the whole file atomically and caches it in memory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._cache: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._cache is None:
            if not self.path.exists():
                return None
            self._cache = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        return self._cache

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except BaseException:
            self._cache = None  # memory may be ahead of the disk: re-read next time
            raise
        self._cache = data

    def close(self) -> None:
        self._cache = None


class _StringKeyTable(Table):
    """A TinyDB table whose document ids are the caller's string keys."""

    document_id_class = str  # type: ignore[assignment]

    def _get_next_id(self) -> str:
        raise TypeError("documents in this store always have a key")


class _StringKeyDB(TinyDB):
    table_class = _StringKeyTable


def quarantine_corrupt(path: Path, now: datetime | None = None) -> Path | None:
    """If ``path`` is not a readable JSON object, move it aside and return the new path."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
        if isinstance(data, dict) and all(isinstance(t, dict) for t in data.values()):
            return None
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, aside)
    log.error("data file %s was unreadable; kept as %s and started empty", path, aside)
    return aside


class TinyDBStore(Store):
    """The default store: one TinyDB JSON file in the data directory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.quarantined = quarantine_corrupt(path)
        self._db = _StringKeyDB(path, storage=AtomicJSONStorage)
        self._lock = asyncio.Lock()

    async def get(self, table: str, key: str) -> Doc | None:
        doc = self._db.table(table).get(doc_id=key)  # type: ignore[call-overload]
        return copy.deepcopy(dict(doc)) if doc is not None else None

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        plain = json.loads(json.dumps(doc))

        def replace(stored: MutableMapping[str, Any]) -> None:
            stored.clear()
            stored.update(plain)

        async with self._lock:  # one file write per put (TinyDB's upsert writes twice)
            tbl = self._db.table(table)
            if tbl.contains(doc_id=key):  # type: ignore[arg-type]
                tbl.update(replace, doc_ids=[key])  # type: ignore[list-item]
            else:
                tbl.insert(Document(plain, doc_id=key))  # type: ignore[arg-type]

    async def delete(self, table: str, key: str) -> bool:
        async with self._lock:
            tbl = self._db.table(table)
            if not tbl.contains(doc_id=key):  # type: ignore[arg-type]
                return False
            tbl.remove(doc_ids=[key])  # type: ignore[list-item]
            return True

    async def all(self, table: str) -> dict[str, Doc]:
        return {str(d.doc_id): copy.deepcopy(dict(d)) for d in self._db.table(table).all()}

    async def close(self) -> None:
        self._db.close()
