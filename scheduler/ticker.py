"""The job that runs every minute: asks each feature to send what is due now.

The features decide (pure functions that take ``now``) and act; this module only runs them
in order on an interval, once at start-up as the catch-up after downtime, and remembers how
the last run went for ``/healthz``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.clock import Clock

DueWork = Callable[[], Awaitable[Counter[str]]]
JOB_ID = "due-work"


@dataclass
class TickState:
    """How the last run went."""

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
        """Record a run that raised (APScheduler logs the traceback)."""
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


class Ticker:
    """Runs the features' due work in order, every ``interval_seconds``."""

    def __init__(
        self, work: Sequence[DueWork], clock: Clock, tz: ZoneInfo, interval_seconds: int
    ) -> None:
        self.work = tuple(work)
        self.clock = clock
        self.interval_seconds = interval_seconds
        self.state = TickState()
        self.scheduler = AsyncIOScheduler(timezone=tz)
        self.after_run: list[Callable[[], None]] = []
        """Called after every run, failed or not (``/healthz`` refreshes its details here)."""

    async def tick(self) -> Counter[str]:
        """Run every feature's due work once; the outcomes summed."""
        started = self.clock.now()
        outcomes: Counter[str] = Counter()
        try:
            for work in self.work:
                outcomes.update(await work())
        except Exception as exc:
            self.state.failed(started, exc)
            raise
        else:
            self.state.done(started, outcomes)
        finally:
            for listener in self.after_run:
                listener()
        return outcomes

    def start(self) -> None:
        """Run now (the catch-up), then every interval; a late run is coalesced, never doubled."""
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval_seconds,
            next_run_time=datetime.now(self.scheduler.timezone),
            coalesce=True,
            max_instances=1,
            id=JOB_ID,
        )
        self.scheduler.start()

    def stop(self) -> None:
        """Stop producing; a run in progress finishes on its own."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def as_json(self) -> dict[str, Any]:
        """Whether the job runs, when next, and how the last run went."""
        job = self.scheduler.get_job(JOB_ID) if self.scheduler.running else None
        next_run = job.next_run_time.isoformat() if job and job.next_run_time else None
        return {"running": self.scheduler.running, "next_run": next_run, **self.state.as_json()}
