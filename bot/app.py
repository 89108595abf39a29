"""The application factory: ``create_app(settings, store, clock)`` wires everything once."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from yarl import URL

from bot.adapter import create_adapter
from bot.conversations import ConversationDirectory
from bot.delivery import OutboxDelivery
from bot.messenger import Messenger
from bot.outbox import Outbox
from bot.settings import Settings
from bot.teams_bot import StrategiBot
from bot.trust import TenantBoundary, is_loopback_url
from content import Content, load_content
from dialogs.delivery import Delivery
from dialogs.intents import IntentParser
from dialogs.mydata.feature import MyDataFeature
from dialogs.qa.answer import Answerer
from dialogs.qa.feature import QAFeature
from dialogs.qa.index import meaning_texts
from dialogs.qa.meaning import load_meaning
from dialogs.reminders.feature import RemindersFeature
from dialogs.reminders.repository import ReminderRepository
from dialogs.reminders.service import ReminderService
from dialogs.replies import Reply
from dialogs.router import Dispatcher, PrivateChat, Router
from dialogs.status.feature import StatusFeature
from dialogs.status.repository import StatusRepository
from dialogs.status.service import StatusService
from dialogs.store import Store
from scheduler.clock import Clock, ManualClock
from scheduler.ticker import Ticker

log = logging.getLogger(__name__)

# Activity types the bot handles; anything else is acknowledged with 200 and ignored.
HANDLED_TYPES = frozenset(
    {"message", "conversationUpdate", "installationUpdate", "messageReaction", "event"}
)


@dataclass(frozen=True)
class Features:
    """The services behind the features that the chat and the command line share."""

    reminders: ReminderService
    status: StatusService


def build_features(
    settings: Settings, store: Store, clock: Clock, content: Content, delivery: Delivery
) -> Features:
    """The feature services over one store and one delivery: the same for chat and CLI."""
    reminders = ReminderService(ReminderRepository(store), clock, content, settings.tz, delivery)
    status = StatusService(
        StatusRepository(store),
        reminders.repository,
        clock,
        content,
        settings.tz,
        delivery,
        keep_rounds=settings.status_keep_rounds,
    )
    return Features(reminders, status)


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
    reminders: ReminderService
    status: StatusService
    outbox: Outbox
    delivery: OutboxDelivery
    ticker: Ticker

    async def tick(self) -> Counter[str]:
        """Send every reminder, status card, nudge and follow-up that is due."""
        return await self.ticker.tick()


SERVICES = web.AppKey("services", Services)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _is_id(value: str) -> bool:
    """A non-empty id that can be put in a URL (no lone surrogates such as "\\ud800")."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return bool(value)


def _is_service_url(value: object) -> bool:
    """An absolute http(s) URL with a host: where the bot's replies go."""
    if not isinstance(value, str):
        return False
    try:
        url = URL(value)
    except (ValueError, TypeError):
        return False
    host = url.raw_host or ""
    return url.scheme in ("http", "https") and bool(host) and host.isascii() and " " not in host


async def messages(request: web.Request) -> web.StreamResponse:
    """``POST /api/messages``: validate the request, then hand the activity to the adapter.

    The body is read and parsed here, once; every malformed request gets a 4xx with a Danish
    reason, never a 5xx.
    """
    services = request.app[SERVICES]
    errors = services.content.messages.da.errors
    try:
        content_type = request.content_type
    except Exception:  # the email parser behind it fails on some malformed headers
        content_type = ""
    if content_type != "application/json":
        return _problem(400, errors.content_type)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _problem(413, errors.too_large)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _problem(400, errors.invalid_json)
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return _problem(400, errors.not_activity)
    if body["type"] not in HANDLED_TYPES:
        return web.json_response({}, status=200)
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return _problem(400, errors.no_conversation)
    if not _is_id(conversation["id"]) or not _is_service_url(body.get("serviceUrl")):
        return _problem(400, errors.bad_conversation)
    if services.settings.local_mode and not is_loopback_url(body["serviceUrl"]):
        # Unauthenticated, a reply to anywhere else would post whatever was asked for to a
        # host of the sender's choosing.
        return _problem(403, errors.service_url_not_local)
    body.pop("deliveryMode", None)  # replies always go through the connector, as in Teams
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises several kinds for fields of the wrong type
        return _problem(400, errors.unreadable_activity)
    try:
        await services.adapter.process_activity(
            request.headers.get("Authorization", ""), activity, services.bot.on_turn
        )
    except PermissionError:
        return _problem(401, errors.unauthorized)
    return web.Response(status=201)


async def set_test_clock(request: web.Request) -> web.Response:
    """``POST /_test/clock {"now": ISO time}``: move the manual clock and run the reminders.

    Only routed when ``TEST_CLOCK`` is enabled (end-to-end tests); never in production.
    """
    services = request.app[SERVICES]
    errors = services.content.messages.da.errors
    clock = services.clock
    try:
        now = datetime.fromisoformat((await request.json())["now"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        return _problem(400, errors.clock_usage)
    if not isinstance(clock, ManualClock) or now.tzinfo is None:
        return _problem(400, errors.clock_not_settable)
    clock.set(now)
    outcomes = await services.tick()
    return web.json_response({"now": now.isoformat(), "outcomes": dict(outcomes)})


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: the service is up; storage, scheduler and outbox state."""
    services = request.app[SERVICES]
    await services.store.all("conversations")
    settings = services.settings
    return web.json_response(
        {
            "status": "ok",
            "local_mode": settings.local_mode,
            "authentication": settings.authentication,
            "tenants": sorted(services.bot.boundary.allowed) or "any",
            "warnings": settings.warnings,
            "storage": services.store.stats(),
            "scheduler": services.ticker.as_json(),
            "outbox": services.outbox.stats(),
        }
    )


def create_app(
    settings: Settings, store: Store, clock: Clock, content: Content | None = None
) -> web.Application:
    """Build the aiohttp application with every feature wired in: the one place that knows
    every feature."""
    content = content or load_content()
    da = content.messages.da
    conversations = ConversationDirectory(store)
    adapter = create_adapter(settings, da.error_generic)
    messenger = Messenger(adapter, conversations, settings.microsoft_app_id)
    outbox = Outbox(store, messenger, conversations=conversations, clock=clock)
    delivery = OutboxDelivery(conversations, outbox, settings.admins)
    features = build_features(settings, store, clock, content, delivery)
    reminders, status = features.reminders, features.status

    meaning = (
        load_meaning(meaning_texts(content), settings.meaning_cache_dir)
        if settings.meaning_model
        else None
    )
    qa = QAFeature(content, store, Answerer(content, meaning), meetings=reminders, rounds=status)
    root = Router("root")
    root.include(qa.router())
    root.include(RemindersFeature(content, reminders, settings.tz).router())
    root.include(StatusFeature(content, status).router())
    erasers = (qa, delivery)  # what "slet mine data" deletes besides the features' tables
    root.include(MyDataFeature(content, status.repository, reminders.repository, erasers).router())
    dispatcher = Dispatcher(
        root,
        IntentParser(content.commands),
        invalid_submit=qa.presenter.notice(da.invalid_submit),
        too_long=qa.presenter.notice(da.too_long.format(limit=1000)),
        unidentified=qa.presenter.notice(da.needs_teams_identity),
        private=PrivateChat(
            delivery, Reply(content.mydata.sent_privately), Reply(content.mydata.no_personal_chat)
        ),
    )
    bot = StrategiBot(
        dispatcher,
        conversations,
        clock,
        welcome=qa.presenter.welcome,
        is_admin=lambda user_id: user_id in settings.admins,
        boundary=TenantBoundary(settings.allowed_tenants),
        other_tenant=qa.presenter.notice(da.other_tenant),
    )
    _log_trust(settings)
    ticker = Ticker(
        [reminders.tick, status.tick], clock, settings.tz, settings.reminder_interval_seconds
    )

    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SERVICES] = Services(
        settings, store, clock, content, adapter, bot, conversations, messenger, qa,
        reminders, status, outbox, delivery, ticker,
    )  # fmt: skip
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    if settings.test_clock:
        log.warning("TEST_CLOCK is on: POST /_test/clock moves time (tests only)")
        app.router.add_post("/_test/clock", set_test_clock)
    app.on_startup.append(_start)
    app.on_shutdown.append(_stop_sending)
    app.on_cleanup.append(_close_store)
    return app


def _log_trust(settings: Settings) -> None:
    """Say at start-up how requests are authenticated, and warn about what is unsafe."""
    if settings.local_mode:
        log.warning(
            "authentication: %s; no MicrosoftAppId, so requests are not authenticated and "
            "replies go only to loopback serviceUrls (HOST=%s)",
            settings.authentication,
            settings.host,
        )
    if settings.allowed_tenants:
        log.info("tenants: %s", ", ".join(sorted(settings.allowed_tenants)))
    for warning in settings.warnings:
        log.warning("!!! %s", warning)


async def _tell_admins_about_quarantine(services: Services) -> None:
    """A data file could not be read at start-up: it was kept aside; tell the admins."""
    kept = [str(p) for p in services.store.stats().get("quarantined", [])]
    if not kept:
        return
    log.error("started after keeping unreadable data aside: %s", ", ".join(kept))
    notice = Reply(services.content.messages.da.data_quarantined.format(files=", ".join(kept)))
    await services.delivery.send_to_admins(notice, f"quarantine:{kept[0]}")


async def _start(app: web.Application) -> None:
    services = app[SERVICES]
    await services.conversations.build_index()
    await _tell_admins_about_quarantine(services)
    # Leaders and TRIO members stored before approvals existed are approved (logged once).
    await services.status.migrate_approvals()
    await services.reminders.migrate_approvals()
    await services.outbox.start()
    services.ticker.start()


async def _stop_sending(app: web.Application) -> None:
    app[SERVICES].ticker.stop()  # stop producing first
    await app[SERVICES].outbox.stop()  # lets sends in flight finish and be recorded


async def _close_store(app: web.Application) -> None:
    await app[SERVICES].store.close()
