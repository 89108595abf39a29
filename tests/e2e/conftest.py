"""End-to-end fixtures: the bot and Microsoft 365 Agents Playground as real processes.

* ``playground`` (per test): a connected :class:`tools.playground.PlaygroundClient`; everything
  the bot said before the test has been drained. Use ``playground.cfg`` for the chat ids.
* ``e2e_stack`` (per module, processes shared for the session): the running bot and playground.
* ``bot_command`` (per module): the bot's command line, :data:`BOT_COMMAND` by default. Override
  it in a test module to run the harness against another bot::

      @pytest.fixture(scope="module")
      def bot_command() -> list[str]:
          return [sys.executable, "bench/echo_bot.py"]

* ``e2e_stacks``: the session's factory; ``e2e_stacks.start(cmd)`` gives a fresh, unshared stack
  (new bot state, new playground) for tests that need one.
* ``own_stack`` (per module) and ``chat`` (per test, its client): such a fresh stack for the
  module, its bot started with ``own_env`` (``TEST_CLOCK=1`` by default; override ``own_env``
  in a module to add settings). ``own_stack.set_clock(...)`` moves the bot's clock.

Each bot gets a free port (``PORT``, ``HOST=127.0.0.1``), its own temporary ``DATA_DIR`` and an
empty ``MicrosoftAppId``; the playground gets a free port and ``BOT_ENDPOINT`` pointing at the bot.
Bot state persists across the tests of a session: make tests independent of each other (or use a
fresh stack). Logs are in pytest's temporary directory and attached to failing tests' reports.
Node.js/npm are required: without them the tests fail with a clear message (they are not skipped).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import AsyncIterator, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools.playground import (
    BotProcess,
    PlaygroundClient,
    PlaygroundError,
    PlaygroundProcess,
    ensure_node_modules,
    free_port,
    tail,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

#: The bot under test, unless a module overrides the ``bot_command`` fixture.
BOT_COMMAND: tuple[str, ...] = (sys.executable, "-m", "bot")

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e with ``e2e`` (deselect with ``-m "not e2e"``)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class E2EStack:
    """A running bot and a playground pointed at it."""

    bot: BotProcess
    playground: PlaygroundProcess
    data_dir: Path
    log_dir: Path

    @property
    def base_url(self) -> str:
        """The playground's API base URL."""
        return self.playground.base_url

    def check_alive(self) -> None:
        """Fail the test with the logs if the bot or the playground has died."""
        if not self.bot.is_running():
            pytest.fail(
                f"the bot exited (code {self.bot.returncode}):\n{self.bot.log_tail()}",
                pytrace=False,
            )
        if not self.playground.is_running():
            pytest.fail(f"the playground exited:\n{tail(self.playground.log_path)}", pytrace=False)

    def logs(self) -> str:
        """The end of both logs, for failure reports."""
        return (
            f"--- bot log ({self.bot.log_path}) ---\n{self.bot.log_tail(6000)}\n"
            f"--- playground log ({self.playground.log_path}) ---\n"
            f"{tail(self.playground.log_path, 3000)}"
        )

    def stop(self) -> None:
        """Stop the playground and the bot."""
        self.playground.stop()
        self.bot.stop()

    @contextlib.asynccontextmanager
    async def chat(
        self, request: pytest.FixtureRequest | None = None
    ) -> AsyncIterator[PlaygroundClient]:
        """A connected client of this stack's playground (the stack must be alive); with a
        test's ``request``, the test's failure report gets the stack's logs."""
        self.check_alive()
        if request is not None:
            request.node._e2e_stack = self
        async with PlaygroundClient(self.base_url) as client:
            yield client

    async def set_clock(self, now: str) -> dict[str, Any]:
        """``POST /_test/clock`` (a bot started with ``TEST_CLOCK=1``): move the bot's clock
        and run the scheduled job at once; the answer, with the job's ``outcomes``."""
        return await self.bot.set_clock(now)


class StackFactory:
    """Starts stacks; :meth:`get` shares one per bot command for the whole session."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._shared: dict[tuple[str, ...], E2EStack] = {}
        self._all: list[E2EStack] = []

    def get(self, command: Sequence[str]) -> E2EStack:
        """The session's shared stack for ``command`` (started on first use)."""
        key = tuple(command)
        if key not in self._shared:
            self._shared[key] = self.start(command)
        return self._shared[key]

    def start(
        self, command: Sequence[str], attempts: int = 3, env: Mapping[str, str] | None = None
    ) -> E2EStack:
        """A new stack of its own (stopped at the end of the session); ``env`` is added to
        the bot's environment."""
        root = self._tmp.mktemp("e2e")
        data_dir = root / "data"
        data_dir.mkdir()
        bot: BotProcess | None = None
        for attempt in range(attempts):  # a free port can be taken before the bot binds it
            candidate = BotProcess(
                command,
                port=free_port(),
                cwd=REPO_ROOT,
                env={"DATA_DIR": str(data_dir), **(env or {})},
                log_path=root / "bot.log",
            )
            try:
                bot = candidate.start()
                break
            except PlaygroundError:
                if attempt == attempts - 1:
                    raise
        assert bot is not None
        playground = PlaygroundProcess(REPO_ROOT, bot.endpoint, log_dir=root)
        try:
            playground.start()
        except BaseException:
            bot.stop()
            raise
        stack = E2EStack(bot, playground, data_dir, root)
        self._all.append(stack)
        return stack

    def close(self) -> None:
        """Stop every stack started."""
        for stack in self._all:
            stack.stop()
        self._all.clear()
        self._shared.clear()


@pytest.fixture(scope="session")
def e2e_stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackFactory]:
    """Session-wide factory of bot + playground stacks; checks Node.js and runs ``npm ci``."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found on PATH: the e2e tests need Node.js 20+ and npm "
            "for the Microsoft 365 Agents Playground (then 'npm ci' in the repository root). "
            'Deselect them with -m "not e2e".',
            pytrace=False,
        )
    ensure_node_modules(REPO_ROOT)
    factory = StackFactory(tmp_path_factory)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def bot_command() -> list[str]:
    """The bot's command line; override per module."""
    return list(BOT_COMMAND)


@pytest.fixture(scope="module")
def e2e_stack(e2e_stacks: StackFactory, bot_command: list[str]) -> E2EStack:
    """The session's running bot + playground for ``bot_command``."""
    return e2e_stacks.get(bot_command)


@pytest.fixture(scope="module")
def own_env() -> dict[str, str]:
    """The environment of the module's own bot (``own_stack``): the test clock on, so
    ``own_stack.set_clock`` works. Override it per module to add settings."""
    return {"TEST_CLOCK": "1"}


@pytest.fixture(scope="module")
def own_stack(e2e_stacks: StackFactory, own_env: dict[str, str]) -> E2EStack:
    """A bot and playground of the module's own (state shared with no other module)."""
    return e2e_stacks.start(BOT_COMMAND, env=own_env)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the bot's and the playground's logs to failing e2e tests."""
    report = yield
    stack = getattr(item, "_e2e_stack", None)
    if report.failed and isinstance(stack, E2EStack):
        report.sections.append(("e2e logs", stack.logs()))
    return report


def _client_of(name: str, stack_fixture: str, doc: str) -> Any:
    """The fixture ``name``: a connected client of the playground of ``stack_fixture``."""

    async def client_fixture(request: pytest.FixtureRequest) -> AsyncIterator[PlaygroundClient]:
        stack: E2EStack = request.getfixturevalue(stack_fixture)
        async with stack.chat(request) as client:
            yield client

    client_fixture.__doc__ = doc
    return pytest.fixture(name=name)(client_fixture)


playground = _client_of(
    "playground",
    "e2e_stack",
    "A connected client of the session's playground, drained of earlier bot messages.",
)
chat = _client_of(
    "chat", "own_stack", "``playground``, but of the module's own stack (``own_stack``)."
)
