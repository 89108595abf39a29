"""Injectable clocks: the system clock, and a manual one for tests."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class SystemClock:
    """The real time in a given time zone."""

    def __init__(self, tz: tzinfo = COPENHAGEN) -> None:
        self.tz = tz

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(self.tz)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        """The time the clock is set to."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta

    def set(self, when: datetime) -> None:
        """Set the clock to ``when``."""
        self._now = when
