"""The reminder service: decides with the pure functions in ``due.py``, then acts.

``tick()`` is what the scheduler runs every minute (and once at start-up, which is the
catch-up after downtime): due reminders are rendered and handed to the delivery; missed and
paused ones are written to the ledger, so each reminder is handled exactly once. Each message
is claimed in the ledger before it is sent (:mod:`dialogs.ledger`), so two instances running
``tick`` at once never both send it. The job looks only at meetings whose send time has
come (:class:`~dialogs.reminders.due.SendIndex`, rebuilt when the plans change), so its cost
is what is due, not what is stored. A channel or
chair's chat that Teams refused is reported to the chair (else the admins) once, and a request
to join a TRIO that no one could be shown yet is shown to the chair (else the admins).
The chat handlers and the command line call the same methods here.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from content.models import Content
from dialogs.cards import plain
from dialogs.delivery import Delivery
from dialogs.ledger import stale
from dialogs.reminders.cards import reminder_reply, trio_request_card
from dialogs.reminders.due import (
    Planned,
    SendIndex,
    SnoozeKind,
    confirmation_counts,
    plan,
    reminder_key,
    send_index,
    snooze_offer,
    upcoming,
)
from dialogs.reminders.focus import Focus, half_year, rotation
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person, Policy
from dialogs.reminders.repository import (
    ReminderRepository,
    committee_change,
    meeting_change,
)
from dialogs.reminders.roles import TrioRequest, open_trio_request, trio_request
from dialogs.replies import Reply
from dialogs.text import fold, plural
from scheduler.calendar import format_meeting
from scheduler.clock import Clock

log = logging.getLogger(__name__)

MAX_MEETINGS_PER_YEAR = 60  # a committee meeting weekly has 52
MAX_COMMITTEES_PER_CHAIR = 20  # admins, who may set up every LMU, are not limited
PLAN_DAYS = 366  # meetings are planned, and imported, a year ahead
REBUILD_EVERY = timedelta(days=1)  # the send index is read again at least this often


@dataclass(frozen=True)
class NextMeeting:
    """A user's next meeting and its focus, for "hvad skal vi drøfte på næste møde?"."""

    committee: str
    when: str
    pejlemaerke: int
    maalsaetninger: tuple[str, ...]


class ReminderService:
    """Sends due reminders and answers "what will be sent"."""

    def __init__(
        self,
        repository: ReminderRepository,
        clock: Clock,
        content: Content,
        tz: ZoneInfo,
        delivery: Delivery,
        policy: Policy | None = None,
    ) -> None:
        self.repository = repository
        self.clock = clock
        self.content = content
        self.tz = tz
        self.delivery = delivery
        self.policy = policy or Policy()
        self._index: SendIndex | None = None

    # -- lookups and changes shared by chat and command line ---------------------------------

    async def find_committee(self, name: str) -> Committee | None:
        """The committee called ``name`` (case, spacing and æ/ae/a do not matter), or by id."""
        wanted = fold(" ".join(name.lower().split()))
        for committee in await self.repository.committees():
            if fold(" ".join(committee.name.lower().split())) == wanted or committee.id == name:
                return committee
        return None

    def meeting(self, committee: Committee, start: datetime) -> Meeting:
        """The meeting of ``committee`` at ``start``: one at the same minute is the same."""
        ident = start.astimezone(self.tz).strftime("%Y%m%dT%H%M")
        return Meeting(id=ident, committee_id=committee.id, start=start)

    async def add_meetings(self, committee: Committee, starts: Iterable[datetime]) -> int:
        """Store meetings of ``committee`` in one all-or-nothing write; a meeting at the same
        minute is the same meeting. How many there were."""
        meetings = [self.meeting(committee, start) for start in starts]
        changes = [meeting_change(m) for m in meetings]
        if committee.schedule:  # the written plan no longer says which meetings there are
            changes.append(committee_change(committee.model_copy(update={"schedule": ""})))
        await self.repository.apply(changes)
        return len(meetings)

    async def change_meeting(self, committee: Committee, meeting: Meeting) -> None:
        """Save a moved or cancelled meeting; the written plan of its committee no longer
        says which meetings there are, so »ret udvalg« shows the dates instead."""
        changes = [meeting_change(meeting)]
        if committee.schedule:
            changes.append(committee_change(committee.model_copy(update={"schedule": ""})))
        await self.repository.apply(changes)

    async def meetings_in_a_year(
        self, committee: Committee, starts: Iterable[datetime], now: datetime
    ) -> int:
        """How many meetings ``committee`` would have in the coming year with ``starts`` added
        to those it has (at most :data:`MAX_MEETINGS_PER_YEAR` are allowed)."""
        end = now + timedelta(days=PLAN_DAYS)
        ids = {m.id for m in await self.repository.meetings(committee.id)
               if now < m.start <= end and not m.cancelled}  # fmt: skip
        ids |= {self.meeting(committee, s).id for s in starts if now < s <= end}
        return len(ids)

    async def may_chair_another(self, user_id: str, is_admin: bool) -> bool:
        """Whether ``user_id`` may create a committee: fewer than
        :data:`MAX_COMMITTEES_PER_CHAIR` chaired, or an admin."""
        if is_admin:
            return True
        chaired = [c for c in await self.repository.committees() if c.chair.user_id == user_id]
        return len(chaired) < MAX_COMMITTEES_PER_CHAIR

    async def save_committee(
        self, committee: Committee, starts: Sequence[datetime], now: datetime
    ) -> None:
        """Save ``committee`` and, when ``starts`` are given, its new plan: every meeting
        after ``now`` cancelled and the meetings at ``starts`` created. One all-or-nothing
        write: after a crash or a full disk the old plan or the new one stands, whole."""
        changes = []
        if starts:
            for old in await self.repository.meetings(committee.id):
                if old.start > now and not old.cancelled:
                    changes.append(meeting_change(old.model_copy(update={"cancelled": True})))
        changes.append(committee_change(committee))
        changes += [meeting_change(self.meeting(committee, start)) for start in starts]
        await self.repository.apply(changes)

    async def set_priorities(self, ids: Iterable[str]) -> list[str]:
        """Set OMU's prioritised målsætninger; returns the unknown ids (then nothing is set)."""
        wanted = tuple(ids)
        known = {m.id for m in self.content.strategy.maalsaetninger}
        unknown = [i for i in wanted if i not in known]
        if not unknown:
            await self.repository.set_priorities(wanted)
        return unknown

    # -- TRIO members asking to join --------------------------------------------------------

    async def request_trio(
        self, committee: Committee, user_id: str, name: str, is_admin: bool, now: datetime
    ) -> TrioRequest:
        """ "tilmeld trio <udvalg>": an admin joins at once; anyone else is stored as pending,
        and the chair (else the admins) gets a card to approve or reject."""
        outcome = trio_request(committee, user_id, is_admin)
        if outcome not in ("approved", "pending"):
            return outcome
        since = now if outcome == "pending" else None
        person = Person(user_id=user_id, name=name, pending_since=since)
        trio = (*(p for p in committee.trio if p.user_id != user_id), person)
        committee = committee.model_copy(update={"trio": trio})
        await self.repository.save_committee(committee)
        if person.pending:
            await self._ask_chair(committee, person, await self.repository.handled(now), now)
        return outcome

    async def approve_trio(self, committee: Committee, user_id: str) -> Person | None:
        """The chair (or an admin) approved the request of ``user_id``: they get the reminders
        from now on and are told. None (and nothing changes) when the request is not open."""
        found = open_trio_request(committee, user_id)
        if found is None or found.pending_since is None:
            return None
        approved = found.model_copy(update={"pending_since": None})
        trio = tuple(approved if p.user_id == user_id else p for p in committee.trio)
        await self.repository.save_committee(committee.model_copy(update={"trio": trio}))
        text = self.content.reminders.trio_joined.format(name=plain(committee.name))
        await self._tell(committee, found, text)
        return approved

    async def reject_trio(self, committee: Committee, user_id: str) -> Person | None:
        """The chair (or an admin) rejected the request of ``user_id``: it is forgotten and
        they are told. None (and nothing changes) when the request is not open."""
        found = open_trio_request(committee, user_id)
        if found is None or found.pending_since is None:
            return None
        trio = tuple(p for p in committee.trio if p.user_id != user_id)
        await self.repository.save_committee(committee.model_copy(update={"trio": trio}))
        text = self.content.reminders.trio_refused.format(name=plain(committee.name))
        await self._tell(committee, found, text)
        return found

    async def migrate_approvals(self) -> int:
        """At start-up: TRIO members stored before approvals existed are approved; says so
        in the log once (the next start finds none)."""
        count = await self.repository.migrate_approvals()
        if count:
            log.info("approvals: %d TRIO members stored before approvals are approved", count)
        return count

    async def _tell(self, committee: Committee, person: Person, text: str) -> None:
        since = person.pending_since.isoformat() if person.pending_since else ""
        key = f"trio-decision:{committee.id}:{person.user_id}:{since}"
        await self.delivery.send(f"user:{person.user_id}", Reply(text), key)

    async def _ask_chair(
        self, committee: Committee, person: Person, handled: set[str], now: datetime
    ) -> bool:
        """Send the approval card of a pending TRIO member to the chair (else the admins, who
        may approve too), once per request."""
        if person.pending_since is None:
            return False
        key = f"trio-request:{committee.id}:{person.user_id}:{person.pending_since.isoformat()}"
        if key in handled or not await self.repository.claim(key, now):
            return False
        card = trio_request_card(self.content.reminders, committee, person)
        sent = await self.delivery.send(f"user:{committee.chair.user_id}", card, key)
        if not sent and not await self.delivery.send_to_admins(card, key):
            await self.repository.release(key)  # no one can be reached yet: the next tick
            return False
        await self.repository.record(key, "sent", now)
        return True

    async def _ask_for_approvals(self, committees: list[Committee], now: datetime) -> int:
        pending = [(c, p) for c in committees for p in c.trio if p.pending and p.pending_since]
        keys = [
            f"trio-request:{c.id}:{p.user_id}:{p.pending_since.isoformat()}"
            for c, p in pending
            if p.pending_since
        ]
        handled = await self.repository.handled_among(keys, now)  # not the whole ledger
        asked = 0
        for committee, person in pending:
            if await self._ask_chair(committee, person, handled, now):
                asked += 1
        return asked

    async def send_index(self, now: datetime) -> SendIndex:
        """The index of send times, read again when the plans changed (a new token, written
        by any instance), at least every :data:`REBUILD_EVERY`, and if the clock went back."""
        repo = self.repository
        token = await repo.changed()  # before reading: a change meanwhile reads again later
        index = self._index
        if (
            index is None
            or index.token != token
            or not index.built <= now < index.built + REBUILD_EVERY
        ):
            committees, meetings = await repo.committees(), await repo.meetings()
            snoozed = await repo.snoozed()
            index = send_index(committees, meetings, self.policy, self.tz, snoozed, now, token)
            self._index = index
        return index

    async def tick(self) -> Counter[str]:
        """Handle every reminder whose time has come; returns counts by outcome. Only the
        meetings whose earliest send time has come are looked at, and the ledger and the
        snoozes are read for their reminders alone."""
        now = self.clock.now()
        repo = self.repository
        index = await self.send_index(now)
        committees = list(index.committees.values())
        meetings = index.due(now, self.policy)
        keys = {
            m: [reminder_key(m, r) for r in index.committees[m.committee_id].recipients()]
            for m in meetings
        }
        every_key = [k for ks in keys.values() for k in ks]
        entries = await repo.ledger_among(every_key)
        handled = {k for k, doc in entries.items() if not stale(doc, now)}
        # Done for good: an outcome is recorded. A claim is not: its holder may die, and the
        # claim, gone stale, is then taken over (dialogs.ledger), so its meeting stays looked at.
        settled = {k for k, doc in entries.items() if repo.outcome_recorded(doc)}
        planned = plan(
            now, committees, meetings, self.policy, self.tz,
            handled, await repo.snoozed_among(every_key),
        )  # fmt: skip
        outcomes: Counter[str] = Counter()
        for item in planned:
            await asyncio.sleep(0)  # let chat turns run between reminders of a large fan-out
            if item.status != "due":
                if await repo.record_once(item.key, item.status, now):
                    outcomes[item.status] += 1
                    settled.add(item.key)
                continue
            if not await repo.claim(item.key, now):
                continue  # another instance has it
            same_committee = index.meetings.get(item.committee.id, [])
            reply = await self.render(item, committees, same_committee)
            # One send per reminder and scheduled time: a snoozed reminder is sent again.
            send_key = f"{item.key}@{item.send_at.isoformat()}"
            if await self.delivery.send(item.recipient, reply, f"reminder:{send_key}"):
                await repo.record(item.key, "sent", now)
                settled.add(item.key)
                outcomes["sent"] += 1
            else:
                await repo.release(item.key)
                outcomes["unreachable"] += 1
        for meeting, meeting_keys in keys.items():
            if settled.issuperset(meeting_keys):
                index.settled(meeting)
        outcomes["refusals_reported"] = await self._report_refusals(committees, now)
        outcomes["approval_asked"] = await self._ask_for_approvals(committees, now)
        if planned:
            log.info("reminders %s", dict(outcomes))
        return +outcomes

    async def _report_refusals(self, committees: list[Committee], now: datetime) -> int:
        """Tell the chair (else the admins), once, that Teams refused the committee's channel
        or the chair's personal chat, so reminders no longer arrive there."""
        texts = self.content.reminders
        reported = 0
        for committee in committees:
            watched = []
            if committee.channel_id:
                watched.append((f"channel:{committee.channel_id}", texts.deactivated_channel))
            if committee.remind_chair:
                watched.append((f"user:{committee.chair.user_id}", texts.deactivated_personal))
            for recipient, where in watched:
                key = f"deactivated:{committee.id}:{recipient}"
                status = await self.delivery.refused(recipient)
                if status is None or await self.repository.handled_among([key], now):
                    continue  # a ledger lookup only for a refused conversation
                if not await self.repository.claim(key, now):
                    continue
                notice = Reply(
                    texts.deactivated.format(name=plain(committee.name), where=where, status=status)
                )
                chair = f"user:{committee.chair.user_id}"
                if not await self.delivery.send(chair, notice, key):
                    await self.delivery.send_to_admins(notice, key)
                await self.repository.record(key, "sent", now)
                reported += 1
        return reported

    async def render(
        self, item: Planned, committees: list[Committee], meetings: list[Meeting]
    ) -> Reply:
        """The reminder card for one planned reminder, as it is sent now."""
        now = self.clock.now()
        offer = snooze_offer(now, item.meeting, item.committee, self.policy, self.tz)
        return await self._card(
            item.committee, item.meeting, item.recipient, now, committees, meetings, offer
        )

    async def reminder_after_click(
        self,
        committee: Committee,
        meeting: Meeting,
        recipient: str,
        now: datetime,
        done: str,
        *,
        acknowledged: bool,
    ) -> Reply:
        """The reminder card again, in place of the one clicked: ``done`` says what happened;
        the buttons that were used up are gone (both after "Sat på dagsordenen", the snooze
        after a snooze)."""
        committees = await self.repository.committees()
        meetings = await self.repository.meetings(committee.id)
        return await self._card(
            committee, meeting, recipient, now, committees, meetings, None,
            done=done, ack=not acknowledged,
        )  # fmt: skip

    async def _card(
        self,
        committee: Committee,
        meeting: Meeting,
        recipient: str,
        now: datetime,
        committees: list[Committee],
        meetings: list[Meeting],
        snooze: SnoozeKind | None,
        *,
        done: str = "",
        ack: bool = True,
    ) -> Reply:
        focus = await self.focus(meeting, meetings)
        omu_lines: tuple[str, ...] = ()
        if committee.kind is CommitteeKind.OMU:
            omu_lines = await self.omu_summary(meeting, committees, meetings, now)
        return reminder_reply(
            self.content, committee, meeting, focus, recipient, omu_lines,
            snooze=snooze, ack=ack, done=done, now=now, tz=self.tz,
        )  # fmt: skip

    async def focus(self, meeting: Meeting, meetings: list[Meeting] | None = None) -> Focus:
        """This meeting's focus within its committee's half-year."""
        meetings = meetings if meetings is not None else await self.repository.meetings()
        first, last = half_year(meeting.start.astimezone(self.tz).date())
        same = [
            m
            for m in meetings
            if m.committee_id == meeting.committee_id
            and first <= m.start.astimezone(self.tz).date() <= last
        ]
        priorities = await self.repository.priorities()
        return rotation(same, self.content.strategy, self.content.reminders, priorities)[meeting.id]

    async def omu_summary(
        self,
        meeting: Meeting,
        committees: list[Committee],
        meetings: list[Meeting],
        now: datetime,
    ) -> tuple[str, ...]:
        """How many of the LMUs there are put the strategy on the agenda of a meeting held
        since OMU's previous meeting (:func:`~dialogs.reminders.due.confirmation_counts`)."""
        texts = self.content.reminders
        earlier = [
            m.start
            for m in meetings
            if m.committee_id == meeting.committee_id
            and m.start < meeting.start
            and not m.cancelled
        ]
        since = max(earlier) if earlier else None
        lmus = {c.id for c in committees if c.kind is CommitteeKind.LMU}
        acks = [
            a
            for a in await self.repository.acknowledgements()
            if confirmation_counts(
                a["committee_id"], datetime.fromisoformat(a["meeting_start"]),
                committees=lmus, since=since, now=now,
            )
        ]  # fmt: skip
        if not acks:
            return (texts.omu_none,)
        acked = len({a["committee_id"] for a in acks})
        focus = sorted({i for a in acks for i in a["focus"]})
        total = plural(len(lmus), texts.lmu_one, texts.lmu_many)
        return (
            texts.omu_summary.format(acked=acked, total=total),
            texts.omu_focus.format(ids=", ".join(focus)),
        )

    async def next_meeting_of(self, user_id: str, now: datetime) -> NextMeeting | None:
        """The soonest meeting of a committee ``user_id`` chairs or is in the TRIO of."""
        mine = {
            c.id: c
            for c in await self.repository.committees()
            if c.chair.user_id == user_id or any(p.user_id == user_id for p in c.approved_trio)
        }
        if not mine:
            return None
        meetings = await self.repository.meetings()
        ahead = sorted(
            (m for m in meetings if m.committee_id in mine and m.start > now and not m.cancelled),
            key=lambda m: m.start,
        )
        if not ahead:
            return None
        focus = await self.focus(ahead[0], meetings)
        return NextMeeting(
            committee=mine[ahead[0].committee_id].name,
            when=format_meeting(ahead[0].start, tz=self.tz),
            pejlemaerke=focus.pejlemaerke,
            maalsaetninger=focus.maalsaetninger,
        )

    async def preview(
        self, days: int, committee_ids: set[str] | None = None
    ) -> list[tuple[Planned, Focus]]:
        """The reminders of the next ``days`` days with their focus, soonest first."""
        repo = self.repository
        committees = [
            c for c in await repo.committees() if committee_ids is None or c.id in committee_ids
        ]
        meetings = await repo.meetings()
        coming = upcoming(
            self.clock.now(), days, committees, meetings, self.policy, self.tz,
            await repo.handled(), await repo.snoozed(),
        )  # fmt: skip
        return [(p, await self.focus(p.meeting, meetings)) for p in coming]
