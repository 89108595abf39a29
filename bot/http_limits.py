"""Limits at the HTTP edge, before authentication: nobody can hold the bot up by being slow.

* **Headers:** aiohttp closes a connection that has not sent a whole request within its
  keep-alive timeout (counted from the connection's start, and again between requests), so
  :func:`server_options` sets that to ``HTTP_READ_TIMEOUT``: a client that sends half a request
  line and stalls is cut off, and an idle connection is not kept for an hour.
* **Bodies:** :func:`read_body` reads a request's body under ``HTTP_READ_TIMEOUT``
  (``asyncio.timeout``); a body that stalls gets 408 and the connection is closed.
* **Concurrency:** :class:`RequestGate` lets ``MAX_CONCURRENT_REQUESTS`` requests be handled at
  once; more get 503 with ``Retry-After`` at once. A request takes its place only once its body
  has arrived, so clients that stall on their bodies (bounded by the timeout) cannot crowd out
  the Bot Connector's prompt requests.
* **Memory:** bodies on their way in may hold at most ``BODY_BUFFER_BYTES`` together (reserved
  by ``Content-Length`` before the first byte is read); a body that does not fit gets 503.
* **Probes:** ``/healthz`` calls are paced (:class:`Pacer`, ``HEALTHZ_PACE`` a second, the
  excess waits up to a second), so pollers calling back to back cannot crowd out turns.
* **Logs:** under a connection storm asyncio and aiohttp log an error per connection (or per
  failed ``accept()`` at the file-descriptor limit). :func:`limit_log_floods` puts a
  :class:`RateLimitFilter` on their loggers: so many lines per interval, then one line saying
  how many were suppressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.settings import Settings

RETRY_AFTER_SECONDS = 2
"""What a request refused by :class:`RequestGate` is told to wait (``Retry-After``)."""
SMALL_BODY = 32 * 1024
"""Bodies up to this size may use the last quarter of ``BODY_BUFFER_BYTES`` (see RequestGate)."""
HEALTHZ_PACE = 50.0
"""``/healthz`` calls a second before they are made to wait (:class:`Pacer`)."""

FLOOD_INTERVAL = 10.0
FLOOD_LIMITS: dict[str, int] = {
    "asyncio": 20,
    "aiohttp.server": 20,
    "aiohttp.web": 20,
    "aiohttp.internal": 20,
    "aiohttp.client": 20,
    "aiohttp.access": 500,  # one line per request: 50 a second get through
}
"""Loggers that write a line per connection, request or failed ``accept()``, and how many
lines each may write per :data:`FLOOD_INTERVAL` seconds."""
FLOOD_LINES = 20


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``web.run_app``, ``web.AppRunner`` or aiohttp's ``TestServer``.

    aiohttp 3.x has no separate header timeout: its keep-alive timer runs from the moment a
    connection is made until a whole request has been parsed (and again after each response),
    and closes the connection when it fires, so it is the header timeout too.
    """
    return {"keepalive_timeout": settings.http_read_timeout}


class BodyTimeout(Exception):
    """The client did not send its whole body in time."""


async def read_body(request: web.Request, timeout: float) -> bytes:
    """The whole body of ``request``, or :class:`BodyTimeout` after ``timeout`` seconds.

    ``web.HTTPRequestEntityTooLarge`` passes through (the app's ``client_max_size``).
    """
    try:
        async with asyncio.timeout(timeout):
            return await request.read()
    except TimeoutError:
        raise BodyTimeout from None


async def close_after(request: web.Request, response: web.Response) -> web.Response:
    """Send ``response`` and close the connection at once: the rest of an unread body is not
    waited for (aiohttp would otherwise linger for up to 10 s, reading and discarding it)."""
    response.force_close()  # "Connection: close"
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()  # the transport closes once the answer is written
    return response


@dataclass
class GateCounts:
    """What :class:`RequestGate` has done since the process started (for ``/healthz``)."""

    active: int = 0
    peak: int = 0
    body_bytes: int = 0  # reserved now for bodies on their way in
    refused_busy: int = 0
    refused_memory: int = 0
    timed_out: int = 0

    def as_json(self) -> dict[str, int]:
        """The counts as JSON."""
        return {
            "active": self.active,
            "peak": self.peak,
            "body_bytes": self.body_bytes,
            "refused_busy": self.refused_busy,
            "refused_memory": self.refused_memory,
            "timed_out": self.timed_out,
        }


class RequestGate:
    """At most ``limit`` requests handled at once, and at most ``body_budget`` bytes of request
    bodies on their way in; the rest are refused (503 with ``Retry-After``), not queued.

    A body's bytes are reserved before it is read: its ``Content-Length`` (at most
    ``max_body``), or ``max_body`` when the length is not given. Without the budget, 1 000
    connections that each send most of a 256 KB body and stall held 394 MB until they timed
    out. With it, memory for bodies stays under the budget. A quarter of the budget is kept for
    bodies of at most :data:`SMALL_BODY` (the Bot Connector's are a few KB), so clients that
    announce large bodies and stall cannot crowd them out. Refusing at once keeps memory and
    latency bounded under a flood: a queue would only make every request late.
    """

    def __init__(self, limit: int, body_budget: int, max_body: int) -> None:
        self.limit = limit
        self.body_budget = body_budget
        self.max_body = max_body
        self.small_share = body_budget // 4  # only bodies up to SMALL_BODY may use this part
        self.counts = GateCounts()

    def refuse_if_full(self) -> bool:
        """True (and counted as refused) if no place is free now: refused before the body is
        read."""
        if self.counts.active >= self.limit:
            self.counts.refused_busy += 1
            return True
        return False

    @contextlib.contextmanager
    def body(self, content_length: int | None) -> Iterator[bool]:
        """``with gate.body(request.content_length) as admitted``: True while the bytes of a
        body on its way in are reserved; False (counted) if they do not fit in the budget."""
        size = self.max_body if content_length is None else min(content_length, self.max_body)
        counts = self.counts
        room = self.body_budget if size <= SMALL_BODY else self.body_budget - self.small_share
        if counts.body_bytes + size > room:
            counts.refused_memory += 1
            yield False
            return
        counts.body_bytes += size
        try:
            yield True
        finally:
            counts.body_bytes -= size

    @contextlib.contextmanager
    def place(self) -> Iterator[bool]:
        """``with gate.place() as admitted``: True while holding a place, False if refused."""
        counts = self.counts
        if counts.active >= self.limit:
            counts.refused_busy += 1
            yield False
            return
        counts.active += 1
        counts.peak = max(counts.peak, counts.active)
        try:
            yield True
        finally:
            counts.active -= 1

    def timed_out(self) -> None:
        """Count a request whose body did not arrive in time."""
        self.counts.timed_out += 1


class Pacer:
    """Spaces calls at least ``1 / rate`` seconds apart by making the excess wait, at most
    ``max_delay`` seconds each: a client that calls back to back is slowed to the pace, while
    one that calls every few seconds never waits.

    For ``/healthz`` calls: each costs little now, but 20 pollers calling back to back made
    hundreds of requests a second that every turn had to queue behind. Held back (a sleeping
    handler costs nearly nothing), they make at most ``rate`` a second, or one a second each.
    """

    def __init__(
        self, rate: float, max_delay: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = 1.0 / rate
        self.max_delay = max_delay
        self.clock = clock
        self.delayed = 0
        self._next = 0.0

    def delay(self) -> float:
        """How long this call waits (0 if it is within the pace); books its slot."""
        now = self.clock()
        slot = max(now, self._next)
        wait = min(slot - now, self.max_delay)
        self._next = now + wait + self.interval
        if wait > 0:
            self.delayed += 1
        return wait

    async def wait(self) -> None:
        """Wait for this call's slot."""
        wait = self.delay()
        if wait > 0:
            await asyncio.sleep(wait)


class RateLimitFilter(logging.Filter):
    """Let ``lines`` records of one logger through per ``interval`` seconds; then drop them and,
    once the interval is over, log one line saying how many were dropped.

    The summary goes to the logger's handlers directly (``Logger.callHandlers``), past this
    filter. A flood that simply stops is summed up by the next record or by :meth:`flush`.
    """

    def __init__(
        self,
        logger: logging.Logger,
        lines: int = FLOOD_LINES,
        interval: float = FLOOD_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.logger = logger
        self.lines = lines
        self.interval = interval
        self.clock = clock
        self.suppressed_total = 0
        self._lock = threading.Lock()
        self._window_start = clock()
        self._passed = 0
        self._suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = self.clock()
            if now - self._window_start >= self.interval:
                summary = self._summary(now)
                self._window_start, self._passed, self._suppressed = now, 0, 0
            else:
                summary = None
            if self._passed < self.lines:
                self._passed += 1
                keep = True
            else:
                self._suppressed += 1
                self.suppressed_total += 1
                keep = False
        if summary is not None:
            self.logger.callHandlers(summary)
        return keep

    def flush(self) -> None:
        """Log the count of a window that has records suppressed now (at shutdown)."""
        with self._lock:
            summary = self._summary(self.clock())
            self._window_start, self._passed, self._suppressed = self.clock(), 0, 0
        if summary is not None:
            self.logger.callHandlers(summary)

    def _summary(self, now: float) -> logging.LogRecord | None:
        if not self._suppressed:
            return None
        return self.logger.makeRecord(
            self.logger.name,
            logging.WARNING,
            __file__,
            0,
            "suppressed %d log lines of %s in %.0f s (more than %d per %.0f s)",
            (self._suppressed, self.logger.name, now - self._window_start, self.lines,
             self.interval),
            None,
        )  # fmt: skip


def limit_log_floods(
    limits: Mapping[str, int] = FLOOD_LIMITS, interval: float = FLOOD_INTERVAL
) -> list[RateLimitFilter]:
    """Put a :class:`RateLimitFilter` on each logger of ``limits`` (its lines per ``interval``;
    once: a logger that has one keeps it); the filters in place."""
    filters = []
    for name, lines in limits.items():
        logger = logging.getLogger(name)
        found = next((f for f in logger.filters if isinstance(f, RateLimitFilter)), None)
        if found is None:
            found = RateLimitFilter(logger, lines, interval)
            logger.addFilter(found)
        filters.append(found)
    return filters
