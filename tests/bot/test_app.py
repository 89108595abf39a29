"""HTTP behaviour of ``/api/messages`` and ``/healthz``: bad requests never give a 5xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.clock import ManualClock
from bot.settings import Settings
from bot.storage import MemoryStore


@pytest.fixture
async def client(clock: ManualClock) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(_env_file=None), MemoryStore(), clock)  # type: ignore[call-arg]
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_healthz(client: TestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b'{"type": "message"}', "text/plain", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b'{"type": "message", "text": "hej"}', "application/json", 400),
        (b'{"type": "somethingNew", "text": "hej"}', "application/json", 200),
        (b"x" * (300 * 1024), "application/json", 413),
    ],
)
async def test_bad_requests_get_4xx_or_are_ignored(
    client: TestClient,
    body: bytes,
    content_type: str,
    status: int,  # type: ignore[type-arg]
) -> None:
    response = await client.post("/api/messages", data=body, headers={"Content-Type": content_type})
    assert response.status == status


async def test_wrong_method_is_405(client: TestClient) -> None:  # type: ignore[type-arg]
    assert (await client.get("/api/messages")).status == 405
