"""The sample report in the README: ``python -m tools.sample_report``.

Builds a small, fictional round (leaders "Leder A" … in the units of
``content/data/status.yaml``, made-up comments) and writes ``docs/sample-report.md`` and, when
Chromium is installed, ``docs/sample-report.png`` (a screenshot of the top of the HTML
report). The same sample feeds the renderer tests and the card validation.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from content import Content, load_content
from content.models import Status
from dialogs.status.models import Answer, Leader, MeetingNote, Round, StatusReply
from dialogs.status.render import to_html, to_markdown
from dialogs.status.report import Report, build_report

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TZ = ZoneInfo("Europe/Copenhagen")
A4 = (1240, 1754)  # A4 at 150 dpi, in pixels

S, D, N, R = Status.ON_TRACK, Status.PARTLY, Status.NOT_STARTED, Status.NOT_RELEVANT
# Made-up answers with text: (leader, målsætning) → (status, comment, next step).
COMMENTS: dict[tuple[int, str], tuple[Status, str, str]] = {
    (0, "1.1"): (S, "Borgerne er med til husmøderne hver måned.", "Fælles dagsorden med beboerne."),
    (1, "1.1"): (D, "Vi har talt om sprogbrug på to personalemøder.", ""),
    (2, "1.2"): (D, "Pårørendecaféen er i gang; få kommer endnu.", "Invitation via borgerne."),
    (3, "1.3"): (S, "Aftale med den lokale idrætsforening om ugentlig gåtur.", ""),
    (0, "2.1"): (S, "Kerneopgaven er drøftet i alle teams.", "Kort beskrivelse på intranettet."),
    (4, "2.2"): (D, "Nyt dokumentationsskema afprøves.", "Evaluering efter sommerferien."),
    (5, "2.3"): (
        N,
        "Serviceniveauet er ikke kendt af alle samarbejdspartnere.",
        "Møde med sagsbehandlerne i juni.",
    ),
    (6, "2.4"): (N, "Afventer fælles retningslinje.", ""),
    (1, "3.1"): (S, "Tre borgere er flyttet til mindre støtte i år.", ""),
    (7, "3.2"): (
        D,
        "Målene i handleplanerne følges op hvert kvartal.",
        "Opfølgning ind i teammøderne.",
    ),
    (2, "4.1"): (N, "Ombygningen af fællesrummet er udskudt.", ""),
    (8, "4.2"): (S, "Kompetenceplan for 2027 er lavet sammen med TRIO.", ""),
    (3, "4.3"): (D, "", "Drøftes på næste LMU-møde."),
}
NOW = (S, S, S, S, S, D, D, D, N, R)  # this round's spread of statuses
BEFORE = (S, S, S, D, D, D, D, N, N, R)  # the previous round's
BEFORE_4 = (S, S, S, S, S, S, S, D, N, R)  # pejlemærke 4 went better before


@dataclass(frozen=True)
class Sample:
    """Everything :func:`build_report` needs for the sample round."""

    round: Round
    replies: tuple[StatusReply, ...]
    leaders: tuple[Leader, ...]
    meetings: tuple[MeetingNote, ...]
    previous: tuple[Round, tuple[StatusReply, ...]]
    reachable: frozenset[str]

    def report(self, content: Content) -> Report:
        """The sample's report."""
        return build_report(
            content.strategy,
            self.round,
            self.replies,
            self.leaders,
            self.meetings,
            self.previous,
            self.reachable,
        )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def _status(leader: int, goal: int, spread: Sequence[Status]) -> Status:
    """A spread of statuses that looks like a real round, the same every time."""
    return spread[(leader * 7 + goal * 3 + goal // 4) % len(spread)]


def sample(content: Content) -> Sample:
    """A fictional round "Forår 2027" with 12 leaders, its previous round and LMU notes."""
    units = content.status.units
    goals = [m.id for m in content.strategy.maalsaetninger]
    leaders = [
        Leader(user_id=f"aad-{n}", name=f"Leder {chr(65 + n)}", unit=units[n % len(units)])
        for n in range(11)
    ]
    leaders.append(Leader(email="leder.l@example.invalid", name="Leder L", unit=units[3]))
    keys = tuple(leader.key for leader in leaders)
    before = Round(
        id="r-2026-2", name="Efterår 2026", maalsaetninger=tuple(goals), recipients=keys,
        deadline=date(2026, 11, 30), opened_at=_at(date(2026, 11, 2)),
    )  # fmt: skip
    current = Round(
        id="r-2027-1", name="Forår 2027", maalsaetninger=tuple(goals), recipients=keys,
        deadline=date(2027, 5, 31), opened_at=_at(date(2027, 5, 3)),
    )  # fmt: skip

    def replies(round_: Round, who: Sequence[int], usual: Sequence[Status]) -> list[StatusReply]:
        out = []
        for n in who:
            leader = leaders[n]
            answers = []
            for g, ident in enumerate(goals):
                spread = usual
                if round_ is before and ident.startswith("4."):
                    spread = BEFORE_4
                status, comment, next_step = (_status(n, g, spread), "", "")
                if round_ is current and (n, ident) in COMMENTS:
                    status, comment, next_step = COMMENTS[n, ident]
                answers.append(
                    Answer(maalsaetning=ident, status=status, comment=comment, next_step=next_step)
                )
            late = round_ is current and n == 8
            when = _at(round_.deadline + timedelta(days=2 if late else -n))
            out.append(
                StatusReply(round_id=round_.id, user_id=leader.user_id, unit=leader.unit,
                            answers=tuple(answers), first_at=when, updated_at=when, late=late)
            )  # fmt: skip
        return out

    now = replies(current, range(9), NOW)
    now.append(
        StatusReply(round_id=current.id, first_at=_at(date(2027, 5, 20)),
                    updated_at=_at(date(2027, 5, 25)), withdrawn=True)
    )  # fmt: skip
    then = replies(before, range(2, 11), BEFORE)
    meetings = [
        MeetingNote(committee_id=f"lmu-{c}", meeting_id=f"m{m}", meeting_start=_at(day, 13),
                    maalsaetninger=ids, at=_at(day, 13))
        for c, m, day, ids in (
            (1, 1, date(2027, 1, 12), ("1.1", "1.2")),
            (1, 2, date(2027, 3, 2), ("2.3",)),
            (2, 1, date(2027, 2, 4), ("1.1", "3.1")),
            (2, 2, date(2027, 4, 8), ("2.3", "2.4")),
            (3, 1, date(2026, 12, 3), ("4.1",)),  # the previous half-year: not counted
        )
    ]  # fmt: skip
    reachable = frozenset(leader.key for leader in leaders[:10])  # Leder K and L are not
    return Sample(current, tuple(now), tuple(leaders), tuple(meetings),
                  (before, tuple(then)), reachable)  # fmt: skip


def chromium() -> str | None:
    """The Chromium executable (Debian package ``chromium``), if installed."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def chromium_args(executable: str, profile: Path) -> list[str]:
    """Headless Chromium that makes no network connection of its own."""
    return [
        executable, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--no-first-run", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
    ]  # fmt: skip


def screenshot(html_file: Path, png: Path, size: tuple[int, int] = A4) -> None:
    """A PNG of the top of an HTML file, made by headless Chromium."""
    executable = chromium()
    if executable is None:
        raise RuntimeError("Chromium is not installed (Debian package: chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [*chromium_args(executable, Path(profile)), f"--screenshot={png}",
             f"--window-size={size[0]},{size[1]}", html_file.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Write the Markdown sample and, with Chromium, the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DOCS, help="folder to write to")
    args = parser.parse_args(argv)
    content = load_content()
    report = sample(content).report(content)
    args.out.mkdir(parents=True, exist_ok=True)
    markdown = args.out / "sample-report.md"
    markdown.write_text(to_markdown(report, content.report, content.status), encoding="utf-8")
    print(f"wrote {markdown}")
    if chromium() is None:
        print(
            "Chromium is not installed (apt-get install chromium): no screenshot", file=sys.stderr
        )
        return 0
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "sample-report.html"
        page.write_text(to_html(report, content.report, content.status), encoding="utf-8")
        png = args.out / "sample-report.png"
        screenshot(page, png)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
