"""The application factory: ``create_app(settings, store, clock)`` wires everything once."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from botbuilder.integration.aiohttp import CloudAdapter

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
from dialogs.qa.feature import QAFeature
from dialogs.reminders.feature import RemindersFeature
from dialogs.reminders.service import ReminderService
from dialogs.replies import Reply
from dialogs.router import Dispatcher, Router
from scheduler.repository import ReminderRepository

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
    reminders: ReminderService
    outbox: Outbox


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
    outcomes = await services.reminders.tick()
    return web.json_response({"now": now.isoformat(), "outcomes": dict(outcomes)})


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: the service is up and its storage answers."""
    services = request.app[SERVICES]
    await services.store.all("conversations")
    return web.json_response(
        {
            "status": "ok",
            "local_mode": services.settings.local_mode,
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
    outbox = Outbox(store, messenger, clock=clock)

    async def send_reminder(recipient: str, reply: Reply, key: str) -> bool:
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
        await outbox.enqueue(ident, reply, key=f"reminder:{key}")
        return True

    repository = ReminderRepository(store)
    reminders = ReminderService(repository, clock, content, settings.tz, send_reminder)

    async def tell_about_deactivation(conversation_id: str, status: int) -> None:
        """A reminder target refused messages: tell the chair, or else the admins."""
        texts = content.reminders
        for committee in await repository.committees():
            chair_chat = await conversations.personal_chat_of(committee.chair.user_id)
            if committee.channel_id == conversation_id:
                where = texts.deactivated_channel
            elif chair_chat is None and committee.remind_chair:
                where = texts.deactivated_personal
            else:
                continue
            notice = Reply(
                texts.deactivated.format(name=committee.name, where=where, status=status)
            )
            targets = [chair_chat] if chair_chat is not None else [
                await conversations.personal_chat_of(admin) for admin in settings.admins
            ]  # fmt: skip
            for target in targets:
                if target is not None and target.conversation_id != conversation_id:
                    await outbox.enqueue(target.conversation_id, notice)

    qa = QAFeature(content, store)
    root = Router("root")
    root.include(qa.router())
    root.include(RemindersFeature(content, reminders, settings.tz).router())
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
        outbox,
    )
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    if settings.test_clock:
        log.warning("TEST_CLOCK is on: POST /_test/clock moves time (tests only)")
        app.router.add_post("/_test/clock", set_test_clock)

    scheduler = AsyncIOScheduler(timezone=settings.tz)

    async def start_scheduler(_: web.Application) -> None:
        await outbox.start()
        # The first run is the catch-up after downtime; then every interval.
        scheduler.add_job(
            reminders.tick,
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
