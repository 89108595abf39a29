"""Issue #12: no open door, identity only from Teams, and the tenant boundary.

Each test is a finding of the attack on the running bot; it fails without its fix:

1. Without ``MicrosoftAppId`` nothing is authenticated, so the bot binds only to loopback
   (unless ``ALLOW_UNAUTHENTICATED=true``, reported in ``/healthz``), answers only
   activities whose ``serviceUrl`` is on loopback, and never posts anywhere else.
2. A user is the ``aadObjectId`` of a Teams activity, never ``from.id``: a sender without one
   may ask questions, nothing that needs a role or stores anything about them.
3. Activities from a tenant outside ``ALLOWED_TENANTS`` get one short refusal and leave
   nothing behind; a multi-tenant app without allowed tenants warns at start-up and in
   ``/healthz``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from botframework.connector.aio.operations_async import ConversationsOperations
from pydantic import ValidationError

import bot.__main__ as entry
from bot.app import SERVICES, Services, create_app
from bot.conversations import ConversationDirectory
from bot.settings import (
    AUTH_ALLOWED,
    AUTH_LOOPBACK,
    AUTH_ON,
    OPEN_DOOR,
    OPEN_TENANT_WARNING,
    Settings,
)
from bot.storage import MemoryStore
from bot.trust import TenantBoundary, is_loopback_host, is_loopback_url, teams_user_id
from content import Content
from dialogs.replies import Reply
from dialogs.store import Store
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.teams import COMMITTEE_FORM, ROUND_FORM, app_services, card_of, run
from tools.fake_connector import FakeConnector, first_message, personal_activity

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
ADMIN_ID = "aad-user-9"
OUTSIDE = "http://192.0.2.10/"  # TEST-NET-1: an address off this machine
NEEDS_TEAMS = "Det kræver, at du skriver fra Teams med din arbejdskonto."
OTHER_TENANT = "tenant-elsewhere"


def settings(**env: Any) -> Settings:
    return Settings(_env_file=None, **env)


def with_app_id(**env: Any) -> Settings:
    return settings(MicrosoftAppId=APP_ID, MicrosoftAppPassword="not-a-real-secret", **env)


async def everything(store: Store) -> dict[str, dict[str, Any]]:
    """Every non-empty table of a ``MemoryStore``."""
    return {table: await store.all(table) for table in store.stats()["tables"]}


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The base URL of every activity botbuilder posts to a Bot Connector, from any path
    (turn replies and proactive messages)."""
    seen: list[str] = []
    for name in ("send_to_conversation", "reply_to_activity"):
        original = getattr(ConversationsOperations, name)

        async def spy(
            self: ConversationsOperations, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            seen.append(str(self.config.base_url))
            return await _original(self, *args, **kwargs)

        spy.metadata = original.metadata  # type: ignore[attr-defined]
        monkeypatch.setattr(ConversationsOperations, name, spy)
    return seen


# ----------------------------------------------------------------------------- no open door


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost"])
def test_without_an_app_id_loopback_is_fine(host: str) -> None:
    assert settings(HOST=host).authentication == AUTH_LOOPBACK


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "strategibot.example", ""])
def test_without_an_app_id_any_other_host_refuses_to_start(host: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings(HOST=host)
    [error] = raised.value.errors()
    assert error["type"] == OPEN_DOOR
    assert "without MicrosoftAppId" in error["msg"] and "ALLOW_UNAUTHENTICATED" in error["msg"]


def test_with_an_app_id_any_host_is_fine() -> None:
    assert with_app_id(HOST="0.0.0.0").authentication == AUTH_ON


def test_the_entry_point_refuses_in_danish_and_english_before_serving(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for key in ("MicrosoftAppId", "microsoft_app_id", "ALLOW_UNAUTHENTICATED"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setattr(sys, "argv", ["python -m bot"])
    served: list[Settings] = []
    monkeypatch.setattr(entry, "serve", served.append)
    with pytest.raises(SystemExit) as raised:
        entry.main()
    message = str(raised.value.code)
    assert "\n" not in message
    assert "Botten vil ikke starte på HOST=0.0.0.0 uden MicrosoftAppId" in message
    assert "HOST=0.0.0.0 without MicrosoftAppId would let anyone" in message
    assert served == []


def test_the_flag_lets_a_test_rig_listen_on_any_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("ALLOW_UNAUTHENTICATED", "true")
    monkeypatch.setattr(sys, "argv", ["python -m bot"])
    served: list[Settings] = []
    monkeypatch.setattr(entry, "serve", served.append)
    entry.main()
    [started] = served
    assert (started.host, started.authentication) == ("0.0.0.0", AUTH_ALLOWED)


async def test_healthz_and_the_log_say_when_authentication_is_off_by_flag(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        app = create_app(
            settings(HOST="0.0.0.0", ALLOW_UNAUTHENTICATED="true"), MemoryStore(), clock
        )
    assert "authentication: off (ALLOW_UNAUTHENTICATED)" in caplog.text
    async with TestClient(TestServer(app)) as client:
        health = await (await client.get("/healthz")).json()
    assert health["authentication"] == "off (ALLOW_UNAUTHENTICATED)"
    assert health["local_mode"] is True


async def test_healthz_says_local_mode_is_loopback_only(clock: ManualClock) -> None:
    app = create_app(settings(), MemoryStore(), clock)
    async with TestClient(TestServer(app)) as client:
        health = await (await client.get("/healthz")).json()
    assert (health["authentication"], health["tenants"], health["warnings"]) == (
        "off (local mode: loopback only)",
        "any",
        [],
    )


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:56150/_connector", True),
        ("http://localhost:56150/_connector", True),  # the Agents Playground
        ("http://[::1]:3978/", True),
        ("https://127.8.9.10/", True),
        ("https://smba.trafficmanager.net/emea/", False),
        ("http://localhost.example/", False),
        ("http://127.0.0.1.nip.io/", False),
        ("http://0.0.0.0:3978/", False),
        ("http://[::ffff:10.0.0.1]/", False),
        ("ftp://127.0.0.1/", False),
        ("not a url", False),
        (None, False),
    ],
)
def test_what_counts_as_loopback(url: str | None, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_a_loopback_host_is_never_resolved() -> None:
    assert not is_loopback_host("my-laptop")


@pytest.fixture
async def local_app(
    clock: ManualClock, connector: FakeConnector
) -> AsyncIterator[tuple[TestClient, Services]]:  # type: ignore[type-arg]
    """The app in local mode over HTTP, with user 1's chat at the fake connector (loopback)
    and user 2's chat at an address off this machine."""
    store = MemoryStore()
    directory = ConversationDirectory(store)
    await directory.remember(first_message(1, connector.url), clock.now())
    await directory.remember(first_message(2, OUTSIDE), clock.now())
    app = create_app(settings(), store, clock)
    async with TestClient(TestServer(app)) as client:
        yield client, app[SERVICES]


async def test_an_activity_to_answer_off_loopback_is_refused_in_local_mode(
    local_app: tuple[TestClient, Services],  # type: ignore[type-arg]
    connector: FakeConnector,
    posts: list[str],
) -> None:
    client, services = local_app
    before = await everything(services.store)
    activity = personal_activity(3, "https://attacker.example/collect/", text="hjælp")
    response = await client.post("/api/messages", json=activity)
    assert response.status == 403
    assert (await response.json())["error"] == (
        "Uden MicrosoftAppId svarer botten kun til en serviceUrl på denne maskine "
        "(127.0.0.1, ::1 eller localhost)"
    )
    assert posts == []
    assert await everything(services.store) == before  # not even the conversation
    # The same activity with the Playground's kind of address is answered.
    response = await client.post("/api/messages", json={**activity, "serviceUrl": connector.url})
    assert response.status == 201
    [answer] = connector.delivered()
    assert answer.text.startswith("Det kan jeg hjælpe med")
    assert posts == [connector.url]


async def test_proactive_messages_go_only_to_loopback_in_local_mode(
    local_app: tuple[TestClient, Services],  # type: ignore[type-arg]
    connector: FakeConnector,
    posts: list[str],
) -> None:
    _, services = local_app
    assert await services.delivery.send("user:aad-user-2", Reply("Husk strategien"), "off")
    assert await services.delivery.send("user:aad-user-1", Reply("Husk strategien"), "on")
    await asyncio.wait_for(services.outbox.join(), 10)
    assert await services.outbox.status("off") == "failed"
    assert await services.outbox.status("on") == "sent"
    assert posts == [connector.url]
    failed = await services.store.get("outbox", "off")
    assert failed is not None and failed["attempts"] == 1  # given up at once, no retries


async def test_the_adapter_makes_no_connector_off_loopback_in_local_mode(
    clock: ManualClock, posts: list[str]
) -> None:
    """Below the messenger: whatever asks the adapter to post off loopback is refused."""
    services = create_app(settings(), MemoryStore(), clock)[SERVICES]
    reference = TurnContext.get_conversation_reference(first_message(2, OUTSIDE))
    called: list[TurnContext] = []

    async def callback(context: TurnContext) -> None:
        called.append(context)
        await context.send_activity("x")

    with pytest.raises(PermissionError):
        await services.adapter.continue_conversation(reference, callback, None)
    assert (called, posts) == ([], [])


# ----------------------------------------------------------------------- identity from Teams


def someone(from_id: str, aad: str | None = None, n: int = 7) -> ChannelAccount:
    """A sender whose ``from.id`` is ``from_id``, with ``aadObjectId`` only if given."""
    return ChannelAccount(id=from_id, name=f"Person {n}", aad_object_id=aad)


@pytest.fixture
def with_admin(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, admins=ADMIN_ID)


def test_the_user_id_is_the_aad_object_id_of_a_teams_activity_only() -> None:
    assert teams_user_id(teams.message("hej")) == "aad-user-1"
    assert teams_user_id(teams.message("hej", sender=someone(ADMIN_ID))) == ""
    emulator = teams.message("hej")
    emulator.channel_id = "emulator"
    assert teams_user_id(emulator) == ""


async def test_from_id_equal_to_an_admin_id_is_not_the_admin(with_admin: Services) -> None:
    impostor = someone(ADMIN_ID)  # from.id = the admin's object id; no aadObjectId
    for text in ("ny statusrunde", "statusrunder", "rapport"):
        [reply] = await run(with_admin, teams.message(text, teams.personal(7), sender=impostor))
        assert reply.text == NEEDS_TEAMS, text
    [reply] = await run(with_admin, teams.submit(ROUND_FORM, teams.personal(7), sender=impostor))
    assert reply.text == NEEDS_TEAMS
    assert await with_admin.status.repository.rounds() == []
    assert await everything(with_admin.store) == {}


ADMIN_ONLY = "Det er kun for administratorer af Strategibot."


async def test_from_id_of_an_admin_with_another_aad_id_is_not_the_admin(
    with_admin: Services,
) -> None:
    other = someone(ADMIN_ID, aad="aad-user-7")  # identified, but not as the admin
    [reply] = await run(
        with_admin, teams.message("ny statusrunde", teams.personal(7), sender=other)
    )
    assert reply.text.startswith(ADMIN_ONLY)
    [reply] = await run(with_admin, teams.submit(ROUND_FORM, teams.personal(7), sender=other))
    assert reply.text.startswith(ADMIN_ONLY)
    assert await with_admin.status.repository.rounds() == []


async def test_the_admin_is_the_aad_object_id(with_admin: Services) -> None:
    admin = someone("29:whatever", aad=ADMIN_ID, n=9)
    [form] = await run(with_admin, teams.message("ny statusrunde", teams.personal(9), sender=admin))
    assert card_of(form)["body"]
    [reply] = await run(with_admin, teams.submit(ROUND_FORM, teams.personal(9), sender=admin))
    assert not reply.text.startswith((ADMIN_ONLY, NEEDS_TEAMS))  # no leaders yet, but allowed


async def test_without_an_aad_object_id_questions_are_answered(with_admin: Services) -> None:
    anonymous = someone("29:anonymous")
    [reply] = await run(
        with_admin,
        teams.message("Hvad betyder målsætning 2.3?", teams.personal(7), sender=anonymous),
    )
    assert reply.text.startswith("2.3 Vores serviceniveau er tydeligt")
    assert card_of(reply)
    [reply] = await run(with_admin, teams.message("hjælp", teams.personal(7), sender=anonymous))
    assert reply.text.startswith("Det kan jeg hjælpe med")
    [reply] = await run(
        with_admin,
        teams.message("hvornår er fristen for status?", teams.personal(7), sender=anonymous),
    )
    assert "Der er ingen åben statusrunde for dig" in str(reply.text) + str(reply.attachments)
    assert await everything(with_admin.store) == {}  # not even the conversation


@pytest.mark.parametrize(
    "activity",
    [
        pytest.param(lambda who: teams.submit(ROUND_FORM, teams.personal(7), who), id="round"),
        pytest.param(
            lambda who: teams.submit(COMMITTEE_FORM, teams.personal(7), who), id="committee"
        ),
        pytest.param(
            lambda who: teams.message("opret udvalg", teams.personal(7), sender=who),
            id="opret udvalg",
        ),
        pytest.param(
            lambda who: teams.message("tilmeld som leder Bostøtte", teams.personal(7), sender=who),
            id="tilmeld som leder",
        ),
        pytest.param(
            lambda who: teams.submit(
                {"action": "feedback", "helpful": False, "target": "m:2.3", "question": "x"},
                teams.personal(7),
                who,
            ),
            id="feedback",
        ),
        pytest.param(
            lambda who: teams.message("mine data", teams.personal(7), sender=who), id="mine data"
        ),
    ],
)
async def test_without_an_aad_object_id_nothing_is_stored_or_given_a_role(
    with_admin: Services, activity: Callable[[ChannelAccount], Activity]
) -> None:
    [reply] = await run(with_admin, activity(someone(ADMIN_ID)))
    assert reply.text == NEEDS_TEAMS
    assert await everything(with_admin.store) == {}


# -------------------------------------------------------------------------- tenant boundary


def foreign_chat(conversation_tenant: str | None = OTHER_TENANT) -> ConversationAccount:
    return ConversationAccount(
        id="a:personal-elsewhere", conversation_type="personal", tenant_id=conversation_tenant
    )


def from_tenant(
    activity: Activity, channel_tenant: str | None, conversation_tenant: str | None
) -> Activity:
    activity.conversation = foreign_chat(conversation_tenant)
    activity.channel_data = {"tenant": {"id": channel_tenant}} if channel_tenant else {}
    return activity


@pytest.fixture
def bounded(clock: ManualClock, content: Content) -> Services:
    return app_services(clock, content=content, allowed_tenants=teams.TENANT, admins="aad-user-1")


@pytest.mark.parametrize(
    ("channel_tenant", "conversation_tenant"),
    [
        (OTHER_TENANT, OTHER_TENANT),
        (OTHER_TENANT, None),
        (None, OTHER_TENANT),
        (teams.TENANT, OTHER_TENANT),  # one tenant allowed, the other not
        (OTHER_TENANT, teams.TENANT),
        (None, None),  # no tenant at all
    ],
)
async def test_another_tenant_gets_one_refusal_and_nothing_is_stored(
    bounded: Services, channel_tenant: str | None, conversation_tenant: str | None
) -> None:
    def foreign(activity: Activity) -> Activity:
        return from_tenant(activity, channel_tenant, conversation_tenant)

    [refusal] = await run(bounded, foreign(teams.message("Hvad er den bedste pizza?")))
    assert refusal.text == (
        "Strategibot kan kun bruges fra Norddjurs Kommunes Microsoft 365. "
        "Intet fra din besked er gemt."
    )
    [refusal] = await run(bounded, foreign(teams.message("tilmeld som leder Bostøtte")))
    assert refusal.text.startswith("Strategibot kan kun bruges")
    [refusal] = await run(bounded, foreign(teams.submit(ROUND_FORM)))  # "aad-user-1" is admin
    assert refusal.text.startswith("Strategibot kan kun bruges")
    assert await run(bounded, foreign(teams.installation("add"))) == []
    assert await run(bounded, foreign(teams.bot_added(teams.PERSONAL))) == []
    assert await everything(bounded.store) == {}


async def test_the_allowed_tenant_is_served(bounded: Services) -> None:
    [reply] = await run(bounded, teams.message("Hvad er den bedste pizza?"))
    assert reply.text.startswith("Det kan jeg desværre ikke svare på")
    [reply] = await run(bounded, teams.message("tilmeld som leder Bostøtte"))
    assert not reply.text.startswith("Strategibot kan kun bruges")
    stored = await everything(bounded.store)
    assert set(stored) >= {"conversations", "question_log"}


def test_allowed_tenants_default_to_the_app_tenant() -> None:
    single = with_app_id(MicrosoftAppType="SingleTenant", MicrosoftAppTenantId="T-1")
    assert single.allowed_tenants == frozenset({"T-1"})
    assert settings(ALLOWED_TENANTS="a, b,").allowed_tenants == frozenset({"a", "b"})
    explicit = with_app_id(MicrosoftAppTenantId="T-1", ALLOWED_TENANTS="T-1,T-2")
    assert explicit.allowed_tenants == frozenset({"T-1", "T-2"})
    assert settings().allowed_tenants == frozenset()


def test_tenant_ids_compare_without_case() -> None:
    boundary = TenantBoundary(["ABC-1"])
    assert boundary.admits(teams.message("hej")) is False
    activity = teams.message("hej")
    activity.conversation = ConversationAccount(id="a:1", tenant_id="abc-1")
    activity.channel_data = {"tenant": {"id": "Abc-1"}}
    assert boundary.admits(activity) is True


async def test_a_multi_tenant_app_without_allowed_tenants_warns(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    open_app = with_app_id()
    assert open_app.warnings == [OPEN_TENANT_WARNING]
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        app = create_app(open_app, MemoryStore(), clock)
    assert OPEN_TENANT_WARNING in caplog.text
    async with TestClient(TestServer(app)) as client:
        health = await (await client.get("/healthz")).json()
    assert (health["authentication"], health["tenants"]) == ("on", "any")
    assert health["warnings"] == [OPEN_TENANT_WARNING]
    assert "ANY Microsoft 365 tenant" in health["warnings"][0]


@pytest.mark.parametrize(
    "env",
    [
        {"ALLOWED_TENANTS": "tenant-norddjurs"},
        {"MicrosoftAppTenantId": "tenant-norddjurs"},
        {"MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "tenant-norddjurs"},
    ],
)
async def test_no_warning_with_a_tenant_boundary(clock: ManualClock, env: dict[str, str]) -> None:
    configured = with_app_id(**env)
    assert configured.warnings == []
    app = create_app(configured, MemoryStore(), clock)
    async with TestClient(TestServer(app)) as client:
        health = await (await client.get("/healthz")).json()
    assert (health["tenants"], health["warnings"]) == (["tenant-norddjurs"], [])
