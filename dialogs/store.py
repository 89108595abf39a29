"""The storage interface every feature writes through; the backends live in ``bot/storage.py``.

Documents are JSON objects in named tables, addressed by string keys. Features see only this
interface, so the backend is chosen once, by the composition root.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from typing import Any

Doc = dict[str, Any]
# One change of :meth:`Store.apply`: (table, key, the new document or None to delete it).
Change = tuple[str, str, Mapping[str, Any] | None]


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

    async def keys(self, table: str) -> list[str]:
        """The keys of ``table`` (without reading its documents where possible)."""
        return list(await self.all(table))

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        """Insert or replace every ``key: document`` of ``items`` (one write where possible)."""
        for key, doc in items.items():
            await self.put(table, key, doc)

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        """Insert ``doc`` only if ``key`` is free; True if this call inserted it.

        The claim behind "exactly once" (a ledger entry for a reminder, a nudge, a notice):
        two callers, even in two processes on a shared backend, never both get True. This
        default is only correct for a single process whose backend does not yield between the
        read and the write; shared backends override it with an atomic insert.
        """
        if await self.get(table, key) is not None:
            return False
        await self.put(table, key, doc)
        return True

    async def apply(self, changes: Sequence[Change]) -> None:
        """Make every change or none, across tables: a multi-document edit (a committee and
        its meetings) is one write. Backends that can fail part-way override this default,
        which is only all-or-nothing when no single put or delete can fail."""
        for table, key, doc in changes:
            if doc is None:
                await self.delete(table, key)
            else:
                await self.put(table, key, doc)

    async def compact(self) -> bool:
        """Rewrite the backend's files from what is stored now, so no deleted or replaced
        document is left in them (after "slet mine data"); False if that failed. A backend
        without files has nothing to do."""
        return True

    async def redact(self, traces: Collection[str]) -> int:
        """Cut ``traces`` (ids and texts that were deleted) out of files the backend kept
        aside as unreadable; how many files changed. A backend without files has none."""
        return 0

    def stats(self) -> dict[str, Any]:
        """A small summary for ``/healthz``; backends add what they know."""
        return {"backend": type(self).__name__}

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""
