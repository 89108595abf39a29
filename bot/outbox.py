"""One outbox for every proactive message: durable, rate-limited, retried, delivered once.

``await outbox.enqueue(conversation_id, reply, key=...)`` stores the message in the
``outbox`` table (so it survives a restart) and a dispatcher sends it through a sender
callable (by default the :class:`~bot.messenger.Messenger`), within Teams' limits:

* at most ``per_conversation_rate`` (7) sends per second to one conversation and
  ``global_rate`` (30) per second in total — token buckets in their GCRA form with a burst of
  one, kept in integer nanoseconds, so no window of one second holds more than the rate;
  every attempt (retries included) takes a token from both;
* one send in flight per conversation, so a conversation gets its messages in enqueue order;
* HTTP 429 waits ``Retry-After`` (seconds or HTTP date), else exponential backoff with
  jitter; the conversation is held meanwhile, other conversations go on;
* 412, 500, 502, 503, 504, 408 and errors without an HTTP answer (connection refused,
  timeouts) are retried with exponential backoff and jitter up to ``max_attempts`` attempts,
  then the message is marked ``failed`` (status in the store, an error log line, a counter);
* 403 (bot blocked, not in the roster, disabled by an admin) and 404 deactivate the
  conversation (``active: false`` in the ``conversations`` table), drop its queued messages
  (status ``deactivated``) and call ``on_deactivated(conversation_id, status)``;
* other 4xx, an unknown conversation (``LookupError``) and, in local mode, a conversation
  whose service URL is not on loopback fail at once.

Several instances on one database (PostgreSQL): every instance enqueues, only the sender
(:mod:`bot.sender_election`) dispatches. ``enqueue`` claims the key with ``Store.add`` (an
atomic insert-if-absent), so one key is one message even when two instances enqueue it at
once. An outbox made with ``poll_seconds`` keeps nothing in memory while it is not
dispatching (the message is in the table), and while dispatching it looks for messages other
instances enqueued every ``poll_seconds``. ``start`` (becoming the sender) reloads the queue
from the table, and a message this outbox finished is never dispatched by it again.

Exactly once: a message is marked ``sent`` in the store right after the sender returns and is
never sent again (the sent record keeps the key and status, not the content); on start, every
``queued`` message is resumed. The one at-least-once window
is between the Bot Connector's 200 and that mark (the HTTP response travelling back through
msrest and the turn pipeline, then one store write, a few milliseconds): a crash exactly there
re-sends that message after the restart. Nothing else can duplicate, and ``stop()`` lets sends
in flight finish and be marked before it returns, so a graceful restart never duplicates.

Time is injectable: ``monotonic`` (seconds) drives the rate limits and backoff, ``sleep`` is
the only way the outbox waits, and only the dispatcher task ever sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import heapq
import itertools
import logging
import math
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.conversations import ConversationDirectory
from bot.messenger import Messenger, NotLoopbackError
from dialogs.replies import Reply
from dialogs.store import Doc, Store
from scheduler.clock import Clock, SystemClock

log = logging.getLogger(__name__)

TABLE = "outbox"

Sender = Callable[[str, Reply], Awaitable[object]]
"""Sends one reply to one conversation; returns anything (a message id), raises on failure."""

OnDeactivated = Callable[[str, int], Awaitable[None]]
"""Told ``(conversation_id, http_status)`` when a conversation is deactivated."""

QUEUED, SENT, FAILED, DEACTIVATED = "queued", "sent", "failed", "deactivated"

THROTTLED = 429
DEACTIVATING = frozenset({403, 404})
TRANSIENT = frozenset({408, 412, 500, 502, 503, 504})

NS = 1_000_000_000


# --------------------------------------------------------------------------- errors


def classify(exc: BaseException, now: datetime | None = None) -> tuple[int | None, float | None]:
    """``(http_status, retry_after_seconds)`` of a failed send.

    botbuilder raises ``ErrorResponseException`` (an msrest ``HttpOperationError``) whose
    ``.response`` is the ``requests.Response`` with ``status_code`` and ``headers``; errors
    without an answer (connection refused, timeouts) come as msrest ``ClientRequestError`` and
    give ``(None, None)``, as does anything else without an HTTP status. ``Retry-After`` may be
    seconds or an HTTP date (relative to ``now``, default the current UTC time).
    """
    for candidate in _causes(exc):
        response = getattr(candidate, "response", None)
        for holder in (response, candidate):
            status = _status_of(holder)
            if status is not None:
                headers = getattr(holder, "headers", None)
                if headers is None and holder is not response and response is not None:
                    headers = getattr(response, "headers", None)
                return status, parse_retry_after(_header(headers, "Retry-After"), now)
    return None, None


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """``exc`` and the exceptions it wraps (msrest's ``inner_exception``, ``__cause__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        inner = getattr(current, "inner_exception", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__


def _status_of(holder: object) -> int | None:
    if holder is None:
        return None
    for name in ("status_code", "status"):
        value = getattr(holder, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    return None


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, Mapping):
        return None
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; requests' headers are not
        lowered = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == lowered), None)
    return None if value is None else str(value)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait for a ``Retry-After`` value (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


# --------------------------------------------------------------------------- rate limits


class TokenBucket:
    """A token bucket as GCRA (virtual scheduling) in integer nanoseconds.

    With ``burst=1`` sends are spaced at least ``1/rate`` apart, so any window of one second
    holds at most ``rate`` of them; a larger burst lets that many go at once after idling.
    """

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.interval = math.ceil(NS / rate)
        self.tolerance = (burst - 1) * self.interval
        self._tat: int | None = None  # theoretical arrival time of the next send

    def wait(self, now: int) -> int:
        """Nanoseconds until a token is available (0 if one is)."""
        if self._tat is None:
            return 0
        return max(0, self._tat - self.tolerance - now)

    def take(self, now: int) -> None:
        """Use a token (call only when :meth:`wait` is 0)."""
        self._tat = max(self._tat if self._tat is not None else now, now) + self.interval

    def pause_until(self, when: int) -> None:
        """No token before ``when`` (then one per interval again)."""
        self._tat = max(self._tat or when, when + self.tolerance)

    def idle(self, now: int) -> bool:
        """Full again: forgetting the bucket changes nothing."""
        return self._tat is None or self._tat <= now


# --------------------------------------------------------------------------- the outbox


@dataclass
class _Message:
    key: str
    conversation_id: str
    reply: Reply
    seq: int
    doc: Doc
    attempts: int = 0  # sends tried
    errors: int = 0  # transient failures (412/5xx/no answer)
    throttled: int = 0  # 429s
    not_before: int = 0  # monotonic ns


@dataclass
class _Counters:
    sent: int = 0
    retried: int = 0
    throttled: int = 0
    failed: int = 0
    deactivated: int = 0
    skipped: int = 0


class Outbox:
    """The app's single queue of proactive messages (see the module docstring).

    ``max_attempts`` counts attempts that end in a retryable error (412, 5xx, no answer);
    429s are counted apart and give up after ``max_throttled``. Backoff is
    ``backoff_base · 2^(n-1)`` seconds (at most ``backoff_max``) with equal jitter from
    ``rng``; a ``Retry-After`` is honoured up to ``max_retry_after`` seconds. ``clock`` gives
    the wall time for stored timestamps and HTTP-date ``Retry-After`` values.
    """

    def __init__(
        self,
        store: Store,
        sender: Sender | Messenger,
        *,
        conversations: ConversationDirectory | None = None,
        on_deactivated: OnDeactivated | None = None,
        per_conversation_rate: float = 7.0,
        global_rate: float = 30.0,
        max_in_flight: int = 16,
        max_attempts: int = 5,
        max_throttled: int = 20,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 600.0,
        stop_timeout: float = 15.0,
        poll_seconds: float | None = None,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        # The directory owns the conversations table; the outbox only marks refusals there.
        self.conversations = conversations or ConversationDirectory(store)
        self._send: Sender = sender.send if isinstance(sender, Messenger) else sender
        self.on_deactivated = on_deactivated
        self._per_conversation_rate = per_conversation_rate
        self._global = TokenBucket(global_rate)
        self._max_in_flight = max_in_flight
        self._max_attempts = max_attempts
        self._max_throttled = max_throttled
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._max_retry_after = max_retry_after
        self._stop_timeout = stop_timeout
        self._poll_seconds = poll_seconds
        self._clock: Clock = clock or SystemClock()
        self._monotonic = monotonic
        self._sleep = sleep
        self._rng = rng or random.Random()

        self._messages: dict[str, _Message] = {}  # queued or in flight, by key
        self._lanes: dict[str, deque[str]] = {}  # conversation -> keys in order
        self._buckets: dict[str, TokenBucket] = {}
        self._sweep_at = 256
        self._ready: list[tuple[int, int, str]] = []  # (ready ns, head seq, conversation)
        self._scheduled: set[str] = set()  # conversations in ``_ready``
        self._busy: set[str] = set()  # conversations with a send in flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._inactive: set[str] = set()  # deactivated, for conversations not in the store
        self._seq = itertools.count()
        self._enqueue_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._stopping = False
        self._seq_ready = False
        self._forgotten: set[str] = set()  # keys removed by forget(): never written again
        self._known: set[str] = set()  # keys in the table this dispatcher has looked at
        self._finished: set[str] = set()  # keys this dispatcher finished: never sent again
        self._poller: asyncio.Task[None] | None = None
        self._loading = False
        self._starts: deque[int] = deque()  # send starts in the last second (monotonic ns)
        self._max_per_second = 0
        self._counters = _Counters()

    # ----------------------------------------------------------------- public API

    async def enqueue(self, conversation_id: str, reply: Reply, *, key: str | None = None) -> bool:
        """Queue ``reply`` for ``conversation_id``; False if ``key`` was enqueued before.

        The same key is one message, whatever its state (queued, sent, failed), across
        restarts. Without a key every call is a new message.
        """
        key = key or f"msg:{uuid.uuid4().hex}"
        async with self._enqueue_lock:
            await self._init_seq()
            if key in self._messages:
                return False
            seq = next(self._seq)
            doc: Doc = {
                "conversation_id": conversation_id,
                "reply": {"text": reply.text, "card": reply.card},
                "status": QUEUED,
                "seq": seq,
                "attempts": 0,
                "enqueued": self._clock.now().isoformat(),
            }
            if self._poll_seconds is None or self.dispatching:
                self._known.add(key)  # before the write: the poll never takes it for another's
            if not await self.store.add(TABLE, key, doc):  # the claim: one key, one message
                self._known.discard(key)  # another's (or an old) message: the poll decides
                return False
            self._forgotten.discard(key)
            if self._poll_seconds is None or self.dispatching:
                self._add(_Message(key, conversation_id, reply, seq, doc))
        return True

    @property
    def dispatching(self) -> bool:
        """Whether this outbox sends (its dispatcher runs)."""
        return (self._dispatcher is not None or self._loading) and not self._stopping

    async def start(self, *, quiet_seconds: float = 0.0) -> None:
        """Resume the queued messages in the store and start sending; with
        ``quiet_seconds``, the first send waits that long (an instance taking the sender
        role over waits out the last second of the one before it, so no second of sends
        holds both)."""
        if self._dispatcher is not None:
            return
        if quiet_seconds > 0:
            self._global.pause_until(self._now_ns() + round(quiet_seconds * NS))
        self._stopping = False
        self._reset()
        self._loading = True  # enqueues from now on are dispatched here
        try:
            await self._load()
        finally:
            self._loading = False
        self._dispatcher = asyncio.create_task(self._dispatch(), name="outbox-dispatcher")
        if self._poll_seconds is not None:
            self._poller = asyncio.create_task(self._poll(), name="outbox-poll")

    async def stop(self) -> None:
        """Stop sending; sends in flight finish (and are marked) within ``stop_timeout``."""
        self._stopping = True
        self._wake.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._dispatcher is not None:
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._stop_timeout)
            for task in pending:  # left queued in the store: resumed at the next start
                task.cancel()
            if pending:
                log.warning("outbox stopped with %d sends unfinished", len(pending))
                await asyncio.wait(pending)

    async def join(self) -> None:
        """Wait until nothing is queued or in flight."""
        while self._messages:
            self._idle.clear()
            await self._idle.wait()

    def stats(self) -> dict[str, int]:
        """Counts for /healthz and benchmarks.

        ``running`` (1 while the dispatcher runs), ``queued`` and ``in_flight`` are now; the
        others count since this process started:
        ``sent``, ``retried`` (retries scheduled, 429s included), ``throttled`` (429s),
        ``failed`` (given up), ``deactivated`` (conversations), ``skipped`` (messages not
        sent because their conversation is deactivated) and ``max_per_second`` (the most
        sends started in any one second: at most ``global_rate``).
        """
        c = self._counters
        running = self._dispatcher is not None and not self._dispatcher.done()
        return {
            "running": int(running),
            "queued": len(self._messages),
            "in_flight": len(self._busy),
            "sent": c.sent,
            "retried": c.retried,
            "throttled": c.throttled,
            "failed": c.failed,
            "deactivated": c.deactivated,
            "skipped": c.skipped,
            "max_per_second": self._max_per_second,
        }

    async def status(self, key: str) -> str | None:
        """The stored status of message ``key`` (``queued``, ``sent``, ``failed`` …)."""
        doc = await self.store.get(TABLE, key)
        return None if doc is None else str(doc.get("status"))

    async def forget(self, drop: Callable[[str, Doc], bool]) -> int:
        """Remove every message that ``drop(key, stored document)`` picks, whatever its state,
        from the store and the queue ("slet mine data"); how many were stored. A send already
        in flight finishes, but nothing more about it is written."""
        removed = 0
        for key, doc in (await self.store.all(TABLE)).items():
            if drop(key, doc):
                self._forgotten.add(key)
                removed += await self.store.delete(TABLE, key)
        for key, message in list(self._messages.items()):
            if drop(key, message.doc):
                self._forgotten.add(key)
                self._remove(message)
        return removed

    async def purge(self, before: datetime) -> int:
        """Remove sent, failed and deactivated messages finished before ``before``."""
        removed = 0
        for key, doc in (await self.store.all(TABLE)).items():
            finished = doc.get("finished")
            if doc.get("status") == QUEUED or not finished:
                continue
            if datetime.fromisoformat(finished) < before:
                removed += await self.store.delete(TABLE, key)
        return removed

    # ----------------------------------------------------------------- queue state

    async def _init_seq(self) -> None:
        """Continue the enqueue order after the messages already in the store."""
        if self._seq_ready:
            return
        docs = await self.store.all(TABLE)
        top = max((int(d.get("seq", -1)) for d in docs.values()), default=-1)
        self._seq = itertools.count(top + 1)
        self._seq_ready = True

    def _reset(self) -> None:
        """Forget the in-memory queue before (again) dispatching: the table is the truth, and
        another instance may have sent what was queued here."""
        if self._poll_seconds is None:
            return
        self._messages.clear()
        self._lanes.clear()
        self._ready.clear()
        self._scheduled.clear()
        self._known.clear()
        self._finished.clear()
        self._seq_ready = False
        self._idle.set()

    async def _load(self) -> None:
        async with self._enqueue_lock:
            await self._init_seq()
        docs = await self.store.all(TABLE)
        self._known.update(docs)
        resumed = 0
        for key, doc in sorted(docs.items(), key=lambda item: int(item[1].get("seq", 0))):
            if doc.get("status") != QUEUED or key in self._messages:
                continue
            resumed += self._resume(key, doc)
        if resumed:
            log.info("outbox resumed %d queued messages", resumed)

    def _resume(self, key: str, doc: Doc) -> int:
        """Queue a stored message again (1), unless this outbox finished it (0)."""
        if key in self._finished or key in self._forgotten or key in self._messages:
            return 0
        reply = Reply(text=doc["reply"]["text"], card=doc["reply"].get("card"))
        message = _Message(key, doc["conversation_id"], reply, int(doc.get("seq", 0)), doc)
        message.attempts = int(doc.get("attempts", 0))
        message.errors = int(doc.get("errors", 0))
        message.throttled = int(doc.get("throttled", 0))
        self._add(message)
        return 1

    async def _poll(self) -> None:
        """While dispatching: every ``poll_seconds``, take up the messages that other
        instances enqueued (keys this outbox has not seen)."""
        assert self._poll_seconds is not None
        while not self._stopping:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.adopt()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: looking for new messages failed")

    async def adopt(self) -> int:
        """Queue the messages in the table that this outbox has not seen; how many."""
        adopted = 0
        for key in await self.store.keys(TABLE):
            if key in self._known:
                continue
            self._known.add(key)
            doc = await self.store.get(TABLE, key)
            if doc is not None and doc.get("status") == QUEUED and not self._stopping:
                adopted += self._resume(key, doc)
        if adopted:
            log.info("outbox took up %d messages enqueued by other instances", adopted)
        return adopted

    def _add(self, message: _Message) -> None:
        if message.key in self._messages:
            return
        self._messages[message.key] = message
        lane = self._lanes.setdefault(message.conversation_id, deque())
        lane.append(message.key)
        if len(lane) == 1:
            self._schedule(message.conversation_id)
        self._idle.clear()
        self._wake.set()

    def _schedule(self, conversation_id: str) -> None:
        """Put the conversation in the ready heap if its head message can be dispatched."""
        if conversation_id in self._scheduled or conversation_id in self._busy:
            return
        lane = self._lanes.get(conversation_id)
        if not lane:
            return
        head = self._messages[lane[0]]
        ready = self._ready_at(conversation_id, self._now_ns())
        heapq.heappush(self._ready, (ready, head.seq, conversation_id))
        self._scheduled.add(conversation_id)

    def _ready_at(self, conversation_id: str, now: int) -> int:
        head = self._messages[self._lanes[conversation_id][0]]
        bucket = self._buckets.get(conversation_id)
        wait = bucket.wait(now) if bucket else 0
        return max(head.not_before, now + wait)

    def _remove(self, message: _Message, *, finished: bool = True) -> None:
        if (
            finished
            and message.key not in self._forgotten
            and self._messages.get(message.key) is message
        ):
            self._finished.add(message.key)
        self._messages.pop(message.key, None)
        lane = self._lanes.get(message.conversation_id)
        if lane and message.key in lane:
            lane.remove(message.key)
        if lane is not None and not lane:
            del self._lanes[message.conversation_id]
        if not self._messages:
            self._idle.set()

    def _bucket(self, conversation_id: str, now: int) -> TokenBucket:
        bucket = self._buckets.get(conversation_id)
        if bucket is None:
            if len(self._buckets) >= self._sweep_at:
                self._buckets = {
                    c: b
                    for c, b in self._buckets.items()
                    if not b.idle(now) or c in self._busy or c in self._lanes
                }
                self._sweep_at = max(256, 2 * len(self._buckets))
            bucket = self._buckets[conversation_id] = TokenBucket(self._per_conversation_rate)
        return bucket

    def _now_ns(self) -> int:
        return round(self._monotonic() * NS)

    # ----------------------------------------------------------------- dispatcher

    async def _dispatch(self) -> None:
        """The only task that sleeps: hands each message to a send task when limits allow."""
        try:
            while not self._stopping:
                delay = self._dispatch_ready()
                if delay == 0:
                    # let the new send tasks start before anything else happens
                    await asyncio.sleep(0)
                    continue
                await self._wait(delay)
        except Exception:  # pragma: no cover - a bug; never lose the queue silently
            log.exception("outbox dispatcher crashed")
            raise

    def _dispatch_ready(self) -> float | None:
        """Start every send allowed now; 0 if some started, else seconds to wait (None: idle)."""
        started = 0
        while self._ready and len(self._busy) < self._max_in_flight:
            now = self._now_ns()
            ready, seq, conversation_id = self._ready[0]
            lane = self._lanes.get(conversation_id)
            if not lane or conversation_id in self._busy:
                heapq.heappop(self._ready)
                self._scheduled.discard(conversation_id)
                continue
            actual = self._ready_at(conversation_id, now)
            head_seq = self._messages[lane[0]].seq
            if (actual, head_seq) != (ready, seq) and actual > now:
                heapq.heapreplace(self._ready, (actual, head_seq, conversation_id))
                continue
            start = max(actual, now + self._global.wait(now))
            if start > now:
                return 0 if started else (start - now) / NS
            heapq.heappop(self._ready)
            self._scheduled.discard(conversation_id)
            self._global.take(now)
            self._count_start(now)
            self._bucket(conversation_id, now).take(now)
            self._busy.add(conversation_id)
            message = self._messages[lane[0]]
            task = asyncio.create_task(
                self._deliver(message), name=f"outbox-send-{_label(message)}"
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return 0 if started else None

    def _count_start(self, now: int) -> None:
        """Remember the busiest second of send starts (``max_per_second`` in :meth:`stats`)."""
        starts = self._starts
        starts.append(now)
        while starts[0] <= now - NS:
            starts.popleft()
        self._max_per_second = max(self._max_per_second, len(starts))

    async def _wait(self, delay: float | None) -> None:
        """Until something changes (enqueue, a send finished, stop) or ``delay`` passed."""
        if not self._wake.is_set():
            waiter = asyncio.ensure_future(self._wake.wait())
            waits: set[asyncio.Future[Any]] = {waiter}
            if delay is not None:
                waits.add(asyncio.ensure_future(self._sleep(delay)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for future in waits:
                    future.cancel()
        self._wake.clear()

    # ----------------------------------------------------------------- one send

    async def _deliver(self, message: _Message) -> None:
        conversation_id = message.conversation_id
        try:
            if await self._is_inactive(conversation_id):
                await self._finish(message, DEACTIVATED, reason="conversation deactivated")
                self._counters.skipped += 1
                return
            message.attempts += 1
            try:
                result = await self._send(conversation_id, message.reply)
            except asyncio.CancelledError:
                raise
            except NotLoopbackError:
                await self._fail(message, None, "local mode: service URL not on loopback")
                return
            except LookupError:
                await self._fail(message, None, "unknown conversation")
                return
            except Exception as exc:
                await self._failed_attempt(message, exc)
                return
            # Mark first: this write closes the at-least-once window.
            message_id = result if isinstance(result, str) else None
            await self._finish(message, SENT, message_id=message_id)
            self._counters.sent += 1
        except asyncio.CancelledError:
            raise
        except Exception:  # the store failed; keep the message for the next attempt/start
            log.exception("outbox: bookkeeping for %s failed", _label(message))
            self._remove(message, finished=False)
        finally:
            self._busy.discard(conversation_id)
            self._schedule(conversation_id)
            self._wake.set()

    async def _failed_attempt(self, message: _Message, exc: Exception) -> None:
        status, retry_after = classify(exc, self._clock.now())
        if status == THROTTLED:
            message.throttled += 1
            self._counters.throttled += 1
            if message.throttled >= self._max_throttled:
                await self._fail(message, status, f"throttled {message.throttled} times")
                return
            if retry_after is None:
                delay = self._backoff(message.throttled)
            else:
                delay = min(retry_after, self._max_retry_after)
            await self._retry(message, status, delay)
        elif status in DEACTIVATING:
            await self._deactivate(message, status)
        elif status is None or status in TRANSIENT:
            message.errors += 1
            if message.errors >= self._max_attempts:
                await self._fail(message, status, f"{type(exc).__name__}: {exc}"[:300])
                return
            await self._retry(message, status, self._backoff(message.errors))
        else:
            await self._fail(message, status, f"{type(exc).__name__}: {exc}"[:300])

    def _backoff(self, n: int) -> float:
        """Exponential backoff with equal jitter: between half and all of base·2^(n-1)."""
        full = min(self._backoff_max, self._backoff_base * 2.0 ** (n - 1))
        return full * (0.5 + 0.5 * self._rng.random())

    async def _retry(self, message: _Message, status: int | None, delay: float) -> None:
        self._counters.retried += 1
        message.not_before = self._now_ns() + round(delay * NS)
        log.info(
            "outbox: %s got %s, retry in %.2f s (attempt %d)",
            _label(message),
            status or "no answer",
            delay,
            message.attempts,
        )
        message.doc.update(
            attempts=message.attempts,
            errors=message.errors,
            throttled=message.throttled,
            last_error=status,
        )
        if message.key not in self._forgotten:
            await self.store.put(TABLE, message.key, message.doc)

    async def _fail(self, message: _Message, status: int | None, reason: str) -> None:
        self._counters.failed += 1
        log.error(
            "outbox: giving up on %s to %s after %d attempts (status %s)",
            _label(message),
            message.conversation_id,
            message.attempts,
            status or "no answer",
        )
        await self._finish(message, FAILED, reason=reason, last_error=status)

    async def _deactivate(self, message: _Message, status: int) -> None:
        conversation_id = message.conversation_id
        log.warning("outbox: conversation %s answered %d: deactivated", conversation_id, status)
        self._counters.deactivated += 1
        self._inactive.add(conversation_id)
        await self.conversations.deactivate(conversation_id, status, self._clock.now())
        await self._finish(message, DEACTIVATED, reason=f"HTTP {status}", last_error=status)
        for key in list(self._lanes.get(conversation_id, ())):
            await self._finish(self._messages[key], DEACTIVATED, reason="conversation deactivated")
            self._counters.skipped += 1
        if self.on_deactivated is not None:
            try:
                await self.on_deactivated(conversation_id, status)
            except Exception:
                log.exception("outbox: on_deactivated(%s) failed", conversation_id)

    async def _is_inactive(self, conversation_id: str) -> bool:
        inactive = await self.conversations.is_inactive(conversation_id)
        if inactive is None:
            return conversation_id in self._inactive
        if not inactive:
            self._inactive.discard(conversation_id)
        return inactive

    async def _finish(self, message: _Message, status: str, **fields: Any) -> None:
        message.doc.update(
            status=status,
            attempts=message.attempts,
            errors=message.errors,
            throttled=message.throttled,
            finished=self._clock.now().isoformat(),
            **fields,
        )
        if status == SENT:  # the key is the record; the content is no longer needed
            message.doc.pop("reply", None)
        try:
            if message.key not in self._forgotten:
                await self.store.put(TABLE, message.key, message.doc)
        finally:
            self._remove(message)


def _label(message: _Message) -> str:
    """A message as logs name it: its kind and number. Keys can name a user (``announce:
    <round>:<user>``), and a log line cannot be deleted with the user's data."""
    return f"{message.key.partition(':')[0]} #{message.seq}"
