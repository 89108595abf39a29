"""The application factory: ``create_app(settings, store, clock)`` wires everything once."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from bot.adapter import create_adapter
from bot.clock import Clock
from bot.conversations import ConversationDirectory
from bot.messenger import Messenger
from bot.settings import Settings
from bot.storage import Store
from bot.teams_bot import StrategiBot
from content import Content, load_content
from dialogs.intents import IntentParser
from dialogs.qa.feature import QAFeature
from dialogs.router import Dispatcher, Router

log = logging.getLogger(__name__)

# Activity types the bot handles; anything else is acknowledged with 200 and ignored.
HANDLED_TYPES = frozenset(
    {"message", "conversationUpdate", "installationUpdate", "invoke", "messageReaction", "event"}
)


@dataclass(frozen=True)
class Services:
    """What the app owns, for tests and for the features of later issues."""

    settings: Settings
    store: Store
    clock: Clock
    content: Content
    adapter: CloudAdapter
    bot: StrategiBot
    conversations: ConversationDirectory
    messenger: Messenger
    qa: QAFeature


SERVICES = web.AppKey("services", Services)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def messages(request: web.Request) -> web.StreamResponse:
    """``POST /api/messages``: validate the request, then hand it to the Bot Framework."""
    services = request.app[SERVICES]
    if request.content_type != "application/json":
        return _problem(400, "Content-Type skal være application/json")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _problem(413, "Forespørgslen er for stor")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _problem(400, "Ugyldig JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return _problem(400, "Forespørgslen er ikke en aktivitet")
    if body["type"] not in HANDLED_TYPES:
        return web.json_response({}, status=200)
    for field in ("conversation", "serviceUrl"):
        if not body.get(field):
            return _problem(400, f"Aktiviteten mangler {field}")
    try:
        response = await services.adapter.process(request, services.bot)
    except web.HTTPException as exc:
        return _problem(exc.status, exc.reason)
    return response or web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: the service is up and its storage answers."""
    services = request.app[SERVICES]
    await services.store.all("conversations")
    return web.json_response({"status": "ok", "local_mode": services.settings.local_mode})


def create_app(
    settings: Settings, store: Store, clock: Clock, content: Content | None = None
) -> web.Application:
    """Build the aiohttp application with every feature wired in."""
    content = content or load_content()
    da = content.messages.da
    qa = QAFeature(content, store)
    root = Router("root")
    root.include(qa.router())
    dispatcher = Dispatcher(
        root,
        IntentParser(content.commands),
        invalid_submit=qa.presenter.notice(da.invalid_submit),
        too_long=qa.presenter.notice(da.too_long.format(limit=1000)),
    )
    conversations = ConversationDirectory(store)
    adapter = create_adapter(settings, da.error_generic)
    bot = StrategiBot(
        dispatcher,
        conversations,
        clock,
        welcome=qa.presenter.welcome,
        is_admin=lambda user_id: user_id in settings.admins,
    )
    messenger = Messenger(adapter, conversations, settings.microsoft_app_id)
    if settings.local_mode:
        log.warning("local mode: no MicrosoftAppId, requests are not authenticated")

    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SERVICES] = Services(
        settings, store, clock, content, adapter, bot, conversations, messenger, qa
    )
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)

    async def close_store(_: web.Application) -> None:
        await store.close()

    app.on_cleanup.append(close_store)
    return app
