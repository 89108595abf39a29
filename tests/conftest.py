"""Shared fixtures: the real content, an answerer, a manual clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Services
from content import Content, load_content
from dialogs.qa.answer import Answerer
from scheduler.clock import ManualClock
from tests import postgres
from tests.bot.teams import app_services
from tools.postgres_server import TempPostgres

TZ = ZoneInfo("Europe/Copenhagen")
TESTS = Path(__file__).resolve().parent

# Tests send turns as fast as a machine can, which the per-user turn limit (TURNS_PER_SECOND,
# 5 a second in production) would answer with "Du skriver lidt hurtigt". It is off here and in
# the bots that tests start as processes; tests/dialogs/test_text.py turns it on to test it.
os.environ.setdefault("TURNS_PER_SECOND", "0")

# Modules that start processes, browsers or generate thousands of inputs: `make test` runs
# them, `make unit` (-m "not e2e and not slow") does not.
SLOW = {
    "bot/test_fuzz.py": "hypothesis fuzzing of the HTTP endpoint and card submits",
    "bot/test_restart.py": "bot processes stopped and restarted",
    "bot/test_crash_submit.py": "a bot process killed mid-way",
    "bot/test_two_instances.py": "two bot processes on PostgreSQL, the sender killed mid fan-out",
    "bot/test_storage_crash.py": "writer processes killed mid-write",
    "bot/test_storm.py": "a throttling storm through a fake connector",
    "bot/test_load.py": "questions during a fan-out",
    "dialogs/status/test_html_chromium.py": "headless Chromium",
    "dialogs/status/test_cli.py": "command-line subprocesses",
    "dialogs/reminders/test_cli.py": "command-line subprocesses",
    "dialogs/test_cpr_everywhere.py": "a generated corpus: 76 CPR shapes through 38 input paths",
    "dialogs/reminders/test_atomic.py": "a failure injected at every step of every multi-write",
    "bot/test_tinydb.py": "a crash simulated at every fsync and rename of the file store",
    "bot/test_healthz.py": "20 000 stored conversations and pollers",
    "bot/test_http_limits.py": "raw sockets held open until server timeouts",
    "bot/test_logging.py": "bot processes started at two log levels",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of the :data:`SLOW` modules ``slow``; a moved module must be renamed
    here too, or ``make unit`` would silently run it."""
    missing = sorted(name for name in SLOW if not (TESTS / name).is_file())
    if missing:
        raise pytest.UsageError(f"tests/conftest.py SLOW lists missing modules: {missing}")
    for item in items:
        if Path(str(item.path)).resolve().relative_to(TESTS).as_posix() in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def answerer(content: Content) -> Answerer:
    return Answerer(content)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    """A throw-away PostgreSQL for the session (``tests/postgres.py``): started at first use,
    on a Unix socket in a temporary directory; fails the test where it cannot be had."""
    yield from postgres.session_server()


@pytest.fixture
def postgres_url(postgres_server: TempPostgres, request: pytest.FixtureRequest) -> str:
    """A database of the test's module on the session's server, empty for each test."""
    return postgres.fresh_database(postgres_server, postgres.database_name(request.node.nodeid))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))


@pytest.fixture
def services(clock: ManualClock, content: Content) -> Services:
    """The app's services in local mode over a ``MemoryStore``, on the manual clock (a module
    that needs other settings overrides it with :func:`tests.bot.teams.app_services`)."""
    return app_services(clock, content=content)
