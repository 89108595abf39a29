"""The application factory: ``create_app(settings, store, clock)`` wires everything once."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from yarl import URL

from bot.adapter import create_adapter
from bot.clock import Clock, ManualClock
from bot.conversations import ConversationDirectory
from bot.messenger import Messenger
from bot.outbox import Outbox
from bot.settings import Settings
from bot.storage import Store
from bot.teams_bot import StrategiBot
from content import Content, load_content
from dialogs.intents import IntentParser
from dialogs.mydata.feature import MyDataFeature
from dialogs.qa.answer import Answerer
from dialogs.qa.feature import QAFeature
from dialogs.qa.index import meaning_texts
from dialogs.qa.meaning import load_meaning
from dialogs.reminders.feature import RemindersFeature
from dialogs.reminders.service import ReminderService
from dialogs.replies import Reply
from dialogs.router import Dispatcher, Router
from dialogs.status.feature import StatusFeature
from dialogs.status.service import StatusService
from scheduler.repository import ReminderRepository
from status.repository import StatusRepository

log = logging.getLogger(__name__)

# Activity types the bot handles; anything else is acknowledged with 200 and ignored.
HANDLED_TYPES = frozenset(
    {"message", "conversationUpdate", "installationUpdate", "messageReaction", "event"}
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
    reminders: ReminderService
    status: StatusService
    outbox: Outbox
    ticks: TickState = field(default_factory=lambda: TickState())

    async def tick(self) -> Counter[str]:
        """Send every reminder, status card, nudge and follow-up that is due."""
        started = self.clock.now()
        try:
            outcomes = await self.reminders.tick()
            outcomes.update(await self.status.tick())
        except Exception as exc:
            self.ticks.failed(started, exc)
            raise
        self.ticks.done(started, outcomes)
        return outcomes


@dataclass
class TickState:
    """How the scheduled job went last, for ``/healthz``."""

    last_at: datetime | None = None
    last_outcomes: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    runs: int = 0
    failures: int = 0

    def done(self, at: datetime, outcomes: Mapping[str, int]) -> None:
        """Record a run that finished."""
        self.last_at, self.last_outcomes, self.last_error = at, dict(outcomes), None
        self.runs += 1

    def failed(self, at: datetime, exc: Exception) -> None:
        """Record a run that raised (the scheduler logs the traceback)."""
        self.last_at, self.last_error = at, type(exc).__name__
        self.runs += 1
        self.failures += 1

    def as_json(self) -> dict[str, Any]:
        """The state as JSON."""
        return {
            "last_run": self.last_at.isoformat() if self.last_at else None,
            "last_outcomes": self.last_outcomes,
            "last_error": self.last_error,
            "runs": self.runs,
            "failures": self.failures,
        }


SERVICES = web.AppKey("services", Services)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)


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
    try:
        content_type = request.content_type
    except Exception:  # the email parser behind it fails on some malformed headers
        content_type = ""
    if content_type != "application/json":
        return _problem(400, "Content-Type skal være application/json")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _problem(413, "Forespørgslen er for stor")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _problem(400, "Ugyldig JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return _problem(400, "Forespørgslen er ikke en aktivitet")
    if body["type"] not in HANDLED_TYPES:
        return web.json_response({}, status=200)
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return _problem(400, "Aktiviteten mangler conversation.id")
    if not _is_id(conversation["id"]) or not _is_service_url(body.get("serviceUrl")):
        return _problem(400, "Aktiviteten mangler conversation.id eller en gyldig serviceUrl")
    body.pop("deliveryMode", None)  # replies always go through the connector, as in Teams
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises several kinds for fields of the wrong type
        return _problem(400, "Aktiviteten kan ikke læses")
    try:
        await services.adapter.process_activity(
            request.headers.get("Authorization", ""), activity, services.bot.on_turn
        )
    except PermissionError:
        return _problem(401, "Ikke autoriseret")
    return web.Response(status=201)


async def set_test_clock(request: web.Request) -> web.Response:
    """``POST /_test/clock {"now": ISO time}``: move the manual clock and run the reminders.

    Only routed when ``TEST_CLOCK`` is enabled (end-to-end tests); never in production.
    """
    services = request.app[SERVICES]
    clock = services.clock
    try:
        now = datetime.fromisoformat((await request.json())["now"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        return _problem(400, 'Skriv {"now": "2027-01-05T09:00:00+01:00"}')
    if not isinstance(clock, ManualClock) or now.tzinfo is None:
        return _problem(400, "Uret kan ikke stilles")
    clock.set(now)
    outcomes = await services.tick()
    return web.json_response({"now": now.isoformat(), "outcomes": dict(outcomes)})


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: the service is up; storage, scheduler and outbox state."""
    services = request.app[SERVICES]
    await services.store.all("conversations")
    scheduler = request.app[SCHEDULER]
    job = scheduler.get_job("reminders") if scheduler.running else None
    next_run = job.next_run_time.isoformat() if job and job.next_run_time else None
    return web.json_response(
        {
            "status": "ok",
            "local_mode": services.settings.local_mode,
            "storage": services.store.stats(),
            "scheduler": {
                "running": scheduler.running,
                "next_run": next_run,
                **services.ticks.as_json(),
            },
            "outbox": services.outbox.stats(),
        }
    )


def create_app(
    settings: Settings, store: Store, clock: Clock, content: Content | None = None
) -> web.Application:
    """Build the aiohttp application with every feature wired in."""
    content = content or load_content()
    da = content.messages.da
    conversations = ConversationDirectory(store)
    adapter = create_adapter(settings, da.error_generic)
    messenger = Messenger(adapter, conversations, settings.microsoft_app_id)
    outbox = Outbox(store, messenger, conversations=conversations, clock=clock)

    async def deliver(recipient: str, reply: Reply, key: str) -> bool:
        """Hand a proactive message to the outbox: ``user:<aad id>`` or ``channel:<id>``.

        False when the recipient cannot be reached yet (no conversation): the caller keeps
        the message pending.
        """
        kind, _, ident = recipient.partition(":")
        if kind == "user":
            chat = await conversations.personal_chat_of(ident)
            if chat is None:
                return False
            ident = chat.conversation_id
        else:
            channel = await conversations.get(ident)
            if channel is None or not channel.active:
                return False
        # The outbox is durable: once enqueued, the reminder is delivered (or its failure
        # recorded) even across a restart, within Teams' rate limits.
        await outbox.enqueue(ident, reply, key=key)
        return True

    repository = ReminderRepository(store)

    async def send_reminder(recipient: str, reply: Reply, key: str) -> bool:
        return await deliver(recipient, reply, f"reminder:{key}")

    reminders = ReminderService(repository, clock, content, settings.tz, send_reminder)
    status = StatusService(
        StatusRepository(store),
        repository,
        clock,
        content,
        settings.tz,
        deliver,
        conversations.reachable,
        keep_rounds=settings.status_keep_rounds,
    )

    async def tell_about_deactivation(conversation_id: str, status: int) -> None:
        """A committee's channel or its chair's chat refused messages: tell the chair (if the
        chat still works), else the admins; once per committee and conversation."""
        texts = content.reminders
        refused = await conversations.get(conversation_id)
        refused_user = refused.user_aad_id if refused is not None else None
        for committee in await repository.committees():
            if committee.channel_id == conversation_id:
                where = texts.deactivated_channel
            elif committee.remind_chair and refused_user == committee.chair.user_id:
                where = texts.deactivated_personal
            else:
                continue
            notice = Reply(
                texts.deactivated.format(name=committee.name, where=where, status=status)
            )
            chair_chat = await conversations.personal_chat_of(committee.chair.user_id)
            targets = [chair_chat] if chair_chat is not None else [
                await conversations.personal_chat_of(admin) for admin in settings.admins
            ]  # fmt: skip
            for target in targets:
                if target is not None and target.conversation_id != conversation_id:
                    key = f"deactivated:{committee.id}:{conversation_id}:{target.conversation_id}"
                    await outbox.enqueue(target.conversation_id, notice, key=key)

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
    root.include(MyDataFeature(content, status.repository, repository).router())
    outbox.on_deactivated = tell_about_deactivation
    dispatcher = Dispatcher(
        root,
        IntentParser(content.commands),
        invalid_submit=qa.presenter.notice(da.invalid_submit),
        too_long=qa.presenter.notice(da.too_long.format(limit=1000)),
    )
    bot = StrategiBot(
        dispatcher,
        conversations,
        clock,
        welcome=qa.presenter.welcome,
        is_admin=lambda user_id: user_id in settings.admins,
    )
    if settings.local_mode:
        log.warning("local mode: no MicrosoftAppId, requests are not authenticated")

    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SERVICES] = Services(
        settings,
        store,
        clock,
        content,
        adapter,
        bot,
        conversations,
        messenger,
        qa,
        reminders,
        status,
        outbox,
    )
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    if settings.test_clock:
        log.warning("TEST_CLOCK is on: POST /_test/clock moves time (tests only)")
        app.router.add_post("/_test/clock", set_test_clock)

    scheduler = AsyncIOScheduler(timezone=settings.tz)
    app[SCHEDULER] = scheduler

    async def tell_admins_about_quarantine() -> None:
        """A data file could not be read at start-up: it was kept aside; tell the admins."""
        kept = [str(p) for p in store.stats().get("quarantined", [])]
        if not kept:
            return
        log.error("started after keeping unreadable data aside: %s", ", ".join(kept))
        notice = Reply(da.data_quarantined.format(files=", ".join(kept)))
        for admin in settings.admins:
            chat = await conversations.personal_chat_of(admin)
            if chat is not None:
                await outbox.enqueue(
                    chat.conversation_id, notice, key=f"quarantine:{kept[0]}:{admin}"
                )

    async def start_scheduler(_: web.Application) -> None:
        await conversations.build_index()
        await tell_admins_about_quarantine()
        await outbox.start()
        # The first run is the catch-up after downtime; then every interval.
        scheduler.add_job(
            app[SERVICES].tick,
            "interval",
            seconds=settings.reminder_interval_seconds,
            next_run_time=datetime.now(settings.tz),
            coalesce=True,
            max_instances=1,
            id="reminders",
        )
        scheduler.start()

    async def stop_sending(_: web.Application) -> None:
        if scheduler.running:
            scheduler.shutdown(wait=False)  # stop producing first
        await outbox.stop()  # lets sends in flight finish and be recorded

    async def close_store(_: web.Application) -> None:
        await store.close()

    app.on_startup.append(start_scheduler)
    app.on_shutdown.append(stop_sending)
    app.on_cleanup.append(close_store)
    return app
