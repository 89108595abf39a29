"""Issue #13, finding 7: slow clients, floods and log storms at the HTTP edge.

Before: a request body that stalled was waited for forever (before authentication), so 1 000
stalled bodies held 370 MB and, at the file-descriptor limit, real requests timed out while
asyncio logged 754 MB in 150 s. Now (``bot/http_limits.py``): headers and bodies must arrive
within ``HTTP_READ_TIMEOUT`` (408, connection closed), at most ``MAX_CONCURRENT_REQUESTS`` are
handled at once (503 with ``Retry-After``), and asyncio's and aiohttp's loggers let a few lines
through per interval, then one line with how many were suppressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, create_app
from bot.http_limits import (
    FLOOD_LIMITS,
    RETRY_AFTER_SECONDS,
    RateLimitFilter,
    RequestGate,
    limit_log_floods,
    server_options,
)
from bot.settings import Settings
from bot.storage import MemoryStore
from scheduler.clock import ManualClock
from tools.fake_connector import FakeConnector, personal_activity

TIMEOUT = 0.5  # HTTP_READ_TIMEOUT in these tests


def _settings(**values: Any) -> Settings:
    values.setdefault("HTTP_READ_TIMEOUT", TIMEOUT)
    return Settings(_env_file=None, **values)


async def _server(app: web.Application, settings: Settings) -> TestServer:
    """A test server with the server options ``python -m bot`` uses (``TestServer`` itself
    ignores keyword arguments, so they go to ``start_server``)."""
    server = TestServer(app)
    await server.start_server(**server_options(settings))
    return server


@pytest.fixture
async def client(clock: ManualClock) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    settings = _settings()
    app = create_app(settings, MemoryStore(), clock)
    async with TestClient(await _server(app, settings)) as test_client:
        yield test_client


async def _open(client: TestClient) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:  # type: ignore[type-arg]
    assert client.server.port is not None
    return await asyncio.open_connection("127.0.0.1", client.server.port)


def _stalled_body(length: int = 4000, sent: int = 100) -> bytes:
    """Headers of a JSON POST to /api/messages and the first ``sent`` bytes of its body."""
    head = (
        "POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    return head.encode() + b'{"type": "message", "text": "' + b"x" * (sent - 29)


async def _read_all(reader: asyncio.StreamReader, within: float) -> bytes:
    """Everything the server sends until it closes the connection (TimeoutError if it does
    not close it ``within`` seconds)."""
    async with asyncio.timeout(within):
        return await reader.read()


async def test_a_stalled_body_gets_408_and_the_connection_is_closed(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    reader, writer = await _open(client)
    writer.write(_stalled_body())
    await writer.drain()
    started = time.monotonic()
    answer = await _read_all(reader, 10 * TIMEOUT)  # before: waited for the body forever
    waited = time.monotonic() - started
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body == {"error": "Forespørgslen blev ikke sendt færdig i tide"}
    assert TIMEOUT * 0.8 <= waited < TIMEOUT * 5
    assert client.app[SERVICES].gate.counts.timed_out == 1


async def test_stalled_headers_are_cut_off(client: TestClient) -> None:  # type: ignore[type-arg]
    reader, writer = await _open(client)
    writer.write(b"POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic")
    await writer.drain()
    started = time.monotonic()
    assert await _read_all(reader, 10 * TIMEOUT) == b""  # closed without a word
    assert time.monotonic() - started < TIMEOUT * 5
    writer.close()


async def test_an_idle_connection_is_closed(client: TestClient) -> None:  # type: ignore[type-arg]
    reader, writer = await _open(client)
    assert await _read_all(reader, 10 * TIMEOUT) == b""
    writer.close()


async def test_stalled_bodies_do_not_hold_up_real_requests(
    clock: ManualClock, connector: FakeConnector
) -> None:
    settings = _settings(HTTP_READ_TIMEOUT=30, MAX_CONCURRENT_REQUESTS=4)
    app = create_app(settings, MemoryStore(), clock)
    async with TestClient(await _server(app, settings)) as client:
        stalled = [await _open(client) for _ in range(40)]  # 10 × the cap, all waiting
        for _, writer in stalled:
            writer.write(_stalled_body())
        await asyncio.gather(*(writer.drain() for _, writer in stalled))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        question = personal_activity(1, connector.url, text="hvad er TRIO?")
        response = await client.post("/api/messages", json=question)
        assert response.status == 201
        assert time.monotonic() - started < 5
        assert connector.replies_to(question["id"])  # the answer arrived
        counts = app[SERVICES].gate.counts
        assert (counts.refused_busy, counts.refused_memory) == (0, 0)
        for _, writer in stalled:
            writer.close()


async def test_beyond_the_cap_a_request_gets_503_with_retry_after(
    clock: ManualClock, connector: FakeConnector
) -> None:
    settings = _settings(MAX_CONCURRENT_REQUESTS=2)
    app = create_app(settings, MemoryStore(), clock)
    async with TestClient(await _server(app, settings)) as client:
        connector.hold(200)  # each turn waits while posting its reply: two places taken
        held = [
            asyncio.create_task(
                client.post("/api/messages", json=personal_activity(n, connector.url, text="hej"))
            )
            for n in (1, 2)
        ]
        await connector.wait_for_requests(2, 10)
        refused = await client.post(
            "/api/messages", json=personal_activity(3, connector.url, text="hej")
        )
        assert refused.status == 503
        assert refused.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert (await refused.json())["error"] == (
            f"Botten har travlt lige nu. Prøv igen om {RETRY_AFTER_SECONDS} sekunder."
        )
        connector.release()
        assert [(await r).status for r in held] == [201, 201]
        again = await client.post(
            "/api/messages", json=personal_activity(3, connector.url, text="hej")
        )
        assert again.status == 201
        counts = app[SERVICES].gate.counts
        assert (counts.active, counts.peak, counts.refused_busy) == (0, 2, 1)


async def test_bodies_on_their_way_in_are_held_within_the_memory_budget(
    clock: ManualClock, connector: FakeConnector
) -> None:
    """Before: 1 000 connections that sent most of a 256 KB body and stalled held 394 MB.
    Now their bytes are reserved first: what does not fit in ``BODY_BUFFER_BYTES`` is refused
    at once (503, closed, unread), and a small request still fits in what is left."""
    settings = _settings(HTTP_READ_TIMEOUT=30, MAX_BODY_BYTES=32_768, BODY_BUFFER_BYTES=65_536)
    app = create_app(settings, MemoryStore(), clock)
    async with TestClient(await _server(app, settings)) as client:
        held = [await _open(client) for _ in range(2)]  # 2 × 30 000 bytes reserved
        for _, writer in held:
            writer.write(_stalled_body(length=30_000))
            await writer.drain()
        reader, writer = await _open(client)
        writer.write(_stalled_body(length=30_000))  # a third does not fit
        await writer.drain()
        answer = await _read_all(reader, 5)
        assert answer.startswith(b"HTTP/1.1 503"), answer[:80]
        assert b"Retry-After: 2" in answer
        counts = app[SERVICES].gate.counts
        assert (counts.body_bytes, counts.refused_memory) == (60_000, 1)
        question = personal_activity(1, connector.url, text="hvad er TRIO?")
        assert (await client.post("/api/messages", json=question)).status == 201
        for _, held_writer in held:
            held_writer.close()


def test_announced_large_bodies_leave_a_quarter_of_the_budget_to_small_ones() -> None:
    """Clients that announce the largest body and stall fill at most three quarters of the
    budget: the Bot Connector's few-KB requests still fit."""
    gate = RequestGate(limit=64, body_budget=1024 * 1024, max_body=256 * 1024)
    with contextlib.ExitStack() as stack:
        large = [stack.enter_context(gate.body(256 * 1024)) for _ in range(4)]
        assert large == [True, True, True, False]
        small = [stack.enter_context(gate.body(2_000)) for _ in range(132)]
        assert all(small[:-1]) and not small[-1]  # 131 × 2 000 fit in the last 262 144
        assert stack.enter_context(gate.body(None)) is False  # no length: counts as the largest
    assert gate.counts.body_bytes == 0
    assert gate.counts.refused_memory == 3


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def asyncio_lines() -> Iterator[_Lines]:
    """What the ``asyncio`` logger writes, with its rate limit removed again afterwards."""
    logger = logging.getLogger("asyncio")
    before = list(logger.filters)
    handler = _Lines()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        for added in [f for f in logger.filters if f not in before]:
            logger.removeFilter(added)


async def test_an_accept_storm_logs_a_few_lines_and_a_count(asyncio_lines: _Lines) -> None:
    """At the file-descriptor limit asyncio logs every failed ``accept()``, with a traceback:
    that is what wrote 754 MB. Rate-limited, 1000 failures are 20 lines and one count."""
    [installed] = limit_log_floods({"asyncio": FLOOD_LIMITS["asyncio"]})
    assert limit_log_floods({"asyncio": 99}) == [installed]  # installed once
    loop = asyncio.get_running_loop()
    error = OSError(errno.EMFILE, "Too many open files")
    for _ in range(1000):
        loop.call_exception_handler(
            {"message": "socket.accept() out of system resource", "exception": error}
        )
    assert len(asyncio_lines.lines) == installed.lines == 20
    installed.flush()
    assert len(asyncio_lines.lines) == 21
    assert asyncio_lines.lines[-1].startswith("suppressed 980 log lines of asyncio")


def test_the_rate_limit_lets_lines_through_again_after_its_interval() -> None:
    now = [0.0]
    logger = logging.getLogger("tests.flood")
    logger.propagate = False
    handler = _Lines()
    logger.addHandler(handler)
    flood = RateLimitFilter(logger, lines=3, interval=10.0, clock=lambda: now[0])
    logger.addFilter(flood)
    try:
        for n in range(10):
            logger.error("line %d", n)
        assert handler.lines == ["line 0", "line 1", "line 2"]
        now[0] = 10.0
        logger.error("later")
        assert handler.lines[3:] == [
            "suppressed 7 log lines of tests.flood in 10 s (more than 3 per 10 s)",
            "later",
        ]
        assert flood.suppressed_total == 7
    finally:
        logger.removeFilter(flood)
        logger.removeHandler(handler)
