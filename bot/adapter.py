"""The Bot Framework adapter, with connector clients reused across turns.

botbuilder's ``CloudAdapter`` builds a new ``ConnectorClient`` and ``UserTokenClient`` for
every turn; building their msrest pipelines costs more than the rest of a turn. The
:class:`ReusingAuthentication` wrapper hands out one client per (service URL, audience) and
one token client per app id instead, so each turn only pays for its own work.

It also makes token validation fail closed and fast. The SDK fetches Microsoft's signing keys
with a blocking ``requests.get`` and no timeout, and lets a network error escape as a 500.
Here a request with a token is validated on a worker thread under :data:`AUTH_TIMEOUT`, and
any failure (no network, a forged or malformed token, a timeout) becomes ``PermissionError``,
which ``CloudAdapter.process`` turns into 401. A request without a token never touches the
network: the SDK accepts it only in local mode (no ``MicrosoftAppId``).

In local mode no connector client is made for a service URL off loopback (``bot/trust.py``):
unauthenticated, the bot posts nowhere but to this machine.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.settings import Settings
from bot.trust import is_loopback_url
from dialogs.privacy import withheld

log = logging.getLogger(__name__)

MAX_CACHED_CLIENTS = 64
AUTH_TIMEOUT = 10.0  # seconds to validate a token, fetching Microsoft's signing keys included

T = TypeVar("T")


def _check_bearer(auth_header: str) -> None:
    """Refuse anything but ``Bearer <header>.<payload>.<signature>`` before the SDK sees it."""
    scheme, _, token = auth_header.partition(" ")
    if scheme != "Bearer" or token.count(".") != 2 or " " in token.strip():
        raise PermissionError("Unauthorized: not a Bearer token")


async def validate_token(auth_header: str | None, validate: Callable[[], Awaitable[T]]) -> T:
    """Run the SDK's ``validate()`` so that every failure is a ``PermissionError`` (401).

    Without a header nothing goes over the network, so the SDK decides at once. With one, the
    SDK may block on fetching signing keys: it runs in its own event loop on a worker thread,
    and a result later than :data:`AUTH_TIMEOUT` counts as a failure.
    """
    if not auth_header:
        return await validate()
    _check_bearer(auth_header)
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(lambda: asyncio.run(_awaited(validate))), AUTH_TIMEOUT
        )
    except PermissionError:
        raise
    except TimeoutError:
        log.warning("token validation took longer than %.1f s; refused", AUTH_TIMEOUT)
        raise PermissionError("Unauthorized: token validation timed out") from None
    except Exception as exc:  # network errors, forged or malformed tokens, unknown keys
        log.warning("token validation failed (%s: %s); refused", type(exc).__name__, exc)
        raise PermissionError("Unauthorized: the token could not be validated") from exc


async def _awaited(validate: Callable[[], Awaitable[T]]) -> T:
    return await validate()


class _SdkConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password
        self.APP_TYPE = settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id


class _ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(
        self,
        inner: ConnectorFactory,
        cache: OrderedDict[Any, ConnectorClient],
        loopback_only: bool,
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._loopback_only = loopback_only

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        if self._loopback_only and not is_loopback_url(service_url):
            raise PermissionError("local mode: no connector for a service URL off loopback")
        key = (service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache[key] = client
            while len(self._cache) > MAX_CACHED_CLIENTS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return client


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates to the SDK's authentication and reuses the clients it creates; with
    ``loopback_only`` (local mode) it makes no client for a service URL off loopback."""

    def __init__(self, inner: BotFrameworkAuthentication, loopback_only: bool = False) -> None:
        self._inner = inner
        self._loopback_only = loopback_only
        self._connectors: OrderedDict[Any, ConnectorClient] = OrderedDict()
        self._token_clients: dict[str, UserTokenClient] = {}

    def _wrap(self, factory: ConnectorFactory | None) -> ConnectorFactory | None:
        if not factory:
            return None
        return _ReusingConnectorFactory(factory, self._connectors, self._loopback_only)

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await validate_token(
            auth_header, lambda: self._inner.authenticate_request(activity, auth_header)
        )
        result.connector_factory = self._wrap(result.connector_factory)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await validate_token(
            auth_header,
            lambda: self._inner.authenticate_streaming_request(auth_header, channel_id_header),
        )
        result.connector_factory = self._wrap(result.connector_factory)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._wrap(self._inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = repr(sorted((getattr(claims_identity, "claims", None) or {}).items()))
        client = self._token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            if len(self._token_clients) < MAX_CACHED_CLIENTS:
                self._token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        identity: ClaimsIdentity = await validate_token(
            auth_header, lambda: self._inner.authenticate_channel_request(auth_header)
        )
        return identity


def create_adapter(settings: Settings, error_text: str) -> CloudAdapter:
    """A ``CloudAdapter`` for ``settings`` that logs turn errors and apologises in Danish."""
    auth = ReusingAuthentication(
        ConfigurationBotFrameworkAuthentication(_SdkConfig(settings)),
        loopback_only=settings.local_mode,
    )
    adapter = CloudAdapter(auth)

    async def on_error(context: TurnContext, error: Exception) -> None:
        # Never the message: it may repeat what the user typed (pydantic quotes the input).
        log.error("turn failed", exc_info=withheld(error))
        try:
            await context.send_activity(error_text)
        except Exception:  # the channel may be what failed
            log.warning("could not send the error message")

    adapter.on_turn_error = on_error
    return adapter
