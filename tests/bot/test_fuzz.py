"""Fuzzing ``POST /api/messages`` through the real aiohttp app: bad requests never break the bot.

Every request goes over HTTP to the app of ``create_app`` (local mode, ``MemoryStore``,
``ManualClock``). Replies of a turn go to the activity's ``serviceUrl``: a small fake Bot
Connector records them, so each reply can be checked (Danish, never an apology for a crash).

* Raw bodies and generated activities get exactly the status the documented validation of
  ``bot/app.py`` gives them, never a 5xx, and the bot still answers a question afterwards.
* Card submits for every action the routers handle (taken from the running dispatcher), with
  tampered, foreign or missing ids: a refused action changes no stored data at all; a
  successful one changes only the tables that action owns.

The scheduler and the outbox are stopped once the app has started, so the turn under test is
the only thing that writes to the store. Bugs not fixed yet are listed in ``KNOWN_BUGS`` and
shown by strict xfail tests; the bodies that once broke the app are kept as regressions. The
number of generated requests and their status codes are printed after the module's last test by a
module fixture, which also
enforces the total.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import ipaddress
import json
import logging
import os
import re
import string
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import Any

import pytest
from aiohttp.helpers import parse_content_type
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import bot.conversations
import bot.outbox
import dialogs.experts.feature
import dialogs.experts.repository as expert_tables
import dialogs.qa.feature
import dialogs.reminders.feature
import dialogs.reminders.repository as reminder_tables
import dialogs.router
import dialogs.status.feature
import dialogs.status.repository as status_tables
from bot.app import HANDLED_TYPES, SERVICES, Services, create_app
from bot.settings import Settings
from bot.storage import MemoryStore
from content import Content
from content.models import Status
from dialogs.cards import plain
from dialogs.experts import cards as expert_cards
from dialogs.mydata import cards as mydata_cards
from dialogs.reminders import cards as reminder_cards
from dialogs.reminders.models import CommitteeKind
from dialogs.status import cards as status_cards
from dialogs.status.cards import field_id, status_pages
from dialogs.status.models import Round
from dialogs.store import Doc, Store
from dialogs.text import clean_input
from scheduler.clock import ManualClock
from tests.bot import teams
from tests.bot.strategies import (
    MISSING,
    Body,
    People,
    activities,
    card_values,
    encode,
    encoded,
    flat_junk,
    id_text,
    invoke_activities,
    one_of_values,
    raw_bodies,
    repeated,
    short_text,
    unicode_text,
)
from tests.bot.teams import chat_of
from tools.fake_connector import FakeConnector

# ------------------------------------------------------------------------------ known bugs

KNOWN_BUGS: dict[str, str] = {}


def known_bug(name: str) -> tuple[pytest.MarkDecorator, ...]:
    """The strict xfail mark for a bug still listed in :data:`KNOWN_BUGS`, else no mark."""
    if name not in KNOWN_BUGS:
        return ()
    return (pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name]),)


# ------------------------------------------------------------------------------ tallies


@dataclass
class Tally:
    """Requests of this module: generated ones by status, and set-up and probe requests."""

    statuses: Counter[int] = field(default_factory=Counter)
    per_test: Counter[str] = field(default_factory=Counter)
    support: int = 0
    tests: set[str] = field(default_factory=set)

    @property
    def generated(self) -> int:
        return sum(self.statuses.values())


TALLY = Tally()
FUZZ_TESTS = frozenset(
    {"raw_bodies", "activities", "card_submits", "foreign_round", "unknown_round", "page",
     "foreign_committee", "unknown_meeting", "delete_unconfirmed", "round_by_non_admin",
     "invokes"}
)  # fmt: skip

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)


def fuzz(examples: int) -> settings:
    """Reproducible settings: derandomized, no example database, no deadline."""
    return settings(FUZZ_SETTINGS, max_examples=examples)


# ------------------------------------------------------------------------------ the store

TABLES: frozenset[str] = frozenset(
    {
        bot.conversations.TABLE,
        bot.outbox.TABLE,
        reminder_tables.COMMITTEES,
        reminder_tables.MEETINGS,
        reminder_tables.LEDGER,
        reminder_tables.SNOOZES,
        reminder_tables.ACKS,
        reminder_tables.SETTINGS,
        reminder_tables.CHANGES,
        status_tables.LEADERS,
        status_tables.ROUNDS,
        status_tables.REPLIES,
        status_tables.NOTES,
        status_tables.LEDGER,
        dialogs.qa.feature.QUESTION_LOG,
        dialogs.qa.feature.FEEDBACK_TABLE,
        expert_tables.SETTINGS,
        expert_tables.QUESTIONS,
        expert_tables.SUPPLEMENTS,
        expert_tables.LEDGER,
    }
)
"""Every table the code names; :func:`snapshot` adds any other table the store holds."""

Snapshot = dict[str, dict[str, Doc]]


def table_names(store: Store) -> set[str]:
    return set(TABLES) | set(store.stats().get("tables", {}))


async def snapshot(store: Store) -> Snapshot:
    """Every document of every table."""
    return {table: await store.all(table) for table in sorted(table_names(store))}


async def restore(store: Store, saved: Snapshot) -> None:
    """Put the store back to ``saved`` (through the public interface)."""
    for table in table_names(store) | set(saved):
        now, then = await store.all(table), saved.get(table, {})
        for key in now.keys() - then.keys():
            await store.delete(table, key)
        changed = {key: doc for key, doc in then.items() if now.get(key) != doc}
        if changed:
            await store.put_many(table, changed)


def differences(before: Snapshot, after: Snapshot, own_conversation: str) -> dict[str, set[str]]:
    """Changed keys by table. The acting conversation's own record is left out: every turn
    may refresh it (``ConversationDirectory.remember``); every other conversation counts."""
    changed: dict[str, set[str]] = {}
    for table in set(before) | set(after):
        old, new = before.get(table, {}), after.get(table, {})
        keys = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        if table == bot.conversations.TABLE:
            keys.discard(own_conversation)
        if keys:
            changed[table] = keys
    return changed


# ------------------------------------------------------------------------------ turn errors


class TurnErrors(logging.Handler):
    """Collects the adapter's ``turn failed`` records: an exception left the bot."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "turn failed":
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        taken, self.records = self.records, []
        return taken


# ------------------------------------------------------------------------------ the texts

FORBIDDEN = ("Traceback", "Exception", "Error:", 'File "')
DANISH_WORDS = frozenset(
    re.findall(
        r"\w+",
        "af at bare de den der det du dig din dine dit eller en er et for fra har hvad i ikke "
        "ind intet jeg kan kun med mig min mødet og om på skriv som til ved vælg",
    )
)


def shown_text(activity: Mapping[str, Any]) -> str:
    """What a reply shows: text, notification summary and the cards' fallback texts."""
    parts = [activity.get("text") or "", activity.get("summary") or ""]
    for attachment in activity.get("attachments") or []:
        content = attachment.get("content") or {}
        parts.append(str(content.get("fallbackText") or ""))
    return "\n".join(part for part in parts if part)


def lead(activity: Mapping[str, Any]) -> str:
    """The reply's own text (``Reply.text``: the text, or a form's summary; for a card sent
    without text, such as a post in the experts' channel, the card's fallback text)."""
    found = activity.get("text") or activity.get("summary")
    if not found:
        cards = [a.get("content") or {} for a in activity.get("attachments") or []]
        found = cards[0].get("fallbackText") if cards else ""
    return str(found or "")


def template(text: str) -> re.Pattern[str]:
    """A pattern for a text with ``{placeholders}``: the fixed parts, anything between."""
    parts = [re.escape(literal) + (".*?" if name is not None else "")
             for literal, name, _, _ in string.Formatter().parse(text)]  # fmt: skip
    return re.compile("".join(parts), re.DOTALL)


def looks_danish(text: str) -> bool:
    words = set(re.findall(r"\w+", text.lower()))
    return bool(set("æøå") & set(text.lower())) or len(words & DANISH_WORDS) >= 2


# ------------------------------------------------------------------------------ the harness

LIMIT = Settings(_env_file=None).max_body_bytes  # type: ignore[call-arg]
ADMIN = teams.user(9, "Admin Andersen")
LEADER_1 = teams.user(1, "Mette Leder")
LEADER_2 = teams.user(2, "Bo Leder")
LEADER_3 = teams.user(3, "Lis Leder")  # a leader, but of a unit the round does not ask
STRANGER = teams.user(5, "Ukendt Person")  # no leader, no chair
EVERYONE = (ADMIN, LEADER_1, LEADER_2, LEADER_3, STRANGER)
QUESTION = "Hvad er TRIO?"


def conversation_key(conversation: ConversationAccount) -> str:
    ident = str(conversation.id)
    return ident.split(";", 1)[0] if conversation.conversation_type == "channel" else ident


@dataclass
class Harness:
    """The app, its services, the fake connector and a counter for activity ids."""

    client: TestClient  # type: ignore[type-arg]
    services: Services
    connector: FakeConnector
    errors: TurnErrors
    turns: int = 0
    batches: int = 0

    def __repr__(self) -> str:
        return f"Harness(connector_url={self.connector_url!r})"

    @property
    def connector_url(self) -> str:
        return self.connector.url

    def posted(self, since: int) -> list[dict[str, Any]]:
        """The activities the bot posted to the connector since request ``since``."""
        return [r.body for r in self.connector.received[since:]]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    @property
    def content(self) -> Content:
        return self.services.content

    async def post(self, body: Body, *, generated: bool = True) -> tuple[int, bytes]:
        """Send one body; count it."""
        headers = {} if body.content_type is None else {"Content-Type": body.content_type}
        skip = ["Content-Type"] if body.content_type is None else []
        response = await self.client.post(
            "/api/messages", data=body.raw, headers=headers, skip_auto_headers=skip
        )
        answer = await response.read()
        if generated:
            TALLY.statuses[response.status] += 1
            TALLY.per_test[os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]] += 1
        else:
            TALLY.support += 1
        return response.status, answer

    def next_id(self) -> str:
        self.turns += 1
        return f"fuzz-{self.turns}"

    def replies_to(self, activity_id: str, since: int) -> list[dict[str, Any]]:
        return [a for a in self.posted(since) if a.get("replyToId") == activity_id]

    async def send(
        self, activity: Activity | dict[str, Any], *, generated: bool = True
    ) -> tuple[int, list[dict[str, Any]]]:
        """Send an activity as JSON from Teams (to the fake connector); its replies."""
        body = activity.serialize() if isinstance(activity, Activity) else dict(activity)
        body["serviceUrl"] = self.connector_url
        body["id"] = self.next_id()
        since = len(self.connector.received)
        status, _ = await self.post(Body(encode(body), "application/json", "activity"),
                                    generated=generated)  # fmt: skip
        return status, self.replies_to(body["id"], since)

    async def say(
        self,
        text: str,
        who: ChannelAccount,
        conversation: ConversationAccount | None = None,
        *,
        generated: bool = False,
    ) -> list[dict[str, Any]]:
        conversation = conversation or chat_of(who)
        mention = conversation.conversation_type != "personal"
        activity = teams.message(text, conversation, mention=mention, sender=who)
        status, replies = await self.send(activity, generated=generated)
        assert status == 201, status
        return replies

    async def click(
        self,
        value: Any,
        who: ChannelAccount,
        conversation: ConversationAccount | None = None,
        *,
        generated: bool = True,
    ) -> tuple[int, list[dict[str, Any]]]:
        activity = teams.submit(value, conversation or chat_of(who), sender=who)
        return await self.send(activity, generated=generated)

    async def probe(self) -> None:
        """The bot still answers a normal question, in Danish and from the strategy."""
        [reply] = await self.say(QUESTION, LEADER_1)
        assert lead(reply).startswith("TRIO\n\nTRIO er det faste samarbejde"), reply
        self.check_replies([reply])
        assert not self.errors.take()

    def check_replies(self, replies: Sequence[Mapping[str, Any]]) -> None:
        """Every reply is Danish text of the bot: no apology for a crash, no stack trace."""
        generic = self.content.messages.da.error_generic
        for reply in replies:
            text = shown_text(reply)
            assert text, f"empty reply: {reply}"
            assert lead(reply) != generic, "an exception escaped the turn"
            for word in FORBIDDEN:
                assert word not in text, f"{word!r} in a reply: {text[:500]}"
            assert looks_danish(text), f"not Danish: {text[:500]}"


@pytest.fixture
async def harness(clock: ManualClock, connector: FakeConnector) -> AsyncIterator[Harness]:
    """The app in local mode; the scheduler and the outbox are stopped once it has started."""
    settings_ = Settings(  # type: ignore[call-arg]
        _env_file=None, admins=ADMIN.aad_object_id, reminder_interval_seconds=3600
    )
    app = create_app(settings_, MemoryStore(), clock)
    services = app[SERVICES]
    errors = TurnErrors()
    adapter_log = logging.getLogger("bot.adapter")
    adapter_log.addHandler(errors)
    try:
        async with TestClient(TestServer(app)) as client:
            for _ in range(500):  # the start-up run of the scheduler (catch-up) comes first
                if services.ticker.state.runs:
                    break
                await asyncio.sleep(0.01)
            assert services.ticker.state.runs == 1 and services.ticker.state.last_error is None
            services.ticker.scheduler.pause()
            await services.outbox.stop()
            connector.any_path = True  # a fuzzed conversation id need not make a clean URL
            yield Harness(client, services, connector, errors)
    finally:
        adapter_log.removeHandler(errors)


# ------------------------------------------------------------------------------ oracle


@dataclass(frozen=True)
class Expected:
    """What the app must answer to one body; the activity when it reaches the bot."""

    statuses: frozenset[int]
    activity: dict[str, Any] | None = None


def addressable_id(value: object) -> bool:
    """A conversation id replies can be sent to: non-empty text that is valid UTF-8."""
    if not isinstance(value, str) or not value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def reply_address(value: object) -> bool:
    """A service URL replies can be sent to: absolute http(s) with a plain host name."""
    if not isinstance(value, str):
        return False
    try:
        url = urllib.parse.urlsplit(value)
        host = url.hostname or ""
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(host) and host.isascii() and " " not in host


def on_loopback(service_url: str) -> bool:
    """Local mode answers only to ``localhost`` or a literal loopback address."""
    host = (urllib.parse.urlsplit(service_url).hostname or "").rstrip(".").lower()
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def expected(body: Body) -> Expected:
    """The documented answer of ``bot/app.py`` to ``body``: 400 for a wrong Content-Type,
    JSON that is not UTF-8 or not an activity, an activity without a conversation id or
    service URL to answer to, or fields of the wrong type; 403 for a service URL off loopback
    (local mode); 413 over the size limit; 200 for an activity type the bot does not handle,
    and for an invoke (answered in the response's body); else 201."""
    try:
        media, _ = parse_content_type(body.content_type or "application/octet-stream")
    except Exception:  # what aiohttp's parser (the email package's) cannot read
        return Expected(frozenset({400}))
    if media != "application/json":
        return Expected(frozenset({400}))
    if len(body.raw) > LIMIT:
        return Expected(frozenset({413}))
    try:
        value = json.loads(body.raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return Expected(frozenset({400}))
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return Expected(frozenset({400}))
    if value["type"] not in HANDLED_TYPES:
        return Expected(frozenset({200}))
    conversation = value.get("conversation")
    if (
        not isinstance(conversation, dict)
        or not addressable_id(conversation.get("id"))
        or not reply_address(value.get("serviceUrl"))
    ):
        return Expected(frozenset({400}))
    if not on_loopback(value["serviceUrl"]):
        return Expected(frozenset({403}))
    try:
        Activity().deserialize(copy.deepcopy(value))
    except Exception:
        return Expected(frozenset({400}))
    return Expected(frozenset({200 if value["type"] == "invoke" else 201}), value)


def expects_reply(activity: Mapping[str, Any], connector_url: str) -> bool:
    """A message in a personal chat, sent through the connector, always gets an answer."""
    conversation = activity.get("conversation")
    if activity.get("type") != "message" or activity.get("serviceUrl") != connector_url:
        return False
    return isinstance(conversation, dict) and conversation.get("conversationType") in (
        None,
        "",
        "personal",
    )


async def check_http(harness: Harness, body: Body) -> int:
    """Post ``body`` and check the status, the replies and the turn against the oracle."""
    want = expected(body)
    since = len(harness.connector.received)
    status, _ = await harness.post(body)
    assert status in want.statuses, (
        f"{body.label}: status {status}, expected {sorted(want.statuses)}; "
        f"body {body.raw[:300]!r}, Content-Type {body.content_type!r}"
    )
    replies = harness.posted(since)  # the outbox is stopped: all are replies
    harness.check_replies(replies)
    failures = harness.errors.take()
    assert not failures, f"an exception left the turn: {failures[0].exc_info}"
    activity = want.activity
    if status == 201 and activity is not None and expects_reply(activity, harness.connector_url):
        assert replies, f"no reply to {json.dumps(activity)[:300]}"
    return status


# ------------------------------------------------------------------------------ HTTP level

PEOPLE_USERS = [
    {"id": str(who.id), "name": who.name, "aadObjectId": who.aad_object_id} for who in EVERYONE
]
BOT_ACCOUNT = {"id": str(teams.BOT.id), "name": teams.BOT.name}
CONVERSATIONS = [
    {"id": "a:personal-1", "conversationType": "personal", "tenantId": teams.TENANT},
    {"id": "a:personal-5"},
    {"id": str(teams.CHANNEL.id), "conversationType": "channel", "tenantId": teams.TENANT},
    {"id": str(teams.GROUP.id), "conversationType": "groupChat", "isGroup": True},
]
# Service URLs the bot could not answer to (none of them leads to the network).
DEAD_SERVICE_URLS = ("not a url", "ftp://example.invalid/", "http://", "urn:x", "\u00e6\u00f8://",
                     "http:///v3", "https://exa mple/", "http://[::1")  # fmt: skip


def valid_activity(service_url: str) -> dict[str, Any]:
    activity = teams.message(QUESTION).serialize()
    activity["serviceUrl"] = service_url
    activity["id"] = "fuzz-valid"
    return activity


# Examples per test; each example sends a batch of 1 to BATCH requests (RAW_BATCH for raw
# bodies), so the engine's work per example is shared. Together well over MIN_REQUESTS.
RAW_EXAMPLES = 1000
ACTIVITY_EXAMPLES = 520
SUBMIT_EXAMPLES = 300
TARGETED = 40
BATCH = 8
RAW_BATCH = 16


@functools.cache
def body_strategies(
    url: str,
) -> tuple[st.SearchStrategy[list[Body]], st.SearchStrategy[list[Body]]]:
    """Batches of raw bodies and of generated activities for a connector at ``url``."""
    people = People(PEOPLE_USERS, BOT_ACCOUNT, CONVERSATIONS, url)
    dead = st.sampled_from(DEAD_SERVICE_URLS)
    activity = activities(people, LIMIT)
    choice = st.integers(0, 12)

    @st.composite
    def maybe_dead(draw: st.DrawFn) -> dict[str, Any]:
        value = draw(activity)
        if draw(choice) == 0:  # an address nobody answers at
            value["serviceUrl"] = draw(dead)
        return value

    raw = raw_bodies(encode(valid_activity(url)), url)
    generated = encoded(maybe_dead(), "activity")
    return (
        st.lists(raw, min_size=1, max_size=RAW_BATCH),
        st.lists(generated, min_size=1, max_size=BATCH),
    )


async def check_batch(harness: Harness, bodies: Sequence[Body], *, every: int) -> None:
    """Check each body; then, after a 5xx and every ``every`` batches anyway, ask a question:
    the bot must still answer it."""
    statuses = [await check_http(harness, body) for body in bodies]
    harness.batches += 1
    if harness.batches % every == 0 or any(s >= 500 for s in statuses):
        await harness.probe()


@fuzz(RAW_EXAMPLES)
@given(data=st.data())
async def test_raw_bodies_get_4xx_never_5xx(harness: Harness, data: st.DataObject) -> None:
    """Bytes, broken JSON and JSON of other shapes: exactly the documented 400/413/200."""
    TALLY.tests.add("raw_bodies")
    await check_batch(harness, data.draw(body_strategies(harness.connector_url)[0]), every=20)


@fuzz(ACTIVITY_EXAMPLES)
@given(data=st.data())
async def test_generated_activities_never_break_the_bot(
    harness: Harness, data: st.DataObject
) -> None:
    """Odd, missing and mistyped fields, unknown types, any Unicode, huge and empty texts."""
    TALLY.tests.add("activities")
    await check_batch(harness, data.draw(body_strategies(harness.connector_url)[1]), every=3)


# ------------------------------------------------------------------------------ the world


@dataclass
class World:
    """Leaders, a status round, committees with meetings; the store as it was then."""

    harness: Harness
    round_: Round
    pages: int
    committees: dict[str, str]  # chair's AAD id -> committee id
    names: dict[str, str]  # committee id -> name
    meetings: dict[str, list[str]]  # committee id -> meeting ids
    baseline: Snapshot
    actions: tuple[str, ...]
    examples: int = 0
    built: dict[Any, Any] = field(default_factory=dict)
    expert_question: str = ""  # open in the experts' channel

    def __repr__(self) -> str:
        return f"World(round={self.round_.id!r}, committees={self.committees!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    @functools.cached_property
    def fields(self) -> dict[str, st.SearchStrategy[Any]]:
        return field_values(self)

    @functools.cached_property
    def submits(self) -> st.SearchStrategy[dict[str, Any]]:
        return card_values(self.actions, self.fields)

    @functools.cached_property
    def submissions(
        self,
    ) -> st.SearchStrategy[list[tuple[dict[str, Any], ChannelAccount, ConversationAccount | None]]]:
        """A few clicks: card data, who clicks, and where (their chat, or a channel)."""
        where = st.sampled_from([None, None, None, teams.CHANNEL])
        click = st.tuples(self.submits, st.sampled_from(EVERYONE), where)
        return st.lists(click, min_size=1, max_size=BATCH)

    def cases(self, factory: Callable[[World], st.SearchStrategy[Case]]) -> st.SearchStrategy[Case]:
        """The strategy ``factory`` builds for this world, built once."""
        if factory not in self.built:
            self.built[factory] = factory(self)
        return self.built[factory]

    @functools.cached_property
    def noise(self) -> st.SearchStrategy[dict[str, Any]]:
        return noise(self)

    @property
    def content(self) -> Content:
        return self.harness.content

    async def reset(self) -> None:
        """Back to the state right after the set-up; every few examples, a probe."""
        self.examples += 1
        if self.examples % 100 == 0:
            await self.harness.probe()
        await restore(self.harness.services.store, self.baseline)


SCHEDULE = "første torsdag i måneden kl. 13"
ROUND_FORM = {
    "action": status_cards.CREATE_ROUND,
    "name": "Efterår 2026",
    "scope": "all",
    "goals": "",
    "units": "Bostøtte,Botilbud",
    "deadline": "2026-12-09",
}


@pytest.fixture
async def world(harness: Harness) -> World:
    """Set up through the bot as users would, then remember the store."""
    services = harness.services
    for who in EVERYONE:
        await harness.say("hej", who)
    await harness.say("hej", LEADER_1, teams.CHANNEL)

    async def leader(who: ChannelAccount, unit: str) -> None:
        """``tilmeld som leder``, approved by the admin from the card."""
        [reply] = await harness.say(f"tilmeld som leder {unit}", who)
        assert lead(reply).startswith("Tak. En administrator skal godkende"), reply
        approve = {"action": status_cards.LEADER_APPROVE, "user": who.aad_object_id, "unit": unit}
        _, [reply] = await harness.click(approve, ADMIN, generated=False)
        assert lead(reply).startswith("Godkendt – "), reply

    for who, unit in ((LEADER_1, "Bostøtte"), (LEADER_2, "Botilbud")):
        await leader(who, unit)
    _, [reply] = await harness.click(ROUND_FORM, ADMIN, generated=False)
    assert lead(reply).startswith("Statusrunden »Efterår 2026« er startet. 2 ledere"), reply
    await leader(LEADER_3, "Myndighed")
    [round_] = await services.status.repository.rounds()
    pages = status_pages(services.content, round_)
    first = pages[0][0]
    answer = {"action": status_cards.SUBMIT, "round": round_.id, "page": 0,
              field_id("status", first): Status.PARTLY.value,
              field_id("comment", first): "Godt i gang"}  # fmt: skip
    _, replies = await harness.click(answer, LEADER_1, generated=False)
    assert lead(replies[0]).startswith("Tak – din status for Efterår 2026 er gemt"), replies
    committees: dict[str, str] = {}
    for who, name in ((LEADER_1, "LMU Bostøtte"), (LEADER_2, "LMU Botilbud")):
        form = {"action": reminder_cards.SAVE, "committee": "", "name": name, "kind": "LMU",
                "schedule": SCHEDULE, "lead_days": "7", "remind_chair": "true"}  # fmt: skip
        _, [reply] = await harness.click(form, who, generated=False)
        assert lead(reply).startswith(f"Udvalget »{name}« er gemt"), reply
    repository = services.reminders.repository
    names: dict[str, str] = {}
    meetings: dict[str, list[str]] = {}
    for committee in await repository.committees():
        committees[committee.chair.user_id] = committee.id
        names[committee.id] = committee.name
        meetings[committee.id] = [m.id for m in await repository.meetings(committee.id)]
    assert len(committees) == 2 and all(meetings.values())
    # »Spørg en fagperson«: the experts' channel, and one question waiting there.
    await harness.say("tilknyt fagpersoner", ADMIN, teams.CHANNEL)
    ask = {"action": expert_cards.ASK, "question": "Hvem betaler for kørsel?", "note": ""}
    _, [reply] = await harness.click(ask, LEADER_2, generated=False)
    assert lead(reply).startswith("Tak. Dit spørgsmål er sendt"), reply
    [question] = await services.store.all(expert_tables.QUESTIONS)
    dispatcher = services.bot.dispatcher
    actions = (*dispatcher.router.actions, dispatcher.ask_action)
    assert not harness.errors.take()
    baseline = await snapshot(services.store)
    world = World(harness, round_, len(pages), committees, names, meetings, baseline, actions)
    world.expert_question = question
    return world


async def act(
    world: World,
    value: Any,
    who: ChannelAccount,
    conversation: ConversationAccount | None = None,
    *,
    generated: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """Reset, click, check the turn; the replies and what changed in the store."""
    await world.reset()
    harness = world.harness
    conversation = conversation or chat_of(who)
    before = await snapshot(harness.services.store)
    status_, replies = await harness.click(value, who, conversation, generated=generated)
    after = await snapshot(harness.services.store)
    assert status_ == 201, status_
    assert replies, f"no reply to {value!r}"
    harness.check_replies(replies)
    failures = harness.errors.take()
    assert not failures, f"an exception left the turn: {failures[0].exc_info}"
    changed = differences(before, after, conversation_key(conversation))
    for table, keys in changed.items():
        for key in keys & after.get(table, {}).keys():
            assert_clean_text(after[table][key], f"{table}/{key}")
    return replies, changed


_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def assert_clean_text(value: Any, where: str) -> None:
    """What a turn stored holds no lone surrogate, control character (but a new line or a
    tab) or bidi override, in any key or value: the input gate removed them (issue #13)."""
    if isinstance(value, str):
        bad = _UNCLEAN.search(value)
        assert bad is None, f"{where} stores {bad[0]!r}: {value[:120]!r}"
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_clean_text(key, where)
            assert_clean_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for item in value:
            assert_clean_text(item, where)


# ------------------------------------------------------------------------------ card submits


@dataclass(frozen=True)
class Outcome:
    """What a successful action says, and the only tables it may change."""

    texts: tuple[str, ...]
    tables: frozenset[str]


def outcomes(content: Content) -> dict[str, Outcome]:
    """Per action: its success messages and the tables it owns. Anything else is a refusal."""
    r, s, da, x = content.reminders, content.status, content.messages.da, content.experts
    # A change of committees, meetings or snoozes writes a new token with it (the index of
    # send times is read again when it changes).
    plans = frozenset({reminder_tables.CHANGES})
    meetings = frozenset({reminder_tables.MEETINGS}) | plans
    return {
        "feedback": Outcome(
            (da.feedback_thanks_up, da.feedback_thanks_down),
            frozenset(
                {
                    dialogs.qa.feature.FEEDBACK_TABLE,
                    dialogs.qa.feature.QUESTION_LOG,
                    dialogs.qa.feature.QUESTION_AUTHORS,
                }
            ),
        ),
        reminder_cards.SAVE: Outcome(
            (r.saved, r.saved_now, r.saved_no_reminder),
            frozenset({reminder_tables.COMMITTEES}) | meetings,
        ),
        reminder_cards.ACK: Outcome((r.ack_done,), frozenset({reminder_tables.ACKS})),
        reminder_cards.SNOOZE: Outcome(
            (r.snooze_done,),
            frozenset({reminder_tables.SNOOZES, reminder_tables.LEDGER}) | plans,
        ),
        reminder_cards.MOVED: Outcome((), frozenset()),  # only shows a form
        reminder_cards.DELETE: Outcome(
            (r.deleted, r.deleted_state), frozenset({reminder_tables.COMMITTEES}) | meetings
        ),
        reminder_cards.KEEP: Outcome((r.kept,), frozenset()),
        reminder_cards.MOVE: Outcome((r.meeting_moved,), meetings),
        reminder_cards.CANCEL: Outcome((r.meeting_cancelled,), meetings),
        status_cards.REGISTER: Outcome(
            (s.registered, s.leader_requested),  # an admin at once; anyone else asks the admins
            frozenset(
                {
                    status_tables.LEADERS,
                    status_tables.ROUNDS,
                    status_tables.LEDGER,
                    bot.outbox.TABLE,
                }
            ),
        ),
        status_cards.LEADER_APPROVE: Outcome(
            (s.leader_approved,),
            frozenset({status_tables.LEADERS, status_tables.ROUNDS, bot.outbox.TABLE}),
        ),
        status_cards.LEADER_REJECT: Outcome(
            (s.leader_rejected,), frozenset({status_tables.LEADERS, bot.outbox.TABLE})
        ),
        reminder_cards.TRIO_APPROVE: Outcome(
            (r.trio_approved,), frozenset({reminder_tables.COMMITTEES, bot.outbox.TABLE}) | plans
        ),
        reminder_cards.TRIO_REJECT: Outcome(
            (r.trio_rejected,), frozenset({reminder_tables.COMMITTEES, bot.outbox.TABLE}) | plans
        ),
        status_cards.CREATE_ROUND: Outcome(
            (s.round_opened,),
            frozenset(
                {
                    status_tables.ROUNDS,
                    status_tables.REPLIES,
                    status_tables.LEDGER,
                    bot.outbox.TABLE,
                }
            ),
        ),
        status_cards.SUBMIT: Outcome((s.saved,), frozenset({status_tables.REPLIES})),
        status_cards.OPEN: Outcome((), frozenset()),  # only shows the card
        status_cards.NOTE: Outcome((s.note_saved,), frozenset({status_tables.NOTES})),
        mydata_cards.DELETE_DATA: Outcome(
            (content.mydata.deleted,),
            frozenset(
                {
                    status_tables.LEADERS,
                    status_tables.REPLIES,
                    status_tables.ROUNDS,
                    status_tables.LEDGER,
                    status_tables.NOTES,
                    reminder_tables.COMMITTEES,
                    reminder_tables.CHANGES,
                    reminder_tables.LEDGER,
                    reminder_tables.SNOOZES,
                    dialogs.qa.feature.QUESTION_LOG,
                    dialogs.qa.feature.FEEDBACK_TABLE,
                    dialogs.qa.feature.QUESTION_AUTHORS,
                    # the user's personal chat, its index and what was queued for it go too
                    bot.conversations.TABLE,
                    bot.conversations.PERSONAL_INDEX,
                    bot.outbox.TABLE,
                }
            ),
        ),
        # A typed question: only an unanswered one is logged (linked to who asked it).
        "ask": Outcome(
            (), frozenset({dialogs.qa.feature.QUESTION_LOG, dialogs.qa.feature.QUESTION_AUTHORS})
        ),
        # »Spørg en fagperson«: a question forwarded (a card to the experts' channel), an
        # expert's click (the card in its new state; the answer to the asker), a withdrawal.
        expert_cards.ASK: Outcome(
            (x.sent,), frozenset({expert_tables.QUESTIONS, bot.outbox.TABLE})
        ),
        expert_cards.ANSWER: Outcome(
            (x.question_title,),
            frozenset({expert_tables.QUESTIONS, expert_tables.SUPPLEMENTS, bot.outbox.TABLE}),
        ),
        expert_cards.CLOSE: Outcome(
            (x.question_title,), frozenset({expert_tables.QUESTIONS, bot.outbox.TABLE})
        ),
        expert_cards.PUBLISH: Outcome(
            (x.question_title,), frozenset({expert_tables.QUESTIONS, expert_tables.SUPPLEMENTS})
        ),
        expert_cards.WITHDRAW: Outcome(
            (x.withdrawn,), frozenset({expert_tables.QUESTIONS, expert_tables.SUPPLEMENTS})
        ),
    }


FORM_MODULES: tuple[ModuleType, ...] = (
    dialogs.router,
    dialogs.qa.feature,
    dialogs.reminders.feature,
    dialogs.status.feature,
    dialogs.experts.feature,
)


def form_fields(content: Content) -> set[str]:
    """Every field a card submit is read for: the fields of the features' form models, the
    status card's inputs, and ``confirm`` (read directly by ``delete_my_data``)."""
    names = {"confirm"}
    for module in FORM_MODULES:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                names |= set(value.model_fields)
    for goal in content.strategy.maalsaetninger:
        names |= {field_id(prefix, goal.id) for prefix in ("status", "comment", "next")}
    return names - {"action"}


def field_values(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """Well-formed values for each card field: known and foreign ids, valid and odd dates."""
    content = world.content
    ids = [m.id for m in content.strategy.maalsaetninger]
    meeting_ids = [m for ms in world.meetings.values() for m in ms[:3]]
    goals = st.one_of(
        st.lists(st.sampled_from(ids), min_size=1, max_size=4).map(",".join),
        st.sampled_from(["", "9.9", "2.3,2.3", "1.1, 2.3", "1.1,x"]),
    )
    dates = st.one_of(
        st.dates(min_value=date(2026, 11, 1), max_value=date(2028, 1, 1)).map(str),
        st.dates().map(str),
        st.sampled_from(
            ["", "2026-02-30", "i morgen", "9999-12-31", "0001-01-01", "2029-11-23", "2029-11-24"]
        ),  # the last day allowed, the day after
    )
    statuses = st.sampled_from([s.value for s in Status] + ["gul", "", "GRØN"])
    comment = st.one_of(
        unicode_text,
        st.sampled_from(["Godt i gang", "borger 010190-1234", "ring 0101901234"]),
        repeated(st.integers(min_value=495, max_value=505)),
    )
    pools: dict[str, st.SearchStrategy[Any]] = {
        "text": st.one_of(unicode_text, st.sampled_from([QUESTION, "hjælp", "målsætning 2.3"])),
        "helpful": st.one_of(st.booleans(), st.sampled_from(["true", "false", "ja"])),
        "target": st.one_of(st.sampled_from(["term:trio", "maalsaetning:2.3"]), short_text),
        "question": st.one_of(unicode_text, one_of_values(world.expert_question, "findes-ikke")),
        "note": st.one_of(short_text, st.just("borger 010190-1234")),
        "attempted": st.one_of(st.sampled_from(["fallback", "term:trio"]), short_text),
        "answer": st.one_of(
            unicode_text, st.sampled_from(["Kommunen betaler.", "", "ring 0101901234"])
        ),
        "publish": st.one_of(st.booleans(), st.sampled_from(["true", "false", "ja"])),
        "supplement": st.one_of(short_text, st.just("findes-ikke")),
        "committee": one_of_values(*world.names, "findes-ikke", ""),
        "meeting": one_of_values(*meeting_ids, "findes-ikke"),
        "recipient": st.sampled_from([f"user:{w.aad_object_id}" for w in EVERYONE] + ["", "x"]),
        "date": dates,
        "time": st.sampled_from(["13:00", "9.30", "25:00", "12", "", "x:y", "23:59", "0:0"]),
        "name": st.one_of(short_text, one_of_values(*world.names.values(), "Efterår 2026")),
        "kind": st.one_of(st.sampled_from([k.value for k in CommitteeKind]), short_text),
        "schedule": st.one_of(
            st.sampled_from(
                [
                    SCHEDULE,
                    "første torsdag i måneden kl. 9",
                    "14-01-2027 kl. 13",
                    "31-02-2027 kl. 25",
                    "hver 0. uge",
                    "hver dag kl. 99",
                    # at the caps: 500 characters, 60 meetings a year, three years ahead
                    ("hver uge tirsdag kl. 13, " * 21)[:500],
                    ("hver uge tirsdag kl. 13, " * 21)[:501],
                    "hver uge mandag og onsdag kl. 9",
                    "hver uge tirsdag kl. 13",
                    "31-12-9999 kl. 13",
                    "hver uge tirsdag kl. 13 fra 23-11-2029",
                    "hver uge tirsdag kl. 13 til 24-11-2029",
                ]
            ),
            unicode_text,
        ),
        "lead_days": st.one_of(st.integers(-5, 40), st.sampled_from(["7", " 3 ", "x", 7.5])),
        "remind_chair": st.one_of(st.booleans(), st.sampled_from(["true", "false", "0", ""])),
        "round": one_of_values(world.round_.id, "findes-ikke"),
        "page": st.one_of(st.integers(-3, 60), st.sampled_from(["0", "1", 1.0, 1.5, True])),
        "unit": st.sampled_from([*content.status.units, status_cards.NEW_UNIT, ""]),
        "new_unit": st.one_of(short_text, st.just("Værested 010190-1234")),
        "scope": st.sampled_from(["all", "priorities", "chosen", "x"]),
        "goals": goals,
        "units": st.one_of(st.sampled_from(["", "Bostøtte", "Bostøtte,Botilbud"]), short_text),
        "deadline": dates,
        "discussed": goals,
        "points": st.one_of(unicode_text, st.sampled_from(["a\nb\nc\nd", "CPR 010190-1234"])),
        "confirm": st.sampled_from(["true", "false", True, False, "TRUE", "ja", ""]),
    }
    for goal in ids:
        pools[field_id("status", goal)] = statuses
        pools[field_id("comment", goal)] = comment
        pools[field_id("next", goal)] = comment
    return {name: pools.get(name, unicode_text) for name in form_fields(content)}


def succeeded(outcome: Outcome, replies: Sequence[Mapping[str, Any]]) -> bool:
    return any(template(t).match(lead(reply)) for t in outcome.texts for reply in replies)


async def test_every_action_has_an_outcome(world: World) -> None:
    """The oracle knows every action the routers handle (a new action must be added)."""
    assert set(world.actions) == set(outcomes(world.content))
    assert {"committee", "meeting", "round", "page", "confirm"} <= form_fields(world.content)


@fuzz(SUBMIT_EXAMPLES)
@given(data=st.data())
async def test_card_submits_change_nothing_unless_they_succeed(
    world: World, data: st.DataObject
) -> None:
    """Every action, random fields, anyone: a refusal stores nothing; a success only its own."""
    TALLY.tests.add("card_submits")
    known = outcomes(world.content)
    for value, who, where in data.draw(world.submissions, label="clicks"):
        replies, changed = await act(world, value, who, where)
        action = value.get("action")
        if not isinstance(action, str) or action not in known:
            assert [lead(r) for r in replies] == [world.content.messages.da.invalid_submit]
            assert not changed, changed
            continue
        outcome = known[action]
        allowed = outcome.tables if succeeded(outcome, replies) or action == "ask" else frozenset()
        if [lead(r) for r in replies] == [world.content.mydata.sent_privately]:
            # A private action clicked outside the personal chat: its reply went there, through
            # the outbox, and is not visible here to judge.
            allowed = outcome.tables | {"outbox"}
        assert set(changed) <= allowed, f"{action}: {[lead(r) for r in replies]} changed {changed}"


# ------------------------------------------------------------------------------ invokes

INVOKE_EXAMPLES = 300
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"


def invoke_batches(world: World) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Batches of generated invokes, their card data from the world (built once)."""
    found = world.built.get(invoke_batches)
    if found is None:
        people = People(PEOPLE_USERS, BOT_ACCOUNT, CONVERSATIONS, world.harness.connector_url)
        found = st.lists(invoke_activities(people, world.submits), min_size=1, max_size=BATCH)
        world.built[invoke_batches] = found
    return found


def executed_action(value: Any) -> str | None:
    """The action an ``Action.Execute`` names (its data's, else its verb), as the bot reads it."""
    if not isinstance(value, dict) or not isinstance(value.get("action"), dict):
        return None
    data = value["action"].get("data", {})
    if not isinstance(data, dict):
        return None
    action = data.get("action", value["action"].get("verb"))
    return action if isinstance(action, str) else None


async def check_invoke(world: World, activity: dict[str, Any]) -> None:
    """One invoke: 200 with a body of the shape its name asks for, Danish where it says
    something, no failed turn; a search changes nothing, an action only what it owns when
    it succeeds."""
    harness = world.harness
    body = Body(encode(activity), "application/json", "invoke")
    want = expected(body)
    since = len(harness.connector.received)
    before = await snapshot(harness.services.store)
    status, raw = await harness.post(body)
    after = await snapshot(harness.services.store)
    assert status in want.statuses, f"{status} for {raw[:300]!r}: {json.dumps(activity)[:300]}"
    failures = harness.errors.take()
    assert not failures, f"an exception left the turn: {failures[0].exc_info}"
    harness.check_replies(harness.posted(since))
    changed = differences(
        before, after, conversation_key(Activity().deserialize(activity).conversation)
    )
    # Teams said who clicked, in a chat: the bot notes where it can reach them (any turn does).
    changed.pop(bot.conversations.PERSONAL_INDEX, None)
    answer = json.loads(raw)
    assert isinstance(answer, dict), answer
    name = activity["name"]
    if name.startswith("composeExtension/"):
        found = answer["composeExtension"]
        assert found["type"] == "result" and len(found["attachments"]) <= 10
        for result in found["attachments"]:
            assert result["contentType"] == CARD_TYPE and result["preview"]["content"]["title"]
        assert not changed, changed
    elif name == "adaptiveCard/action":
        assert answer["statusCode"] == 200 and answer["type"] in (CARD_TYPE, MESSAGE_TYPE)
        known = outcomes(world.content)
        action = executed_action(activity["value"])
        outcome = known.get(action) if action is not None else None
        if answer["type"] == CARD_TYPE:
            assert answer["value"]["type"] == "AdaptiveCard"
            allowed = outcome.tables if outcome is not None else frozenset()
        else:
            text = answer["value"]
            assert isinstance(text, str)
            if text:
                harness.check_replies([{"text": text}])
            succeeded_ = outcome is not None and succeeded(outcome, [{"text": text}])
            allowed = outcome.tables if outcome is not None and succeeded_ else frozenset()
            if text == world.content.mydata.sent_privately and outcome is not None:
                allowed = outcome.tables | {"outbox"}
        assert set(changed) <= allowed, f"{action}: {answer!r:.300} changed {changed}"
    else:
        assert answer == {}, answer
        assert not changed, changed


@fuzz(INVOKE_EXAMPLES)
@given(data=st.data())
async def test_generated_invokes_get_200_and_a_body(world: World, data: st.DataObject) -> None:
    """Searches with any text and parameters, selections, Action.Execute with every action's
    card data (tampered, foreign, missing), other invokes, from anyone: always 200 with a body,
    never a 5xx, and a refused action stores nothing."""
    TALLY.tests.add("invokes")
    for activity in data.draw(invoke_batches(world), label="invokes"):
        await world.reset()
        await check_invoke(world, activity)


# ------------------------------------------------------------------------------ targeted


@dataclass(frozen=True)
class Case:
    """One tampered click that must be refused with ``message``, storing nothing."""

    value: dict[str, Any]
    who: ChannelAccount
    message: str

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"Case({self.value!r}, who={self.who.aad_object_id!r}, {self.message!r})")


# The fields the targeted actions validate before they check who may do what.
CHECKED_FIELDS = frozenset(
    {"committee", "meeting", "recipient", "date", "time", "name", "kind", "schedule",
     "lead_days", "remind_chair", "discussed", "points", "round", "page", "confirm"}
)  # fmt: skip


def noise(world: World) -> st.SearchStrategy[dict[str, Any]]:
    """Extra card fields (of other forms) with junk values, which must not matter. (Junk in a
    field of the action's own form is refused at the edge: the status card's fields are left
    out, since they are its own.)"""
    goals = {field_id(p, g.id) for p in ("status", "comment", "next")
             for g in world.content.strategy.maalsaetninger}  # fmt: skip
    names = st.sampled_from(sorted(set(world.fields) - CHECKED_FIELDS - goals))
    return st.dictionaries(names, flat_junk, max_size=3)


async def refused(world: World, data: st.DataObject, cases: st.SearchStrategy[Case]) -> None:
    """A few cases: each refused with its message, and nothing stored."""
    for case in data.draw(st.lists(cases, min_size=1, max_size=BATCH), label="cases"):
        replies, changed = await act(world, case.value, case.who)
        assert [lead(r) for r in replies] == [case.message], case
        assert not changed, changed


def future_slot() -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(
        st.dates(min_value=date(2026, 12, 1), max_value=date(2027, 12, 31)).map(str),
        st.sampled_from(["09:00", "13:30", "8.15"]),
    )


def foreign_round_cases(world: World) -> st.SearchStrategy[Case]:
    """Answering or opening a round addressed to other leaders."""
    s, round_ = world.content.status, world.round_
    outsiders = st.sampled_from([LEADER_3, STRANGER, ADMIN])
    answers = st.builds(
        lambda extra, page, goal, chosen: {
            **extra, "action": status_cards.SUBMIT, "round": round_.id, "page": page,
            field_id("status", goal): chosen,
        },
        world.noise,
        st.integers(0, world.pages - 1),
        st.sampled_from(round_.maalsaetninger),
        st.sampled_from([v.value for v in Status]),
    )  # fmt: skip
    opens = world.noise.map(
        lambda extra: {**extra, "action": status_cards.OPEN, "round": round_.id}
    )
    return st.one_of(
        st.builds(Case, answers, outsiders, st.just(s.not_recipient.format(round=round_.name))),
        st.builds(Case, opens, outsiders, st.just(s.unknown_round)),
    )


def unknown_round_cases(world: World) -> st.SearchStrategy[Case]:
    ident = st.one_of(id_text, one_of_values(world.round_.id)).filter(
        lambda r: (
            1 <= len(clean_input(r, lines=False)) <= 200
            and clean_input(r, lines=False) != world.round_.id
        )
    )
    value = st.builds(
        lambda extra, action, r: {**extra, "action": action, "round": r, "page": 0},
        world.noise,
        st.sampled_from([status_cards.SUBMIT, status_cards.OPEN]),
        ident,
    )
    return st.builds(
        Case, value, st.sampled_from(EVERYONE), st.just(world.content.status.unknown_round)
    )


def page_cases(world: World) -> st.SearchStrategy[Case]:
    page = st.one_of(
        st.integers(world.pages, 50),
        st.integers(max_value=-1),
        st.integers(min_value=51),
        st.sampled_from([1.5, "en", None, [0], {"page": 0}]),
    )
    goal = world.round_.maalsaetninger[0]
    value = st.builds(
        lambda extra, p: {
            **extra, "action": status_cards.SUBMIT, "round": world.round_.id, "page": p,
            field_id("status", goal): Status.ON_TRACK.value,
        },
        world.noise,
        page,
    )  # fmt: skip
    return st.builds(
        Case,
        value,
        st.sampled_from([LEADER_1, LEADER_2]),
        st.just(world.content.messages.da.invalid_submit),
    )


def foreign_committee_cases(world: World) -> st.SearchStrategy[Case]:
    """Saving, moving, cancelling, noting or opening the move form of another's committee."""
    r = world.content.reminders
    chairs = (LEADER_1, LEADER_2)
    others = (LEADER_1, LEADER_2, LEADER_3, STRANGER)
    actions = st.sampled_from([reminder_cards.SAVE, reminder_cards.MOVE, reminder_cards.CANCEL,
                               reminder_cards.MOVED, status_cards.NOTE])  # fmt: skip
    new_names = st.one_of(st.just(""), id_text, st.sampled_from(sorted(world.names.values())))

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        chair = draw(st.sampled_from(chairs))
        committee = world.committees[str(chair.aad_object_id)]
        who = draw(st.sampled_from([w for w in others if w != chair]))
        meeting = draw(st.sampled_from(world.meetings[committee][:5]))
        day, clock = draw(future_slot())
        action = draw(actions)
        extra = draw(world.noise)
        name = world.names[committee]
        if action == reminder_cards.SAVE:
            new_name = draw(new_names)
            value = {**extra, "action": action, "committee": committee, "name": new_name,
                     "kind": "LMU", "schedule": SCHEDULE, "lead_days": "7"}  # fmt: skip
            shown = clean_input(new_name, lines=False) or committee  # as the gate leaves it
            return Case(value, who, r.not_allowed.format(name=plain(shown)))
        ref = {"committee": committee, "meeting": meeting}
        if action == status_cards.NOTE:
            value = {**extra, **ref, "action": action, "discussed": "2.3", "points": "Godt møde"}
            return Case(value, who, r.not_member.format(name=name))  # chair, TRIO or admin
        else:
            value = {**extra, **ref, "action": action, "date": day, "time": clock}
        return Case(value, who, r.not_allowed.format(name=name))

    return build()


def unknown_meeting_cases(world: World) -> st.SearchStrategy[Case]:
    """Reminder buttons and notes for an unknown committee or meeting, even by its chair."""
    actions = st.sampled_from(
        [
            reminder_cards.ACK,
            reminder_cards.SNOOZE,
            reminder_cards.MOVED,
            reminder_cards.MOVE,
            reminder_cards.CANCEL,
            status_cards.NOTE,
        ]
    )
    committees = sorted(world.names)
    assert all(c.rstrip("x- ") == c for c in committees)

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        committee = draw(st.sampled_from(committees))
        known = world.meetings[committee]
        meeting = draw(
            st.one_of(id_text, one_of_values(*known[:3])).filter(
                lambda m: 1 <= len(m) <= 200 and m not in known
            )
        )
        if draw(st.booleans()):  # a known meeting under a changed committee id
            committee += draw(st.sampled_from(["x", "-", " "]))  # (a NUL is cleaned away)
            meeting = known[0]
        who = draw(st.sampled_from(EVERYONE))
        day, clock = draw(future_slot())
        value = {**draw(world.noise), "action": draw(actions), "committee": committee,
                 "meeting": meeting, "recipient": f"user:{who.aad_object_id}", "date": day,
                 "time": clock, "discussed": "2.3"}  # fmt: skip
        return Case(value, who, world.content.reminders.unknown_meeting)

    return build()


def unconfirmed_delete_cases(world: World) -> st.SearchStrategy[Case]:
    confirm = st.one_of(st.just(MISSING), flat_junk, st.sampled_from(["ja", "false", "TRUE "]))

    def value(extra: dict[str, Any], c: Any) -> dict[str, Any]:
        extra = {**extra, "action": mydata_cards.DELETE_DATA}
        if c is not MISSING:
            extra["confirm"] = c
        return extra

    return st.builds(
        Case,
        st.builds(value, world.noise, confirm.filter(lambda c: str(c).lower() != "true")),
        st.sampled_from(EVERYONE),
        st.just(world.content.mydata.not_confirmed),
    )


def non_admin_round_cases(world: World) -> st.SearchStrategy[Case]:
    changes = st.fixed_dictionaries(
        {},
        optional={
            "name": short_text,
            "scope": st.sampled_from(["all", "priorities", "chosen"]),
            "goals": st.sampled_from(["2.3,1.1", "4.3"]),
            "units": st.sampled_from(["", "Myndighed"]),
            "deadline": st.dates(date(2026, 11, 24), date(2027, 11, 1)).map(str),
        },
    )
    return st.builds(
        Case,
        changes.map(lambda c: {**ROUND_FORM, **c}),
        st.sampled_from([LEADER_1, LEADER_2, LEADER_3, STRANGER]),
        st.just(world.content.status.admin_only),
    )


REFUSALS: dict[str, Callable[[World], st.SearchStrategy[Case]]] = {
    "foreign_round": foreign_round_cases,  # another leader's round: their replies stay
    "unknown_round": unknown_round_cases,
    "page": page_cases,  # a page of the status card out of range
    "foreign_committee": foreign_committee_cases,  # another chair's committee
    "unknown_meeting": unknown_meeting_cases,
    "delete_unconfirmed": unconfirmed_delete_cases,  # "slet mine data" without the box ticked
    "round_by_non_admin": non_admin_round_cases,  # only admins open rounds
}


@pytest.mark.parametrize("kind", list(REFUSALS))
@fuzz(TARGETED)
@given(data=st.data())
async def test_a_submit_one_may_not_make_is_refused(
    world: World, data: st.DataObject, kind: str
) -> None:
    """Someone else's round or committee, a round, page or meeting that does not exist, an
    unconfirmed deletion, a round opened by a non-admin: refused with its message, and
    nothing stored."""
    TALLY.tests.add(kind)
    await refused(world, data, world.cases(REFUSALS[kind]))


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(action, marks=known_bug("foreign_reminder_buttons"))
        for action in (reminder_cards.ACK, reminder_cards.SNOOZE)
    ],
)
async def test_reminder_buttons_of_another_committee_are_refused(world: World, action: str) -> None:
    """Someone neither chair, TRIO nor admin, in their own chat, clicks a reminder's button
    of a committee they have nothing to do with (with the chair as the recipient)."""
    chair = str(LEADER_1.aad_object_id)
    committee = world.committees[chair]
    value = {"action": action, "committee": committee, "meeting": world.meetings[committee][0],
             "recipient": f"user:{chair}"}  # fmt: skip
    replies, changed = await act(world, value, STRANGER, generated=False)
    assert not succeeded(outcomes(world.content)[action], replies), [lead(r) for r in replies]
    assert not changed, changed


# ------------------------------------------------------------------------------ the input gate


def deep_values() -> st.SearchStrategy[Any]:
    """Card values too deep or too big to look at: nested 5 to 60 levels, or 500+ items."""

    def nest(depth: int, as_dict: bool, leaf: Any) -> Any:
        value = leaf
        for _ in range(depth):
            value = {"x": value} if as_dict else [value]
        return value

    nested = st.builds(nest, st.integers(5, 60), st.booleans(), flat_junk)
    wide = st.integers(500, 2000).map(lambda n: [["x"] * n])
    return st.one_of(nested, wide)


@fuzz(TARGETED)
@given(data=st.data())
async def test_a_deep_or_huge_value_in_any_field_is_refused_unread(
    world: World, data: st.DataObject
) -> None:
    """Every action, each field of its form: a value nested too deep or too big is refused
    with the form's message, before any handler runs, and nothing is stored."""
    router = world.harness.services.bot.dispatcher.router
    action = data.draw(st.sampled_from(sorted(router.forms)), label="action")
    form = router.forms[action]
    names = sorted(set(form.model.model_fields) - {"action"})
    field_name = data.draw(st.sampled_from(names), label="field")
    value = {"action": action, field_name: data.draw(deep_values(), label="value")}
    replies, changed = await act(world, value, ADMIN)
    refusal = form.invalid or world.content.messages.da.invalid_submit
    assert [lead(r) for r in replies] == [refusal], (action, field_name)
    assert not changed, changed


AT_THE_CAPS = {
    "pause påmindelser til 31-12-9999": "ligger for langt ude i fremtiden",
    "pause påmindelser til 1. januar 9999": "ligger for langt ude i fremtiden",
    "pause påmindelser til 24-11-2029": "ligger for langt ude i fremtiden",
    "pause påmindelser til 23-11-2029": "er sat på pause til og med 23. november 2029",
    "pause påmindelser til \x00\u202e1. marts\u202c": "er sat på pause til og med 1. marts",
    "pause påmindelser til 1. marts \udc00": "Jeg forstod ikke datoen »1. marts \ufffd«",
}


@pytest.mark.parametrize("text", list(AT_THE_CAPS))
async def test_dates_at_the_caps_get_a_clear_answer(world: World, text: str) -> None:
    """Year 9999 and the day after the last allowed date: a clear Danish answer, never the
    apology for a crash; the last allowed day, and a date wrapped in what the gate removes,
    work."""
    await world.reset()
    harness = world.harness
    before = await snapshot(harness.services.store)
    [reply] = await harness.say(text, LEADER_1)
    harness.check_replies([reply])
    assert AT_THE_CAPS[text] in lead(reply), lead(reply)
    changed = differences(before, await snapshot(harness.services.store), "a:personal-1")
    assert set(changed) <= ({reminder_tables.COMMITTEES, reminder_tables.CHANGES}
                            if "er sat på pause" in lead(reply) else set()), changed  # fmt: skip
    assert not harness.errors.take()


# ------------------------------------------------------------------------------ regressions


def activity_with(url: str, **fields: Any) -> dict[str, Any]:
    activity = valid_activity(url)
    activity.update(fields)
    return activity


def json_body(url: str, content_type: str = "application/json", **fields: Any) -> Body:
    return Body(encode(activity_with(url, **fields)), content_type, "bug")


def reproducers(url: str) -> dict[str, list[tuple[Body, frozenset[int]]]]:
    """Bodies that once broke ``/api/messages`` (a 5xx or a failed turn), by cause, each with
    the status it gets now."""
    bad_request, created, ignored = frozenset({400}), frozenset({201}), frozenset({200})
    mistyped = [
        {"conversation": "a:personal-1"},
        {"conversation": 5},
        {"from": "29:user-1"},
        {"recipient": 28},
        {"entities": "mention"},
        {"entities": [1, 2]},
        {"attachments": "card"},
        {"timestamp": "i går"},
        {"type": "conversationUpdate", "membersAdded": [5]},
        {"type": "messageReaction", "reactionsAdded": "x"},
    ]
    utf8 = encode(valid_activity(url))
    invoke = {"type": "invoke", "value": {"action": {"type": "Action.Execute"}}}
    return {
        "undeserializable": [(json_body(url, **fields), bad_request) for fields in mistyped],
        "body_decoding": [
            # JSON is UTF-8 (RFC 8259): a charset parameter changes nothing, other encodings
            # and a byte order mark are refused.
            (Body(utf8, "application/json; charset=no-such-charset", "bug"), created),
            (Body(utf8, "application/json; charset=utf-16", "bug"), created),
            (
                Body(encode(valid_activity(url), encoding="utf-16"), "application/json", ""),
                bad_request,
            ),
            (
                Body(encode(valid_activity(url), encoding="utf-32"), "application/json", ""),
                bad_request,
            ),
            (Body(b"\xef\xbb\xbf" + utf8, "application/json", "bug"), bad_request),
        ],
        "deep_nesting": [
            (Body(b"[" * 2000 + b"]" * 2000, "application/json", "bug"), bad_request),
            (Body(b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json", "bug"), bad_request),
        ],
        # The replies go through the connector as always.
        "expect_replies": [(json_body(url, deliveryMode="expectReplies"), created)],
        # Invokes were acknowledged and dropped; now each gets 200 and a body.
        "invoke_not_implemented": [
            (json_body(url, **invoke, name="adaptiveCard/action"), ignored),
            (json_body(url, **invoke, name="task/fetch"), ignored),
            (json_body(url, type="invoke", name="adaptiveCard/action"), ignored),
        ],
        "content_type_case": [
            (json_body(url, "Application/JSON"), created),
            (json_body(url, "APPLICATION/JSON; charset=utf-8"), created),
        ],
        "content_type_unparsable": [
            (json_body(url, ";0*"), bad_request),
            (json_body(url, "0;0*"), bad_request),
        ],
        "conversation_without_id": [
            (json_body(url, conversation={"name": "chat"}), bad_request),
            (json_body(url, conversation={"id": "", "conversationType": "personal"}), bad_request),
        ],
    }


@pytest.mark.parametrize(
    "bug",
    [
        pytest.param(name, id=name, marks=known_bug(name))
        for name in sorted(reproducers("http://127.0.0.1:9/"))
    ],
)
async def test_bodies_that_once_broke_the_app(harness: Harness, bug: str) -> None:
    """Each cause, shown by small bodies: the documented status, a reply where one is due,
    no failed turn; and the bot still answers a question afterwards. (A cause listed in
    KNOWN_BUGS is a strict xfail until it is fixed.)"""
    for body, wanted in reproducers(harness.connector_url)[bug]:
        since = len(harness.connector.received)
        status, _ = await harness.post(body, generated=False)
        assert not harness.errors.take(), f"{bug}: a turn failed for {body.raw[:200]!r}"
        assert status in wanted, f"{bug}: {status} for {body.raw[:200]!r} ({body.content_type})"
        if status == 201 and json.loads(body.raw)["type"] == "message":
            harness.check_replies(harness.posted(since))
            assert harness.posted(since), f"{bug}: no reply"
        await harness.probe()


# ------------------------------------------------------------------------------ the total

MIN_REQUESTS = 10_000


@pytest.fixture(scope="module", autouse=True)
def at_least_ten_thousand_generated_requests() -> Iterator[None]:
    """After the module's last test, whatever the order: print the figures and enforce the
    total of a whole-module run (a failure here is reported as an error of the last test)."""
    yield
    histogram = ", ".join(f"{code}: {n}" for code, n in sorted(TALLY.statuses.items()))
    print(
        f"\nfuzz: {TALLY.generated} generated requests ({histogram}); "
        f"{TALLY.support} set-up and probe requests"
    )
    for test, count in TALLY.per_test.most_common():
        print(f"  {count:6d}  {test.rsplit('::', 1)[-1]}")
    if TALLY.tests == FUZZ_TESTS:  # only a whole-module run reaches the total
        assert TALLY.generated >= MIN_REQUESTS
