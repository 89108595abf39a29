"""The reminder service: decides with the pure functions in ``due.py``, then acts.

``tick()`` is what the scheduler runs every minute (and once at start-up, which is the
catch-up after downtime): due reminders are rendered and handed to the delivery; missed and
paused ones are written to the ledger, so each reminder is handled exactly once. A channel or
chair's chat that Teams refused is reported to the chair (else the admins) once, and a request
to join a TRIO that no one could be shown yet is shown to the chair (else the admins).
The chat handlers and the command line call the same methods here.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from content.models import Content
from dialogs.delivery import Delivery
from dialogs.reminders.cards import reminder_reply, trio_request_card
from dialogs.reminders.due import Planned, plan, upcoming
from dialogs.reminders.focus import Focus, half_year, rotation
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person, Policy
from dialogs.reminders.repository import ReminderRepository
from dialogs.reminders.roles import TrioRequest, open_trio_request, trio_request
from dialogs.replies import Reply
from dialogs.text import fold
from scheduler.calendar import format_meeting
from scheduler.clock import Clock

log = logging.getLogger(__name__)


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

    # -- lookups and changes shared by chat and command line ---------------------------------

    async def find_committee(self, name: str) -> Committee | None:
        """The committee called ``name`` (case, spacing and æ/ae/a do not matter), or by id."""
        wanted = fold(" ".join(name.lower().split()))
        for committee in await self.repository.committees():
            if fold(" ".join(committee.name.lower().split())) == wanted or committee.id == name:
                return committee
        return None

    async def add_meetings(self, committee: Committee, starts: Iterable[datetime]) -> int:
        """Store meetings of ``committee``; a meeting at the same minute is the same meeting."""
        added = 0
        for start in starts:
            ident = start.astimezone(self.tz).strftime("%Y%m%dT%H%M")
            await self.repository.save_meeting(
                Meeting(id=ident, committee_id=committee.id, start=start)
            )
            added += 1
        return added

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
            await self._ask_chair(committee, person, await self.repository.handled(), now)
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
        text = self.content.reminders.trio_joined.format(name=committee.name)
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
        text = self.content.reminders.trio_refused.format(name=committee.name)
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
        if key in handled:
            return False
        card = trio_request_card(self.content.reminders, committee, person)
        sent = await self.delivery.send(f"user:{committee.chair.user_id}", card, key)
        if not sent and not await self.delivery.send_to_admins(card, key):
            return False  # no one can be reached yet: the next tick tries again
        await self.repository.record(key, "sent", now)
        return True

    async def _ask_for_approvals(self, committees: list[Committee], now: datetime) -> int:
        handled = await self.repository.handled()
        asked = 0
        for committee in committees:
            for person in committee.trio:
                if person.pending and await self._ask_chair(committee, person, handled, now):
                    asked += 1
        return asked

    async def tick(self) -> Counter[str]:
        """Handle every reminder whose time has come; returns counts by outcome."""
        now = self.clock.now()
        repo = self.repository
        committees = await repo.committees()
        meetings = await repo.meetings()
        planned = plan(
            now,
            committees,
            meetings,
            self.policy,
            self.tz,
            await repo.handled(),
            await repo.snoozed(),
        )
        outcomes: Counter[str] = Counter()
        for item in planned:
            await asyncio.sleep(0)  # let chat turns run between reminders of a large fan-out
            if item.status != "due":
                await repo.record(item.key, item.status, now)
                outcomes[item.status] += 1
                continue
            reply = await self.render(item, committees, meetings)
            # One send per reminder and scheduled time: a snoozed reminder is sent again.
            send_key = f"{item.key}@{item.send_at.isoformat()}"
            if await self.delivery.send(item.recipient, reply, f"reminder:{send_key}"):
                await repo.record(item.key, "sent", now)
                outcomes["sent"] += 1
            else:
                outcomes["unreachable"] += 1
        outcomes["refusals_reported"] = await self._report_refusals(committees, now)
        outcomes["approval_asked"] = await self._ask_for_approvals(committees, now)
        if planned:
            log.info("reminders %s", dict(outcomes))
        return +outcomes

    async def _report_refusals(self, committees: list[Committee], now: datetime) -> int:
        """Tell the chair (else the admins), once, that Teams refused the committee's channel
        or the chair's personal chat, so reminders no longer arrive there."""
        texts = self.content.reminders
        handled = await self.repository.handled()
        reported = 0
        for committee in committees:
            watched = []
            if committee.channel_id:
                watched.append((f"channel:{committee.channel_id}", texts.deactivated_channel))
            if committee.remind_chair:
                watched.append((f"user:{committee.chair.user_id}", texts.deactivated_personal))
            for recipient, where in watched:
                key = f"deactivated:{committee.id}:{recipient}"
                status = None if key in handled else await self.delivery.refused(recipient)
                if status is None:
                    continue
                notice = Reply(
                    texts.deactivated.format(name=committee.name, where=where, status=status)
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
        """The reminder card for one planned reminder."""
        focus = await self.focus(item.meeting, meetings)
        omu_lines: tuple[str, ...] = ()
        if item.committee.kind is CommitteeKind.OMU:
            omu_lines = await self.omu_summary(item.meeting, committees, meetings)
        return reminder_reply(
            self.content, item.committee, item.meeting, focus, item.recipient, omu_lines
        )

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
        self, meeting: Meeting, committees: list[Committee], meetings: list[Meeting]
    ) -> tuple[str, ...]:
        """How many LMUs put the strategy on their agenda since OMU's previous meeting."""
        texts = self.content.reminders
        earlier = [
            m.start
            for m in meetings
            if m.committee_id == meeting.committee_id
            and m.start < meeting.start
            and not m.cancelled
        ]
        since = max(earlier) if earlier else datetime.min.replace(tzinfo=self.tz)
        lmus = [c for c in committees if c.kind is CommitteeKind.LMU]
        acks = [
            a
            for a in await self.repository.acknowledgements()
            if a["kind"] == CommitteeKind.LMU.value
            and datetime.fromisoformat(a["meeting_start"]) >= since
        ]
        if not acks:
            return (texts.omu_none,)
        acked = len({a["committee_id"] for a in acks})
        focus = sorted({i for a in acks for i in a["focus"]})
        return (
            texts.omu_summary.format(acked=acked, total=len(lmus)),
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
