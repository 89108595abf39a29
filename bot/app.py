"""The application factory: ``create_app(settings, store, clock)`` wires everything once."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from yarl import URL

from bot.adapter import create_adapter
from bot.backends import election_for, shared
from bot.conversations import ConversationDirectory
from bot.delivery import OutboxDelivery
from bot.health import Access, Health
from bot.http_limits import RETRY_AFTER_SECONDS, BodyTimeout, RequestGate, close_after, read_body
from bot.invoke import invoke_http_response
from bot.messenger import Messenger
from bot.outbox import Outbox
from bot.sender_election import SenderElection
from bot.settings import Settings
from bot.store_health import WatchedStore
from bot.teams_bot import StrategiBot
from bot.trust import TenantBoundary, is_loopback_url
from content import Content, load_content
from dialogs.delivery import Delivery
from dialogs.experts.feature import ExpertsFeature
from dialogs.experts.repository import ExpertRepository
from dialogs.experts.service import ExpertService
from dialogs.help.feature import HelpFeature, Roles
from dialogs.intents import IntentParser
from dialogs.mydata.feature import MyDataFeature
from dialogs.qa.answer import Answerer
from dialogs.qa.feature import QAFeature
from dialogs.qa.search import Search
from dialogs.reminders.feature import RemindersFeature
from dialogs.reminders.repository import ReminderRepository
from dialogs.reminders.roles import may_act
from dialogs.reminders.service import ReminderService
from dialogs.replies import Reply
from dialogs.router import Dispatcher, PrivateChat, Router, TurnLimiter
from dialogs.status.feature import StatusFeature
from dialogs.status.repository import StatusRepository
from dialogs.status.service import StatusService
from dialogs.store import Store
from scheduler.clock import Clock, ManualClock
from scheduler.ticker import Ticker

log = logging.getLogger(__name__)

OUTBOX_POLL_SECONDS = 1.0  # how soon the sender takes up what other instances enqueued

# Activity types the bot handles; anything else is acknowledged with 200 and ignored.
HANDLED_TYPES = frozenset(
    {"message", "conversationUpdate", "installationUpdate", "messageReaction", "event", "invoke"}
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


def roles_of(features: Features) -> Roles:
    """What ``hjælp`` asks about a user, answered by the features that know: a chair or
    approved TRIO member of some committee; a leader an admin has approved."""

    async def is_chair(user_id: str) -> bool:
        committees = await features.reminders.repository.committees()
        return any(may_act(c, user_id, is_admin=False) for c in committees)

    async def is_leader(user_id: str) -> bool:
        leader = await features.status.repository.leader(user_id)
        return leader is not None and not leader.pending

    return Roles(is_chair=is_chair, is_leader=is_leader)


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
    health: Health  # what /healthz says; add a section with health.add(name, compute)
    gate: RequestGate  # MAX_CONCURRENT_REQUESTS
    election: SenderElection  # whether this instance runs the ticker and the outbox

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
    gate = services.gate
    with gate.body(request.content_length) as admitted:  # refused: closed, body unread
        if not admitted or gate.refuse_if_full():
            return await close_after(request, _busy(services))
        try:
            raw = await read_body(request, services.settings.http_read_timeout)
        except web.HTTPRequestEntityTooLarge:
            return _problem(413, errors.too_large)
        except BodyTimeout:
            gate.timed_out()
            return await close_after(request, _problem(408, errors.request_timeout))
    with gate.place() as admitted:  # a place only once the body is here: see http_limits
        if not admitted:
            return _busy(services)
        return await _handle_activity(services, request, raw)


def _busy(services: Services) -> web.Response:
    """503: more than ``MAX_CONCURRENT_REQUESTS`` at once; try again shortly."""
    text = services.content.messages.da.errors.busy.format(seconds=RETRY_AFTER_SECONDS)
    return web.json_response(
        {"error": text}, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


async def _handle_activity(
    services: Services, request: web.Request, raw: bytes
) -> web.StreamResponse:
    """The rest of ``POST /api/messages``: parse, check and process the activity."""
    errors = services.content.messages.da.errors
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
        result = await services.adapter.process_activity(
            request.headers.get("Authorization", ""), activity, services.bot.on_turn
        )
    except PermissionError:
        return _problem(401, errors.unauthorized)
    if activity.type == "invoke":
        return invoke_http_response(result)
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
    """``GET /healthz``: ``ok`` or ``degraded`` for anyone; on loopback or with
    ``HEALTHZ_TOKEN`` also why, and the details. From memory: see ``bot/health.py``."""
    services = request.app[SERVICES]
    await services.health.pace.wait()  # back-to-back pollers: HEALTHZ_PACE answers a second
    access = services.health.access(request)
    if access is Access.REFUSED:
        return _problem(401, services.content.messages.da.errors.unauthorized)
    if access is Access.DETAILS:
        return web.json_response(services.health.details())
    return web.json_response(services.health.liveness())


def _health(
    settings: Settings,
    store: WatchedStore,
    bot: StrategiBot,
    ticker: Ticker,
    outbox: Outbox,
    gate: RequestGate,
) -> Health:
    """``/healthz``'s sections and checks. The storage's figures are computed by the scheduler
    tick (and at start-up, and when writes start failing or work again); the rest are
    counters in memory, read at each request."""
    health = Health(settings.healthz_token)
    health.add("local_mode", lambda: settings.local_mode)
    health.add("authentication", lambda: settings.authentication)
    health.add("tenants", lambda: sorted(bot.boundary.allowed) or "any")
    health.add("warnings", lambda: settings.warnings)
    health.add("storage", store.stats)
    health.add("writes", store.as_json, live=True)
    health.add("scheduler", ticker.as_json, live=True)
    health.add("outbox", outbox.stats, live=True)
    health.add("http", gate.counts.as_json, live=True)
    health.add_check(store.reason)
    health.add_check(
        lambda: (
            f"the scheduler's last run failed: {ticker.state.last_error}"
            if ticker.state.last_error
            else None
        )
    )
    ticker.after_run.append(health.refresh)
    store.on_change = health.refresh
    return health


def _data_dir(store: Store) -> Path | None:
    """Where the store writes its files, if it has any (to probe when writes fail): its
    ``directory``, else the directory of its ``path``."""
    stats = store.stats()
    directory, path = stats.get("directory"), stats.get("path")
    if isinstance(directory, str | Path) and str(directory):
        return Path(directory)
    return Path(path).parent if isinstance(path, str | Path) and str(path) else None


def create_app(
    settings: Settings,
    store: Store,
    clock: Clock,
    content: Content | None = None,
    election: SenderElection | None = None,
) -> web.Application:
    """Build the aiohttp application with every feature wired in: the one place that knows
    every feature."""
    content = content or load_content()
    da = content.messages.da
    # One instance sends (the ticker and the outbox's dispatcher); every one serves chat.
    election = election or election_for(store, settings)
    several = shared(store)  # other instances may enqueue: the sender polls the outbox
    store = WatchedStore(store, data_dir=_data_dir(store))  # writes watched for /healthz
    conversations = ConversationDirectory(store)
    adapter = create_adapter(settings, da.error_generic)
    messenger = Messenger(adapter, conversations, settings.microsoft_app_id)
    outbox = Outbox(
        store,
        messenger,
        conversations=conversations,
        clock=clock,
        poll_seconds=OUTBOX_POLL_SECONDS if several else None,
    )
    delivery = OutboxDelivery(conversations, outbox, settings.admins)
    features = build_features(settings, store, clock, content, delivery)
    reminders, status = features.reminders, features.status

    qa = QAFeature(content, store, Answerer(content), meetings=reminders, rounds=status)
    experts = ExpertsFeature(
        content,
        ExpertService(
            ExpertRepository(store), content, delivery, clock, settings.tz, qa.presenter.subject
        ),
    )
    qa.use_experts(experts)  # supplementary answers before the fallback; »Spørg en fagperson«
    help_ = HelpFeature(content, roles_of(features))
    qa.use_help(help_.show)  # "hvad kan du svare på?" gets the same card as »hjælp«
    root = Router("root")
    root.include(help_.router())
    root.include(qa.router())
    root.include(RemindersFeature(content, reminders, settings.tz).router())
    root.include(StatusFeature(content, status).router())
    root.include(experts.router())
    # What "slet mine data" deletes besides the features' tables.
    erasers = (qa, experts, delivery)
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
        limiter=TurnLimiter(settings.turns_per_second, settings.turn_burst)
        if settings.turns_per_second
        else None,
        too_fast=Reply(da.too_fast),
    )
    bot = StrategiBot(
        dispatcher,
        conversations,
        clock,
        welcome=help_.welcome,
        is_admin=lambda user_id: user_id in settings.admins,
        boundary=TenantBoundary(settings.allowed_tenants),
        other_tenant=qa.presenter.notice(da.other_tenant),
        search=Search(content, qa.answerer, qa.presenter).search,
    )
    _log_trust(settings)
    ticker = Ticker(
        [reminders.tick, status.tick, experts.service.tick],
        clock,
        settings.tz,
        settings.reminder_interval_seconds,
    )

    gate = RequestGate(
        settings.max_concurrent_requests, settings.body_buffer_bytes, settings.max_body_bytes
    )
    health = _health(settings, store, bot, ticker, outbox, gate)
    health.add("sender", election.as_json, live=True)

    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SERVICES] = Services(
        settings, store, clock, content, adapter, bot, conversations, messenger, qa,
        reminders, status, outbox, delivery, ticker, health, gate, election,
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
    services.qa.answerer.learn(services.settings.cache_dir)  # not on the first question
    await services.conversations.build_index()
    await _tell_admins_about_quarantine(services)
    # Leaders and TRIO members stored before approvals existed are approved (logged once).
    await services.status.migrate_approvals()
    await services.reminders.migrate_approvals()
    if isinstance(services.store, WatchedStore):
        await services.store.check_writable()  # a read-only data directory: say so now
    services.health.refresh()

    async def elected() -> None:  # this instance sends from now on: catch up, then go on
        # Resume what is queued in the table; after another sender, wait until it has stopped.
        await services.outbox.start(quiet_seconds=services.election.quiet_seconds)
        services.ticker.start()  # runs at once: the catch-up

    async def deposed() -> None:
        services.ticker.stop()  # stop producing first
        await services.outbox.stop()  # lets sends in flight finish and be recorded

    await services.election.start(elected, deposed)


async def _stop_sending(app: web.Application) -> None:
    await app[SERVICES].election.stop()  # stops the ticker and the outbox, then lets go


async def _close_store(app: web.Application) -> None:
    await app[SERVICES].store.close()
