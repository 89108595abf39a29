"""A local fake Bot Connector and Teams-shaped activities, for reliability tests and benches.

:class:`FakeConnector` is an aiohttp server on ``127.0.0.1`` (a free port) that takes what a
bot posts to ``{serviceUrl}v3/conversations/{id}/activities[/{replyToId}]``, answers it and
records every request as a :class:`Received` (conversation, text, what was answered, when).
It can misbehave the way the real service does:

* :class:`Faults`: a seeded share of sends is answered ``429`` (some with ``Retry-After``,
  some without) and another share ``502``/``504``, until a given time (the storm's end);
* ``dead``: conversations that always answer ``403`` or ``404`` (bot blocked, chat gone);
* ``script``: the next sends are answered from a list of ``(status, headers)``, in order,
  before anything else is decided (a ``429`` with ``Retry-After: 7``, then a ``403`` …);
* ``latency``: every answer waits a seeded random time in ``(low, high)`` seconds;
* :meth:`FakeConnector.hold`: requests wait unanswered until :meth:`FakeConnector.release`,
  so a bot can be killed while its send is in flight (the connector never accepted it);
* ``any_path``: POSTs to any other path are recorded as activities too (a fuzzed
  conversation id need not make a clean ``/v3/conversations/<id>/activities`` URL).

Only requests answered ``2xx`` count as delivered. :attr:`Received.at` is
``time.perf_counter()``; :func:`max_per_window` gives the busiest second of such times.

The activity builders make what Teams posts to a bot's ``/api/messages`` for a user in a
personal chat: user ``n`` is ``29:user-<n>`` with Entra ID object id ``aad-user-<n>`` in
conversation ``a:personal-<n>``; :func:`first_message` is such a message as botbuilder reads
it, for storing a conversation reference directly.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from botbuilder.schema import Activity

TENANT = "tenant-norddjurs"
BOT_ID = "28:strategibot"
BOT_NAME = "Strategibot"
TURN_PREFIX = "turn-"  # the ids of the activities built here
_ACTIVITIES_PATH = re.compile(
    r"/v3/conversations/(?P<conversation>[^/]+)/activities(?:/(?P<activity>[^/]+))?"
)

Answer = tuple[int, dict[str, str]]  # an HTTP status and its headers


def max_per_window(times: Iterable[float], width: float = 1.0) -> int:
    """The most events in any half-open window ``(t - width, t]`` (the busiest second)."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - width:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass(frozen=True)
class Received:
    """One activity a bot posted, and what the connector answered."""

    seq: int
    at: float  # time.perf_counter() when the request arrived
    conversation_id: str
    reply_to_id: str  # the activity replied to
    text: str
    summary: str
    has_card: bool
    status: int  # the HTTP status the connector answered
    body: dict[str, Any]
    answer_id: str = ""  # the id the connector gave an accepted activity ("" if refused)

    @property
    def delivered(self) -> bool:
        """The connector accepted it (the user sees it)."""
        return 200 <= self.status < 300

    @property
    def proactive(self) -> bool:
        """Not a reply to an activity built here (botbuilder gives a proactive message a
        ``replyToId`` of its own making)."""
        return not self.reply_to_id.startswith(TURN_PREFIX)

    @property
    def label(self) -> str:
        """What a user sees first: the text, else the notification summary of a form."""
        return self.text or self.summary


@dataclass
class Faults:
    """How often the connector refuses a send, while ``time.perf_counter() < until``.

    Of all sends, ``throttle`` are answered ``429`` (a ``retry_after_share`` of those with a
    ``Retry-After`` header taken from ``retry_after_values``) and ``transient`` are answered
    one of ``transient_statuses``; the rest are accepted.
    """

    throttle: float = 0.30
    retry_after_share: float = 0.5
    retry_after_values: tuple[str, ...] = ("1",)
    transient: float = 0.05
    transient_statuses: tuple[int, ...] = (502, 504)
    until: float = math.inf
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def decide(self) -> tuple[int, dict[str, str]]:
        """The status and headers for the next send."""
        if time.perf_counter() >= self.until:
            return 200, {}
        roll = self.rng.random()
        if roll < self.throttle:
            if self.rng.random() < self.retry_after_share:
                return 429, {"Retry-After": self.rng.choice(self.retry_after_values)}
            return 429, {}
        if roll < self.throttle + self.transient:
            return self.rng.choice(self.transient_statuses), {}
        return 200, {}


class FakeConnector:
    """A Bot Connector stand-in that records what it is sent (see the module docstring)."""

    def __init__(
        self,
        *,
        faults: Faults | None = None,
        dead: Mapping[str, int] | None = None,
        script: Sequence[Answer] = (),
        latency: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
        any_path: bool = False,
    ) -> None:
        self.faults = faults
        self.dead = dict(dead or {})
        self.script: list[Answer] = list(script)  # answered first, in order; may be refilled
        self.latency = latency
        self.any_path = any_path
        self.received: list[Received] = []
        self.unexpected: Counter[str] = Counter()
        self.url = ""
        self.busy = 0  # requests being handled now (held ones included)
        self._replies: defaultdict[str, list[Received]] = defaultdict(list)
        self._rng = random.Random(seed)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._gate = asyncio.Event()
        self._gate.set()
        self._held_status = 503
        self.held = 0  # requests waiting at the gate now

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the service URL (trailing slash)."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_route("*", "/{tail:.*}", self._other)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/"
        return self.url

    async def stop(self) -> None:
        """Stop listening (requests still held are answered first)."""
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeConnector:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- holding requests ------------------------------------------------------------------

    def hold(self, status: int = 503) -> None:
        """From now on, keep requests waiting; answer them ``status`` when released."""
        self._held_status = status
        self._gate.clear()

    def release(self) -> None:
        """Answer the held requests and stop holding."""
        self._gate.set()

    # -- what arrived ----------------------------------------------------------------------

    def delivered(self) -> list[Received]:
        """Every accepted activity, in arrival order."""
        return [r for r in self.received if r.delivered]

    def replies_to(self, activity_id: str) -> list[Received]:
        """Accepted replies to one incoming activity, in arrival order."""
        return [r for r in self._replies.get(activity_id, ()) if r.delivered]

    def per_conversation(self) -> dict[str, list[Received]]:
        """Every request by conversation, in arrival order."""
        grouped: dict[str, list[Received]] = {}
        for r in self.received:
            grouped.setdefault(r.conversation_id, []).append(r)
        return grouped

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str = "") -> None:
        """Wait until ``predicate()`` holds (checked after every request); TimeoutError else."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(
                f"timed out after {timeout} s waiting for {what or 'the connector'}; "
                f"{len(self.received)} requests, {len(self.delivered())} delivered"
            ) from None

    async def wait_for_requests(self, count: int, timeout: float) -> None:
        """Wait until at least ``count`` requests have arrived (answered or held)."""
        await self.wait_for(
            lambda: len(self.received) + self.held >= count, timeout, f"{count} requests"
        )

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (what arrived is all recorded)."""
        await self.wait_for(lambda: self.busy == 0, timeout, "the requests in progress")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- handlers --------------------------------------------------------------------------

    async def _post(self, request: web.Request) -> web.Response:
        self.busy += 1
        try:
            return await self._answer(request)
        finally:
            self.busy -= 1
            await self._notify()

    async def _answer(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        conversation = request.match_info.get("conversation")
        reply_to = request.match_info.get("activity")
        if conversation is None:  # ``any_path``: whatever the path says
            found = _ACTIVITIES_PATH.fullmatch(request.path)
            conversation = found["conversation"] if found else request.path
            reply_to = found["activity"] if found else None
        try:
            body = await request.json()
        except json.JSONDecodeError:
            self.unexpected["invalid JSON"] += 1
            return web.json_response({"error": "invalid JSON"}, status=400)
        except ConnectionError:  # the bot died halfway through its request
            self.unexpected["connection lost"] += 1
            return web.Response(status=400)
        if not isinstance(body, dict):
            body = {}
        status, headers = await self._decide(conversation)
        low, high = self.latency
        if high > 0:
            await asyncio.sleep(self._rng.uniform(low, high))
        attachments = body.get("attachments") or []
        received = Received(
            seq=len(self.received),
            at=arrived,
            conversation_id=conversation,
            reply_to_id=reply_to or str(body.get("replyToId") or ""),
            text=str(body.get("text") or ""),
            summary=str(body.get("summary") or ""),
            has_card=any(
                isinstance(a, dict) and "adaptive" in str(a.get("contentType")) for a in attachments
            ),
            status=status,
            body=body,
            answer_id=f"activity-{next(self._ids)}" if 200 <= status < 300 else "",
        )
        self.received.append(received)
        self._replies[received.reply_to_id].append(received)
        if received.delivered:
            return web.json_response({"id": received.answer_id})
        error = {"error": {"code": f"HTTP{status}", "message": "fake connector"}}
        return web.json_response(error, status=status, headers=headers)

    async def _decide(self, conversation: str) -> Answer:
        """The answer to one send: held, scripted, a dead chat, a fault, else 200."""
        if not self._gate.is_set():
            self.held += 1
            await self._notify()
            try:
                await self._gate.wait()
            finally:
                self.held -= 1
            return self._held_status, {}
        if self.script:
            return self.script.pop(0)
        if conversation in self.dead:
            return self.dead[conversation], {}
        if self.faults is not None:
            return self.faults.decide()
        return 200, {}

    async def _other(self, request: web.Request) -> web.Response:
        if self.any_path and request.method == "POST":
            return await self._post(request)
        self.unexpected[f"{request.method} {request.path}"] += 1
        return web.json_response({})


# --------------------------------------------------------------------------- activities

_activity_ids = itertools.count(1)


def new_activity_id() -> str:
    """A fresh, process-unique activity id."""
    return f"{TURN_PREFIX}{next(_activity_ids):07d}"


def user_account(n: int | str, name: str = "") -> dict[str, str]:
    """User ``n`` as Teams sends it in ``from``."""
    return {"id": f"29:user-{n}", "name": name or f"Leder {n}", "aadObjectId": f"aad-user-{n}"}


def personal_conversation(n: int | str) -> str:
    """The id of user ``n``'s personal chat with the bot."""
    return f"a:personal-{n}"


def personal_activity(
    n: int | str,
    service_url: str,
    *,
    text: str | None = None,
    value: Mapping[str, Any] | None = None,
    activity_id: str | None = None,
    name: str = "",
    conversation_id: str | None = None,
) -> dict[str, Any]:
    """A ``message`` from user ``n`` in their personal chat (``conversation_id``, else
    :func:`personal_conversation`): a text, or a card submit."""
    activity: dict[str, Any] = {
        "type": "message",
        "id": activity_id or new_activity_id(),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": user_account(n, name),
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {
            "id": conversation_id or personal_conversation(n),
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "da-DK",
    }
    if text is not None:
        activity["text"] = text
    if value is not None:
        activity["value"] = dict(value)
        activity["replyToId"] = "card-1"
    return activity


def first_message(n: int | str, service_url: str, conversation_id: str | None = None) -> Activity:
    """User ``n``'s "hej" in their personal chat as botbuilder reads it: what
    ``ConversationDirectory.remember`` keeps, so proactive messages can reach the chat."""
    hello = personal_activity(n, service_url, text="hej", conversation_id=conversation_id)
    activity: Activity = Activity().deserialize(hello)
    return activity
