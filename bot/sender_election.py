"""Which instance sends: one at a time runs the scheduler and dispatches the outbox.

Every instance serves chat and writes what is to be sent to the outbox table; only the
*sender* runs the every-minute job (:class:`~scheduler.ticker.Ticker`) and dispatches the
outbox, so Teams' rate limit (30 messages a second in all) is kept by one process: it is
global.

* :class:`SingleProcess` (TinyDB, tests): the one process is always the sender.
* :class:`AdvisoryLockElection` (PostgreSQL): the sender is the holder of a session-level
  advisory lock (``pg_try_advisory_lock``) on a dedicated connection. Every instance tries
  to take it every ``check_seconds``; the holder checks its connection as often. When the
  holder dies, PostgreSQL ends its session and the lock is free at once (SIGKILL, a crash, a
  stopped container: the kernel closes the socket), so another instance takes over within
  ``check_seconds``. Its catch-up cannot double-send: the outbox resumes the messages still
  queued (a message's key is claimed once, ``Store.add``), and the job's ledger claims make a
  reminder or nudge that was already handled a no-op.

If the holder's session ends while the process lives (a network fault, a server fail-over,
an administrator ending it), it stops sending at its next check; and a new sender waits
:attr:`AdvisoryLockElection.quiet_seconds` (``1 + check_seconds``) before its first send,
so two instances never send at once and no second of sends holds both. The one window left
is a send in flight at the moment of a take-over (the outbox's at-least-once window).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]

SENDER_LOCK = 0x5354_5241_0002  # the advisory lock key of the sender role ("STRA" 2)


def instance_name() -> str:
    """This process, as ``/healthz`` and the log name it: host, pid and a random suffix."""
    host = os.environ.get("WEBSITE_INSTANCE_ID", "")[:12] or socket.gethostname()
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SenderElection(Protocol):
    """Starts and stops the sending parts of this instance as it gains or loses the role."""

    shared: bool
    """Other instances may send before or after this one."""

    @property
    def quiet_seconds(self) -> float:
        """How long a new sender waits before its first send: until the one before it has
        surely stopped (its last second of sends, and its next check of the lock)."""

    @property
    def is_sender(self) -> bool:
        """Whether this instance sends now."""

    async def start(self, on_elected: Hook, on_deposed: Hook) -> None:
        """Begin: ``on_elected`` runs when this instance becomes the sender (maybe at once),
        ``on_deposed`` when it stops being it."""

    async def stop(self) -> None:
        """Stop sending (``on_deposed`` if it was the sender) and give up the role."""

    def as_json(self) -> dict[str, Any]:
        """For ``/healthz``: ``sender`` (bool), ``instance``, ``since``, ``how``."""


class SingleProcess:
    """The one process is always the sender (TinyDB allows one writer; tests)."""

    shared = False
    quiet_seconds = 0.0

    def __init__(self, instance: str | None = None) -> None:
        self.instance = instance or instance_name()
        self._sender = False
        self._since: datetime | None = None
        self._on_deposed: Hook | None = None

    @property
    def is_sender(self) -> bool:
        return self._sender

    async def start(self, on_elected: Hook, on_deposed: Hook) -> None:
        self._on_deposed = on_deposed
        self._sender, self._since = True, datetime.now(UTC)
        await on_elected()

    async def stop(self) -> None:
        if self._sender and self._on_deposed is not None:
            self._sender = False
            await self._on_deposed()

    def as_json(self) -> dict[str, Any]:
        return {
            "sender": self._sender,
            "instance": self.instance,
            "since": self._since.isoformat() if self._since else None,
            "how": "single process",
        }


class AdvisoryLockElection:
    """The holder of a PostgreSQL advisory lock sends (see the module docstring)."""

    shared = True

    @property
    def quiet_seconds(self) -> float:
        """One second (Teams' window) after the previous sender's last send, plus one check:
        a previous sender that lost its session but lives has noticed by then (a query on an
        ended session fails at once)."""
        return 1.0 + self.check_seconds

    def __init__(
        self,
        url: str,
        *,
        check_seconds: float = 1.0,
        lock_key: int = SENDER_LOCK,
        instance: str | None = None,
    ) -> None:
        self.url = url
        self.check_seconds = check_seconds
        self.lock_key = lock_key
        self.instance = instance or instance_name()
        self.elections = 0  # times this instance became the sender
        self._sender = False
        self._since: datetime | None = None
        self._conn: Any = None  # psycopg.AsyncConnection, dedicated to the lock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._on_elected: Hook | None = None
        self._on_deposed: Hook | None = None
        self._last_error: str | None = None

    @property
    def is_sender(self) -> bool:
        return self._sender

    async def start(self, on_elected: Hook, on_deposed: Hook) -> None:
        """Try once now (so the first instance sends from its start), then keep checking."""
        self._on_elected, self._on_deposed = on_elected, on_deposed
        self._stopping.clear()
        await self._check()
        self._task = asyncio.create_task(self._loop(), name="sender-election")

    async def stop(self) -> None:
        """Stop sending first, then release the lock (close the connection) so another
        instance takes over at its next check."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._depose("stopping")
        await self._close()

    def as_json(self) -> dict[str, Any]:
        return {
            "sender": self._sender,
            "instance": self.instance,
            "since": self._since.isoformat() if self._since else None,
            "how": "PostgreSQL advisory lock",
            "check_seconds": self.check_seconds,
            "elections": self.elections,
            "last_error": self._last_error,
        }

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.check_seconds)
            if not self._stopping.is_set():
                await self._check()

    async def _check(self) -> None:
        """Holder: is the connection (and so the lock) still there? Others: try the lock."""
        import psycopg

        try:
            async with asyncio.timeout(max(1.0, self.check_seconds)):
                if self._conn is None or self._conn.closed:
                    self._conn = await psycopg.AsyncConnection.connect(
                        self.url,
                        autocommit=True,
                        application_name=f"strategibot sender-election {self.instance}"[:63],
                    )
                if self._sender:
                    await self._conn.execute("SELECT 1")
                    return
                cursor = await self._conn.execute(
                    "SELECT pg_try_advisory_lock(%s)", (self.lock_key,)
                )
                row = await cursor.fetchone()
                got = bool(row and row[0])
            self._last_error = None
        except (psycopg.Error, OSError, TimeoutError) as exc:
            self._last_error = type(exc).__name__
            if self._sender:
                log.error("sender: lost the database connection (%s); stop sending", type(exc))
            await self._depose("connection lost")
            await self._close()
            return
        if got:
            self._sender, self._since = True, datetime.now(UTC)
            self.elections += 1
            log.warning("sender: this instance (%s) sends from now on", self.instance)
            if self._on_elected is not None:
                try:
                    await self._on_elected()
                except Exception:
                    log.exception("sender: starting to send failed; giving the role up")
                    await self._depose("start failed")
                    await self._close()

    async def _depose(self, why: str) -> None:
        if not self._sender:
            return
        self._sender, self._since = False, None
        log.warning("sender: this instance (%s) stops sending (%s)", self.instance, why)
        if self._on_deposed is not None:
            try:
                await self._on_deposed()
            except Exception:
                log.exception("sender: stopping failed")

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
