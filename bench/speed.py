"""Speed of Strategibot against the Bot Framework echo sample, side by side in one run.

    .venv/bin/python bench/speed.py            # full run (about a minute)
    .venv/bin/python bench/speed.py --quick    # smoke run for CI (well under 60 s)

What it does:

1. Starts a fake Bot Connector (:class:`tools.fake_connector.FakeConnector`: 127.0.0.1, free
   port) that accepts the replies the bots post to ``/v3/conversations/{id}/activities[/{id}]``,
   answers ``{"id": ...}`` and records, per incoming activity, when its reply arrived.
2. Starts Strategibot (``python -m bot``, local mode, temporary ``DATA_DIR``, the real clock)
   and the echo sample (``bench/echo_bot.py``) as :class:`tools.live_bot.LiveBot` processes on
   free ports and waits until both answer.
3. Sends Teams-shaped message activities to ``POST /api/messages`` of each bot and times every
   round trip; a turn's reply reaches the connector before the POST returns, which is checked.
   Two modes: sequential (one request at a time) and concurrent (20 conversations, one worker
   each). The bots are interleaved request by request (sequential) or round by round
   (concurrent, ABBA order), so machine noise hits both alike.
4. Prints p50/p99 latency, replies/s, bot CPU per request and replies received vs expected, the
   Strategibot/echo ratios next to their targets, and the in-process latency of the pure answerer
   over ``content/data/examples/dev.yaml``.

Timings are reported, never asserted: the exit status is non-zero only when something is broken
(a bot does not start, a request fails, a reply is missing or is the bot's error message).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.fake_connector import FakeConnector  # noqa: E402
from tools.live_bot import BotExited, LiveBot  # noqa: E402

QUESTIONS_FILE = ROOT / "content" / "data" / "examples" / "dev.yaml"
ECHO_SCRIPT = ROOT / "bench" / "echo_bot.py"

STRATEGI = "strategibot"
ECHO = "echo"

# What a Teams user might type; both bots get the same texts in the same order.
QUESTIONS: tuple[str, ...] = (
    "Hvad betyder målsætning 2.3?",
    "hvad er TRIO",
    "hvornår blev strategien godkendt",
    "hvad betyder recovery",
    "pejlemærke 3",
    "hvem har lavet strategien",
    "hvad er en LMU",
    "hvordan følges der op på strategien",
    "hvad siger strategien om frivillige",
    "hvad bliver vejret i morgen",
    "mål 1,2",
    "hvad er det andet pejlemærke",
    "hvilke pejlemærker er der",
    "hvad handler strategien om",
    "hvad betyder rehabilitering",
    "hvordan inddrages de pårørende",
    "hvad står der om medarbejdernes trivsel",
    "hjælp",
    "what does recovery mean",
    "hvor længe gælder strategien",
)

# Targets, printed next to the figures (never asserted).
TARGET_P50_RATIO = 0.5  # Strategibot p50 ≤ 0.5 × echo p50
TARGET_THROUGHPUT_RATIO = 2.0  # Strategibot replies/s ≥ 2 × echo
TARGET_ANSWER_P99_MS = 5.0  # answerer p99 ≤ 5 ms, as the bot builds it

STARTUP_TIMEOUT_S = 45.0
REQUEST_TIMEOUT_S = 30.0
REPLY_GRACE_S = 2.0


class BenchError(Exception):
    """Something is broken (not merely slow): the run cannot produce trustworthy figures."""


@dataclass(frozen=True)
class Plan:
    """How many requests each phase sends, per bot."""

    warmup: int
    sequential: int
    workers: int
    per_worker: int
    rounds: int
    concurrent_warmup: int
    answer_passes: int


FULL = Plan(
    warmup=30,
    sequential=300,
    workers=20,
    per_worker=50,
    rounds=5,
    concurrent_warmup=3,
    answer_passes=20,
)
QUICK = Plan(
    warmup=10,
    sequential=60,
    workers=20,
    per_worker=10,
    rounds=2,
    concurrent_warmup=1,
    answer_passes=3,
)


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of ``values`` (``nan`` when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- bot processes


def cpu_seconds(bot: LiveBot) -> float | None:
    """User + system CPU time of the bot's process (Linux ``/proc`` only; None elsewhere)."""
    if bot.process is None:
        return None
    try:
        stat = Path(f"/proc/{bot.process.pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_size(bot: LiveBot) -> int:
    """How many bytes the bot has logged so far."""
    try:
        return bot.log_path.stat().st_size
    except OSError:
        return 0


def log_text(bot: LiveBot, span: tuple[int, int]) -> str:
    """The bot's log output between two :func:`log_size` readings."""
    try:
        with bot.log_path.open("rb") as handle:
            handle.seek(span[0])
            return handle.read(span[1] - span[0]).decode("utf-8", errors="replace")
    except OSError:
        return ""


def make_bots(workdir: Path) -> dict[str, LiveBot]:
    """Strategibot (on the real clock) and the echo sample, logging into ``workdir``."""
    data_dir = workdir / "data"
    data_dir.mkdir()
    return {
        STRATEGI: LiveBot(
            data_dir,
            workdir / "strategibot.log",
            name=STRATEGI,
            test_clock=False,
            startup_timeout=STARTUP_TIMEOUT_S,
        ),
        ECHO: LiveBot(
            data_dir,
            workdir / "echo.log",
            command=[sys.executable, str(ECHO_SCRIPT)],
            name=ECHO,
            startup_timeout=STARTUP_TIMEOUT_S,
        ),
    }


# --------------------------------------------------------------------------- traffic


@dataclass
class Results:
    """Everything measured for one bot in one mode."""

    latencies: list[float] = field(default_factory=list)  # seconds per POST round trip
    to_reply: list[float] = field(default_factory=list)  # seconds from send to reply arrival
    activity_ids: list[str] = field(default_factory=list)
    wall: float = 0.0  # seconds spent in this bot's measured traffic
    cpu: float | None = None  # bot process CPU seconds during the measured traffic
    failures: Counter[str] = field(default_factory=Counter)
    missing_at_return: int = 0
    received: int = 0
    error_replies: int = 0
    card_replies: int = 0
    log_span: tuple[int, int] = (0, 0)  # the bot's log output during the measured traffic


class Traffic:
    """Builds Teams-shaped activities and sends them to a bot, checking the replies."""

    def __init__(
        self, session: aiohttp.ClientSession, connector: FakeConnector, error_text: str
    ) -> None:
        self.session = session
        self.connector = connector
        self.error_text = error_text
        self._seq = itertools.count(1)
        self._sent_at: dict[str, float] = {}

    def activity(self, bot: str, conversation: int, text: str) -> dict[str, Any]:
        """A personal-chat message from user ``conversation`` to the bot."""
        activity_id = f"{bot[0]}{next(self._seq):07d}"
        return {
            "type": "message",
            "id": activity_id,
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": {
                "id": f"29:user-{conversation}",
                "aadObjectId": f"aad-{conversation}",
                "name": f"User {conversation}",
            },
            "recipient": {"id": "28:bot", "name": "Strategibot"},
            "conversation": {
                "id": f"a:conv-{bot}-{conversation}",
                "conversationType": "personal",
                "tenantId": "t1",
            },
            "channelData": {"tenant": {"id": "t1"}},
            "text": text,
            "locale": "da-DK",
            "timestamp": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }

    async def send(self, bot: LiveBot, activity: dict[str, Any], into: Results | None) -> None:
        """POST ``activity`` to ``bot``; record the round trip in ``into`` (None: warm-up)."""
        body = json.dumps(activity, ensure_ascii=False).encode()
        activity_id = str(activity["id"])
        failure = ""
        started = time.perf_counter()
        try:
            async with self.session.post(
                bot.endpoint, data=body, headers={"Content-Type": "application/json"}
            ) as resp:
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            status = 0
            failure = type(exc).__name__
        elapsed = time.perf_counter() - started
        self._sent_at[activity_id] = started
        if not failure and not 200 <= status < 300:
            failure = f"HTTP {status}"
        if into is None:
            if failure:
                bot.check_alive()
                raise BenchError(f"{bot.name}: warm-up request failed ({failure})")
            return
        into.activity_ids.append(activity_id)
        if failure:
            into.failures[failure] += 1
            return
        into.latencies.append(elapsed)
        if not self.connector.replies_to(activity_id):
            into.missing_at_return += 1

    def tally(self, results: Results) -> None:
        """Count the replies the connector received for ``results``' requests."""
        for activity_id in results.activity_ids:
            replies = self.connector.replies_to(activity_id)
            if not replies:
                continue
            results.received += 1
            first = replies[0]
            results.to_reply.append(first.at - self._sent_at[activity_id])
            results.card_replies += any(r.has_card for r in replies)
            results.error_replies += any(r.text == self.error_text for r in replies)


def _question(i: int) -> str:
    return QUESTIONS[i % len(QUESTIONS)]


async def run_sequential(
    traffic: Traffic, bots: dict[str, LiveBot], plan: Plan
) -> dict[str, Results]:
    """One request at a time, alternating the bots (AB, BA, AB, ...)."""
    order = [STRATEGI, ECHO]
    for i in range(plan.warmup):
        for name in order if i % 2 else order[::-1]:
            await traffic.send(bots[name], traffic.activity(name, 0, _question(i)), None)
    results = {name: Results() for name in order}
    cpu_before = {name: cpu_seconds(bots[name]) for name in order}
    log_before = {name: log_size(bots[name]) for name in order}
    for i in range(plan.sequential):
        for name in order if i % 2 else order[::-1]:
            await traffic.send(bots[name], traffic.activity(name, 0, _question(i)), results[name])
    for name in order:
        results[name].log_span = (log_before[name], log_size(bots[name]))
        after, before = cpu_seconds(bots[name]), cpu_before[name]
        results[name].cpu = after - before if after is not None and before is not None else None
        results[name].wall = sum(results[name].latencies)
    return results


async def _round(
    traffic: Traffic, bot: LiveBot, workers: int, count: int, offset: int, into: Results | None
) -> float:
    """``workers`` conversations send ``count`` messages each at once; return the wall time."""

    async def worker(w: int) -> None:
        for i in range(count):
            text = _question(offset + w * 7 + i)  # workers ask different things at a time
            await traffic.send(bot, traffic.activity(bot.name, w + 1, text), into)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    return time.perf_counter() - started


async def run_concurrent(
    traffic: Traffic, bots: dict[str, LiveBot], plan: Plan
) -> dict[str, Results]:
    """``plan.workers`` concurrent conversations per bot, the bots alternating by round (ABBA)."""
    order = [STRATEGI, ECHO]
    for name in order:
        await _round(traffic, bots[name], plan.workers, plan.concurrent_warmup, 0, None)
    results = {name: Results() for name in order}
    cpu_used: dict[str, float | None] = dict.fromkeys(order, 0.0)
    log_before = {name: log_size(bots[name]) for name in order}
    rounds = max(1, min(plan.rounds, plan.per_worker))
    sizes = [plan.per_worker // rounds + (r < plan.per_worker % rounds) for r in range(rounds)]
    for r, size in enumerate(sizes):
        for name in order if r % 2 else order[::-1]:
            before = cpu_seconds(bots[name])
            results[name].wall += await _round(
                traffic, bots[name], plan.workers, size, sum(sizes[:r]), results[name]
            )
            after, so_far = cpu_seconds(bots[name]), cpu_used[name]
            cpu_used[name] = (
                so_far + after - before
                if so_far is not None and after is not None and before is not None
                else None
            )
    for name in order:
        results[name].cpu = cpu_used[name]
        results[name].log_span = (log_before[name], log_size(bots[name]))
    return results


# --------------------------------------------------------------------------- answerer


@dataclass(frozen=True)
class AnswererTimes:
    """In-process latency of ``Answerer.answer`` in seconds, as the bot builds it and on the
    index alone."""

    questions: int
    answers: list[float]  # index and examples (nearest example and classifier), as in the bot
    index_only: list[float]  # the baseline: no examples
    load_s: float  # content, index, examples and the classifier's training
    classified: int  # questions (of one pass) on which the classifier was asked


def time_answerer(passes: int) -> AnswererTimes:
    """Time the answerer over the development question set, with the set's own examples left
    out (each question is new to the examples, as in the quality bench) and no answer cache:
    every pass does the work."""
    from content import load_content
    from dialogs.qa.answer import Answerer
    from dialogs.qa.examples import ExampleIndex

    items = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    questions = [str(item["q"]) for item in items]
    started = time.perf_counter()
    content = load_content()
    examples = ExampleIndex(e for e in content.examples if e.source != QUESTIONS_FILE.stem)
    examples.learn()  # part of loading, not of the first answer
    answerer = Answerer(content, examples, cache_size=0)
    index_only = Answerer(content, ExampleIndex([]), cache_size=0)
    load_s = time.perf_counter() - started
    calls = 0
    classify = examples.classify

    def counted(question: str) -> Any:
        nonlocal calls
        calls += 1
        return classify(question)

    examples.classify = counted  # type: ignore[method-assign]

    def one_pass(who: Any) -> list[float]:
        times = []
        for q in questions:
            t0 = time.perf_counter()
            who.answer(q)
            times.append(time.perf_counter() - t0)
        return times

    answers = [t for _ in range(passes) for t in one_pass(answerer)]
    classified = calls // max(1, passes)
    baseline = [t for _ in range(passes) for t in one_pass(index_only)]
    return AnswererTimes(len(questions), answers, baseline, load_s, classified)


# --------------------------------------------------------------------------- report


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.2f}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def print_machine() -> None:
    """Where the figures come from."""
    print(
        f"Machine: nproc={os.cpu_count()} (usable {len(os.sched_getaffinity(0))}), "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.release()} {platform.machine()}; "
        f"aiohttp {_version('aiohttp')}, botbuilder-core {_version('botbuilder-core')}"
    )


def print_table(modes: dict[str, dict[str, Results]], workers: int) -> None:
    """Latency and throughput per bot and mode."""
    header = (
        f"{'mode':<14}{'bot':<13}{'p50 ms':>8}{'p99 ms':>8}{'reply p50':>10}"
        f"{'replies/s':>11}{'CPU ms/req':>11}  {'replies got/expected':<22}"
    )
    print(header)
    print("-" * len(header))
    for mode, per_bot in modes.items():
        label = "sequential" if mode == "sequential" else f"{workers} concurrent"
        for name in (ECHO, STRATEGI):
            res = per_bot[name]
            sent = len(res.activity_ids)
            rate = res.received / res.wall if res.wall else math.nan
            cpu = f"{res.cpu * 1000 / sent:.2f}" if res.cpu is not None and sent else "-"
            notes = []
            if res.failures:
                notes.append("failed: " + ", ".join(f"{k} ×{v}" for k, v in res.failures.items()))
            if res.missing_at_return:
                notes.append(f"{res.missing_at_return} not there when the POST returned")
            if res.error_replies:
                notes.append(f"{res.error_replies} error replies")
            if name == STRATEGI:
                notes.append(f"{res.card_replies} with a card")
            print(
                f"{label:<14}{name:<13}{_ms(percentile(res.latencies, 50)):>8}"
                f"{_ms(percentile(res.latencies, 99)):>8}{_ms(percentile(res.to_reply, 50)):>10}"
                f"{rate:>11.1f}{cpu:>11}  {f'{res.received}/{sent}':<22}{'; '.join(notes)}"
            )


def print_connector(modes: dict[str, dict[str, Results]], connector: FakeConnector) -> None:
    """What the fake connector saw, per bot: replies, conversations, replies per conversation."""
    print()
    per_conversation = {c: len(rs) for c, rs in connector.per_conversation().items()}
    for name in (ECHO, STRATEGI):
        convs = {c: n for c, n in per_conversation.items() if c.startswith(f"a:conv-{name}-")}
        late = sum(per_bot[name].missing_at_return for per_bot in modes.values())
        print(
            f"connector, {name}: {sum(convs.values())} replies (warm-up included) in "
            f"{len(convs)} conversations, {min(convs.values(), default=0)}–"
            f"{max(convs.values(), default=0)} per conversation; "
            + ("every reply was there before its POST returned" if not late else f"{late} late")
        )


def print_ratios(modes: dict[str, dict[str, Results]], workers: int) -> None:
    """Strategibot/echo ratios next to the targets (informational only)."""
    print()
    print(f"{'Strategibot / echo':<36}{'ratio':>7}  {'target':<9} verdict")
    for mode, per_bot in modes.items():
        label = "sequential" if mode == "sequential" else f"{workers} concurrent"
        s, e = per_bot[STRATEGI], per_bot[ECHO]
        p50 = percentile(s.latencies, 50) / percentile(e.latencies, 50)
        rate = (s.received / s.wall) / (e.received / e.wall) if s.wall and e.wall else math.nan
        for what, value, target, ok in (
            ("p50 latency", p50, f"≤ {TARGET_P50_RATIO:.2f}", p50 <= TARGET_P50_RATIO),
            (
                "throughput",
                rate,
                f"≥ {TARGET_THROUGHPUT_RATIO:.2f}",
                rate >= TARGET_THROUGHPUT_RATIO,
            ),
        ):
            print(
                f"  {label + ' ' + what:<34}{value:>7.2f}  {target:<9} {'met' if ok else 'MISSED'}"
            )


def print_answerer(times: AnswererTimes) -> None:
    """The answerer's latency, as the bot builds it and on the index alone."""
    print()
    print(
        f"Answerer, in process: {times.questions} questions from "
        f"{QUESTIONS_FILE.relative_to(ROOT)}, its own examples left out (content, index, "
        f"examples and classifier load {times.load_s * 1000:.0f} ms); the classifier was "
        f"asked on {times.classified} of {times.questions} questions"
    )
    print(f"  {'':<40}{'answers':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label, values in (
        ("index and examples, as in the bot", times.answers),
        ("index only (baseline)", times.index_only),
    ):
        print(
            f"  {label:<40}{len(values):>8}{_ms(percentile(values, 50)):>9}"
            f"{_ms(percentile(values, 99)):>9}{_ms(max(values, default=math.nan)):>9}"
        )
    p99 = percentile(times.answers, 99) * 1000
    verdict = "met" if p99 <= TARGET_ANSWER_P99_MS else "MISSED"
    print(f"  target: p99 ≤ {TARGET_ANSWER_P99_MS:.1f} ms, as in the bot: {p99:.2f} ms, {verdict}")


_TURN_MS = re.compile(r"turn type=message .* ms=([0-9.]+)")


def print_bot_turn_times(bot: LiveBot, modes: dict[str, dict[str, Results]], workers: int) -> None:
    """Strategibot's own ``on_turn`` time from its log lines, per mode (measured turns only)."""
    lines = []
    for mode, per_bot in modes.items():
        text = log_text(bot, per_bot[bot.name].log_span)
        values = [float(m.group(1)) / 1000 for m in _TURN_MS.finditer(text)]
        if values:
            label = "sequential" if mode == "sequential" else f"{workers} concurrent"
            lines.append(
                f"  {label:<14}{len(values):>5} turns  p50 {_ms(percentile(values, 50))} ms"
                f"  p99 {_ms(percentile(values, 99))} ms"
            )
    if lines:
        print("\nStrategibot's own turn time (its log's ms=, on_turn only; under concurrency it")
        print("includes waiting for the event loop):")
        print("\n".join(lines))


# --------------------------------------------------------------------------- main


def _check(modes: dict[str, dict[str, Results]], connector: FakeConnector) -> list[str]:
    """What is broken: failed requests, missing or error replies."""
    problems = []
    for mode, per_bot in modes.items():
        for name, res in per_bot.items():
            sent = len(res.activity_ids)
            if res.failures:
                problems.append(f"{mode}/{name}: {sum(res.failures.values())} requests failed")
            if res.received != sent:
                problems.append(f"{mode}/{name}: {res.received} of {sent} replies received")
            if res.error_replies:
                problems.append(f"{mode}/{name}: {res.error_replies} replies were the error text")
    if connector.unexpected:
        problems.append(f"unexpected connector calls: {dict(connector.unexpected)}")
    return problems


async def run(plan: Plan) -> int:
    """The whole benchmark; returns the exit status."""
    from content import load_content

    error_text = load_content().messages.da.error_generic
    print_machine()
    connector = FakeConnector()
    await connector.start()
    with tempfile.TemporaryDirectory(prefix="strategibot-speed-") as tmp:
        bots = make_bots(Path(tmp))
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        session = aiohttp.ClientSession(
            timeout=timeout, connector=aiohttp.TCPConnector(limit=0, force_close=False)
        )
        try:
            for bot in bots.values():
                took = await bot.start()
                print(f"{bot.name} ready on port {bot.port} after {took:.1f} s")
            print(f"fake connector on {connector.url}")
            traffic = Traffic(session, connector, error_text)

            total = plan.sequential + plan.workers * plan.per_worker
            print(
                f"\nPOST /api/messages round trips: {plan.sequential} sequential + "
                f"{plan.workers} × {plan.per_worker} concurrent = {total} per bot, after "
                f"warm-up; {len(QUESTIONS)} rotating questions\n"
            )
            modes = {
                "sequential": await run_sequential(traffic, bots, plan),
                "concurrent": await run_concurrent(traffic, bots, plan),
            }
            for bot in bots.values():
                bot.check_alive()
            all_ids = [
                i for per_bot in modes.values() for r in per_bot.values() for i in r.activity_ids
            ]
            with contextlib.suppress(TimeoutError):  # what is missing then is reported below
                await connector.wait_for(
                    lambda: all(connector.replies_to(i) for i in all_ids), REPLY_GRACE_S
                )
            for per_bot in modes.values():
                for res in per_bot.values():
                    traffic.tally(res)
            print_table(modes, plan.workers)
            print_connector(modes, connector)
            print_ratios(modes, plan.workers)
            print(
                "\n  p50/p99: POST round trip (the reply reaches the connector before it returns);"
                "\n  reply p50: from sending to the reply's arrival at the connector;"
                "\n  CPU ms/req: the bot process's user+system CPU per request."
            )
            print_bot_turn_times(bots[STRATEGI], modes, plan.workers)
        finally:
            await session.close()
            for bot in bots.values():
                await bot.terminate(timeout=5)
            await connector.stop()

    print_answerer(time_answerer(plan.answer_passes))

    problems = _check(modes, connector)
    if problems:
        print("\nBROKEN:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


async def _main(plan: Plan) -> int:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    return await run(plan)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description="Strategibot vs the echo sample: latency.")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument("--sequential", type=int, help="sequential requests per bot")
    parser.add_argument("--workers", type=int, help="concurrent conversations")
    parser.add_argument("--per-worker", type=int, help="requests per conversation")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    overrides = {
        k: v
        for k, v in (
            ("sequential", args.sequential),
            ("workers", args.workers),
            ("per_worker", args.per_worker),
        )
        if v is not None
    }
    if any(v < 1 for v in overrides.values()):
        parser.error("counts must be at least 1")
    plan = Plan(**{**plan.__dict__, **overrides})
    started = time.perf_counter()
    try:
        status = asyncio.run(_main(plan))
    except (BenchError, BotExited) as exc:
        print(f"\nBROKEN: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted; bots stopped", file=sys.stderr)
        return 130
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
