"""Speed of the half-year report for 10 000 replies: model, renderers, and loading as baseline.

    .venv/bin/python bench/report.py            # 10 000 replies, 7 runs each (about 30 s)
    .venv/bin/python bench/report.py --quick    # 2 000 replies, 3 runs

What it does:

1. Builds a seeded, fictional round with 14 målsætninger and N replies (default 10 000), one
   per leader (N leaders in 60 units), each answering 1–14 målsætninger (7.5 on average,
   ≈75 000 answers); a third of the answers carry a comment and a next step of 20–500
   characters with æ, ø and å; 3 % of replies are late and 1 % withdrawn. The previous round
   has the same size (for trends), and there are 400 LMU meeting notes.
2. Baseline: validates the same replies from JSON-ready dicts (``StatusReply.model_validate``),
   which is what loading them from the store costs anyway.
3. Times :func:`dialogs.status.report.build_report` and each renderer (CSV, Markdown, HTML with its
   matplotlib charts, and the Teams cards), each on a freshly built report (a report makes
   its per-answer rows on first use, so that cost lands on the renderer that needs them), and
   prints the median of several runs, the size of each output, and ``build_report`` against
   its target: a report for 10 000 replies in < 1 s.

Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content import Content, load_content  # noqa: E402
from content.models import Status  # noqa: E402
from dialogs.status.models import MeetingNote, Round, StatusReply  # noqa: E402
from dialogs.status.render import to_csv, to_html, to_markdown  # noqa: E402
from dialogs.status.report import Report, build_report  # noqa: E402
from dialogs.status.report_card import report_cards  # noqa: E402

TZ = ZoneInfo("Europe/Copenhagen")
T = TypeVar("T")
TARGET_SECONDS = 1.0
WORDS = [
    "borgerne",
    "møder",
    "året",
    "øvelse",
    "åbne",
    "fælles",
    "støtte",
    "dagsorden",
    "tiltag",
    "næste",
    "skridt",
    "plan",
]


def _text(rng: random.Random) -> str:
    length = rng.randint(20, 500)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:length]


def reply_dicts(round_id: str, count: int, goals: list[str], seed: int) -> list[dict[str, Any]]:
    """``count`` replies as the store holds them (JSON-ready dicts)."""
    rng = random.Random(seed)
    statuses = [s.value for s in Status]
    at = datetime(2027, 5, 20, 10, tzinfo=TZ).isoformat()
    out: list[dict[str, Any]] = []
    for n in range(count):
        if rng.random() < 0.01:
            out.append({"round_id": round_id, "withdrawn": True, "first_at": at, "updated_at": at})
            continue
        chosen = rng.sample(goals, rng.randint(1, len(goals)))
        answers = []
        for goal in chosen:
            text = rng.random() < 1 / 3
            answers.append(
                {
                    "maalsaetning": goal,
                    "status": rng.choice(statuses),
                    "comment": _text(rng) if text else "",
                    "next_step": _text(rng) if text else "",
                }
            )
        out.append(
            {
                "round_id": round_id,
                "user_id": f"aad-{n}",
                "unit": f"Enhed {n % 60:02d}",
                "answers": answers,
                "first_at": at,
                "updated_at": at,
                "late": rng.random() < 0.03,
            }
        )
    return out


def median_seconds(action: Callable[[], T], runs: int) -> tuple[float, T]:
    """The median wall time of ``runs`` calls, and the last result."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def median_render(
    render: Callable[[Report], bytes], build: Callable[[], Report], runs: int
) -> tuple[float, bytes]:
    """The median time of ``render`` over ``runs`` freshly built reports (built untimed: the
    rows a report makes on first use are the renderer's cost), and the last output."""
    times = []
    output = b""
    for _ in range(runs):
        report = build()
        start = time.perf_counter()
        output = render(report)
        times.append(time.perf_counter() - start)
    return statistics.median(times), output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 000 replies, 3 runs")
    parser.add_argument("--replies", type=int, help="number of replies (default 10 000)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 7)")
    args = parser.parse_args()
    count = args.replies or (2_000 if args.quick else 10_000)
    runs = args.runs or (3 if args.quick else 7)

    content: Content = load_content()
    goals = [m.id for m in content.strategy.maalsaetninger]
    keys = tuple(f"aad-{n}" for n in range(count))
    opened = datetime(2027, 5, 1, 9, tzinfo=TZ)
    current = Round(id="now", name="Forår 2027", maalsaetninger=tuple(goals), recipients=keys,
                    deadline=date(2027, 5, 31), opened_at=opened)  # fmt: skip
    before = current.model_copy(update={"id": "before", "name": "Efterår 2026",
                                        "deadline": date(2026, 11, 30)})  # fmt: skip
    raw = reply_dicts("now", count, goals, seed=1)
    raw_before = reply_dicts("before", count, goals, seed=2)
    rng = random.Random(3)
    meetings = [
        MeetingNote(committee_id=f"lmu-{n % 40}", meeting_id=f"m{n}",
                    meeting_start=datetime(2027, 1, 5, 13, tzinfo=TZ) + timedelta(days=n % 180),
                    maalsaetninger=tuple(rng.sample(goals, 2)), at=opened)
        for n in range(400)
    ]  # fmt: skip

    print(f"Python {platform.python_version()} on {platform.machine()}, {runs} runs each")
    json_bytes = len(json.dumps(raw).encode())
    load_s, replies = median_seconds(lambda: [StatusReply.model_validate(d) for d in raw], runs)
    previous = [StatusReply.model_validate(d) for d in raw_before]
    answers = sum(len(r.answers) for r in replies)
    print(
        f"data: {count} replies, {answers} answers "
        f"({answers / max(count, 1):.1f} per reply), {json_bytes / 1e6:.1f} MB as JSON"
    )

    def build() -> Report:
        return build_report(content.strategy, current, replies, [], meetings,
                            (before, previous), keys)  # fmt: skip

    build_s, _ = median_seconds(build, runs)
    rows: list[tuple[str, float, int]] = [
        ("load: StatusReply.model_validate ×N (baseline)", load_s, json_bytes),
        ("build_report", build_s, 0),
    ]
    t, s = content.report, content.status
    renderers: list[tuple[str, Callable[[Report], bytes]]] = [
        ("to_csv", lambda r: to_csv(r, t, s)),
        ("to_markdown", lambda r: to_markdown(r, t, s).encode()),
        ("to_html (5 matplotlib charts)", lambda r: to_html(r, t, s).encode()),
        (
            "report_cards (Teams pages)",
            lambda r: json.dumps([x.card for x in report_cards(r, content)]).encode(),
        ),
    ]
    for name, render in renderers:
        seconds, output = median_render(render, build, runs)
        rows.append((name, seconds, len(output)))

    print()
    print(f"{'step':48} {'median':>10} {'vs load':>8} {'output':>10}")
    for name, seconds, size in rows:
        ratio = seconds / load_s if load_s else 0.0
        out = f"{size / 1e6:.2f} MB" if size else ""
        print(f"{name:48} {seconds * 1000:8.1f} ms {ratio:7.2f}× {out:>10}")
    verdict = "met" if build_s < TARGET_SECONDS else "NOT met"
    print()
    print(
        f"target: report for {count} replies < {TARGET_SECONDS:.0f} s — "
        f"build_report {build_s * 1000:.0f} ms: {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
