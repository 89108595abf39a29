"""HTTP behaviour of ``/api/messages`` and ``/healthz``: bad requests never give a 5xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.conversations import ConversationDirectory
from bot.settings import Settings
from bot.storage import MemoryStore, TinyDBStore
from scheduler.clock import ManualClock
from tools.fake_connector import FakeConnector, first_message, personal_conversation


@pytest.fixture
async def client(clock: ManualClock) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(_env_file=None), MemoryStore(), clock)  # type: ignore[call-arg]
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_healthz(client: TestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/healthz")
    assert response.status == 200
    health = await response.json()  # from loopback: the details (tests/bot/test_healthz.py)
    assert (health["status"], health["reasons"]) == ("ok", [])
    assert health["storage"]["backend"] == "memory"
    assert health["writes"]["ok"] is True
    assert health["scheduler"]["running"] is True
    assert health["scheduler"]["runs"] >= 0 and health["scheduler"]["failures"] == 0
    assert set(health["outbox"]) >= {"queued", "sent"}


async def test_a_corrupt_data_file_is_kept_and_the_admins_are_told(
    tmp_path: Path, clock: ManualClock, connector: FakeConnector
) -> None:
    path = tmp_path / "strategibot.json"
    first = TinyDBStore(path)
    await ConversationDirectory(first).remember(first_message(1, connector.url), clock.now())
    await first.put("leaders", "aad-user-2", {"name": "Bo"})
    await first.close()  # the admin's chat is in its file; the leader in status.json
    (tmp_path / "strategibot" / "status.json").write_bytes(b"not json\nnot json either\n")
    store = TinyDBStore(path)
    settings = Settings(_env_file=None, admins="aad-user-1")  # type: ignore[call-arg]
    app = create_app(settings, store, clock)
    async with TestClient(TestServer(app)) as test_client:
        health = await (await test_client.get("/healthz")).json()
        [aside] = health["storage"]["quarantined"]
        assert ".corrupt-" in aside and Path(aside).read_bytes().startswith(b"not json")
        await connector.wait_for(lambda: bool(connector.delivered()), 10, "the notice")
    [notice] = connector.delivered()
    assert notice.conversation_id == personal_conversation(1)
    assert notice.text.startswith("Ved opstart kunne Strategibot ikke læse")
    assert aside in notice.text
    assert [key for key in await store.all("outbox") if key.startswith("quarantine:")]


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
