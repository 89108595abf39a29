"""The outbox: rate limits, retries, deactivation, idempotency and restarts, on a fake clock.

Only the outbox's dispatcher sleeps, through :class:`FakeTime`, whose ``sleep`` moves the
fake monotonic clock forward at once: nothing here waits in real time. The last tests go
through the real ``Messenger`` and botbuilder adapter to a local fake Bot Connector.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import msrest
import pytest
import requests
from botbuilder.schema import (
    ErrorResponseException,
)
from botbuilder.schema import _models_py3 as schema_models
from msrest.exceptions import ClientRequestError
from yarl import URL

from bot.adapter import create_adapter
from bot.conversations import TABLE as CONVERSATIONS
from bot.conversations import ConversationDirectory
from bot.messenger import Messenger
from bot.outbox import (
    TABLE,
    Outbox,
    TokenBucket,
    classify,
    parse_retry_after,
)
from bot.settings import Settings
from bot.storage import MemoryStore, TinyDBStore
from dialogs.replies import Reply
from dialogs.store import Store
from scheduler.clock import ManualClock
from tools.fake_connector import FakeConnector, first_message, max_per_window, personal_conversation

CHAIR = personal_conversation("chair")
DESERIALIZE = msrest.Deserializer(  # type: ignore[no-untyped-call]
    {name: value for name, value in vars(schema_models).items() if isinstance(value, type)}
)


def http_error(status: int, headers: dict[str, str] | None = None) -> ErrorResponseException:
    """The exception botbuilder raises for a non-2xx answer from the Bot Connector."""
    response = requests.Response()
    response.status_code = status
    response.reason = "Error"
    response.headers.update(headers or {})
    response._content = b'{"error": {"code": "Error", "message": "fake"}}'
    return ErrorResponseException(DESERIALIZE, response)


def connection_error() -> ClientRequestError:
    """What msrest raises when the connector cannot be reached."""
    return ClientRequestError("Error occurred in request.", requests.ConnectionError("refused"))


class FakeTime:
    """A monotonic clock that only moves when the outbox sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


Outcome = BaseException | None


class FakeSender:
    """Records each send at the fake time; scripted outcomes per conversation, else success."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.calls: list[tuple[float, str, str]] = []
        self.script: dict[str, list[Outcome]] = {}

    async def __call__(self, conversation_id: str, reply: Reply) -> str:
        self.calls.append((self.time.now, conversation_id, reply.text))
        outcomes = self.script.get(conversation_id)
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome
        return f"id-{len(self.calls)}"

    def times(self, conversation_id: str | None = None) -> list[float]:
        return [t for t, c, _ in self.calls if conversation_id in (None, c)]


class HalfRandom(random.Random):
    """Jitter fixed at the middle, so backoff waits are exact."""

    def random(self) -> float:
        return 0.5


Deactivations = list[tuple[str, int]]


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sender(time: FakeTime) -> FakeSender:
    return FakeSender(time)


@pytest.fixture
def deactivations() -> Deactivations:
    return []


@pytest.fixture
def make_outbox(
    time: FakeTime, clock: ManualClock, deactivations: Deactivations
) -> Callable[..., Outbox]:
    async def on_deactivated(conversation_id: str, status: int) -> None:
        deactivations.append((conversation_id, status))

    def make(store: Store, sender: Any, **options: Any) -> Outbox:
        options.setdefault("rng", HalfRandom())
        return Outbox(
            store,
            sender,
            on_deactivated=on_deactivated,
            clock=clock,
            monotonic=time.monotonic,
            sleep=time.sleep,
            **options,
        )

    return make


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    yield MemoryStore()


async def run(outbox: Outbox) -> None:
    """Start, send everything, stop."""
    await outbox.start()
    try:
        await asyncio.wait_for(outbox.join(), timeout=10)
    finally:
        await outbox.stop()


async def put_conversation(store: Store, conversation_id: str, url: str = "http://x/") -> None:
    """A conversation record as ``ConversationDirectory`` stores it."""
    reference = {
        "channelId": "msteams",
        "serviceUrl": url,
        "conversation": {"id": conversation_id, "conversationType": "personal"},
        "bot": {"id": "28:strategibot", "name": "Strategibot"},
        "user": {"id": "29:chair", "name": "Formand"},
    }
    doc = {"kind": "personal", "reference": reference, "welcomed": True}
    await store.put(CONVERSATIONS, conversation_id, doc)


# --------------------------------------------------------------------------- classify


def test_classify_reads_status_and_retry_after_seconds() -> None:
    assert classify(http_error(429, {"Retry-After": "3"})) == (429, 3.0)
    assert classify(http_error(429, {"retry-after": "0.5"})) == (429, 0.5)
    assert classify(http_error(403)) == (403, None)
    assert classify(http_error(502, {"Retry-After": "nonsense"})) == (502, None)


def test_classify_reads_an_http_date() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    date = email.utils.format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert classify(http_error(429, {"Retry-After": date}), now) == (429, 42.0)
    past = email.utils.format_datetime(now - timedelta(hours=1), usegmt=True)
    assert classify(http_error(429, {"Retry-After": past}), now) == (429, 0.0)


def test_classify_without_an_http_answer() -> None:
    assert classify(connection_error()) == (None, None)
    assert classify(TimeoutError()) == (None, None)
    assert classify(ValueError("bug")) == (None, None)


def test_classify_other_http_exceptions() -> None:
    info = aiohttp.RequestInfo(URL("http://x/"), "POST", {})  # type: ignore[arg-type]
    exc = aiohttp.ClientResponseError(info, (), status=504, headers={"Retry-After": "2"})  # type: ignore[arg-type]
    assert classify(exc) == (504, 2.0)
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = http_error(404)
    assert classify(wrapped) == (404, None)


@pytest.mark.parametrize("value", [None, "", " ", "soon", "nan", "inf"])
def test_parse_retry_after_rejects_junk(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_parse_retry_after_clamps_negative() -> None:
    assert parse_retry_after("-5") == 0.0


def test_token_bucket_spacing_and_burst() -> None:
    bucket = TokenBucket(7)
    assert bucket.wait(0) == 0
    bucket.take(0)
    assert bucket.wait(0) == bucket.interval
    assert 7 * bucket.interval > 1_000_000_000  # never 8 in one second
    bursty = TokenBucket(10, burst=3)
    for _ in range(3):
        assert bursty.wait(0) == 0
        bursty.take(0)
    assert bursty.wait(0) > 0


# --------------------------------------------------------------------------- rate limits


async def test_per_conversation_rate(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    outbox = make_outbox(store, sender)
    for i in range(30):
        assert await outbox.enqueue("a:chair", Reply(f"m{i}"))
    await run(outbox)
    times = sender.times()
    assert len(times) == 30
    assert max_per_window(times) <= 7
    assert times[-1] - times[0] == pytest.approx(29 / 7, abs=1e-3)  # and no slower
    assert [text for _, _, text in sender.calls] == [f"m{i}" for i in range(30)]


async def test_global_rate(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    outbox = make_outbox(store, sender)
    for i in range(300):
        await outbox.enqueue(f"a:{i % 100}", Reply(f"m{i}"))
    await run(outbox)
    times = sender.times()
    assert len(times) == 300
    assert max_per_window(times) <= 30
    for c in {c for _, c, _ in sender.calls}:
        assert max_per_window(sender.times(c)) <= 7
    assert times[-1] - times[0] == pytest.approx(299 / 30, abs=1e-3)


async def test_messages_enqueued_while_running_are_sent(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    outbox = make_outbox(store, sender)
    await outbox.start()
    try:
        for i in range(3):
            await outbox.enqueue("a:1", Reply(f"m{i}"))
            await asyncio.wait_for(outbox.join(), timeout=5)
        assert outbox.stats()["running"] == 1
    finally:
        await outbox.stop()
    assert [text for _, _, text in sender.calls] == ["m0", "m1", "m2"]
    assert outbox.stats() == {
        "running": 0,
        "queued": 0,
        "in_flight": 0,
        "sent": 3,
        "retried": 0,
        "throttled": 0,
        "failed": 0,
        "deactivated": 0,
        "skipped": 0,
        "max_per_second": 3,  # seven a second may start in one conversation
    }


async def test_max_in_flight_is_respected(
    store: MemoryStore, time: FakeTime, make_outbox: Callable[..., Outbox]
) -> None:
    release = asyncio.Event()
    in_flight = peak = 0

    async def slow(conversation_id: str, reply: Reply) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1

    outbox = make_outbox(store, slow, max_in_flight=3)
    for i in range(10):
        await outbox.enqueue(f"a:{i}", Reply("x"))
    await outbox.start()
    for _ in range(50):
        await asyncio.sleep(0)
    assert peak == 3
    release.set()
    await asyncio.wait_for(outbox.join(), timeout=5)
    await outbox.stop()
    assert outbox.stats()["sent"] == 10


# --------------------------------------------------------------------------- errors


async def test_429_with_retry_after_waits_that_long(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    sender.script["a:1"] = [http_error(429, {"Retry-After": "5"})]
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:1", Reply("first"), key="k1")
    await outbox.enqueue("a:1", Reply("second"), key="k2")
    await outbox.enqueue("a:2", Reply("other"), key="k3")
    await run(outbox)
    first, retry = sender.times("a:1")[:2]
    assert retry - first == pytest.approx(5.0)
    # the conversation is held, in order; others go on
    assert [text for _, c, text in sender.calls if c == "a:1"] == ["first", "first", "second"]
    assert sender.times("a:2")[0] < retry
    stats = outbox.stats()
    assert (stats["sent"], stats["throttled"], stats["retried"], stats["failed"]) == (3, 1, 1, 0)


async def test_429_with_an_http_date(
    store: MemoryStore,
    sender: FakeSender,
    clock: ManualClock,
    make_outbox: Callable[..., Outbox],
) -> None:
    date = email.utils.format_datetime(
        clock.now().astimezone(UTC) + timedelta(seconds=12), usegmt=True
    )
    sender.script["a:1"] = [http_error(429, {"Retry-After": date})]
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:1", Reply("x"))
    await run(outbox)
    first, retry = sender.times()
    assert retry - first == pytest.approx(12.0)


async def test_429_without_retry_after_backs_off_exponentially(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    sender.script["a:1"] = [http_error(429) for _ in range(4)]
    outbox = make_outbox(store, sender, backoff_base=1.0)
    await outbox.enqueue("a:1", Reply("x"), key="k")
    await run(outbox)
    times = sender.times()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # equal jitter at its middle: 0.75 × 1, 2, 4, 8 seconds
    assert gaps == pytest.approx([0.75, 1.5, 3.0, 6.0])
    assert await outbox.status("k") == "sent"


async def test_backoff_jitter_stays_in_bounds(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    sender.script["a:1"] = [http_error(429) for _ in range(6)]
    outbox = make_outbox(store, sender, rng=random.Random(7), backoff_base=2.0, backoff_max=16.0)
    await outbox.enqueue("a:1", Reply("x"))
    await run(outbox)
    times = sender.times()
    for n, (a, b) in enumerate(itertools.pairwise(times), start=1):
        full = min(16.0, 2.0 * 2 ** (n - 1))
        assert full / 2 <= b - a <= full


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(lambda: http_error(502), id="502"),
        pytest.param(lambda: http_error(504), id="504"),
        pytest.param(lambda: http_error(412), id="412"),
        pytest.param(connection_error, id="connection"),
        pytest.param(TimeoutError, id="timeout"),
    ],
)
async def test_transient_errors_are_retried_then_delivered(
    store: MemoryStore,
    sender: FakeSender,
    make_outbox: Callable[..., Outbox],
    error: Callable[[], BaseException],
) -> None:
    sender.script["a:1"] = [error(), error()]
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:1", Reply("x"), key="k")
    await run(outbox)
    times = sender.times()
    assert len(times) == 3
    assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([0.75, 1.5])
    assert await outbox.status("k") == "sent"
    stats = outbox.stats()
    assert (stats["sent"], stats["retried"], stats["failed"]) == (1, 2, 0)


async def test_transient_errors_give_up_after_max_attempts(
    store: MemoryStore,
    sender: FakeSender,
    make_outbox: Callable[..., Outbox],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender.script["a:1"] = [http_error(502) for _ in range(4)]
    outbox = make_outbox(store, sender, max_attempts=4)
    await outbox.enqueue("a:1", Reply("x"), key="k")
    await outbox.enqueue("a:1", Reply("y"), key="next")
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await run(outbox)
    assert [text for _, _, text in sender.calls] == ["x"] * 4 + ["y"]
    doc = await store.get(TABLE, "k")
    assert doc is not None
    assert (doc["status"], doc["attempts"], doc["last_error"]) == ("failed", 4, 502)
    assert await outbox.status("next") == "sent"
    assert outbox.stats()["failed"] == 1
    assert any("giving up on k" in r.getMessage() for r in caplog.records)


async def test_429_gives_up_after_max_throttled(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    sender.script["a:1"] = [http_error(429, {"Retry-After": "1"}) for _ in range(10)]
    outbox = make_outbox(store, sender, max_throttled=3)
    await outbox.enqueue("a:1", Reply("x"), key="k")
    await run(outbox)
    assert len(sender.calls) == 3
    assert await outbox.status("k") == "failed"


@pytest.mark.parametrize("status", [403, 404])
async def test_403_and_404_deactivate_the_conversation(
    store: MemoryStore,
    sender: FakeSender,
    make_outbox: Callable[..., Outbox],
    deactivations: Deactivations,
    status: int,
) -> None:
    await put_conversation(store, "a:gone")
    sender.script["a:gone"] = [http_error(status)]
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:gone", Reply("x"), key="k1")
    await outbox.enqueue("a:gone", Reply("y"), key="k2")
    await outbox.enqueue("a:ok", Reply("z"), key="k3")
    await run(outbox)
    assert [(c, text) for _, c, text in sender.calls].count(("a:gone", "x")) == 1
    assert ("a:gone", "y") not in [(c, text) for _, c, text in sender.calls]
    assert deactivations == [("a:gone", status)]
    conversation = await store.get(CONVERSATIONS, "a:gone")
    assert conversation is not None
    assert conversation["active"] is False
    assert conversation["deactivated"]["status"] == status
    assert conversation["reference"]  # the record is kept, only flagged
    assert [await outbox.status(k) for k in ("k1", "k2", "k3")] == [
        "deactivated",
        "deactivated",
        "sent",
    ]
    # later messages to it are not sent either, and the chair is not told twice
    await outbox.enqueue("a:gone", Reply("later"), key="k4")
    await run(outbox)
    assert len([c for _, c, _ in sender.calls if c == "a:gone"]) == 1
    assert await outbox.status("k4") == "deactivated"
    assert deactivations == [("a:gone", status)]
    stats = outbox.stats()
    assert (stats["deactivated"], stats["skipped"], stats["retried"]) == (1, 2, 0)


async def test_a_reactivated_conversation_is_sent_to_again(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    await put_conversation(store, "a:back")
    sender.script["a:back"] = [http_error(403)]
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:back", Reply("x"))
    await run(outbox)
    await put_conversation(store, "a:back")  # the app was installed again
    await outbox.enqueue("a:back", Reply("y"), key="y")
    await run(outbox)
    assert await outbox.status("y") == "sent"


async def test_other_client_errors_and_unknown_conversations_fail_at_once(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    sender.script["a:bad"] = [http_error(400)]
    sender.script["a:unknown"] = [LookupError("no conversation")]
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:bad", Reply("x"), key="bad")
    await outbox.enqueue("a:unknown", Reply("x"), key="unknown")
    await run(outbox)
    assert len(sender.calls) == 2
    assert await outbox.status("bad") == "failed"
    assert await outbox.status("unknown") == "failed"
    assert outbox.stats()["failed"] == 2


async def test_a_failing_callback_does_not_stop_the_outbox(
    store: MemoryStore, sender: FakeSender, time: FakeTime
) -> None:
    async def broken(conversation_id: str, status: int) -> None:
        raise RuntimeError("boom")

    sender.script["a:1"] = [http_error(403)]
    outbox = Outbox(
        store, sender, on_deactivated=broken, monotonic=time.monotonic, sleep=time.sleep
    )
    await outbox.enqueue("a:1", Reply("x"))
    await outbox.enqueue("a:2", Reply("y"), key="y")
    await run(outbox)
    assert await outbox.status("y") == "sent"


# --------------------------------------------------------------------------- once


async def test_enqueue_is_idempotent(
    store: MemoryStore, sender: FakeSender, make_outbox: Callable[..., Outbox]
) -> None:
    outbox = make_outbox(store, sender)
    key = "reminder:lmu-orum:2026-12-01:chair"
    results = await asyncio.gather(*(outbox.enqueue("a:1", Reply("x"), key=key) for _ in range(5)))
    assert results.count(True) == 1
    assert outbox.stats()["queued"] == 1
    await run(outbox)
    assert await outbox.enqueue("a:1", Reply("x"), key=key) is False
    await run(outbox)
    assert len(sender.calls) == 1


async def test_restart_resumes_queued_and_never_resends_sent(
    tmp_path: Path,
    time: FakeTime,
    clock: ManualClock,
    make_outbox: Callable[..., Outbox],
) -> None:
    path = tmp_path / "data.json"
    first_store = TinyDBStore(path)
    first = FakeSender(time)
    first.script["a:2"] = [http_error(502)] * 10  # still failing when we stop
    fake_sleep = time.sleep

    async def an_hour_is_an_hour(seconds: float) -> None:
        # The store writes in a thread, so real time passes while the marks are written; fake
        # time must not let a:2's backoff (a minute at most) pass meanwhile.
        if seconds >= 10:
            await asyncio.Event().wait()
        await fake_sleep(seconds)

    time.sleep = an_hour_is_an_hour  # type: ignore[method-assign]
    outbox = make_outbox(first_store, first, backoff_base=3600.0)
    time.sleep = fake_sleep  # type: ignore[method-assign]
    for i in range(1, 4):
        await outbox.enqueue(f"a:{i}", Reply(f"m{i}"), key=f"k{i}")
    await outbox.start()
    for _ in range(1000):  # until a:1 and a:3 are sent and a:2 waits an hour
        await asyncio.sleep(0.001)
        if outbox.stats()["sent"] == 2 and outbox.stats()["retried"] == 1:
            break
    await outbox.stop()
    await first_store.close()
    assert sorted(text for _, _, text in first.calls) == ["m1", "m2", "m3"]

    second_store = TinyDBStore(path)
    second = FakeSender(time)
    again = make_outbox(second_store, second)
    assert await again.enqueue("a:1", Reply("m1"), key="k1") is False  # sent before
    assert await again.enqueue("a:4", Reply("m4"), key="k4") is True
    await run(again)
    assert [text for _, _, text in second.calls] == ["m2", "m4"]
    doc = await second_store.get(TABLE, "k2")
    assert doc is not None
    assert (doc["status"], doc["attempts"]) == ("sent", 2)  # attempts survive the restart
    await second_store.close()


async def test_crash_before_sending_loses_nothing(
    tmp_path: Path, time: FakeTime, make_outbox: Callable[..., Outbox]
) -> None:
    path = tmp_path / "data.json"
    crashed = TinyDBStore(path)
    never_started = make_outbox(crashed, FakeSender(time))
    for i in range(5):
        await never_started.enqueue(f"a:{i}", Reply(f"m{i}"), key=f"k{i}")
    # no stop(), no close(): the process died; the file is all there is
    store = TinyDBStore(path)
    sender = FakeSender(time)
    await run(make_outbox(store, sender))
    assert Counter(text for _, _, text in sender.calls) == Counter(f"m{i}" for i in range(5))
    await run(make_outbox(store, sender))  # and a third start sends nothing
    assert len(sender.calls) == 5


async def test_stop_lets_sends_in_flight_finish_and_be_marked(
    store: MemoryStore, make_outbox: Callable[..., Outbox]
) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(conversation_id: str, reply: Reply) -> str:
        started.set()
        await release.wait()
        return "id"

    outbox = make_outbox(store, slow)
    await outbox.enqueue("a:1", Reply("x"), key="k")
    await outbox.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    stopping = asyncio.create_task(outbox.stop())
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(stopping, timeout=5)
    assert await outbox.status("k") == "sent"


async def test_purge_removes_finished_messages(
    store: MemoryStore,
    sender: FakeSender,
    clock: ManualClock,
    make_outbox: Callable[..., Outbox],
) -> None:
    outbox = make_outbox(store, sender)
    await outbox.enqueue("a:1", Reply("x"), key="old")
    await run(outbox)
    await outbox.enqueue("a:1", Reply("y"), key="queued")
    assert await outbox.purge(clock.now() + timedelta(seconds=1)) == 1
    assert await outbox.status("old") is None
    assert await outbox.status("queued") == "queued"


# --------------------------------------------------------------------------- real SDK


@pytest.fixture
async def messenger(connector: FakeConnector, clock: ManualClock) -> tuple[Messenger, MemoryStore]:
    """The real Messenger and botbuilder adapter, with the chair's chat at ``connector``."""
    store = MemoryStore()
    directory = ConversationDirectory(store)
    await directory.remember(first_message("chair", connector.url, CHAIR), clock.now())
    adapter = create_adapter(Settings(_env_file=None), "fejl")
    return Messenger(adapter, directory, ""), store


async def test_real_sdk_429_then_200_is_delivered_once(
    connector: FakeConnector,
    messenger: tuple[Messenger, MemoryStore],
    time: FakeTime,
    make_outbox: Callable[..., Outbox],
) -> None:
    real, store = messenger
    connector.script = [(429, {"Retry-After": "7"})]
    send = real.send
    seen: list[Exception] = []

    async def recording(conversation_id: str, reply: Reply) -> object:
        try:
            return await send(conversation_id, reply)
        except Exception as exc:
            seen.append(exc)
            raise

    outbox = make_outbox(store, recording)
    await outbox.enqueue(CHAIR, Reply("Husk strategien"), key="reminder:lmu:1:chair")
    await run(outbox)
    assert isinstance(seen[0], ErrorResponseException)
    assert classify(seen[0]) == (429, 7.0)
    assert 7.0 in time.sleeps  # waited the Retry-After on the fake clock
    assert [(r.conversation_id, r.text, r.status) for r in connector.received] == [
        (CHAIR, "Husk strategien", 429),
        (CHAIR, "Husk strategien", 200),
    ]
    doc = await store.get(TABLE, "reminder:lmu:1:chair")
    assert doc is not None
    assert (doc["status"], doc["message_id"]) == ("sent", connector.received[1].answer_id)
    assert "reply" not in doc  # the sent record keeps no message content


async def test_real_sdk_403_deactivates_without_an_apology(
    connector: FakeConnector,
    messenger: tuple[Messenger, MemoryStore],
    make_outbox: Callable[..., Outbox],
    deactivations: Deactivations,
) -> None:
    real, store = messenger
    connector.script = [(403, {})]
    outbox = make_outbox(store, real)
    await outbox.enqueue(CHAIR, Reply("Husk strategien"))
    await run(outbox)
    assert [r.text for r in connector.received] == ["Husk strategien"]  # no "fejl" posted
    assert deactivations == [(CHAIR, 403)]
    conversation = await store.get(CONVERSATIONS, CHAIR)
    assert conversation is not None
    assert conversation["active"] is False


async def test_messenger_send_raises_instead_of_apologising(
    connector: FakeConnector, messenger: tuple[Messenger, MemoryStore]
) -> None:
    """A failed proactive send raises to the caller; no apology is posted in the chat."""
    real, _ = messenger
    connector.script = [(429, {"Retry-After": "1"})]
    with pytest.raises(ErrorResponseException):
        await real.send(CHAIR, Reply("x"))
    assert [r.text for r in connector.received] == ["x"]


# --------------------------------------------------------------------------- several instances


async def test_every_instance_enqueues_and_only_the_sender_dispatches(
    store: MemoryStore, time: FakeTime, make_outbox: Callable[..., Outbox]
) -> None:
    """Two outboxes on one store, as two instances on one database: the chat instance only
    writes the table; the sender takes its messages up, and one key is one message."""
    sent_by_sender, sent_by_chat = FakeSender(time), FakeSender(time)
    sender = make_outbox(store, sent_by_sender, poll_seconds=0.01)
    chat = make_outbox(store, sent_by_chat, poll_seconds=0.01)
    await sender.start()
    try:
        assert await chat.enqueue("a:1", Reply("from chat"), key="private:1") is True
        assert await sender.enqueue("a:1", Reply("again"), key="private:1") is False  # claimed
        assert chat.stats()["queued"] == 0  # not dispatching: nothing kept in memory
        for _ in range(200):
            await asyncio.sleep(0.01)
            if sent_by_sender.calls:
                break
        await asyncio.wait_for(sender.join(), timeout=5)
    finally:
        await sender.stop()
    assert [text for _, _, text in sent_by_sender.calls] == ["from chat"]
    assert sent_by_chat.calls == []
    assert await sender.status("private:1") == "sent"


async def test_a_new_sender_resumes_what_is_queued_and_not_what_the_last_one_sent(
    store: MemoryStore, time: FakeTime, make_outbox: Callable[..., Outbox]
) -> None:
    first_sends, second_sends = FakeSender(time), FakeSender(time)
    first = make_outbox(store, first_sends, poll_seconds=0.01)
    second = make_outbox(store, second_sends, poll_seconds=0.01)
    await first.start()
    await first.enqueue("a:1", Reply("m1"), key="k1")
    await asyncio.wait_for(first.join(), timeout=5)
    await first.stop()  # deposed
    await second.enqueue("a:2", Reply("m2"), key="k2")  # queued while nobody sends
    await second.start(quiet_seconds=1.0)  # takes over
    await asyncio.wait_for(second.join(), timeout=5)
    await second.stop()
    assert [text for _, _, text in first_sends.calls] == ["m1"]
    assert [text for _, _, text in second_sends.calls] == ["m2"]
    assert second_sends.calls[0][0] >= 1000.0 + 1.0  # after the quiet second (fake time)
