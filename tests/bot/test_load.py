"""The cost of a reminder fan-out, counted (not timed): it must grow linearly.

``bench/load.py`` measures Q&A latency while the bot fans out 1000 reminders. The scheduled
job runs on the event loop and the store never yields, so while it hands reminders to the
outbox no turn is answered. Here the work is counted instead of timed: how many stored
conversations the job parses for N reminders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import bot.conversations
from bot.storage import MemoryStore
from scheduler.clock import ManualClock
from tests.bot.teams import app_services
from tools.chairs import seed_chairs

TZ = ZoneInfo("Europe/Copenhagen")
MEETING = datetime(2027, 3, 10, 13, 0, tzinfo=TZ)
SEND_AT = datetime(2027, 3, 3, 9, 0, tzinfo=TZ)
CHAIRS = 60


async def test_a_fan_out_parses_each_conversation_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = MemoryStore()
    services = app_services(ManualClock(SEND_AT), store)
    repository = services.reminders.repository
    nowhere = "http://127.0.0.1:9/"  # the outbox is not started: nothing is sent
    await seed_chairs(services.conversations, repository, nowhere, CHAIRS, MEETING, SEND_AT)

    parses = 0
    parse: Callable[..., Any] = bot.conversations._parse

    def counting(*args: Any) -> Any:
        nonlocal parses
        parses += 1
        return parse(*args)

    monkeypatch.setattr(bot.conversations, "_parse", counting)
    outcomes = await services.tick()
    assert outcomes["sent"] == CHAIRS
    assert len(await store.all("outbox")) == CHAIRS
    print(f"\n{CHAIRS} reminders: {parses} conversations parsed")
    assert parses <= 3 * CHAIRS  # a few per reminder, not one per stored conversation
