"""``WatchedStore(store)``: any :class:`~dialogs.store.Store`, with its last write failure kept
for ``/healthz`` and logged as what really happened.

A write that raises (a full disk, a read-only data directory, a lost database) is recorded –
when, which operation and table, and the error – until a later write succeeds. The log says
what the operating system said (``OSError: [Errno 28] No space left on device: '…journal'``).
When the store raises something else (a backend that refuses to write because it believes
another process holds its lock), the data directory is probed with a small file of its own, and
if that fails too the log and ``/healthz`` give the probe's error, the real cause.

Errors of the caller's making (``ValueError``, ``TypeError``, ``KeyError``: an invalid key, a
document that is not JSON) never reached the disk and are passed on without being recorded.

The wrapper knows nothing of the backend: it forwards every method of the ``Store`` interface
(``tests/bot/test_healthz.py`` checks that none is missing) and any other attribute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from dialogs.store import Change, Doc, Store

log = logging.getLogger(__name__)

T = TypeVar("T")

CALLER_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError)
"""Errors of the caller's making: the write never reached the backend's files."""
REPEAT_LOG_SECONDS = 60.0
"""The same failure is logged again at most this often (with how many failed meanwhile)."""
PROBE_NAME = ".strategibot-write-probe"


def describe(error: BaseException) -> str:
    """What went wrong, safe to log: an ``OSError`` in full (errno, reason, file); anything
    else by its type only, since its message might repeat a user's text."""
    if isinstance(error, OSError) and error.errno is not None:
        where = f": {str(error.filename)!r}" if error.filename else ""
        return f"{type(error).__name__}: [Errno {error.errno}] {error.strerror}{where}"
    return type(error).__qualname__


def probe_directory(directory: Path) -> OSError | None:
    """Write, fsync and remove a small file in ``directory`` – or, while it does not exist yet,
    in the nearest directory above it, where it would be made; the error if that fails."""
    while not directory.is_dir() and directory.parent != directory:
        directory = directory.parent
    path = directory / PROBE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"probe\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.unlink(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return exc
    return None


@dataclass(frozen=True)
class WriteFailure:
    """The last write that failed."""

    at: datetime
    operation: str
    table: str
    error: str  # :func:`describe` of what was raised, or of the probe's error
    failures: int  # writes failed in a row

    @property
    def reason(self) -> str:
        """One line for ``/healthz``."""
        return f"the last write failed ({self.operation} {self.table}): {self.error}"

    def as_json(self) -> dict[str, Any]:
        """The failure as JSON."""
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "operation": self.operation,
            "table": self.table,
            "error": self.error,
            "failures_in_a_row": self.failures,
        }


class WatchedStore(Store):
    """``store`` with its write failures recorded (see the module docstring).

    ``data_dir`` is probed when a write fails with something other than an ``OSError``;
    ``on_change`` is called when writes start failing or work again (``/healthz`` refreshes).
    """

    def __init__(
        self,
        inner: Store,
        *,
        data_dir: Path | None = None,
        on_change: Callable[[], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.inner = inner
        self.data_dir = data_dir
        self.on_change = on_change
        self.now = now
        self.failure: WriteFailure | None = None
        self.last_success: datetime | None = None
        self.writes_failed = 0  # since the process started
        self._logged_error = ""
        self._logged_at = 0.0
        self._unlogged = 0

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not found here: a backend's own (``owner``, ``path``).
        if name == "inner":  # not set yet (copying, unpickling)
            raise AttributeError(name)
        return getattr(self.inner, name)

    # -- the write state -------------------------------------------------------------------

    def reason(self) -> str | None:
        """Why writes are failing, or None (a ``/healthz`` check)."""
        return self.failure.reason if self.failure else None

    def as_json(self) -> dict[str, Any]:
        """The write state for ``/healthz``."""
        return {
            "ok": self.failure is None,
            "last_failure": self.failure.as_json() if self.failure else None,
            "last_success": self.last_success.isoformat(timespec="seconds")
            if self.last_success
            else None,
            "failed_since_start": self.writes_failed,
        }

    async def check_writable(self) -> None:
        """At start-up: if the backend opened its data read-only, or its directory cannot be
        written, record that as a failed write now, rather than at the first user's turn."""
        if self.data_dir is None:
            return
        error = await asyncio.to_thread(probe_directory, self.data_dir)
        read_only = bool(self.inner.stats().get("read_only"))
        if error is not None:
            self._failed("open", "-", describe(error))
        elif read_only:
            self._failed("open", "-", "the store opened its data read-only")

    async def _write(self, operation: str, table: str, call: Awaitable[T]) -> T:
        try:
            result = await call
        except CALLER_ERRORS:
            raise
        except Exception as exc:
            error = describe(exc)
            if not isinstance(exc, OSError) and self.data_dir is not None:
                probed = await asyncio.to_thread(probe_directory, self.data_dir)
                if probed is not None:
                    error = f"{describe(probed)} (the store raised {error})"
            self._failed(operation, table, error)
            raise
        self._succeeded()
        return result

    def _failed(self, operation: str, table: str, error: str) -> None:
        first = self.failure is None
        failures = 1 if first else self.failure.failures + 1  # type: ignore[union-attr]
        self.failure = WriteFailure(self.now(), operation, table, error, failures)
        self.writes_failed += 1
        clock = time.monotonic()
        if error != self._logged_error or clock - self._logged_at >= REPEAT_LOG_SECONDS:
            also = f" ({self._unlogged} more failed since the last line)" if self._unlogged else ""
            log.error("storage write failed (%s %s): %s%s", operation, table, error, also)
            self._logged_error, self._logged_at, self._unlogged = error, clock, 0
        else:
            self._unlogged += 1
        if first and self.on_change is not None:
            self.on_change()

    def _succeeded(self) -> None:
        self.last_success = self.now()
        if self.failure is None:
            return
        log.warning(
            "storage writes work again after %d failed in a row (last: %s)",
            self.failure.failures,
            self.failure.error,
        )
        self.failure = None
        self._logged_error, self._unlogged = "", 0
        if self.on_change is not None:
            self.on_change()

    # -- the Store interface: reads pass through, writes are watched -----------------------

    async def get(self, table: str, key: str) -> Doc | None:
        return await self.inner.get(table, key)

    async def all(self, table: str) -> dict[str, Doc]:
        return await self.inner.all(table)

    async def keys(self, table: str) -> list[str]:
        return await self.inner.keys(table)

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        await self._write("put", table, self.inner.put(table, key, doc))

    async def put_many(self, table: str, items: Mapping[str, Mapping[str, Any]]) -> None:
        await self._write("put_many", table, self.inner.put_many(table, items))

    async def delete(self, table: str, key: str) -> bool:
        return await self._write("delete", table, self.inner.delete(table, key))

    async def add(self, table: str, key: str, doc: Mapping[str, Any]) -> bool:
        return await self._write("add", table, self.inner.add(table, key, doc))

    async def apply(self, changes: Sequence[Change]) -> None:
        tables = ",".join(sorted({table for table, _, _ in changes})) or "-"
        await self._write("apply", tables, self.inner.apply(changes))

    async def compact(self) -> bool:
        # False is a compaction that failed (the backend logs it): no write failed, so it
        # neither records a failure nor clears one.
        try:
            return await self.inner.compact()
        except CALLER_ERRORS:
            raise
        except Exception as exc:
            self._failed("compact", "-", describe(exc))
            raise

    async def redact(self, traces: Collection[str]) -> int:
        return await self._write("redact", "-", self.inner.redact(traces))

    def stats(self) -> dict[str, Any]:
        return self.inner.stats()

    async def close(self) -> None:
        await self.inner.close()
