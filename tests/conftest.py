"""Shared fixtures: the real content, an answerer, a manual clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from content import Content, load_content
from dialogs.qa.answer import Answerer

TZ = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def answerer(content: Content) -> Answerer:
    return Answerer(content)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))
