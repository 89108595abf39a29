"""Drive the Microsoft 365 Agents Playground (Microsoft's local Teams client) from Python.

The playground is the npm package ``@microsoft/m365agentsplayground`` (pinned in ``package.json``;
installed with ``npm ci``). It is a Node/Express server that mocks the Teams client *and* the Bot
Connector service: it POSTs Teams-shaped activities to the bot's ``/api/messages`` and accepts
the bot's replies on ``{serviceUrl}/v3/...``. A browser UI is served on the same port. This
module starts it (:class:`PlaygroundProcess`) and talks to its HTTP/websocket API
(:class:`PlaygroundClient`).

Everything below was read from the package's own code (``dist/index.js``, version 0.2.28) and
checked against a running instance.

Configuration of the process
----------------------------
* ``agentsplayground --port N``: the port (env ``TEAMSAPPTESTER_PORT``; default 56150). An occupied
  port silently falls back to a random one, and ``--port 0`` lets the OS choose. The actual port is
  printed as ``Listening on N`` (to stdout when stdout is not a TTY, and always to its log file);
  :class:`PlaygroundProcess` reads it from the log file, so parallel runs never clash. The server
  listens on all interfaces (no host option).
* ``BOT_ENDPOINT`` (or ``--app-endpoint``): the bot's messaging endpoint, default
  ``http://127.0.0.1:3978/api/messages``.
* ``TEAMSAPPTESTER_BROWSER=none``: do not try to open a browser.
* ``M365_AGENTS_PLAYGROUND_LOGFILE`` (alias ``TEAMSAPPTESTER_LOGFILE``): its log file
  (default ``./devTools/m365agentsplayground.log``; deleted and recreated at start).
  ``console.*`` output goes only there unless stdout is a TTY.
* ``--disable-telemetry``; ``M365_AGENTS_PLAYGROUND_CONFIG_PATH``: a ``.m365agentsplayground.yml``
  that replaces the mock tenant (users, team, channels, bot id/name); by default the file is looked
  for in the working directory, else built-in mock data is used.
* No auth: without ``--client-id`` it sends no ``Authorization`` header and accepts the bot's calls
  without a token, so the bot must run without ``MicrosoftAppId``/password. ``SIGTERM`` stops it.

Mock tenant (built-in)
----------------------
``GET /_internal/v1/config`` (:meth:`PlaygroundClient.config`). It blocks (up to 15 s) until the
bot endpoint accepts connections, so call it after the bot is up. Tenant
``00000000-0000-0000-0000-0000000000001``; bot ``00000000-0000-0000-0000-00000000000011``
("Test Bot"); current user ``user-id-0`` (Alex Wilber, aadObjectId ``...0020``), other users
``user-id-1``..``user-id-5`` (aadObjectId ``...0021``..``...0025``); a personal chat and a group
chat whose ids are new UUIDs at each start; team ``team-id`` whose General channel id is also
``team-id``, plus channel ``channel-announcements-id``.

What the bot receives
---------------------
Every activity has ``channelId: "msteams"``, ``serviceUrl: "http://localhost:<port>/_connector"``,
``recipient`` = the bot, ``conversation.tenantId`` and ``channelData.tenant.id`` = the tenant,
``from = {id, name, aadObjectId}``, ``locale: "en-US"``, a ``clientInfo`` entity and the header
``x-ms-agents-playground: true``.

* ``POST /_conversation/v1/conversations/{id}/messages`` (:meth:`PlaygroundClient.send`) sends a
  ``message``. **The sender is always the current user** (``user-id-0``): the ``from.id`` of the
  request is only checked for membership. Personal chat: ``conversation =
  {conversationType: "personal", id}``; always forwarded. Group chat: ``{conversationType:
  "groupChat", isGroup: true, id}``; channel: ``{conversationType: "channel", isGroup: true,
  id: "<channel>;messageid=<ts>"}`` (every root message opens a thread whose id is returned as
  ``postConversationId``), ``channelData`` adds ``teamsChannelId``, ``teamsTeamId``,
  ``team.id``, ``channel.id``. In group chats and channels the message reaches the bot **only
  if** ``mentions`` names the bot; the text is forwarded verbatim, so the bot sees
  ``"<at>Test Bot</at> hej"`` plus a ``mention`` entity (strip it with
  ``TurnContext.remove_recipient_mention``).
* ``POST /_conversation/v1/submit`` (:meth:`PlaygroundClient.submit`, an ``Action.Submit`` click)
  sends a ``message`` without text, with ``replyToId`` = the card message's id, ``value`` = exactly
  the posted value (the caller merges the action's ``data`` with the inputs, as Teams does) and
  ``channelData.source.name = "message"``. Here ``from`` *is* the given user. ``replyToId`` must be
  the id of a message stored in that conversation.
* ``POST /_conversation/v1/invoke`` (:meth:`PlaygroundClient.invoke`, what the UI sends for a
  search message extension and a card's ``Action.Execute``) sends an ``invoke`` with the given
  ``name`` and ``value`` from the given user (a member of the conversation) and answers with
  the bot's invoke response: for ``composeExtension/query`` ``{task, composeExtension}``, for
  ``adaptiveCard/action`` (``replyToId`` must be the card's message) ``{type, value}``, and then
  replaces the stored card with ``value`` when the message has exactly one attachment. A bot
  error is answered ``502``. The UI drops search results whose preview has a ``tap``, and never
  sends ``composeExtension/selectItem``: choosing a result puts its card in the compose box, and
  sending it is a message with ``attachments`` (:meth:`PlaygroundClient.insert`).
* ``POST /_debug/conversation/{id}/installation`` (:meth:`PlaygroundClient.install`) sends, at the
  same time and so in no fixed order, an ``installationUpdate`` (``action: "add"``,
  ``channelData.settings.selectedChannel``; for a team also ``channelData.team`` with name) and a
  ``conversationUpdate`` with ``membersAdded`` = [user, bot] in the personal chat, [bot] in a group
  chat or team (``channelData.eventType: "teamMemberAdded"`` in a team). Nothing is sent at start:
  the browser UI makes this call once per conversation when it is opened.
* ``POST /_internal/v1/customActivities`` (:meth:`PlaygroundClient.send_activity`) forwards any
  activity as is. :meth:`PlaygroundClient.send` uses it for users other than the current one.

What the bot may send back
--------------------------
The mock connector takes replies, proactive messages (``adapter.continue_conversation(reference,
callback, bot_app_id="")`` with a stored ``ConversationReference``: no token needed), updates
(``PUT``), typing, ``POST /v3/conversations`` (1:1 with the current user returns the personal chat
id; with another user a new ``<uuid>@test.user`` chat), member look-ups and team details. ``DELETE``
is not implemented. A proactive message to a channel id opens a new thread. Adaptive Cards
(``application/vnd.microsoft.card.adaptive``) are accepted and shown. Unlike Teams, a message
with text *and* attachments, or with several attachments, is split into one UI message for the
text and one per attachment (ids ``<ts>``, ``<ts>-<suffix>``, …) unless ``attachmentLayout`` is
``carousel``, and the bot gets ``202`` without an id (so it cannot later update it by id).
:class:`PlaygroundClient` puts such parts back together into one :class:`BotMessage`.

Websockets
----------
* ``/_ws_conversation/v1/conversations/stream``: what the UI shows. Frames ``{"action":
  "createMessage" | "updateMessage" | "typing", "actionConversationId": ..., "message": {messageId,
  timestamp, from, text, textFormat, attachments: [{contentType, content}], attachmentLayout,
  mentions, postConversationId?}}``. Only the bot's messages come here (not the user's own), and
  only for chats the current user is in (a 1:1 chat with another user never shows up). A reply in a
  channel thread has ``actionConversationId`` = the thread id; a new thread started by the bot has
  the channel id plus ``message.postConversationId``. The message id is the millisecond timestamp.
* ``/_ws/log/stream``: the UI's log panel: every request in both directions with full bodies,
  ``{"logAction": "appendLog", "log": {from, to, conversationId, request: {body}, response:
  {statusCode, body}, ...}}``; an activity to the bot is logged when the bot has answered (so it
  marks the end of the turn and carries the bot's status code), a call from the bot when the
  playground has answered it.
* While no client is connected, frames of both sockets are buffered and then all sent to the
  first client that connects; later clients only get new frames. :class:`PlaygroundClient`
  fences (see :meth:`PlaygroundClient.sync`) and drops those on connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypedDict

import aiohttp

__all__ = [
    "BotMessage",
    "BotProcess",
    "BotTurnError",
    "Channel",
    "NodeToolingError",
    "PlaygroundClient",
    "PlaygroundConfig",
    "PlaygroundError",
    "PlaygroundProcess",
    "SentActivity",
    "User",
    "ensure_node_modules",
    "free_port",
    "stop_process_group",
    "tail",
]

PLAYGROUND_BIN = "agentsplayground"
PLAYGROUND_TAB = "Microsoft 365 Agents Playground"  # the "from" of activities sent to the bot
POST_SEPARATOR = ";messageid="  # channel thread ids are "<channel id>;messageid=<root message id>"
_LISTENING_RE = re.compile(r"Listening on (\d+)")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


class PlaygroundError(RuntimeError):
    """The playground could not be started or did not answer as expected."""


class NodeToolingError(PlaygroundError):
    """Node.js or npm is missing, or ``npm ci`` failed."""


class BotTurnError(PlaygroundError):
    """The bot answered an activity from the playground with an HTTP error status."""


# --------------------------------------------------------------------------------------------
# node_modules


def _lock_path(repo_root: Path) -> Path:
    digest = hashlib.sha256(str(repo_root.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"strategibot-npm-{digest}.lock"


def _node_modules_current(repo_root: Path) -> bool:
    lock = repo_root / "package-lock.json"
    # npm writes node_modules/.package-lock.json on every install; it is the best timestamp.
    installed = repo_root / "node_modules" / ".package-lock.json"
    binary = repo_root / "node_modules" / ".bin" / PLAYGROUND_BIN
    if not installed.is_file() or not binary.exists():
        return False
    return not lock.is_file() or installed.stat().st_mtime >= lock.stat().st_mtime


def ensure_node_modules(repo_root: Path) -> None:
    """Run ``npm ci`` in ``repo_root`` if ``node_modules`` is missing or older than the lock.

    A file lock serialises concurrent callers (parallel test runs). Raises
    :class:`NodeToolingError` with a clear message if node/npm are missing or ``npm ci`` fails.
    """
    repo_root = repo_root.resolve()
    if not (repo_root / "package-lock.json").is_file():
        raise NodeToolingError(f"{repo_root / 'package-lock.json'} is missing")
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise NodeToolingError(
                f"'{tool}' was not found on PATH. The Teams end-to-end harness needs Node.js 20+ "
                "and npm (e.g. 'apt-get install nodejs npm'), then 'npm ci' in the repository."
            )
    if _node_modules_current(repo_root):
        return
    with _lock_path(repo_root).open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if _node_modules_current(repo_root):  # another process installed it meanwhile
            return
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=repo_root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise NodeToolingError(
                f"'npm ci' failed in {repo_root} (exit {result.returncode}):\n"
                f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
            )
        if not _node_modules_current(repo_root):
            raise NodeToolingError(f"'npm ci' did not install {PLAYGROUND_BIN} in {repo_root}")


# --------------------------------------------------------------------------------------------
# Process


def tail(path: Path, limit: int = 4000) -> str:
    """The last ``limit`` characters of a (log) file, or "" if it cannot be read."""
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def stop_process_group(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process group led by ``proc`` (started with ``start_new_session``), then
    SIGKILL it if it has not exited within ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class BotProcess:
    """A bot (any command) as a subprocess in its own process group, ready once ``/healthz`` = 200.

    The environment gets ``PORT``, ``HOST``, an empty ``MicrosoftAppId``/``MicrosoftAppPassword``
    (the playground does no auth; the bot then listens and replies on loopback only), an empty
    ``MicrosoftAppTenantId``/``ALLOWED_TENANTS`` (the playground has its own mock tenant),
    ``PYTHONUNBUFFERED=1`` and loopback in ``NO_PROXY``, then ``env``. Output goes to
    ``log_path``, or to the console if it is ``None``.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        port: int,
        host: str = "127.0.0.1",
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        health_path: str = "/healthz",
        startup_timeout: float = 30.0,
    ) -> None:
        self.command = list(command)
        self.port = port
        self.host = host
        self.cwd = cwd
        self.env = dict(env or {})
        self.log_path = log_path
        self.health_path = health_path
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """The messaging endpoint to give the playground."""
        return f"{self.base_url}/api/messages"

    @property
    def returncode(self) -> int | None:
        """Exit code once the process has exited, else ``None``."""
        return self._proc.poll() if self._proc is not None else None

    def is_running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    async def set_clock(self, now: str) -> dict[str, Any]:
        """``POST /_test/clock`` (a bot started with ``TEST_CLOCK=1``): move the bot's clock
        to ``now`` (ISO 8601) and run its scheduled job at once; the answer, with the job's
        ``outcomes``."""
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.base_url}/_test/clock", json={"now": now}) as response,
        ):
            if response.status != 200:
                raise PlaygroundError(f"/_test/clock answered {response.status}: "
                                      f"{await response.text()}")  # fmt: skip
            result: dict[str, Any] = await response.json()
            return result

    def log_tail(self, limit: int = 4000) -> str:
        """The end of the bot's log ("" when it logs to the console)."""
        return tail(self.log_path, limit) if self.log_path is not None else ""

    def start(self, wait: bool = True) -> Self:
        """Start the bot; with ``wait`` block until its health check answers 200."""
        env = dict(os.environ)
        no_proxy = ",".join(x for x in (env.get("NO_PROXY", ""), "127.0.0.1,localhost") if x)
        env.update(
            {
                "PORT": str(self.port),
                "HOST": self.host,
                "MicrosoftAppId": "",
                "MicrosoftAppPassword": "",
                "MicrosoftAppTenantId": "",  # the playground's mock tenant is not ours
                "ALLOWED_TENANTS": "",
                "PYTHONUNBUFFERED": "1",
                "NO_PROXY": no_proxy,
                "no_proxy": no_proxy,
            }
        )
        env.update(self.env)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log is not None else None,
            start_new_session=True,
        )
        if wait:
            try:
                self.wait_ready()
            except BaseException:
                self.stop()
                raise
        return self

    def wait_ready(self) -> None:
        """Poll the health check until it answers 200; fail early if the process exits."""
        url = f"{self.base_url}{self.health_path}"
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if _http_ok(url):
                return
            if not self.is_running():
                raise PlaygroundError(
                    f"the bot {self.command} exited with code {self.returncode} before {url} "
                    f"answered\n--- bot log ---\n{self.log_tail()}"
                )
            time.sleep(0.05)  # polling interval while waiting for the port
        raise PlaygroundError(
            f"the bot {self.command} did not answer {url} within {self.startup_timeout} s"
            f"\n--- bot log ---\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the bot's process group (SIGTERM, then SIGKILL)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process_group(proc, timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class PlaygroundProcess:
    """The playground as a subprocess (its own process group), usable as a context manager.

    ``port=None`` lets the OS choose a free port; the chosen port is read from the playground's
    log. A given port that is taken makes the playground fall back to a random one, which is
    reported in :attr:`port` as well. Logs go to ``log_dir`` (a new temporary directory by
    default): ``playground.log`` (the playground's own log) and ``playground.stdio.log``
    (stdout/stderr), unless ``console=True``, which leaves stdout/stderr on the console.
    """

    def __init__(
        self,
        repo_root: Path,
        bot_endpoint: str,
        *,
        port: int | None = None,
        log_dir: Path | None = None,
        console: bool = False,
        config_path: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.repo_root = repo_root.resolve()
        self.bot_endpoint = bot_endpoint
        self.requested_port = port
        self.log_dir = log_dir
        self.console = console
        self.config_path = config_path
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdio: Any = None

    @property
    def binary(self) -> Path:
        """The pinned playground CLI in ``node_modules/.bin``."""
        return self.repo_root / "node_modules" / ".bin" / PLAYGROUND_BIN

    @property
    def log_path(self) -> Path:
        """The playground's own log file."""
        if self.log_dir is None:
            raise PlaygroundError("the playground has not been started")
        return self.log_dir / "playground.log"

    @property
    def stdio_log_path(self) -> Path:
        """Where stdout/stderr of the process go (unless ``console=True``)."""
        if self.log_dir is None:
            raise PlaygroundError("the playground has not been started")
        return self.log_dir / "playground.stdio.log"

    @property
    def base_url(self) -> str:
        """Base URL of the playground's API (``http://127.0.0.1:<port>``)."""
        if self.port is None:
            raise PlaygroundError("the playground has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def browser_url(self) -> str:
        """URL of the chat UI, as the playground itself prints it."""
        if self.port is None:
            raise PlaygroundError("the playground has not been started")
        return f"http://localhost:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id of the playground (also its process group id)."""
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Start the playground and wait until it answers ``GET /_debug/ping``."""
        if self._proc is not None:
            raise PlaygroundError("the playground is already started")
        if not self.binary.exists():
            raise NodeToolingError(f"{self.binary} is missing: run ensure_node_modules() first")
        if self.log_dir is None:
            self.log_dir = Path(tempfile.mkdtemp(prefix="agentsplayground-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.unlink(missing_ok=True)  # a stale "Listening on" must not be read

        env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS}
        env.update(
            {
                "TEAMSAPPTESTER_BROWSER": "none",
                "BOT_ENDPOINT": self.bot_endpoint,
                "M365_AGENTS_PLAYGROUND_LOGFILE": str(self.log_path),
                "DEFAULT_CHANNEL_ID": "msteams",
            }
        )
        if self.config_path is not None:
            env["M365_AGENTS_PLAYGROUND_CONFIG_PATH"] = str(self.config_path.resolve())
        env.update(self.extra_env)
        port = 0 if self.requested_port is None else self.requested_port
        cmd = [str(self.binary), "--port", str(port), "--disable-telemetry"]
        if self.console:
            stdout: Any = None
        else:
            self._stdio = self.stdio_log_path.open("ab")
            stdout = self._stdio
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.repo_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout is not None else None,
            start_new_session=True,
        )
        try:
            self.port = self._wait_for_port()
            self._wait_for_ping()
        except BaseException:
            self.stop()
            raise
        return self

    def _fail(self, reason: str) -> PlaygroundError:
        details = tail(self.log_path)
        if not self.console:
            details += tail(self.stdio_log_path)
        return PlaygroundError(f"{reason}\n--- playground log ---\n{details}")

    def _wait_for_port(self) -> int:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            match = _LISTENING_RE.search(tail(self.log_path, 100_000))
            if match:
                return int(match.group(1))
            if self._proc.poll() is not None:
                raise self._fail(f"the playground exited with code {self._proc.returncode}")
            time.sleep(0.05)  # polling interval while waiting for the port
        raise self._fail(f"the playground did not start within {self.startup_timeout} s")

    def _wait_for_ping(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.base_url}/_debug/ping"
        while time.monotonic() < deadline:
            if _http_ok(url):
                return
            if self._proc.poll() is not None:
                raise self._fail(f"the playground exited with code {self._proc.returncode}")
            time.sleep(0.05)  # polling interval while waiting for the port
        raise self._fail(f"the playground did not answer {url} within {self.startup_timeout} s")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the playground: SIGTERM to its process group, SIGKILL if it lingers."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process_group(proc, timeout)
        if self._stdio is not None:
            self._stdio.close()
            self._stdio = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class User:
    """A user of the mock tenant."""

    id: str
    name: str
    aad_object_id: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Channel:
    """A channel of the mock team (the General channel's id equals the team id)."""

    id: str
    name: str
    team_id: str


@dataclass(frozen=True)
class PlaygroundConfig:
    """The mock tenant, from ``GET /_internal/v1/config``."""

    tenant_id: str
    bot_id: str
    bot_name: str
    current_user: User
    users: tuple[User, ...]  # every user, the current user first
    personal_chat_id: str  # a new UUID at each start of the playground
    group_chat_id: str
    group_chat_members: tuple[str, ...]
    team_id: str
    team_name: str
    channels: tuple[Channel, ...]
    channel_id: str  # the General channel (== team id)
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlaygroundConfig:
        """Parse the JSON answer of ``/_internal/v1/config``."""
        config = data["config"]

        def user(item: Mapping[str, Any]) -> User:
            return User(item["id"], item["name"], item.get("aadObjectId", ""), item)

        current = user(config["currentUser"])
        team = config["teams"][0]
        channels = tuple(Channel(c["id"], c["name"], team["id"]) for c in team["channels"])
        group = config["groupChats"][0]
        return cls(
            tenant_id=config["tenantId"],
            bot_id=config["bot"]["id"],
            bot_name=config["bot"]["name"],
            current_user=current,
            users=(current, *(user(u) for u in config["users"])),
            personal_chat_id=config["personalChat"]["id"],
            group_chat_id=group["id"],
            group_chat_members=(current.id, *group["members"]),
            team_id=team["id"],
            team_name=team["name"],
            channels=channels,
            channel_id=channels[0].id,
            raw=data,
        )

    def user(self, user_id: str) -> User:
        """Look a user up by id."""
        for candidate in self.users:
            if candidate.id == user_id:
                return candidate
        raise KeyError(f"no user {user_id!r} in the playground (have {[u.id for u in self.users]})")

    def channel_of(self, conversation_id: str) -> Channel | None:
        """The channel of a channel or channel-thread conversation id, else ``None``."""
        root = conversation_id.split(POST_SEPARATOR, 1)[0]
        return next((c for c in self.channels if c.id == root), None)

    def kind(self, conversation_id: str) -> Literal["personal", "groupChat", "channel", "other"]:
        """The conversation type of an id known from the config."""
        if conversation_id == self.personal_chat_id:
            return "personal"
        if conversation_id == self.group_chat_id:
            return "groupChat"
        if self.channel_of(conversation_id) is not None:
            return "channel"
        return "other"


# --------------------------------------------------------------------------------------------
# Client


class BotMessage(TypedDict):
    """One activity the bot sent (a message or an update), as Teams would show it."""

    id: str  # the message id; with attachments, the id of the first card (use it as replyToId)
    part_ids: list[str]  # ids of all messages the playground made of it (see "splits" above)
    action: Literal["createMessage", "updateMessage"]
    conversation_id: str  # where it lives: the thread id for channel messages
    text: str | None
    text_format: str | None
    attachments: list[dict[str, Any]]  # [{"contentType": ..., "content": {...}}]
    attachment_layout: str | None
    from_id: str
    timestamp: int | None  # milliseconds since the epoch
    source: Literal["ui", "connector"]  # conversation websocket, or the log of connector calls
    raw: dict[str, Any]  # the activity as the bot sent it ({} if unknown)
    frames: list[dict[str, Any]]  # the conversation websocket's "message" objects ([] if none)


def said(message: BotMessage) -> str:
    """What a message says first: its text, or the notification summary of a card that says
    the text itself (the bot sends a card's text once: see ``bot/activities.py``)."""
    return str(message["text"] or message["raw"].get("summary") or "")


@dataclass(frozen=True)
class SentActivity:
    """Something sent towards the bot; pass it to :meth:`PlaygroundClient.wait_for_turn`."""

    kind: str  # "message", "submit", "installationUpdate", "conversationUpdate", "custom"
    conversation_id: str  # where the bot will answer (the thread id for channel messages)
    message_id: str | None  # the id the playground gave the user's message, if any
    text: str | None  # the text as sent (with the "<at>…</at>" tag if the bot was mentioned)
    forwarded: bool  # False: the playground keeps it without sending it to the bot
    matcher: Callable[[Mapping[str, Any]], bool] = field(repr=False, compare=False)
    log_cursor: int = field(repr=False, compare=False, default=0)


_Source = Literal["ui", "connector"]
_Key = tuple[str, int]  # ("ui" | "log", sequence number of the frame)


class _Frame(TypedDict):
    seq: int
    data: dict[str, Any]


def _json(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PlaygroundClient:
    """Async client for a running playground: send as a user, read the bot's messages.

    Use ``async with PlaygroundClient(base_url) as client:``. On connect it opens both websockets,
    drops everything the playground had buffered (see :meth:`sync`) and loads :meth:`config`.
    Bot messages are kept in arrival order; each ``wait_for_*`` call consumes what it returns, so
    consecutive waits see consecutive messages. :meth:`drain` discards everything not yet consumed.
    """

    def __init__(self, base_url: str, *, default_timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.default_timeout = default_timeout
        self._session: aiohttp.ClientSession | None = None
        self._ui_ws: aiohttp.ClientWebSocketResponse | None = None
        self._log_ws: aiohttp.ClientWebSocketResponse | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._ui_frames: list[_Frame] = []
        self._log_frames: list[_Frame] = []
        self._consumed: set[tuple[str, int]] = set()
        self._seq = 0
        self._changed = asyncio.Condition()
        self._config: PlaygroundConfig | None = None
        self._closed_error: BaseException | None = None
        self._error_floor = 0  # bot errors in log frames up to this seq are not reported
        self._align_floor = 0  # frames up to this seq predate the client: not reassembled
        self._reported_errors: set[int] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def connect(self, *, drain: bool = True) -> Self:
        """Open the HTTP session and both websockets; then fence and (by default) drain."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            self._ui_ws = await self._session.ws_connect(
                f"{self.base_url}/_ws_conversation/v1/conversations/stream", heartbeat=None
            )
            self._log_ws = await self._session.ws_connect(
                f"{self.base_url}/_ws/log/stream", heartbeat=None
            )
            self._readers = [
                asyncio.create_task(self._read(self._ui_ws, self._ui_frames)),
                asyncio.create_task(self._read(self._log_ws, self._log_frames)),
            ]
            await self.config()
            await self.sync()
            self._align_floor = self._seq
            if drain:
                await self.drain()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close websockets and the HTTP session."""
        for task in self._readers:
            task.cancel()
        for task in self._readers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._readers = []
        for ws in (self._ui_ws, self._log_ws):
            if ws is not None:
                await ws.close()
        self._ui_ws = self._log_ws = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return await self.connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, frames: list[_Frame]) -> None:
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = _json(msg.data)
                if data is None:
                    continue
                async with self._changed:
                    self._seq += 1
                    frames.append({"seq": self._seq, "data": data})
                    self._changed.notify_all()
        finally:
            async with self._changed:
                if self._closed_error is None:
                    self._closed_error = PlaygroundError("a playground websocket closed")
                self._changed.notify_all()

    @property
    def http(self) -> aiohttp.ClientSession:
        """The underlying HTTP session (for calls this client does not wrap)."""
        if self._session is None:
            raise PlaygroundError("the client is not connected")
        return self._session

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(method, f"{self.base_url}{path}", json=body) as response:
            text = await response.text()
            if response.status >= 400:
                raise PlaygroundError(f"{method} {path} -> {response.status}: {text}")
            return json.loads(text) if text else None

    # -- configuration -----------------------------------------------------------------------

    async def config(self, *, refresh: bool = False) -> PlaygroundConfig:
        """The mock tenant (cached). Blocks until the bot endpoint accepts connections."""
        if self._config is None or refresh:
            self._config = PlaygroundConfig.from_json(
                await self._request("GET", "/_internal/v1/config")
            )
        return self._config

    @property
    def cfg(self) -> PlaygroundConfig:
        """The cached config (available once connected)."""
        if self._config is None:
            raise PlaygroundError("the client is not connected")
        return self._config

    @property
    def connector_url(self) -> str:
        """The mock Bot Connector (the ``serviceUrl`` the bot gets, on 127.0.0.1)."""
        return f"{self.base_url}/_connector"

    # -- sending -----------------------------------------------------------------------------

    def _at(self) -> str:
        return f"<at>{self.cfg.bot_name}</at>"

    async def send(
        self,
        conversation_id: str,
        text: str,
        user: str = "user-id-0",
        mention_bot: bool = False,
    ) -> SentActivity:
        """Send ``text`` as ``user`` into a conversation, like typing it in the Teams client.

        With ``mention_bot`` the text is prefixed with ``<at>Test Bot</at> `` and a mention entity
        is added (needed in group chats and channels, where only mentions reach the bot). A root
        message in a channel opens a thread; the bot answers there (``conversation_id`` of the
        result). The current user's messages go through the playground's own endpoint; since that
        always sends them as the current user, messages of other users are built like it and sent
        as custom activities (in a channel the thread is first opened by the current user, without
        a mention). The personal chat belongs to the current user: for another user's 1:1 chat get
        an id from :meth:`personal_chat`.
        """
        cfg = self.cfg
        sender = cfg.user(user)
        kind = cfg.kind(conversation_id)
        full_text = f"{self._at()} {text}" if mention_bot else text
        reaches_bot = mention_bot or kind in ("personal", "other")
        if sender.id == cfg.current_user.id and kind != "other":
            body: dict[str, Any] = {
                "from": {"id": sender.id},
                "text": full_text,
                "textFormat": "plain",
            }
            if mention_bot:
                body["mentions"] = [{"mentioned": {"id": cfg.bot_id}, "text": self._at()}]
            cursor = len(self._log_frames)
            path = f"/_conversation/v1/conversations/{conversation_id}/messages"
            answer = await self._request("POST", path, body)
            target = answer.get("postConversationId") or conversation_id

            def matcher(activity: Mapping[str, Any]) -> bool:
                return (
                    activity.get("type") == "message"
                    and activity.get("conversation", {}).get("id") == target
                    and activity.get("text") == full_text
                )

            return SentActivity(
                "message", target, answer.get("messageId"), full_text, reaches_bot, matcher, cursor
            )

        if kind == "personal":
            raise ValueError(
                f"the personal chat belongs to {cfg.current_user.id}; use "
                f"await client.personal_chat({user!r}) for {user}'s 1:1 chat with the bot"
            )
        target = conversation_id
        message_id: str | None = None
        if kind == "channel" and POST_SEPARATOR not in conversation_id:
            path = f"/_conversation/v1/conversations/{conversation_id}/messages"
            opened = await self._request(
                "POST",
                path,
                {"from": {"id": cfg.current_user.id}, "text": text, "textFormat": "plain"},
            )
            target = opened["postConversationId"]
            message_id = opened.get("messageId")
        if not reaches_bot:
            return SentActivity(
                "message", target, message_id, full_text, False, lambda _a: False, 0
            )
        activity = await self.build_message(target, full_text, user=user, mention_bot=mention_bot)
        sent = await self.send_activity(activity)
        return SentActivity(
            "message", target, message_id, full_text, True, sent.matcher, sent.log_cursor
        )

    async def build_message(
        self, conversation_id: str, text: str, *, user: str, mention_bot: bool = False
    ) -> dict[str, Any]:
        """A message activity shaped like the ones the playground sends (for custom sends)."""
        cfg = self.cfg
        sender = cfg.user(user)
        template = await self._request(
            "GET", f"/_internal/v1/customActivities/template?conversationId={conversation_id}"
        )
        entities: list[dict[str, Any]] = []
        if mention_bot:
            entities.append(
                {
                    "type": "mention",
                    "mentioned": {"id": cfg.bot_id, "name": cfg.bot_name},
                    "text": self._at(),
                }
            )
        entities.append(
            {"type": "clientInfo", "locale": "en-US", "country": "US", "timezone": "UTC"}
        )
        channel_data: dict[str, Any] = {"tenant": {"id": cfg.tenant_id}}
        channel = cfg.channel_of(conversation_id)
        if channel is not None:
            channel_data = {
                "teamsChannelId": channel.id,
                "teamsTeamId": channel.team_id,
                "tenant": {"id": cfg.tenant_id},
                "team": {"id": channel.team_id},
                "channel": {"id": channel.id},
            }
        now = _now_iso()
        return {
            "type": "message",
            "id": str(uuid.uuid4()),
            "text": text,
            "textFormat": "plain",
            "from": {"id": sender.id, "name": sender.name, "aadObjectId": sender.aad_object_id},
            "timestamp": now,
            "localTimestamp": now.replace("Z", "+00:00"),
            "localTimezone": "UTC",
            "serviceUrl": template["serviceUrl"],
            "channelId": template.get("channelId", "msteams"),
            "conversation": template["conversation"],
            "recipient": template["recipient"],
            "locale": "en-US",
            "entities": entities,
            "channelData": channel_data,
        }

    async def send_activity(self, activity: Mapping[str, Any]) -> SentActivity:
        """Send an arbitrary activity to the bot (``POST /_internal/v1/customActivities``).

        An ``id`` is added if missing; it identifies the turn for :meth:`wait_for_turn`.
        """
        body = dict(activity)
        body.setdefault("id", str(uuid.uuid4()))
        activity_id = body["id"]
        cursor = len(self._log_frames)
        await self._request("POST", "/_internal/v1/customActivities", body)
        return SentActivity(
            "custom",
            body.get("conversation", {}).get("id", ""),
            None,
            body.get("text"),
            True,
            lambda a: a.get("id") == activity_id,
            cursor,
        )

    async def submit(
        self,
        conversation_id: str,
        reply_to_id: str,
        value: Mapping[str, Any],
        user: str = "user-id-0",
    ) -> SentActivity:
        """Click an ``Action.Submit`` of the card in message ``reply_to_id``.

        ``value`` is sent as is: merge the action's ``data`` with the input values yourself.
        ``conversation_id`` is where the card is (the thread id for channel messages).

        A card with text in another user's 1:1 chat has no id (``""``): the playground split it
        and gave the bot none, and only the current user's chats show the parts' ids. Its click
        is then built like the playground's and sent as a custom activity, without ``replyToId``.
        """
        if not reply_to_id:
            activity = await self.build_message(conversation_id, "", user=user)
            del activity["text"], activity["textFormat"]
            activity["value"] = dict(value)
            activity["channelData"] = {**activity["channelData"], "source": {"name": "message"}}
            sent = await self.send_activity(activity)
            return SentActivity(
                "submit", conversation_id, None, None, True, sent.matcher, sent.log_cursor
            )
        cursor = len(self._log_frames)
        body = {
            "conversation": {"id": conversation_id},
            "from": {"id": user},
            "replyToId": reply_to_id,
            "value": dict(value),
        }
        await self._request("POST", "/_conversation/v1/submit", body)
        expected = dict(value)

        def matcher(activity: Mapping[str, Any]) -> bool:
            return (
                activity.get("replyToId") == reply_to_id
                and activity.get("value") == expected
                and activity.get("from", {}).get("id") == user
            )

        return SentActivity("submit", conversation_id, None, None, True, matcher, cursor)

    async def invoke(
        self,
        conversation_id: str,
        name: str,
        value: Any,
        user: str = "user-id-0",
        reply_to_id: str | None = None,
    ) -> Any:
        """Send an ``invoke`` as ``user`` (see "What the bot receives"); the invoke response
        as the playground returns it. Raises :class:`PlaygroundError` on a bot error (502)."""
        body: dict[str, Any] = {
            "name": name,
            "value": value,
            "from": {"id": user},
            "conversation": {"id": conversation_id},
        }
        if reply_to_id is not None:
            body["replyToId"] = reply_to_id
        return await self._request("POST", "/_conversation/v1/invoke", body)

    async def search(
        self,
        conversation_id: str,
        text: str,
        command_id: str = "strategien",
        user: str = "user-id-0",
    ) -> list[dict[str, Any]]:
        """Type ``text`` into a search message extension's box; its results (each an
        attachment with its ``preview``)."""
        value = {
            "commandId": command_id,
            "parameters": [{"name": "query", "value": text}],
            "queryOptions": {"skip": 0, "count": 25},
        }
        answer = await self.invoke(conversation_id, "composeExtension/query", value, user)
        results: list[dict[str, Any]] = answer["composeExtension"]["attachments"]
        return results

    async def execute(
        self,
        conversation_id: str,
        reply_to_id: str,
        action: Mapping[str, Any],
        inputs: Mapping[str, Any] | None = None,
        user: str = "user-id-0",
    ) -> dict[str, Any]:
        """Click an ``Action.Execute`` (``action``, as in the card) of the card in message
        ``reply_to_id``, with the card's ``inputs``; the bot's answer ``{type, value}``."""
        value = {
            "action": {
                "type": "Action.Execute",
                "verb": action.get("verb", ""),
                "data": {**action.get("data", {}), **(inputs or {})},
            },
            "trigger": "manual",
        }
        answer: dict[str, Any] = await self.invoke(
            conversation_id, "adaptiveCard/action", value, user, reply_to_id
        )
        return answer

    async def insert(
        self, conversation_id: str, attachment: Mapping[str, Any], user: str = "user-id-0"
    ) -> SentActivity:
        """Send a search result's card into a conversation, as choosing it and pressing send
        does: a message of ``user`` with the card as its one attachment (reaching the bot only
        in a personal chat)."""
        content = attachment["content"]
        body = {
            "from": {"id": user},
            "attachments": [{"contentType": attachment["contentType"], "content": content}],
            "attachmentLayout": "list",
        }
        cursor = len(self._log_frames)
        path = f"/_conversation/v1/conversations/{conversation_id}/messages"
        answer = await self._request("POST", path, body)
        target = (answer or {}).get("postConversationId") or conversation_id

        def matcher(activity: Mapping[str, Any]) -> bool:
            attachments = activity.get("attachments") or []
            return (
                activity.get("type") == "message"
                and activity.get("conversation", {}).get("id") == target
                and any(a.get("content") == content for a in attachments)
            )

        forwarded = self.cfg.kind(conversation_id) == "personal"
        message_id = (answer or {}).get("messageId")
        return SentActivity("insert", target, message_id, None, forwarded, matcher, cursor)

    async def install(self, conversation_id: str) -> list[SentActivity]:
        """Simulate installing the bot in a conversation (what the UI does on opening it).

        Returns the ``installationUpdate`` and ``conversationUpdate`` sent to the bot.
        """
        cursor = len(self._log_frames)
        await self._request("POST", f"/_debug/conversation/{conversation_id}/installation", {})

        def of_type(activity_type: str) -> Callable[[Mapping[str, Any]], bool]:
            def matcher(activity: Mapping[str, Any]) -> bool:
                return (
                    activity.get("type") == activity_type
                    and activity.get("conversation", {}).get("id") == conversation_id
                )

            return matcher

        return [
            SentActivity(t, conversation_id, None, None, True, of_type(t), cursor)
            for t in ("installationUpdate", "conversationUpdate")
        ]

    async def personal_chat(self, user: str) -> str:
        """The id of ``user``'s 1:1 chat with the bot (created through the mock connector).

        For the current user this is the personal chat. Bot messages in other users' chats never
        reach the conversation websocket; :meth:`wait_for_messages` then reads them from the log.
        """
        cfg = self.cfg
        answer = await self._request(
            "POST",
            "/_connector/v3/conversations",
            {
                "isGroup": False,
                "bot": {"id": cfg.bot_id},
                "members": [{"id": user}],
                "tenantId": cfg.tenant_id,
                "channelData": {"tenant": {"id": cfg.tenant_id}},
            },
        )
        return str(answer["id"])

    # -- receiving ---------------------------------------------------------------------------

    async def sync(self, timeout: float | None = None) -> None:
        """Fence: return once every frame the playground sent before this call has arrived.

        Posts a typing activity (as the bot) to the personal chat and waits until it comes back on
        both websockets; the UI shows the bot "typing" for a moment.
        """
        cfg = self.cfg
        marker = f"sync-{uuid.uuid4()}"
        ui_cursor = len(self._ui_frames)
        log_cursor = len(self._log_frames)
        await self._request(
            "POST",
            f"/_connector/v3/conversations/{cfg.personal_chat_id}/activities",
            {
                "type": "typing",
                "from": {"id": cfg.bot_id, "name": cfg.bot_name},
                "conversation": {"id": cfg.personal_chat_id},
                "channelData": {"harnessSync": marker},
            },
        )

        def arrived() -> bool:
            ui_ok = any(
                f["data"].get("action") == "typing"
                and f["data"].get("actionConversationId") == cfg.personal_chat_id
                for f in self._ui_frames[ui_cursor:]
            )
            log_ok = any(
                _log_body(f).get("channelData", {}).get("harnessSync") == marker
                for f in self._log_frames[log_cursor:]
            )
            return ui_ok and log_ok

        await self._wait(arrived, timeout, "the sync fence")

    async def drain(self) -> list[BotMessage]:
        """Fence, then mark every bot message received so far as consumed; returns them."""
        await self.sync()
        dropped = self.pending()
        for frame in self._ui_frames:
            self._consumed.add(("ui", frame["seq"]))
        for frame in self._log_frames:
            self._consumed.add(("log", frame["seq"]))
        self._error_floor = self._seq
        return dropped

    def _uses_ui(self, conversation_id: str) -> bool:
        return self._config is not None and self._config.kind(conversation_id) != "other"

    def _messages(self, source: _Source) -> list[tuple[list[_Key], BotMessage]]:
        if source == "ui":
            return _ui_activities(self._ui_frames, self._log_frames, self._align_floor)
        result: list[tuple[list[_Key], BotMessage]] = []
        for frame in self._log_frames:
            message = _connector_message(frame["data"])
            if message is not None:
                result.append(([("log", frame["seq"])], message))
        return result

    def _matching(
        self,
        conversation_id: str | None,
        actions: Sequence[str],
        source: _Source,
    ) -> list[tuple[list[_Key], BotMessage]]:
        root = conversation_id.split(POST_SEPARATOR, 1)[0] if conversation_id else None
        found = []
        for keys, message in self._messages(source):
            if not self._consumed.isdisjoint(keys) or message["action"] not in actions:
                continue
            if conversation_id is not None:
                cid = message["conversation_id"]
                in_thread = POST_SEPARATOR not in conversation_id and (
                    cid.split(POST_SEPARATOR, 1)[0] == root
                )
                if cid != conversation_id and not in_thread:
                    continue
            found.append((keys, message))
        return found

    def pending(self, conversation_id: str | None = None) -> list[BotMessage]:
        """Bot messages received and not consumed yet (no waiting, nothing consumed).

        For a channel id this includes its threads. ``None``: all conversations shown in the UI.
        """
        source: _Source = (
            "connector"
            if conversation_id is not None and not self._uses_ui(conversation_id)
            else "ui"
        )
        actions = ("createMessage", "updateMessage")
        return [m for _k, m in self._matching(conversation_id, actions, source)]

    async def wait_for_messages(
        self,
        conversation_id: str,
        count: int = 1,
        timeout: float | None = None,
        *,
        include_updates: bool = False,
    ) -> list[BotMessage]:
        """Wait for the next ``count`` messages the bot posts in a conversation, in order.

        A channel id also matches its threads (the bot answers a channel message in its thread).
        Messages are read from the conversation websocket; for conversations the current user
        cannot see (other users' 1:1 chats) from the log of connector calls. Raises
        :class:`TimeoutError` with what did arrive, and :class:`BotTurnError` at once if the bot
        answered an activity of the playground with an HTTP error.
        """
        actions = ("createMessage", "updateMessage") if include_updates else ("createMessage",)
        return await self._take(conversation_id, count, timeout, actions)

    async def wait_for_updates(
        self, conversation_id: str, count: int = 1, timeout: float | None = None
    ) -> list[BotMessage]:
        """Wait for the next ``count`` updates (``updateActivity``) of bot messages."""
        return await self._take(conversation_id, count, timeout, ("updateMessage",))

    async def _take(
        self,
        conversation_id: str,
        count: int,
        timeout: float | None,
        actions: Sequence[str],
    ) -> list[BotMessage]:
        source: _Source = "ui" if self._uses_ui(conversation_id) else "connector"

        def ready() -> bool:
            if len(self._matching(conversation_id, actions, source)) >= count:
                return True
            self._raise_bot_errors()
            return False

        try:
            await self._wait(ready, timeout, f"{count} bot message(s) in {conversation_id}")
        except TimeoutError as exc:
            got = [m["text"] for _k, m in self._matching(conversation_id, actions, source)]
            others = [(m["conversation_id"], m["text"]) for m in self.pending()]
            raise TimeoutError(
                f"{exc}; got {got!r} there; pending elsewhere: {others!r}; "
                f"playground warnings: {self._warnings()!r}"
            ) from None
        taken = self._matching(conversation_id, actions, source)[:count]
        for keys, _m in taken:
            self._consumed.update(keys)
        return [m for _k, m in taken]

    async def wait_for_turn(self, sent: SentActivity, timeout: float | None = None) -> int:
        """Wait until the bot has answered the HTTP request that carried ``sent``.

        The bot sends its replies before it answers, so afterwards (plus :meth:`sync`) everything
        it said in that turn is in :meth:`pending`. Returns the status code; raises
        :class:`BotTurnError` for 4xx/5xx and :class:`ValueError` if ``sent`` never reaches the bot.
        """
        if not sent.forwarded:
            raise ValueError(f"{sent!r} is not forwarded to the bot (no @mention?)")
        found: list[int] = []

        def done() -> bool:
            for frame in self._log_frames[sent.log_cursor :]:
                log = frame["data"].get("log", {})
                if log.get("from") == PLAYGROUND_TAB and sent.matcher(_log_body(frame)):
                    found.append(int(log.get("response", {}).get("statusCode", 0)))
                    return True
            return False

        await self._wait(
            done, timeout, f"the bot's answer to {sent.kind} in {sent.conversation_id}"
        )
        status = found[0]
        if status >= 400:
            raise BotTurnError(f"the bot answered {sent.kind} with HTTP {status}")
        return status

    async def bot_requests(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """All log entries of requests the bot made to the mock connector so far (after a fence)."""
        await self.sync(timeout)
        return [
            f["data"]["log"]
            for f in self._log_frames
            if f["data"].get("log", {}).get("to") == PLAYGROUND_TAB
            and ("log", f["seq"]) not in self._consumed
            and "harnessSync" not in _log_body(f).get("channelData", {})
        ]

    def _raise_bot_errors(self) -> None:
        for frame in self._log_frames:
            if frame["seq"] <= self._error_floor or frame["seq"] in self._reported_errors:
                continue
            log = frame["data"].get("log", {})
            status = int(log.get("response", {}).get("statusCode", 0) or 0)
            if log.get("from") == PLAYGROUND_TAB and status >= 400:
                self._reported_errors.add(frame["seq"])
                body = log.get("request", {}).get("body", {})
                raise BotTurnError(
                    f"the bot answered a {body.get('type')} activity "
                    f"({body.get('text')!r}) in {log.get('conversationId')} with HTTP {status}"
                )

    def _warnings(self) -> list[str]:
        return [
            str(f["data"]["log"].get("displayText"))
            for f in self._log_frames[-50:]
            if f["data"].get("log", {}).get("level") in ("warning", "error")
        ]

    async def _wait(self, predicate: Callable[[], bool], timeout: float | None, what: str) -> None:
        limit = self.default_timeout if timeout is None else timeout

        def check() -> bool:
            if predicate():
                return True
            if self._closed_error is not None:
                raise self._closed_error
            return False

        try:
            async with asyncio.timeout(limit), self._changed:
                await self._changed.wait_for(check)
        except TimeoutError:
            raise TimeoutError(f"timed out after {limit} s waiting for {what}") from None


def _log_body(frame: _Frame) -> dict[str, Any]:
    body = frame["data"].get("log", {}).get("request", {}).get("body")
    return body if isinstance(body, dict) else {}


def _frame_message(data: Mapping[str, Any]) -> dict[str, Any]:
    message = data.get("message")
    return dict(message) if isinstance(message, dict) else {}


def _frame_conversation(data: Mapping[str, Any]) -> str:
    message = _frame_message(data)
    return str(message.get("postConversationId") or data.get("actionConversationId", ""))


def _bot_message(
    action: Literal["createMessage", "updateMessage"],
    conversation_id: str,
    body: Mapping[str, Any],
    frames: Sequence[Mapping[str, Any]],
    source: _Source,
    fallback_id: str = "",
    timestamp: int | None = None,
) -> BotMessage:
    """Merge an activity the bot sent (``body``, may be empty) with the UI messages of it."""
    part_ids = [str(f.get("messageId", "")) for f in frames]
    card_ids = [str(f.get("messageId", "")) for f in frames if f.get("attachments")]
    text = (
        body.get("text") if body else next((f.get("text") for f in frames if f.get("text")), None)
    )
    attachments = (
        list(body.get("attachments") or [])
        if body
        else [a for f in frames for a in f.get("attachments") or []]
    )
    first = frames[0] if frames else {}
    return {
        "id": (card_ids or part_ids or [fallback_id])[0],
        "part_ids": part_ids or ([fallback_id] if fallback_id else []),
        "action": action,
        "conversation_id": conversation_id,
        "text": text,
        "text_format": body.get("textFormat") or first.get("textFormat"),
        "attachments": [
            {"contentType": a.get("contentType"), "content": a.get("content")} for a in attachments
        ],
        "attachment_layout": body.get("attachmentLayout") or first.get("attachmentLayout"),
        "from_id": str((body.get("from") or first.get("from") or {}).get("id", "")),
        "timestamp": first.get("timestamp", timestamp),
        "source": source,
        "raw": dict(body),
        "frames": [dict(f) for f in frames],
    }


def _expected_parts(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The UI messages the playground makes of a bot message (its ``splitActivity``), as the
    fields each must have."""
    text = body.get("text")
    attachments = [
        {"contentType": a.get("contentType"), "content": a.get("content")}
        for a in body.get("attachments") or []
    ]
    if body.get("attachmentLayout") == "carousel":
        return [{"text": text, "attachments": attachments}]
    parts: list[dict[str, Any]] = [{"text": text, "attachments": []}] if text else []
    return parts + [{"text": None, "attachments": [a]} for a in attachments]


def _part_matches(frame: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    attachments = [
        {"contentType": a.get("contentType"), "content": a.get("content")}
        for a in frame.get("attachments") or []
    ]
    return bool(frame.get("text") == expected["text"] and attachments == expected["attachments"])


def _ui_activities(
    ui_frames: Sequence[_Frame], log_frames: Sequence[_Frame], floor: int
) -> list[tuple[list[_Key], BotMessage]]:
    """Reassemble the bot's activities from the conversation websocket.

    The playground splits a message with text and attachments (unless ``attachmentLayout`` is
    ``carousel``) into one UI message for the text and one per attachment, and answers the bot
    202 without an id. The log of connector calls has each activity whole, in the order the bot
    sent them; per conversation its UI messages come in the same order. So the UI messages are
    dealt out to the logged activities; an activity counts once its log entry and all its parts
    are in. Frames from before the client connected (``floor``) are taken one by one.
    """
    result: list[tuple[int, list[_Key], BotMessage]] = []
    creates: dict[str, list[_Frame]] = {}
    for frame in ui_frames:
        data = frame["data"]
        action = data.get("action")
        if action == "updateMessage" or (action == "createMessage" and frame["seq"] <= floor):
            message = _frame_message(data)
            result.append(
                (
                    frame["seq"],
                    [("ui", frame["seq"])],
                    _bot_message(action, _frame_conversation(data), {}, [message], "ui"),
                )
            )
        elif action == "createMessage":
            creates.setdefault(str(data.get("actionConversationId", "")), []).append(frame)
    logged: dict[str, list[_Frame]] = {}
    for frame in log_frames:
        if frame["seq"] <= floor:
            continue
        activity = _connector_message(frame["data"])
        if activity is not None and activity["action"] == "createMessage":
            logged.setdefault(activity["conversation_id"], []).append(frame)
    for conversation, frames in creates.items():
        position = 0
        for log_frame in logged.get(conversation, []):
            body = _log_body(log_frame)
            expected = _expected_parts(body)
            if not expected:
                continue  # neither text nor attachments: the playground shows nothing
            parts = frames[position : position + len(expected)]
            if not parts:
                break  # its UI messages are still on their way
            messages = [_frame_message(p["data"]) for p in parts]
            if not all(map(_part_matches, messages, expected)):
                continue  # its UI messages predate the client; skip the log entry
            if len(parts) < len(expected):
                break  # the rest is still on its way
            position += len(expected)
            keys: list[_Key] = [("ui", p["seq"]) for p in parts] + [("log", log_frame["seq"])]
            conversation_id = _frame_conversation(parts[0]["data"])
            merged = _bot_message("createMessage", conversation_id, body, messages, "ui")
            result.append((parts[0]["seq"], keys, merged))
    result.sort(key=lambda item: item[0])
    return [(keys, message) for _seq, keys, message in result]


def _connector_message(data: Mapping[str, Any]) -> BotMessage | None:
    log = data.get("log") or {}
    if log.get("to") != PLAYGROUND_TAB:
        return None
    body = log.get("request", {}).get("body") or {}
    response = log.get("response") or {}
    if body.get("type") != "message" or int(response.get("statusCode") or 0) >= 300:
        return None
    response_body = response.get("body")
    response_id = response_body.get("id") if isinstance(response_body, dict) else None
    is_update = body.get("id") is not None and body.get("id") == response_id
    conversation_id = log.get("conversationId") or body.get("conversation", {}).get("id", "")
    return _bot_message(
        "updateMessage" if is_update else "createMessage",
        str(conversation_id),
        body,
        [],
        "connector",
        fallback_id=str(response_id or ""),
        timestamp=log.get("timestamp"),
    )
