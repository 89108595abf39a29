"""Fixtures of the bot tests: the fake Bot Connector of ``tools/fake_connector.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tools.fake_connector import FakeConnector


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """A fake Bot Connector on a free port of 127.0.0.1 that accepts everything; set
    ``script``, ``dead``, ``faults`` or ``any_path`` on it, or :meth:`~FakeConnector.hold`."""
    async with FakeConnector() as fake:
        yield fake
