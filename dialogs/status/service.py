"""The status service: decides with the pure functions in this package, then stores and sends.
The chat handlers and the command line call the same methods here.

``tick()`` runs with the reminders (every minute, and at start-up as the catch-up): status
cards of new rounds go to every reachable recipient, nudges go to those who have not
answered, the chair of an acknowledged LMU meeting is asked the day after what it
discussed, and a leader's request that no admin could be shown yet is shown to them. Every
message is claimed in the ledger before it is sent and its outcome written after
(:mod:`dialogs.ledger`), so each is handled exactly once, even by two instances at once.

Only approved leaders (:mod:`dialogs.status.approval`) are asked in rounds, sent cards and
nudges, and counted in reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from content.models import Content
from dialogs.cards import plain
from dialogs.delivery import Delivery
from dialogs.privacy import contains_cpr
from dialogs.reminders.models import CommitteeKind, Policy
from dialogs.reminders.repository import ReminderRepository
from dialogs.replies import Reply
from dialogs.status.approval import LeaderRequest, approved, leadership_request, open_request
from dialogs.status.cards import leader_request_card, note_form, nudge_reply, status_card
from dialogs.status.models import Answer, Leader, MeetingNote, Round, StatusReply
from dialogs.status.nudges import closes_at, due_followups, due_nudges
from dialogs.status.report import Report, build_report
from dialogs.status.repository import StatusRepository
from dialogs.status.retention import purge_comments
from dialogs.text import fold, new_id
from scheduler.calendar import format_date
from scheduler.clock import Clock

log = logging.getLogger(__name__)

MAX_DEADLINE_DAYS = 366  # a round's deadline lies within a year
MAX_ROUND_NAME = 100  # as Round.name


@dataclass(frozen=True)
class RoundRequest:
    """What an admin asks for when opening a round, in chat or on the command line."""

    name: str
    deadline: date | None  # None: not a date
    scope: Literal["all", "priorities", "chosen"] = "all"
    goals: tuple[str, ...] = ()  # the chosen målsætninger when ``scope`` is "chosen"
    units: tuple[str, ...] = ()  # empty: every unit


class RoundRefused(Exception):
    """A round request that cannot be opened: ``text`` names the field of ``StatusTexts``
    with the Danish explanation, ``params`` fill its placeholders."""

    def __init__(self, text: str, **params: str) -> None:
        super().__init__(text)
        self.text = text
        self.params = params


@dataclass(frozen=True)
class LeaderRequestResult:
    """What ``tilmeld som leder`` did: the outcome, the user's leader entry, and the open
    rounds they joined (only when approved at once)."""

    outcome: LeaderRequest
    leader: Leader
    rounds: tuple[Round, ...] = ()


@dataclass(frozen=True)
class OpenRound:
    """A user's open status round, for "hvornår er fristen for status?"."""

    name: str
    deadline: str
    answered: bool


class StatusService:
    """Opens rounds, stores replies and sends the cards and nudges that are due."""

    def __init__(
        self,
        repository: StatusRepository,
        meetings: ReminderRepository,
        clock: Clock,
        content: Content,
        tz: ZoneInfo,
        delivery: Delivery,
        *,
        policy: Policy | None = None,
        keep_rounds: int = 4,
    ) -> None:
        self.repository = repository
        self.meetings = meetings
        self.clock = clock
        self.content = content
        self.tz = tz
        self.delivery = delivery
        self.policy = policy or Policy()
        self.keep_rounds = keep_rounds

    # -- decisions over stored data ----------------------------------------------------------

    def closes_at(self, round_: Round) -> datetime:
        """The end of the deadline day, local time: later replies are late."""
        return closes_at(round_, self.tz)

    def is_open(self, round_: Round, now: datetime) -> bool:
        """Before the end of the deadline day."""
        return now < self.closes_at(round_)

    async def rounds_of(self, user_id: str) -> list[Round]:
        """The rounds a user is asked in, newest first; none while they are pending."""
        if await self._pending(user_id):
            return []
        rounds = [r for r in await self.repository.rounds() if user_id in r.recipients]
        return list(reversed(rounds))

    async def is_asked(self, round_: Round, user_id: str) -> bool:
        """The user may answer ``round_``: a recipient, and not pending approval (a leader
        who unregistered and asked again stays in the rounds they were asked in)."""
        return user_id in round_.recipients and not await self._pending(user_id)

    async def _pending(self, user_id: str) -> bool:
        leader = await self.repository.leader(user_id) if user_id else None
        return leader is not None and leader.pending

    async def current_round(self, user_id: str, now: datetime) -> Round | None:
        """The round to answer now: the open one with the nearest deadline, else the newest."""
        mine = await self.rounds_of(user_id)
        open_ = sorted((r for r in mine if self.is_open(r, now)), key=lambda r: r.deadline)
        return open_[0] if open_ else (mine[0] if mine else None)

    async def open_round_of(self, user_id: str, now: datetime) -> OpenRound | None:
        """The open round ``user_id`` is asked in, for "hvornår er fristen for status?"."""
        round_ = await self.current_round(user_id, now)
        if round_ is None or not self.is_open(round_, now):
            return None
        replied = await self.repository.reply(round_.id, user_id)
        deadline = format_date(round_.deadline, with_year=True)
        return OpenRound(round_.name, deadline, replied is not None and not replied.withdrawn)

    async def find_round(self, name: str | None) -> Round | None:
        """The round called ``name`` (case and æ/ae/a do not matter) or with that id; the
        newest round when ``name`` is None."""
        rounds = await self.repository.rounds()
        if name is None:
            return rounds[-1] if rounds else None
        wanted = fold(" ".join(name.lower().split()))
        return next((r for r in rounds if fold(r.name.lower()) == wanted or r.id == name), None)

    async def answered(self, round_: Round) -> set[str]:
        """Keys of the recipients who have replied."""
        return await self.repository.answered(round_.id)

    async def reachable_leaders(self, leaders: Sequence[Leader]) -> set[str]:
        """Keys of leaders the bot can write to (the app is installed in their chat)."""
        return {x.key for x in leaders if x.user_id and await self.delivery.reachable(x.user_id)}

    async def lmu_meetings(self) -> list[MeetingNote]:
        """What each acknowledged LMU meeting discussed: the chair's note, else its focus."""
        notes = {f"{n.committee_id}|{n.meeting_id}": n for n in await self.repository.notes()}
        for key, ack in (await self.meetings.acknowledgements_by_meeting()).items():
            if key not in notes and ack.get("kind") == CommitteeKind.LMU.value:
                committee_id, _, meeting_id = key.partition("|")
                start = datetime.fromisoformat(ack["meeting_start"])
                notes[key] = MeetingNote(
                    committee_id=committee_id, meeting_id=meeting_id, meeting_start=start,
                    maalsaetninger=tuple(ack.get("focus", ())), at=start,
                )  # fmt: skip
        return list(notes.values())

    async def report(self, round_: Round) -> Report:
        """The report of one round, compared with the round before it."""
        rounds = await self.repository.rounds()
        before = [r for r in rounds if r.opened_at < round_.opened_at]
        previous = None
        if before:
            previous = (before[-1], await self.repository.replies(before[-1].id))
        leaders = await self.repository.leaders()
        return build_report(
            self.content.strategy,
            round_,
            await self.repository.replies(round_.id),
            leaders,
            await self.lmu_meetings(),
            previous,
            await self.reachable_leaders(leaders),
            tz=self.tz,
            now=self.clock.now(),
            committees={c.id for c in await self.meetings.committees()},
        )

    # -- changes -----------------------------------------------------------------------------

    async def create_round(
        self, request: RoundRequest, opened_by: str, now: datetime
    ) -> tuple[Round, Counter[str]]:
        """Check a request, then open the round and send the cards.

        Raises :class:`RoundRefused` and stores nothing when the request cannot be opened.
        """
        name = " ".join(request.name.split())
        if not name:
            raise RoundRefused("error_round_name")
        texts = self.content.status
        if contains_cpr(name):
            raise RoundRefused("cpr_round", field=texts.round_name)
        if any(contains_cpr(unit) for unit in request.units):
            raise RoundRefused("cpr_round", field=texts.field_units)
        if len(name) > MAX_ROUND_NAME:
            raise RoundRefused("error_round_name_long", limit=str(MAX_ROUND_NAME))
        if await self.find_round(name) is not None:
            raise RoundRefused("error_round_taken", name=name)
        all_ids = [m.id for m in self.content.strategy.maalsaetninger]
        if request.scope == "priorities":
            goals = list(await self.meetings.priorities())
            if not goals:
                raise RoundRefused("error_no_priorities")
        elif request.scope == "chosen":
            unknown = [g for g in request.goals if g not in all_ids]
            if unknown:
                raise RoundRefused("error_unknown_goals", ids=", ".join(unknown))
            goals = [i for i in all_ids if i in request.goals]
            if not goals:
                raise RoundRefused("error_goals")
        else:
            goals = all_ids
        today = now.astimezone(self.tz).date()
        deadline = request.deadline
        if deadline is None or not today < deadline <= today + timedelta(days=MAX_DEADLINE_DAYS):
            raise RoundRefused("error_deadline")
        leaders = [
            x
            for x in approved(await self.repository.leaders())
            if not request.units or x.unit in request.units
        ]
        if not leaders:
            raise RoundRefused("error_no_leaders")
        round_ = Round(
            id=new_id(name, "runde"),
            name=name,
            maalsaetninger=tuple(goals),
            recipients=tuple(x.key for x in leaders),
            units=request.units,
            deadline=deadline,
            opened_at=now,
            opened_by=opened_by,
        )
        return round_, await self.open_round(round_)

    async def unreachable_leaders(self, round_: Round) -> list[Leader]:
        """The round's leaders the bot cannot write to."""
        leaders = [x for x in await self.repository.leaders() if x.key in round_.recipients]
        reachable = await self.reachable_leaders(leaders)
        return [x for x in leaders if x.key not in reachable]

    async def open_round(self, round_: Round) -> Counter[str]:
        """Store a new round and purge comments of old rounds (one all-or-nothing write),
        then send the cards."""
        rounds = [r for r in await self.repository.rounds() if r.id != round_.id]
        rounds = sorted([*rounds, round_], key=lambda r: (r.opened_at, r.id))
        purged = purge_comments(rounds, await self.repository.replies(), self.keep_rounds)
        await self.repository.open_round(round_, purged)
        if purged:
            log.info("purged comments of %d replies in old rounds", len(purged))
        return await self._announce(self.clock.now())

    async def register(self, leader: Leader) -> list[Round]:
        """Save a leader and, once approved, add them to open rounds that ask their unit
        (the leader and the rounds in one all-or-nothing write)."""
        now = self.clock.now()
        added: list[Round] = []
        for round_ in [] if leader.pending else await self.repository.rounds():
            wanted = not round_.units or leader.unit in round_.units
            if wanted and self.is_open(round_, now) and leader.key not in round_.recipients:
                updated = round_.model_copy(update={"recipients": (*round_.recipients, leader.key)})
                added.append(updated)
        await self.repository.save_leader(leader, added)
        return added

    # -- leaders asking to be leaders ----------------------------------------------------------

    async def request_leadership(
        self, user_id: str, name: str, unit: str, is_admin: bool, now: datetime
    ) -> LeaderRequestResult:
        """ "tilmeld som leder <unit>": an admin is registered at once; anyone else is stored
        as pending, and the admins get a card to approve or reject."""
        existing = await self.repository.leader(user_id)
        outcome = leadership_request(existing, unit, is_admin)
        if existing is not None and outcome in ("unchanged", "moved", "waiting"):
            return LeaderRequestResult(outcome, existing)
        if outcome == "approved":
            leader = Leader(user_id=user_id, name=name, unit=unit)
            return LeaderRequestResult(outcome, leader, tuple(await self.register(leader)))
        leader = Leader(user_id=user_id, name=name, unit=unit, pending_since=now)
        await self.repository.save_leader(leader)
        await self._ask_admins(leader, await self.repository.handled(now), now)
        return LeaderRequestResult("pending", leader)

    async def approve_leader(self, user_id: str, unit: str) -> tuple[Leader, list[Round]] | None:
        """An admin approved the request of ``user_id`` for ``unit``: register them, add them
        to open rounds, and tell them. None (and nothing changes) when that request is no
        longer open."""
        current = await self.repository.leader(user_id)
        if not open_request(current, unit) or current is None or current.pending_since is None:
            return None
        decision = f"leader-decision:{user_id}:{current.pending_since.isoformat()}"
        leader = current.model_copy(update={"pending_since": None})
        added = await self.register(leader)
        t = self.content.status
        text = t.you_are_leader.format(unit=plain(unit))
        if added:
            text += " " + t.registered_rounds.format(names=", ".join(plain(r.name) for r in added))
        await self._tell(user_id, text, decision)
        return leader, added

    async def reject_leader(self, user_id: str, unit: str) -> Leader | None:
        """An admin rejected the request of ``user_id`` for ``unit``: forget it and tell
        them. None (and nothing changes) when that request is no longer open."""
        current = await self.repository.leader(user_id)
        if not open_request(current, unit) or current is None or current.pending_since is None:
            return None
        decision = f"leader-decision:{user_id}:{current.pending_since.isoformat()}"
        await self.repository.delete_leader(current.key)
        text = self.content.status.you_are_not_leader.format(unit=plain(unit))
        await self._tell(user_id, text, decision)
        return current

    async def migrate_approvals(self) -> int:
        """At start-up: leaders stored before approvals existed are approved; says so in the
        log once (the next start finds none)."""
        count = await self.repository.migrate_approvals()
        if count:
            log.info("approvals: %d leaders stored before approvals are approved", count)
        return count

    async def _tell(self, user_id: str, text: str, key: str) -> None:
        await self.delivery.send(f"user:{user_id}", Reply(text), key)

    async def _ask_admins(self, leader: Leader, handled: set[str], now: datetime) -> bool:
        """Send the approval card of a pending leader to the admins, once per request."""
        if leader.pending_since is None:
            return False
        key = f"leader-request:{leader.user_id}:{leader.pending_since.isoformat()}"
        if key in handled or not await self.repository.claim(key, now):
            return False
        if not await self.delivery.send_to_admins(leader_request_card(self.content, leader), key):
            await self.repository.release(key)  # no admin can be reached yet: the next tick
            return False
        await self.repository.record(key, "sent", now)
        return True

    # -- replies -----------------------------------------------------------------------------

    async def submit(
        self, round_: Round, user_id: str, unit: str, answers: Sequence[Answer], now: datetime
    ) -> StatusReply:
        """Store answers, merged over the leader's earlier reply to this round."""
        before = await self.repository.reply(round_.id, user_id)
        merged = {a.maalsaetning: a for a in (before.answers if before else ())}
        merged.update({a.maalsaetning: a for a in answers})
        order = {ident: n for n, ident in enumerate(round_.maalsaetninger)}
        reply = StatusReply(
            round_id=round_.id,
            user_id=user_id,
            unit=unit,
            answers=tuple(sorted(merged.values(), key=lambda a: order.get(a.maalsaetning, 99))),
            first_at=before.first_at if before else now,
            updated_at=now,
            late=(before.late if before else False) or not self.is_open(round_, now),
        )
        await self.repository.save_reply(reply)
        return reply

    # -- what the scheduler runs -------------------------------------------------------------

    async def tick(self) -> Counter[str]:
        """Send what is due now; returns counts by outcome."""
        now = self.clock.now()
        outcomes = await self._announce(now)
        outcomes.update(await self._nudge(now))
        outcomes.update(await self._follow_up(now))
        outcomes.update(await self._ask_for_approvals(now))
        return outcomes

    async def _ask_for_approvals(self, now: datetime) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        handled = await self.repository.handled(now)
        for leader in await self.repository.leaders():
            if leader.pending and await self._ask_admins(leader, handled, now):
                outcomes["approval_asked"] += 1
        return outcomes

    async def _announce(self, now: datetime) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        handled = await self.repository.handled(now)
        pending = {x.key for x in await self.repository.leaders() if x.pending}
        for round_ in await self.repository.rounds():
            if not self.is_open(round_, now):
                continue
            for key in round_.recipients:
                await asyncio.sleep(0)  # let chat turns run between cards of a large round
                ledger_key = f"announce:{round_.id}:{key}"
                if ledger_key in handled or key.startswith("email:") or key in pending:
                    continue
                if not await self.repository.claim(ledger_key, now):
                    continue  # another instance has it
                existing = await self.repository.reply(round_.id, key)
                reply = status_card(self.content, round_, 0, existing)
                if await self.delivery.send(f"user:{key}", reply, ledger_key):
                    await self.repository.record(ledger_key, "sent", now)
                    outcomes["announced"] += 1
                else:
                    await self.repository.release(ledger_key)
                    outcomes["unreachable"] += 1
        return outcomes

    async def _nudge(self, now: datetime) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        rounds = [r for r in await self.repository.rounds() if self.is_open(r, now)]
        answered = {r.id: await self.answered(r) for r in rounds}
        handled = await self.repository.handled(now)
        due, missed = due_nudges(rounds, answered, handled, now, self.policy, self.tz)
        for nudge in missed:
            if await self.repository.record_once(nudge.key, "missed", now):
                outcomes["nudge_missed"] += 1
        by_id = {r.id: r for r in rounds}
        pending = {x.key for x in await self.repository.leaders() if x.pending}
        for nudge in due:
            if nudge.leader_key in pending:
                continue
            await asyncio.sleep(0)
            if not await self.repository.claim(nudge.key, now):
                continue  # another instance has it
            round_ = by_id[nudge.round_id]
            total = len(round_.recipients)
            reply = nudge_reply(self.content, round_, len(answered[round_.id]), total)
            if await self.delivery.send(f"user:{nudge.leader_key}", reply, nudge.key):
                await self.repository.record(nudge.key, "sent", now)
                outcomes["nudged"] += 1
            else:
                await self.repository.release(nudge.key)
        return outcomes

    async def _follow_up(self, now: datetime) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        acks = await self.meetings.acknowledgements_by_meeting()
        notes = await self.repository.note_keys()
        handled = await self.repository.handled(now)
        due, missed = due_followups(acks, notes, handled, now, self.policy, self.tz)
        for followup in missed:
            await self.repository.record_once(followup.key, "missed", now)
        for followup in due:
            committee_id, _, meeting_id = followup.meeting_key.partition("|")
            committee = await self.meetings.committee(committee_id)
            meeting = next(
                (m for m in await self.meetings.meetings(committee_id) if m.id == meeting_id), None
            )
            if committee is None or meeting is None:
                await self.repository.record_once(followup.key, "missed", now)
                continue
            if not await self.repository.claim(followup.key, now):
                continue  # another instance has it
            reply = note_form(self.content, committee, meeting, followup.focus)
            if await self.delivery.send(f"user:{committee.chair.user_id}", reply, followup.key):
                await self.repository.record(followup.key, "sent", now)
                outcomes["followed_up"] += 1
            else:
                await self.repository.release(followup.key)
        return outcomes
