"""SIGKILL the bot while status submissions pour in: every confirmed one must be on disk.

:func:`run_crash` starts the bot as a process (:class:`~tools.live_bot.LiveBot`, a temporary
``DATA_DIR``, replies to a :class:`~tools.fake_connector.FakeConnector`), registers
``leaders`` leaders ("tilmeld som leder …", each approved by the admin from the request's
card) and has the admin open a round over ``goals`` målsætninger. Then every leader submits
the status card once per målsætning, all at the same
time: each submission has its own status and a unique comment. When ``kill_at`` of them have
been confirmed (the reply "Tak – din status for … er gemt" arrived at the connector; the bot
sends it only after the store write returned) the bot is killed with SIGKILL.

The data file is read twice: right after the kill, as it lies on disk
(:func:`bot.storage.read_data`), and after the bot has been started again on it and stopped.
Before that restart, torn temporary files are added as a kill in the middle of a file write
would leave them (next to the status file, each reply file and as a half-written intent); they
and the leftover lock file must not stop the start-up. Each time, every confirmed
submission must be present with exactly its status and comment, and no answer may appear
twice.

With ``database_url`` the bot runs on PostgreSQL (``DATABASE_URL``) instead: the data is read
from the database (:meth:`bot.postgres.PostgresStore.dump`) after the kill and after the
restart, and there are no files to tear.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.postgres import PostgresStore
from bot.storage import read_data
from content import load_content
from content.models import Status
from dialogs.status.cards import field_id, status_pages
from dialogs.status.models import Round
from dialogs.status.repository import REPLIES, ROUNDS
from dialogs.store import Doc
from tools.fake_connector import FakeConnector, personal_activity
from tools.live_bot import DB_FILE, LiveBot

ADMIN = 999_999
CONFIRMATION = "Tak – din status for"
STATUSES = tuple(s.value for s in Status)


@dataclass(frozen=True)
class CrashPlan:
    """How many submissions, and when to kill."""

    leaders: int = 100
    goals: int = 10  # the first målsætninger of the strategy
    kill_at: float = 0.4  # share of submissions confirmed when the bot is killed
    concurrency: int = 1000  # submissions in flight at once
    round_name: str = "Krak 2027"


@dataclass(frozen=True)
class Submission:
    """One leader's status for one målsætning: distinct and identifiable by its comment."""

    leader: int
    goal: str
    status: str
    comment: str
    activity_id: str


@dataclass
class Check:
    """What one read of the data file held."""

    present: int = 0  # submissions stored with exactly their status and comment
    lost: int = 0  # confirmed, but not stored as submitted (must be 0)
    unconfirmed_present: int = 0  # stored, though the confirmation never arrived
    altered: int = 0  # a stored answer whose content is not what was submitted
    duplicates: int = 0  # answers stored more than once in a reply
    strays: int = 0  # answers for målsætninger nobody submitted
    lost_examples: list[str] = field(default_factory=list)


@dataclass
class CrashResult:
    """The counts of one run."""

    plan: CrashPlan
    backend: str = "tinydb"
    sent: int = 0  # submissions posted
    answered: int = 0  # POSTs the bot answered 2xx before it died
    cut_off: int = 0  # POSTs that failed because the bot died
    confirmed: int = 0  # confirmations that reached the connector
    after_kill: Check = field(default_factory=Check)
    after_restart: Check = field(default_factory=Check)
    left_files: list[str] = field(default_factory=list)  # in DATA_DIR after the kill
    temp_files_left: list[str] = field(default_factory=list)  # after restart and stop (none)
    restart_seconds: float = 0.0
    storage: dict[str, Any] = field(default_factory=dict)  # /healthz after the restart
    kill_code: int = 0
    set_up_seconds: float = 0.0
    submit_seconds: float = 0.0  # first submission to the kill

    @property
    def ok(self) -> bool:
        """Nothing confirmed was lost or changed, nothing doubled, and the bot restarted."""
        return (
            0 < self.confirmed < self.sent
            and self.kill_code == -9
            and not self.storage.get("quarantined")
            and not self.temp_files_left
            and bool(self.storage)
            and all(
                not (c.lost or c.altered or c.duplicates or c.strays)
                for c in (self.after_kill, self.after_restart)
            )
        )

    def lines(self) -> list[str]:
        """The figures, one per line."""
        p, k, r = self.plan, self.after_kill, self.after_restart
        return [
            f"crash ({self.backend}): {p.leaders} leaders × {p.goals} målsætninger = "
            f"{self.sent} status submissions at once, SIGKILL after {p.kill_at:.0%} confirmed",
            f"  set-up                          {self.set_up_seconds:.1f} s",
            f"  sent                            {self.sent}",
            f"  confirmed before the kill       {self.confirmed}  "
            f"(after {self.submit_seconds:.2f} s; HTTP answered {self.answered}, "
            f"cut off {self.cut_off})",
            *(
                [f"  files left after the kill       {', '.join(self.left_files)}"]
                if self.backend == "tinydb"
                else []
            ),
            f"  stored after the kill           {k.present} present, {k.lost} lost, "
            f"{k.unconfirmed_present} unconfirmed but present",
            (
                f"  restart                         {self.restart_seconds:.1f} s with torn .tmp "
                f"files added (left after restart: {len(self.temp_files_left)}), quarantined: "
                f"{self.storage.get('quarantined')}"
                if self.backend == "tinydb"
                else f"  restart                         {self.restart_seconds:.1f} s"
            ),
            f"  present after restart           {r.present}",
            f"  lost                            {r.lost}  (must be 0)",
            f"  unconfirmed but present         {r.unconfirmed_present}",
            f"  altered / duplicated / strays   {r.altered} / {r.duplicates} / {r.strays}"
            "  (must be 0)",
            *(f"  lost: {example}" for example in k.lost_examples + r.lost_examples),
            "  result                          " + ("ok" if self.ok else "BROKEN"),
        ]


class Confirmations:
    """Counts confirmations at the connector as they arrive (incrementally)."""

    def __init__(self, connector: FakeConnector, ids: set[str]) -> None:
        self.connector = connector
        self.ids = ids
        self.confirmed: set[str] = set()
        self._seen = 0

    def count(self) -> int:
        """Confirmed submissions so far."""
        received = self.connector.received
        for r in received[self._seen :]:
            if r.delivered and r.reply_to_id in self.ids and r.label.startswith(CONFIRMATION):
                self.confirmed.add(r.reply_to_id)
        self._seen = len(received)
        return len(self.confirmed)


def check(
    data: dict[str, dict[str, Doc]], submissions: list[Submission], confirmed: set[str]
) -> Check:
    """Compare the stored replies with what was submitted and confirmed."""
    result = Check()
    round_ids = list(data.get(ROUNDS, {}))
    round_id = round_ids[0] if round_ids else ""
    replies = data.get(REPLIES, {})
    stored: dict[tuple[int, str], list[dict[str, Any]]] = {}
    wanted = {(s.leader, s.goal) for s in submissions}
    for key, doc in replies.items():
        leader = int(key.rsplit("-", 1)[1])
        counts = Counter(a["maalsaetning"] for a in doc.get("answers", []))
        result.duplicates += sum(n - 1 for n in counts.values())
        for answer in doc.get("answers", []):
            stored.setdefault((leader, answer["maalsaetning"]), []).append(answer)
            if (leader, answer["maalsaetning"]) not in wanted:
                result.strays += 1
        if not key.startswith(f"{round_id}|"):
            result.strays += 1
    for s in submissions:
        answers = stored.get((s.leader, s.goal), [])
        exact = [a for a in answers if (a["status"], a["comment"]) == (s.status, s.comment)]
        result.altered += len(answers) - len(exact)
        if exact:
            result.present += 1
            if s.activity_id not in confirmed:
                result.unconfirmed_present += 1
        elif s.activity_id in confirmed:
            result.lost += 1
            if len(result.lost_examples) < 5:
                result.lost_examples.append(f"{s.goal} of leader {s.leader}: {answers}")
    return result


async def _post_all(bot: LiveBot, activities: list[dict[str, Any]], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(activity: dict[str, Any]) -> None:
        async with gate:
            status = await bot.post(activity)
            if status not in (200, 201):
                raise RuntimeError(f"{activity.get('text')!r} answered {status}")

    await asyncio.gather(*(one(a) for a in activities))


async def read_stored(bot: LiveBot, database_url: str | None) -> dict[str, dict[str, Doc]]:
    """Everything stored: the data file as it lies on disk, or the database."""
    if database_url is None:
        return read_data(bot.data_file)
    store = await PostgresStore.open(database_url, max_size=1)
    try:
        return await store.dump()
    finally:
        await store.close()


async def run_crash(
    plan: CrashPlan, workdir: Path, *, database_url: str | None = None
) -> CrashResult:
    """Run one crash (see the module docstring)."""
    content = load_content()
    goals = [m.id for m in content.strategy.maalsaetninger][: plan.goals]
    result = CrashResult(plan, backend="postgresql" if database_url else "tinydb")
    connector = FakeConnector()
    await connector.start()
    url = connector.url
    # The admin approves every leader at once, and every submission is in flight at once: no
    # per-user turn limit and no cap on requests handled at once in this scenario.
    env = {
        "ADMINS": f"aad-user-{ADMIN}",
        "TURNS_PER_SECOND": "0",
        "MAX_CONCURRENT_REQUESTS": str(max(64, plan.concurrency)),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    bot = LiveBot(workdir / "data", workdir / "bot.log", env=env)
    try:
        started = time.perf_counter()
        await bot.start()
        await bot.set_clock("2027-01-04T10:00:00+01:00")
        await _post_all(
            bot,
            [
                personal_activity(n, url, text=f"tilmeld som leder Enhed {n % 25}")
                for n in range(plan.leaders)
            ],
            50,
        )
        approve = {"action": "leader_approve"}
        await _post_all(
            bot,
            [
                personal_activity(
                    ADMIN,
                    url,
                    value={**approve, "user": f"aad-user-{n}", "unit": f"Enhed {n % 25}"},
                )
                for n in range(plan.leaders)
            ],
            50,
        )
        form = {
            "action": "round_create",
            "name": plan.round_name,
            "scope": "chosen",
            "goals": ",".join(goals),
            "units": "",
            "deadline": "2027-01-15",
        }
        await _post_all(bot, [personal_activity(ADMIN, url, value=form)], 1)
        [(round_id, round_doc)] = (await read_stored(bot, database_url))[ROUNDS].items()
        round_ = Round.model_validate(round_doc)
        page_of = {g: n for n, page in enumerate(status_pages(content, round_)) for g in page}
        result.set_up_seconds = time.perf_counter() - started

        submissions: list[Submission] = []
        activities: list[dict[str, Any]] = []
        for i, (leader, goal) in enumerate((n, g) for g in goals for n in range(plan.leaders)):
            status = STATUSES[i % len(STATUSES)]
            comment = f"krak {leader}/{goal} nr. {i} {'æøå'[i % 3] * (1 + i % 5)}"
            value = {
                "action": "status_submit",
                "round": round_id,
                "page": page_of[goal],
                field_id("status", goal): status,
                field_id("comment", goal): comment,
            }
            activity = personal_activity(leader, url, value=value)
            activities.append(activity)
            submissions.append(Submission(leader, goal, status, comment, activity["id"]))
        confirmations = Confirmations(connector, {s.activity_id for s in submissions})
        threshold = max(1, round(plan.kill_at * len(submissions)))
        gate = asyncio.Semaphore(plan.concurrency)

        async def submit(activity: dict[str, Any]) -> None:
            async with gate:
                if not bot.running():
                    return  # never sent
                result.sent += 1
                try:
                    if await bot.post(activity) in (200, 201):
                        result.answered += 1
                except Exception:  # the bot died under it (connection reset, session closed)
                    result.cut_off += 1

        flood_started = time.perf_counter()
        flood = [asyncio.create_task(submit(a)) for a in activities]
        await connector.wait_for(
            lambda: confirmations.count() >= threshold, 120, f"{threshold} confirmations"
        )
        result.kill_code = await bot.kill()
        result.submit_seconds = time.perf_counter() - flood_started
        await asyncio.gather(*flood)
        await connector.settled()  # a confirmation still arriving is counted
        result.confirmed = confirmations.count()
        if bot.data_dir.is_dir():
            result.left_files = sorted(p.name for p in bot.data_dir.iterdir())
        after_kill = await read_stored(bot, database_url)
        result.after_kill = check(after_kill, submissions, confirmations.confirmed)
        if database_url is None:
            # As a kill in the middle of a file write would leave them: torn temporary files.
            root = bot.data_dir / Path(DB_FILE).stem
            for file in [root / "status.json", *root.glob(f"{REPLIES}/*/*.json")]:
                file.with_name(file.name + ".tmp").write_bytes(b'{"status_replies": {"torn')
            (root / "0-torn.intent.tmp").write_bytes(b'{"changes": [["status_replies"')

        result.restart_seconds = await bot.start()
        result.storage = (await bot.healthz())["storage"]
        await bot.terminate()
        if bot.data_dir.is_dir():
            # After a clean stop: while it runs, the bot's own writes have their .tmp files.
            result.temp_files_left = sorted(p.name for p in bot.data_dir.rglob("*.tmp"))
        data = await read_stored(bot, database_url)
        result.after_restart = check(data, submissions, confirmations.confirmed)
    finally:
        with contextlib.suppress(Exception):
            await bot.kill()
        await connector.stop()
    return result
