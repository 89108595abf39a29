"""Shared fixtures: the real content, an answerer, a manual clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.settings import Settings
from content import Content, load_content
from dialogs.qa.answer import Answerer
from dialogs.qa.index import meaning_texts
from dialogs.qa.meaning import MeaningIndex, load_meaning

TZ = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def answerer(content: Content) -> Answerer:
    return Answerer(content)


@pytest.fixture(scope="session")
def meaning(content: Content) -> MeaningIndex:
    """The real meaning model over the real content (embeddings cached on disk)."""
    found = load_meaning(meaning_texts(content), Settings().meaning_cache_dir)
    assert found is not None, "the bundled embedding model must load in the test environment"
    return found


@pytest.fixture(scope="session")
def bot_answerer(content: Content, meaning: MeaningIndex) -> Answerer:
    """The answerer as the bot builds it: the index and the meaning model."""
    return Answerer(content, meaning)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))
