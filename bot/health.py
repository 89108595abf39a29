"""What ``GET /healthz`` says, in constant time, and to whom.

Anyone gets liveness: ``{"status": "ok"}`` or ``{"status": "degraded"}`` – no paths, no counts.
Calls are paced (``Health.pace``): back-to-back pollers get at most 50 answers a second.
The details (authentication, tenants, warnings, storage, scheduler, outbox, writes, HTTP
limits, and whatever is added later) are shown only to a request from loopback (not forwarded
by a proxy) or one with ``Authorization: Bearer <HEALTHZ_TOKEN>``.

Nothing is computed per request from the stored data. The details are named sections
(:meth:`Health.add`), a dict that is easy to extend:

* a section is computed by :meth:`Health.refresh`, which the scheduler runs after every tick
  (and the app at start-up and when the write state changes), and served from memory; where
  no ticker runs (an instance that does not send), a request for the details refreshes them if
  they are older than a minute;
* a ``live=True`` section is read at each request: only for reads of a few counters in memory
  (the outbox's queue, the scheduler's state) that must be current, say for a test waiting
  until the outbox is idle.

Checks (:meth:`Health.add_check`) give the reasons the service is degraded – the last write
failed, the scheduler's last run failed – and must be O(1) too.
"""

from __future__ import annotations

import enum
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from aiohttp import hdrs, web

from bot.http_limits import HEALTHZ_PACE, Pacer

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60.0
"""Details older than this are computed again when asked for (the tick does it otherwise)."""

Section = Callable[[], Any]
Check = Callable[[], "str | None"]  # why the service is degraded now, or None

OK = "ok"
DEGRADED = "degraded"
FORWARDED = (hdrs.FORWARDED, hdrs.X_FORWARDED_FOR, hdrs.X_FORWARDED_HOST)


class Access(enum.Enum):
    """What a request to ``/healthz`` may see."""

    LIVENESS = "liveness"
    DETAILS = "details"
    REFUSED = "refused"  # a token was sent, and it is wrong


def from_loopback(request: web.BaseRequest) -> bool:
    """The peer is this machine, and no proxy says it forwarded the request for someone else."""
    if any(name in request.headers for name in FORWARDED):
        return False
    try:
        address = ipaddress.ip_address((request.remote or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class Health:
    """The liveness and the details of ``/healthz`` (see the module docstring)."""

    def __init__(
        self,
        token: str = "",
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token.encode("utf-8")
        self.max_age = max_age
        self.clock = clock
        self.pace = Pacer(HEALTHZ_PACE)  # every call waits its slot (bot/http_limits.py)
        self._refreshed = -math.inf
        self._sections: dict[str, Section] = {}
        self._live: dict[str, Section] = {}
        self._checks: list[Check] = []
        self._details: dict[str, Any] = {}
        self.refreshes = 0

    # -- what it shows ---------------------------------------------------------------------

    def add(self, name: str, compute: Section, *, live: bool = False) -> None:
        """Add (or replace) the section ``name`` of the details: ``compute()`` is run by
        :meth:`refresh`, or at each request with ``live=True`` (O(1) reads of memory only)."""
        self._sections.pop(name, None)
        self._live.pop(name, None)
        (self._live if live else self._sections)[name] = compute
        if not live:
            self._details.pop(name, None)

    def add_check(self, check: Check) -> None:
        """Add a reason the service can be degraded: ``check()`` says why, or None."""
        self._checks.append(check)

    def refresh(self) -> None:
        """Compute every section that is not live, now (a failing one says so, once)."""
        details: dict[str, Any] = {}
        for name, compute in self._sections.items():
            try:
                details[name] = compute()
            except Exception as exc:
                log.warning("health section %s failed", name, exc_info=True)
                details[name] = {"error": type(exc).__name__}
        self._details = details
        self._refreshed = self.clock()
        self.refreshes += 1

    # -- answers ---------------------------------------------------------------------------

    def reasons(self) -> list[str]:
        """Why the service is degraded now; empty when it is ok."""
        found = []
        for check in self._checks:
            try:
                reason = check()
            except Exception as exc:  # a broken check is itself a reason
                reason = f"health check failed: {type(exc).__name__}"
            if reason:
                found.append(reason)
        return found

    def liveness(self) -> dict[str, Any]:
        """What anyone may see: ``ok`` or ``degraded``."""
        return {"status": DEGRADED if self.reasons() else OK}

    def details(self) -> dict[str, Any]:
        """The status, its reasons and every section (from memory; refreshed here only if the
        scheduler has not done it for ``max_age`` seconds, as on an instance that does not send:
        at most once per ``max_age``, however many ask)."""
        if self.clock() - self._refreshed > self.max_age:
            self.refresh()
        reasons = self.reasons()
        body: dict[str, Any] = {"status": DEGRADED if reasons else OK, "reasons": reasons}
        body.update(self._details)
        for name, read in self._live.items():
            try:
                body[name] = read()
            except Exception as exc:
                body[name] = {"error": type(exc).__name__}
        return body

    def access(self, request: web.BaseRequest) -> Access:
        """What ``request`` may see: the details with the right token or from loopback;
        refused with a wrong token; liveness otherwise."""
        header = request.headers.get(hdrs.AUTHORIZATION)
        if header is not None:
            scheme, _, token = header.partition(" ")
            right = (
                bool(self._token)
                and scheme.lower() == "bearer"
                and hmac.compare_digest(token.strip().encode("utf-8"), self._token)
            )
            if right:
                return Access.DETAILS
            if self._token or not from_loopback(request):
                return Access.REFUSED
        return Access.DETAILS if from_loopback(request) else Access.LIVENESS
