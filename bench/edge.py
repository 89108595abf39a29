"""Q&A latency and memory while the HTTP edge is abused, against the quiet figure of the same run.

    .venv/bin/python bench/edge.py            # 20 000 conversations, 20 s per phase (2 minutes)
    .venv/bin/python bench/edge.py --quick    # 2 000 conversations, 8 s per phase

Issue #13, findings 7 and 8: 20 anonymous ``/healthz`` pollers once pushed a normal turn from
28 ms to 7.1 s (each call parsed every stored conversation), and 1 000 request bodies that
stall added 370 MB to the bot and were never timed out.

What it does:

1. Starts a fake Bot Connector (:class:`tools.fake_connector.FakeConnector`) and seeds a data
   file with N personal chats (20 000), written as the bot writes them.
2. Starts the bot as a process (:class:`tools.live_bot.LiveBot`, local mode, default settings:
   ``HTTP_READ_TIMEOUT=15``, ``MAX_CONCURRENT_REQUESTS=64``).
3. Four askers (``bench/load.py``'s :class:`Askers`) ask questions in a loop through
   ``POST /api/messages``; a question's latency runs until its reply reaches the connector.
   They ask through every phase:

   * **quiet**: nothing else;
   * **healthz**: 20 pollers call ``GET /healthz`` back to back, as an anonymous client off
     loopback would (``X-Forwarded-For``, so they get liveness only);
   * **healthz, details**: the same with the details (loopback), which are served from memory;
   * **stalled bodies**: 1 000 connections each send the headers of a 4 KB JSON POST and 100
     bytes of body, then stall; when the bot closes one (408 after ``HTTP_READ_TIMEOUT``),
     it is opened again, so 1 000 are held open throughout;
   * **large bodies**: 1 000 connections each announce 250 KB and send 20 KB a second (the
     last byte never); what does not fit in ``BODY_BUFFER_BYTES`` is refused (503), and such a
     connection is opened again after ``Retry-After`` (2 s; a client that comes back at once,
     however often it is refused, is a connection flood: that is a firewall's job);
   * **quiet again**: after the slow connections are gone (memory returned?).

4. Prints per phase: Q&A p50/p99/max and count, p99 against the p99 of both quiet phases
   together (target ≤ 1.5×), the bot's RSS (``/proc``) at the end of the phase and its peak
   over the first quiet phase's (target ≤ 50 MB), the CPU the bot and the bench used,
   ``/healthz`` calls per second and their p99, slow-body answers, how much the bot logged,
   and failures.

Figures are printed, never asserted: the exit status is non-zero only when something is broken
(the bot does not start, a question gets no answer or the error text).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Askers, percentile  # noqa: E402
from bot.conversations import ConversationDirectory  # noqa: E402
from bot.http_limits import RETRY_AFTER_SECONDS  # noqa: E402
from bot.storage import MemoryStore, TinyDBStore  # noqa: E402
from content import load_content  # noqa: E402
from tools.fake_connector import FakeConnector, first_message  # noqa: E402
from tools.live_bot import LiveBot  # noqa: E402

TZ = ZoneInfo("Europe/Copenhagen")
TARGET_RATIO = 1.5
TARGET_EXTRA_MB = 50.0
POLLERS = 20
SLOW_BODIES = 1000
ASKERS = 4
ANONYMOUS = {"X-Forwarded-For": "203.0.113.7"}  # as a request through a proxy: liveness only


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux ``/proc``; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB (Linux ``/proc``; nan elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


@dataclass
class Phase:
    """One phase's figures."""

    name: str
    targeted: bool = True  # counts toward the targets
    latencies: list[float] = field(default_factory=list)
    rss_end: float = math.nan
    rss_peak: float = math.nan
    polls: list[float] = field(default_factory=list)
    seconds: float = 0.0
    log_bytes: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    bot_cpu: float = math.nan  # share of one core
    bench_cpu: float = math.nan


Stopper = Callable[[Phase], Awaitable[None]]
Load = Callable[[], Awaitable[Stopper]]


class Pollers:
    """``workers`` clients calling ``GET /healthz`` back to back until stopped."""

    def __init__(self, url: str, workers: int, headers: dict[str, str]) -> None:
        self.url = url
        self.workers = workers
        self.headers = headers
        self.latencies: list[float] = []
        self.statuses: Counter[int | str] = Counter()
        self._stop = asyncio.Event()

    async def run(self) -> None:
        """Poll until :meth:`stop`."""
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(self._poll(session) for _ in range(self.workers)))

    def stop(self) -> None:
        """Let every poller finish its call, then stop."""
        self._stop.set()

    async def _poll(self, session: aiohttp.ClientSession) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                async with session.get(self.url, headers=self.headers) as resp:
                    await resp.read()
                    self.statuses[resp.status] += 1
            except aiohttp.ClientError as exc:
                self.statuses[type(exc).__name__] += 1
                continue
            self.latencies.append(time.perf_counter() - started)


@dataclass(frozen=True)
class Body:
    """How a slow client sends a JSON POST: ``length`` announced, ``first`` bytes at once, then
    ``trickle`` bytes a second (0: it stalls) while it has any left."""

    length: int
    first: int
    trickle: int = 0

    def head(self) -> bytes:
        """The request line and headers."""
        return (
            "POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {self.length}\r\n\r\n"
        ).encode()


STALLED = Body(length=4096, first=100)  # headers and 100 bytes of a 4 KB body, then nothing
LARGE = Body(length=250_000, first=20_000, trickle=20_000)  # toward 250 KB, 20 KB a second


class SlowBodies:
    """``count`` connections that send ``body`` slowly; each is opened again ``reopen`` seconds
    after the bot answers or closes it."""

    def __init__(self, port: int, count: int, body: Body, reopen: float = 0.0) -> None:
        self.port = port
        self.count = count
        self.body = body
        self.reopen = reopen
        self.outcomes: Counter[str] = Counter()
        self.open = 0
        self._stop = asyncio.Event()

    async def run(self, ready: asyncio.Event) -> None:
        """Hold ``count`` connections open until :meth:`stop`; ``ready`` once all are open."""
        opened = 0

        def one_open() -> None:
            nonlocal opened
            opened += 1
            if opened == self.count:
                ready.set()

        await asyncio.gather(*(self._hold(one_open) for _ in range(self.count)))

    def stop(self) -> None:
        """Close every connection."""
        self._stop.set()

    async def _hold(self, opened: Callable[[], None]) -> None:
        first = True
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError as exc:
                self.outcomes[f"connect failed: {exc.strerror}"] += 1
                await asyncio.sleep(0.5)
                continue
            self.open += 1
            try:
                writer.write(self.body.head() + b"[" + b" " * (self.body.first - 1))
                await writer.drain()
                if first:
                    first = False
                    opened()
                stop = asyncio.create_task(self._stop.wait())
                answer = asyncio.create_task(reader.read())
                sending = asyncio.create_task(self._trickle(writer))
                await asyncio.wait([stop, answer], return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                sending.cancel()
                if answer.done():
                    data = answer.result()
                    status = data.split(b" ", 2)[1].decode() if data.count(b" ") >= 2 else "EOF"
                    self.outcomes[f"HTTP {status}" if data else "closed"] += 1
                else:
                    answer.cancel()
            except OSError as exc:
                self.outcomes[f"error: {exc.strerror or type(exc).__name__}"] += 1
            finally:
                self.open -= 1
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.reopen)

    async def _trickle(self, writer: asyncio.StreamWriter) -> None:
        left = self.body.length - self.body.first
        while self.body.trickle and left > 1:  # the last byte never comes
            await asyncio.sleep(1.0)
            chunk = min(self.body.trickle, left - 1)
            writer.write(b" " * chunk)
            try:
                await writer.drain()
            except OSError:
                return
            left -= chunk


async def seed(data_dir: Path, service_url: str, conversations: int) -> None:
    """``conversations`` personal chats, written as the bot writes them."""
    memory = MemoryStore()
    directory = ConversationDirectory(memory)
    now = datetime.now(TZ)
    for n in range(conversations):
        await directory.remember(first_message(n, service_url), now)
    store = TinyDBStore(data_dir / "strategibot.json")
    try:
        for table in ("conversations", "personal_chats"):
            docs = await memory.all(table)
            if docs:
                await store.put_many(table, docs)
    finally:
        await store.close()


def summary(values: list[float]) -> str:
    """p50/p99/max in ms and the count."""
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):6.1f}  p99 {percentile(ms, 99):6.1f}  "
        f"max {max(ms, default=math.nan):7.1f} ms  ({len(ms)} questions)"
    )


async def run(conversations: int, seconds: float, workdir: Path) -> int:
    """Run the bench; returns the exit status."""
    error_text = load_content().messages.da.error_generic
    connector = FakeConnector()
    await connector.start()
    data_dir = workdir / "data"
    seeded = time.perf_counter()
    await seed(data_dir, connector.url, conversations)
    seeded = time.perf_counter() - seeded
    # Four askers each ask back to back as one user: the per-user turn limit is not measured here.
    bot = LiveBot(data_dir, workdir / "bot.log", env={"TURNS_PER_SECOND": "0"}, test_clock=False)
    phases: list[Phase] = []
    try:
        startup = await bot.start()
        assert bot.process is not None
        pid = bot.process.pid
        askers = Askers(bot, connector, error_text, workers=ASKERS)
        askers.start()
        await asyncio.sleep(2.0)  # warm-up, not counted

        async def phase(name: str, load: Load, targeted: bool = True) -> None:
            """Start ``load`` (which returns its stopper), measure ``seconds``, stop it."""
            result = Phase(name, targeted=targeted)
            stopper = await load()
            log_start = bot.log_path.stat().st_size
            cpu_start, own_start = cpu_seconds(pid), time.process_time()
            start = time.perf_counter()
            peak = rss_mb(pid)
            while time.perf_counter() - start < seconds:
                await asyncio.sleep(0.25)
                peak = max(peak, rss_mb(pid))
            end = time.perf_counter()
            result.rss_end, result.rss_peak = rss_mb(pid), peak
            result.latencies = askers.between(start, end)
            result.seconds = end - start
            result.log_bytes = bot.log_path.stat().st_size - log_start
            result.bot_cpu = (cpu_seconds(pid) - cpu_start) / result.seconds
            result.bench_cpu = (time.process_time() - own_start) / result.seconds
            await stopper(result)
            phases.append(result)

        async def quiet() -> Stopper:
            async def stop(result: Phase) -> None:
                return None

            return stop

        def hammer(headers: dict[str, str]) -> Load:
            async def start() -> Stopper:
                pollers = Pollers(f"{bot.base_url}/healthz", POLLERS, headers)
                task = asyncio.create_task(pollers.run())

                async def stop(result: Phase) -> None:
                    pollers.stop()
                    await task
                    result.polls = pollers.latencies
                    result.answers = Counter({f"HTTP {k}": n for k, n in pollers.statuses.items()})

                return stop

            return start

        def slow_bodies(body: Body, reopen: float) -> Load:
            async def start() -> Stopper:
                return await hold_open(body, reopen)

            return start

        async def hold_open(body: Body, reopen: float) -> Stopper:
            slow = SlowBodies(bot.port, SLOW_BODIES, body, reopen)
            ready = asyncio.Event()
            task = asyncio.create_task(slow.run(ready))
            await asyncio.wait_for(ready.wait(), 60)

            async def stop(result: Phase) -> None:
                result.answers = Counter(slow.outcomes)
                result.answers[f"still open at the end: {slow.open}"] = 1
                slow.stop()
                await task

            return stop

        await phase("quiet", quiet)
        await phase("healthz: 20 anonymous pollers", hammer(ANONYMOUS))
        await phase("healthz: 20 pollers, details", hammer({}))
        await phase(f"{SLOW_BODIES} stalled bodies held open", slow_bodies(STALLED, 0.0))
        await phase(
            f"{SLOW_BODIES} large bodies trickling in (20 KB/s toward 250 KB)",
            slow_bodies(LARGE, RETRY_AFTER_SECONDS),
            targeted=False,  # beyond the scenarios: printed, not part of the target
        )
        await asyncio.sleep(1.0)
        await phase("quiet again", quiet)
        await askers.stop()
        await bot.terminate()
    finally:
        await bot.kill()
        await connector.stop()

    quiet_phases = (phases[0], phases[-1])
    base_p99 = percentile(phases[0].latencies + phases[-1].latencies, 99)
    base_rss = phases[0].rss_end
    print(f"edge: Q&A ({ASKERS} askers) while /healthz is hammered and slow bodies are held open")
    print(f"  {conversations} conversations stored; seeding {seeded:.1f} s, bot start-up "
          f"{startup:.1f} s, {seconds:.0f} s per phase")  # fmt: skip
    worst_ratio, worst_extra = 0.0, 0.0
    for p in phases:
        p99 = percentile(p.latencies, 99)
        ratio = p99 / base_p99 if base_p99 else math.nan
        extra = p.rss_peak - base_rss
        if p not in quiet_phases and p.targeted:
            worst_ratio = max(worst_ratio, ratio)
            worst_extra = max(worst_extra, extra)
        print(f"  {p.name}" + ("" if p.targeted else "  (not part of the target)"))
        print(f"    Q&A                 {summary(p.latencies)}  p99 {ratio:.2f}× quiet")
        if p is phases[-1]:
            print(f"    quiet, both phases  p99 {base_p99 * 1000:6.1f} ms: the baseline")
        print(f"    bot memory (RSS)    {p.rss_end:6.1f} MB at the end, peak {p.rss_peak:6.1f} MB "
              f"({extra:+.1f} MB over quiet)")  # fmt: skip
        if p.polls:
            rate = len(p.polls) / p.seconds
            polls_ms = [v * 1000 for v in p.polls]
            p50, p99 = percentile(polls_ms, 50), percentile(polls_ms, 99)
            print(
                f"    /healthz            {rate:6.0f} calls/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )
        if p.answers:
            print(f"    answers             {dict(p.answers)}")
        print(f"    CPU (one core = 1)  bot {p.bot_cpu:.2f}, this bench {p.bench_cpu:.2f}")
        print(f"    bot log             {p.log_bytes / 1024:.1f} KB")
    print("  targets, over the issue's scenarios (healthz pollers, stalled bodies):")
    print(f"  target                p99 ≤ {TARGET_RATIO}× quiet: worst {worst_ratio:.2f}× – "
          + ("met" if worst_ratio <= TARGET_RATIO else "NOT met"))  # fmt: skip
    memory_met = "met" if worst_extra <= TARGET_EXTRA_MB else "NOT met"
    print(f"  target                ≤ {TARGET_EXTRA_MB:.0f} MB extra: worst "
          f"{worst_extra:+.1f} MB – {memory_met}")  # fmt: skip
    print(f"  question failures     {dict(askers.failures) or 0}")
    broken = bool(askers.failures) or any(not p.latencies for p in phases)
    print("  result                " + ("BROKEN" if broken else "ok"))
    return 1 if broken else 0


def _more_files(needed: int) -> None:
    """Raise this process's soft limit on open files, if it is below ``needed``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2 000 conversations, 8 s phases")
    parser.add_argument("--conversations", type=int, help="how many (overrides --quick)")
    parser.add_argument("--seconds", type=float, help="per phase (overrides --quick)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    _more_files(SLOW_BODIES + 512)
    conversations = args.conversations or (2_000 if args.quick else 20_000)
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    with tempfile.TemporaryDirectory(prefix="strategibot-edge-") as tmp:
        return asyncio.run(run(conversations, seconds, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
