"""The every-minute job: runs each feature's due work in order and remembers how it went."""

from __future__ import annotations

import asyncio
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from scheduler.clock import ManualClock
from scheduler.ticker import Ticker

TZ = ZoneInfo("Europe/Copenhagen")


async def test_outcomes_of_every_feature_are_summed_in_order(clock: ManualClock) -> None:
    ran: list[str] = []

    async def reminders() -> Counter[str]:
        ran.append("reminders")
        return Counter(sent=2)

    async def status() -> Counter[str]:
        ran.append("status")
        return Counter(sent=1, nudged=3)

    ticker = Ticker([reminders, status], clock, TZ, 60)
    assert await ticker.tick() == {"sent": 3, "nudged": 3}
    assert ran == ["reminders", "status"]
    assert ticker.state.as_json() == {
        "last_run": clock.now().isoformat(),
        "last_outcomes": {"sent": 3, "nudged": 3},
        "last_error": None,
        "runs": 1,
        "failures": 0,
    }


async def test_a_failing_run_is_recorded_and_the_next_one_starts_clean(
    clock: ManualClock,
) -> None:
    fail = True

    async def flaky() -> Counter[str]:
        if fail:
            raise OSError("disk full")
        return Counter(sent=1)

    ticker = Ticker([flaky], clock, TZ, 60)
    with pytest.raises(OSError):
        await ticker.tick()
    assert (ticker.state.last_error, ticker.state.failures) == ("OSError", 1)
    fail = False
    assert await ticker.tick() == {"sent": 1}
    assert (ticker.state.last_error, ticker.state.runs, ticker.state.failures) == (None, 2, 1)


async def test_the_job_runs_at_start_then_on_its_interval_until_stopped(
    clock: ManualClock,
) -> None:
    ran = asyncio.Event()

    async def work() -> Counter[str]:
        ran.set()
        return Counter()

    ticker = Ticker([work], clock, TZ, 3600)
    assert ticker.as_json()["running"] is False
    ticker.start()
    try:
        await asyncio.wait_for(ran.wait(), timeout=10)  # the catch-up run at start
        state = ticker.as_json()
        assert state["running"] is True and state["runs"] == 1 and state["next_run"] is not None
    finally:
        ticker.stop()
    await asyncio.sleep(0)  # APScheduler's asyncio shutdown runs on the loop
    assert ticker.as_json()["running"] is False
