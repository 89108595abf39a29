"""With ``MicrosoftAppId`` set, ``/api/messages`` refuses unauthenticated requests with 401.

This machine has no internet, so the SDK's fetch of Microsoft's signing keys fails: that must
be a quick 401 too, never a 5xx or a hang. ``requests.get`` of the SDK is replaced where a test
needs the network to fail, hang, or serve keys of its own.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import jwt_token_extractor
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

import bot.adapter
from bot.app import SERVICES, create_app
from bot.settings import Settings
from bot.storage import MemoryStore
from scheduler.clock import ManualClock

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
ISSUER = "https://api.botframework.com"

ACTIVITY = {
    "type": "message",
    "id": "1",
    "text": "hjælp",
    "channelId": "msteams",
    "serviceUrl": SERVICE_URL,
    "from": {"id": "29:user-1", "aadObjectId": "aad-user-1"},
    "recipient": {"id": f"28:{APP_ID}"},
    "conversation": {"id": "a:personal-1", "conversationType": "personal"},
}


@pytest.fixture(autouse=True)
def no_cached_keys() -> Iterator[None]:
    """The SDK caches signing keys per process; every test starts without them."""
    JwtTokenExtractor.metadataCache.clear()
    yield
    JwtTokenExtractor.metadataCache.clear()


@dataclass
class Api:
    """The app with ``MicrosoftAppId`` set, over HTTP, and the turns that reached the bot
    (none may, unless authenticated)."""

    client: TestClient  # type: ignore[type-arg]
    turns: list[Any]

    async def post(self, authorization: str | None) -> int:
        """POST a message with this ``Authorization`` header (none for ``None``); the status."""
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = await self.client.post("/api/messages", json=ACTIVITY, headers=headers)
        return response.status


@pytest.fixture
async def api(clock: ManualClock) -> AsyncIterator[Api]:
    settings = Settings(
        _env_file=None, MicrosoftAppId=APP_ID, MicrosoftAppPassword="not-a-real-secret"
    )
    app = create_app(settings, MemoryStore(), clock)
    seen: list[Any] = []

    async def on_turn(context: Any) -> None:
        seen.append(context.activity)

    app[SERVICES].bot.on_turn = on_turn  # type: ignore[method-assign]
    async with TestClient(TestServer(app)) as client:
        yield Api(client, seen)


@functools.cache
def _key(role: str = "forged") -> rsa.RSAPrivateKey:
    """One RSA key per role, made once (a 2048-bit key takes a while to make)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _token(key: rsa.RSAPrivateKey, kid: str = "test-key", **claims: Any) -> str:
    payload = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": SERVICE_URL,
        "nbf": int(time.time()) - 60,
        "exp": int(time.time()) + 3600,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer a.b.c"],
)
async def test_requests_without_a_valid_bearer_token_get_401(
    api: Api,
    authorization: str | None,
) -> None:
    status = await api.post(authorization)
    assert status == 401
    assert api.turns == []


async def test_a_hanging_key_fetch_is_401_and_blocks_nothing(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetching, release, returned = threading.Event(), threading.Event(), threading.Event()

    def hang(url: str, *args: Any, **kwargs: Any) -> Any:
        fetching.set()
        release.wait(10)  # the SDK calls requests.get without a timeout
        returned.set()
        raise requests.Timeout(url)

    monkeypatch.setattr(jwt_token_extractor.requests, "get", hang)
    monkeypatch.setattr(bot.adapter, "AUTH_TIMEOUT", 0.3)
    post = asyncio.create_task(api.post(f"Bearer {_token(_key())}"))
    assert await asyncio.to_thread(fetching.wait, 10), "the key fetch never started"
    # While the key fetch hangs, the event loop still serves requests ...
    assert (await api.client.get("/healthz")).status == 200
    assert not returned.is_set()
    # ... and the request is refused after AUTH_TIMEOUT, before the fetch ever returns.
    status = await post
    assert not returned.is_set()
    release.set()
    assert (status, api.turns) == (401, [])


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body

    def raise_for_status(self) -> None:
        return None

    def json(self) -> dict[str, Any]:
        return self._body


def serve_keys(monkeypatch: pytest.MonkeyPatch, key: rsa.RSAPrivateKey) -> None:
    """Serve the public half of ``key`` as Microsoft's only signing key for Teams."""
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="test-key", endorsements=["msteams"])

    def get(url: str, *args: Any, **kwargs: Any) -> _Response:
        if url.endswith("keys"):
            return _Response({"keys": [jwk]})
        return _Response({"jwks_uri": "https://login.example.test/keys"})

    monkeypatch.setattr(jwt_token_extractor.requests, "get", get)


def unreachable_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fetch of the signing keys fails with a network error."""

    def unreachable(url: str, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(f"cannot reach {url}")

    monkeypatch.setattr(jwt_token_extractor.requests, "get", unreachable)


@pytest.fixture
def signing_key(monkeypatch: pytest.MonkeyPatch) -> rsa.RSAPrivateKey:
    """A new key, served as Microsoft's only signing key for Teams."""
    key = _key("microsoft")
    serve_keys(monkeypatch, key)
    return key


KEY_SOURCES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    # As this machine is: the SDK cannot reach login.botframework.com for the keys.
    "no-internet": lambda monkeypatch: None,
    "network-error": unreachable_keys,
    "another-key": lambda monkeypatch: serve_keys(monkeypatch, _key("microsoft")),  # same kid
}


@pytest.mark.parametrize("keys", list(KEY_SOURCES))
async def test_a_token_signed_with_a_key_microsoft_does_not_serve_gets_401(
    api: Api, monkeypatch: pytest.MonkeyPatch, keys: str
) -> None:
    """Forged: whether the keys cannot be fetched at all or Microsoft serves others."""
    KEY_SOURCES[keys](monkeypatch)
    status = await api.post(f"Bearer {_token(_key())}")
    assert (status, api.turns) == (401, [])


async def test_a_token_signed_with_microsofts_key_reaches_the_bot(
    api: Api,
    signing_key: rsa.RSAPrivateKey,
) -> None:
    """The refusals above are not a bot that refuses everything."""
    status = await api.post(f"Bearer {_token(signing_key)}")
    assert status in (200, 201)
    assert [activity.text for activity in api.turns] == ["hjælp"]


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "00000000-0000-0000-0000-000000000001"},  # another bot's token
        {"iss": "https://sts.example.test"},  # not issued by the Bot Framework
        {"exp": int(time.time()) - 3600},  # expired
        {"serviceurl": "https://evil.example.test/"},  # for another service URL
    ],
)
async def test_tokens_with_wrong_claims_get_401(
    api: Api,
    signing_key: rsa.RSAPrivateKey,
    claims: dict[str, Any],
) -> None:
    status = await api.post(f"Bearer {_token(signing_key, **claims)}")
    assert (status, api.turns) == (401, [])
