"""``python -m bot`` as a real process that tests and benches start, stop and kill.

:class:`LiveBot` runs the bot in its own process group on a free port of 127.0.0.1, in local
mode (no ``MicrosoftAppId``, every ``MicrosoftApp*`` variable of ours left out), with
``TEST_CLOCK=1`` (unless ``test_clock=False``) and the given ``DATA_DIR``, logging to a file,
and waits until ``/healthz`` answers 200. Everything is asynchronous, so a
:class:`~tools.fake_connector.FakeConnector` in the same event loop keeps answering the bot
while it starts and stops. :meth:`LiveBot.start` may be called again after
:meth:`LiveBot.terminate` (SIGTERM, a graceful stop) or :meth:`LiveBot.kill` (SIGKILL): that
is a restart on the same data directory. ``command`` runs another bot the same way (the echo
sample of ``bench/speed.py``: ``PORT`` and ``HOST`` are set for it too).

The synchronous :class:`tools.playground.BotProcess` starts the bot for the Agents Playground
(``make run``, ``tests/e2e``), where nothing else shares an event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from tools.playground import free_port, tail

ROOT = Path(__file__).resolve().parents[1]
DB_FILE = "strategibot.json"
BOT_COMMAND: tuple[str, ...] = (sys.executable, "-m", "bot")
CREDENTIALS = ("microsoftapp", "microsoft_app")  # prefixes of the variables left out


class BotExited(RuntimeError):
    """The bot process is not running when it should be."""


class LiveBot:
    """The bot under test as a subprocess (see the module docstring)."""

    def __init__(
        self,
        data_dir: Path,
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 30.0,
        command: Sequence[str] = BOT_COMMAND,
        name: str = "the bot",
        test_clock: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.command = list(command)
        self.name = name
        self.test_clock = test_clock
        self.port = 0
        self.starts = 0
        self.process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """The messaging endpoint, ``http://127.0.0.1:<port>/api/messages``."""
        return f"{self.base_url}/api/messages"

    @property
    def data_file(self) -> Path:
        """The name of the bot's TinyDB data (its files are in ``strategibot/`` next to it)."""
        return self.data_dir / DB_FILE

    @property
    def session(self) -> aiohttp.ClientSession:
        """An HTTP session for talking to the bot (open while it runs)."""
        if self._session is None:
            raise BotExited(f"{self.name} has not been started")
        return self._session

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.returncode is None

    def log_tail(self, limit: int = 4000) -> str:
        """The end of the bot's log."""
        return tail(self.log_path, limit)

    async def start(self) -> float:
        """Start the bot and wait until ``/healthz`` answers 200; returns the seconds it took."""
        if self.running():
            raise RuntimeError(f"{self.name} is running already")
        self.port = free_port()
        no_proxy = ",".join(x for x in (os.environ.get("NO_PROXY", ""), "127.0.0.1,localhost") if x)
        ours = {k: v for k, v in os.environ.items() if not k.lower().startswith(CREDENTIALS)}
        env = {
            # Tests and benchmarks send turns faster than a person: no per-user turn limit,
            # unless they ask for one (TURNS_PER_SECOND in ``env`` or their environment).
            "TURNS_PER_SECOND": "0",
            **ours,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "DATA_DIR": str(self.data_dir),
            **({"TEST_CLOCK": "1"} if self.test_clock else {}),
            "MicrosoftAppId": "",
            "MicrosoftAppPassword": "",
            "MicrosoftAppTenantId": "",  # nor a tenant boundary from a .env file
            "ALLOWED_TENANTS": "",
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
            **self.env,
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} ---\n".encode())
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False),
            timeout=aiohttp.ClientTimeout(total=900),
        )
        try:
            await self._wait_ready()
        except BaseException:
            await self.kill()
            raise
        return time.perf_counter() - started

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.base_url}/healthz"
        while time.monotonic() < deadline:
            if not self.running():
                raise BotExited(f"{self.name} exited during start-up:\n{self.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.05)
        raise BotExited(f"{self.name} did not answer {url} in time:\n{self.log_tail()}")

    def check_alive(self) -> None:
        """Raise :class:`BotExited` (with the log's end) if the process has exited."""
        if self.process is not None and self.process.returncode is not None:
            raise BotExited(
                f"{self.name} exited with status {self.process.returncode}\n{self.log_tail()}"
            )

    async def wait_closed(self, timeout: float = 10.0) -> None:
        """Wait until the bot no longer accepts connections: a stop has begun (a graceful one
        closes the port first, then lets the sends in flight finish)."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as probe:
            while time.monotonic() < deadline:
                try:
                    async with probe.get(
                        f"{self.base_url}/healthz", timeout=aiohttp.ClientTimeout(total=1)
                    ) as resp:
                        await resp.read()
                except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
                    return  # refused, reset or cut off by the stop
                except TimeoutError:
                    pass  # busy, not closed
                await asyncio.sleep(0.02)
        raise TimeoutError(f"{self.name} still accepts connections after {timeout} s")

    async def terminate(self, timeout: float = 20.0) -> int:
        """SIGTERM (a graceful stop); returns the exit status."""
        return await self._signal(signal.SIGTERM, timeout)

    async def kill(self) -> int:
        """SIGKILL: the process dies at once, wherever it is."""
        return await self._signal(signal.SIGKILL, 10.0)

    async def _signal(self, signum: int, timeout: float) -> int:
        process = self.process
        code = 0
        if process is not None:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signum)
                try:
                    await asyncio.wait_for(process.wait(), timeout)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    await process.wait()
            code = process.returncode if process.returncode is not None else 0
        if self._session is not None:
            await self._session.close()
            self._session = None
        return code

    # -- talking to the bot ----------------------------------------------------------------

    async def post(self, activity: Mapping[str, Any]) -> int:
        """POST one activity to ``/api/messages``; returns the HTTP status."""
        async with self.session.post(self.endpoint, json=activity) as resp:
            await resp.read()
            return resp.status

    async def set_clock(self, now: datetime | str) -> dict[str, int]:
        """``POST /_test/clock``: move the bot's clock and run the scheduled job; its outcomes."""
        when = now.isoformat() if isinstance(now, datetime) else now
        async with self.session.post(f"{self.base_url}/_test/clock", json={"now": when}) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"/_test/clock answered {resp.status}: {body}")
            outcomes: dict[str, int] = body["outcomes"]
            return outcomes

    async def healthz(self) -> dict[str, Any]:
        """``GET /healthz``."""
        async with self.session.get(f"{self.base_url}/healthz") as resp:
            body: dict[str, Any] = await resp.json()
            return body

    async def outbox_idle(self, timeout: float = 30.0) -> dict[str, int]:
        """Wait until the outbox has nothing queued or in flight; its stats."""
        deadline = time.monotonic() + timeout
        while True:
            stats: dict[str, int] = (await self.healthz())["outbox"]
            if stats["queued"] == 0 and stats["in_flight"] == 0:
                return stats
            if time.monotonic() > deadline:
                raise TimeoutError(f"the outbox is still busy: {stats}")
            await asyncio.sleep(0.05)
