"""The reminders feature in chat: committees, their meetings, and the reminder's buttons."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.models import Content
from dialogs.cards import action_set, bullets, card, plain, submit
from dialogs.intents import Intent
from dialogs.privacy import contains_cpr, field_with_cpr, redact_cpr
from dialogs.reminders.cards import (
    ACK,
    CANCEL,
    MOVE,
    MOVED,
    SAVE,
    SNOOZE,
    TRIO_APPROVE,
    TRIO_REJECT,
    committee_form,
    moved_form,
)
from dialogs.reminders.due import reminder_key, send_time, snooze_until
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.reminders.roles import may_act, may_change
from dialogs.reminders.service import (
    MAX_COMMITTEES_PER_CHAIR,
    MAX_MEETINGS_PER_YEAR,
    PLAN_DAYS,
    ReminderService,
)
from dialogs.replies import Reply
from dialogs.router import Form, Router, Turn
from dialogs.text import LINES, new_id
from scheduler.calendar import (
    ScheduleError,
    check_ahead,
    format_date,
    format_meeting,
    parse_date,
    parse_schedule,
)

PREVIEW_DAYS = 60
HORIZON_DAYS = PLAN_DAYS  # meetings are planned a year ahead


class _CommitteeForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = ""  # set when editing
    name: str = Field("", max_length=100)
    kind: str = ""
    schedule: Annotated[str, LINES] = ""  # its length is the calendar's to refuse, clearly
    lead_days: str | int = 7
    remind_chair: str | bool = True


class _MeetingRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = Field(min_length=1, max_length=200)
    meeting: str = Field(min_length=1, max_length=200)
    recipient: str = Field("", max_length=300)
    date: str = Field("", max_length=20)
    time: str = Field("", max_length=10)


class _TrioDecision(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = Field(min_length=1, max_length=200)
    user: str = Field(min_length=1, max_length=200)


def _notice(text: str) -> list[Reply]:
    return [Reply(text=text)]


def channel_of(conversation_id: str) -> str:
    """The channel id of a channel thread id (``19:x@thread.tacv2;messageid=1`` → ``19:x…``)."""
    return conversation_id.split(";", 1)[0]


class RemindersFeature:
    """Chat commands and card actions for committees and meeting reminders."""

    def __init__(self, content: Content, service: ReminderService, tz: ZoneInfo) -> None:
        self.content = content
        self.texts = content.reminders
        self.service = service
        self.repository = service.repository
        self.tz = tz

    def router(self) -> Router:
        """The routes of this feature."""
        router = Router("reminders")
        router.on_intent("opret_udvalg", self.create_form)
        router.on_intent("ret_udvalg", self.edit_form)
        router.on_intent("mine_udvalg", self.mine)
        router.on_intent("naeste_paamindelser", self.preview)
        router.on_intent("slet_udvalg", self.delete)
        router.on_intent("tilknyt", self.link_channel)
        router.on_intent("pause", self.pause)
        router.on_intent("tilmeld_trio", self.join_trio)
        router.on_intent("afmeld_trio", self.leave_trio)
        meeting = Form(_MeetingRef, self.texts.unknown_meeting)
        router.on_action(SAVE, self.save, form=Form(_CommitteeForm, self.texts.error_name))
        router.on_action(ACK, self.acknowledge, form=meeting)
        router.on_action(SNOOZE, self.snooze, form=meeting)
        router.on_action(MOVED, self.moved_form, form=meeting)
        router.on_action(MOVE, self.move, form=meeting)
        router.on_action(CANCEL, self.cancel, form=meeting)
        router.on_action(TRIO_APPROVE, self.approve_trio, form=_TrioDecision)
        router.on_action(TRIO_REJECT, self.reject_trio, form=_TrioDecision)
        return router

    # -- helpers ---------------------------------------------------------------------------

    def _may_change(self, turn: Turn, committee: Committee) -> bool:
        return may_change(committee, turn.user_id, turn.is_admin)

    def _may_act(self, turn: Turn, committee: Committee) -> bool:
        """The chair, an approved TRIO member or an admin — also in the committee's channel,
        where a click by anyone else counts for nothing."""
        return may_act(committee, turn.user_id, turn.is_admin)

    async def _chaired(self, turn: Turn) -> list[Committee]:
        return [c for c in await self.repository.committees() if c.chair.user_id == turn.user_id]

    def _refused_lookup(self, typed: str, field: str) -> list[Reply] | None:
        """The refusal of a command whose argument holds a CPR number, else None."""
        if contains_cpr(typed):
            return _notice(self.content.messages.da.cpr_lookup.format(field=field))
        return None

    async def _mine(self, turn: Turn) -> list[Committee]:
        """The committees the user chairs; every committee for an admin."""
        return await self.repository.committees() if turn.is_admin else await self._chaired(turn)

    # -- commands --------------------------------------------------------------------------

    async def create_form(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "opret udvalg": the committee form."""
        return [committee_form(self.texts, None)]

    async def edit_form(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "ret udvalg <navn>": the form, filled in (meetings are kept unless replaced)."""
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        return [committee_form(self.texts, committee)]

    async def save(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Validate the whole form, then save the committee and its meetings (or nothing)."""
        t = self.texts
        try:
            form = _CommitteeForm.model_validate(value)
        except ValidationError:
            return _notice(t.error_name)
        field = field_with_cpr([(t.form_name, form.name), (t.form_schedule, form.schedule)])
        if field is not None:
            return _notice(self.content.messages.da.cpr_field.format(field=field))
        existing = await self.repository.committee(form.committee) if form.committee else None
        if form.committee and (existing is None or not self._may_change(turn, existing)):
            return _notice(t.not_allowed.format(name=plain(form.name or form.committee)))
        name = " ".join(form.name.split())
        if not name:
            return _notice(t.error_name)
        other = await self.service.find_committee(name)
        if other is not None and (existing is None or other.id != existing.id):
            return _notice(t.error_name_taken.format(name=plain(name)))
        if form.kind not in {k.value for k in CommitteeKind}:
            return _notice(t.error_kind)
        try:
            lead_days = int(str(form.lead_days).strip())
        except ValueError:
            return _notice(t.error_lead_days)
        if not 1 <= lead_days <= 28:
            return _notice(t.error_lead_days)
        remind_chair = str(form.remind_chair).lower() not in ("false", "0", "")
        if existing is None and not await self.service.may_chair_another(
            turn.user_id, turn.is_admin
        ):
            return _notice(t.error_too_many_committees.format(limit=MAX_COMMITTEES_PER_CHAIR))
        now = turn.now.astimezone(self.tz)
        starts: list[datetime] = []
        if form.schedule.strip() or existing is None:
            try:
                schedule = parse_schedule(form.schedule, self.tz, now.date())
            except ScheduleError as exc:
                return _notice(t.schedule_error(exc.code, exc.params))
            starts = [s for s in schedule.occurrences(now, now + timedelta(days=HORIZON_DAYS))]
            if not starts:
                return _notice(t.error_no_meetings)
            if len(starts) > MAX_MEETINGS_PER_YEAR:
                limit = MAX_MEETINGS_PER_YEAR
                return _notice(t.error_too_many_meetings.format(count=len(starts), limit=limit))
        committee = Committee(
            id=existing.id if existing else new_id(name, "udvalg"),
            name=name,
            kind=CommitteeKind(form.kind),
            chair=existing.chair if existing else Person(user_id=turn.user_id),
            trio=existing.trio if existing else (),
            remind_chair=remind_chair,
            channel_id=existing.channel_id if existing else None,
            lead_days=lead_days,
            send_time=existing.send_time if existing else time(9, 0),
            paused_until=existing.paused_until if existing else None,
        )
        if not committee.recipients():
            return _notice(t.error_no_recipient)
        # One write: the committee, its future meetings cancelled, the new ones (or nothing).
        await self.service.save_committee(committee, starts, now)
        meetings = [m for m in await self.repository.meetings(committee.id) if not m.cancelled]
        upcoming = [m for m in meetings if m.start > now]
        if not upcoming:
            return _notice(t.saved_no_reminder.format(name=plain(name), count=0))
        first = send_time(upcoming[0], committee, self.service.policy, self.tz)
        if first <= turn.now:
            when = format_meeting(upcoming[0].start)
            return _notice(t.saved_now.format(name=plain(name), count=len(upcoming), when=when))
        return _notice(
            t.saved.format(name=plain(name), count=len(upcoming), first=format_meeting(first))
        )

    async def mine(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "mine udvalg": the committees the user chairs (all, for an admin)."""
        t = self.texts
        committees = await self._mine(turn)
        if not committees:
            return _notice(t.mine_none)
        lines = []
        for committee in sorted(committees, key=lambda c: c.name):
            ahead = [
                m for m in await self.repository.meetings(committee.id)
                if m.start > turn.now and not m.cancelled
            ]  # fmt: skip
            nxt = format_meeting(ahead[0].start) if ahead else t.mine_no_meeting
            lines.append(
                t.mine_line.format(name=plain(committee.name), kind=committee.kind.value, next=nxt)
            )
        body = [
            bullets(lines),
            action_set([submit(t.preview_title, {"action": "ask", "text": "næste påmindelser"})]),
        ]
        return [Reply(text=t.mine_title, card=card(body, "\n".join([t.mine_title, *lines])))]

    async def preview(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "næste påmindelser": what will be sent the next 60 days, with focus."""
        t = self.texts
        ids = {c.id for c in await self._mine(turn)}
        coming = await self.service.preview(PREVIEW_DAYS, ids)
        if not coming:
            return _notice(t.preview_empty.format(days=PREVIEW_DAYS))
        lines: dict[tuple[str, str], str] = {}  # one line per meeting, whoever receives it
        for p, f in coming:
            lines.setdefault(
                (p.committee.id, p.meeting.id),
                t.preview_line.format(
                    send=format_meeting(p.send_at), committee=plain(p.committee.name),
                    meeting=format_meeting(p.meeting.start), ids=", ".join(f.maalsaetninger),
                ),
            )  # fmt: skip
        text = "\n".join([t.preview_title, *lines.values()])
        return [Reply(text=t.preview_title, card=card([bullets(lines.values())], text))]

    async def delete(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "slet udvalg <navn>"."""
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        await self.repository.delete_committee(committee.id)
        return _notice(self.texts.deleted.format(name=plain(committee.name)))

    async def link_channel(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "@Strategibot tilknyt <udvalg>" in a channel: the channel gets the reminders."""
        if turn.conversation_kind != "channel":
            return _notice(self.texts.link_in_channel)
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        channel = channel_of(turn.conversation_id)
        await self.repository.save_committee(committee.model_copy(update={"channel_id": channel}))
        return _notice(self.texts.linked.format(name=plain(committee.name)))

    async def pause(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "pause påmindelser til 1. marts": pause the user's committees until that day."""
        t = self.texts
        if refused := self._refused_lookup(intent.argument, t.field_date):
            return refused
        try:
            until = parse_date(intent.argument, turn.now.astimezone(self.tz).date())
        except ScheduleError as exc:
            return _notice(f"{t.schedule_error(exc.code, exc.params)} {t.pause_usage}")
        committees = await self._chaired(turn)  # a pause is personal: the user's own committees
        if not committees:
            return _notice(t.mine_none)
        for committee in committees:
            await self.repository.save_committee(
                committee.model_copy(update={"paused_until": until})
            )
        names = ", ".join(f"»{plain(c.name)}«" for c in committees)
        return _notice(t.paused.format(names=names, date=format_date(until, with_year=True)))

    async def join_trio(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "tilmeld trio <udvalg>": a TRIO member (leader, TR, AMR) gets the reminders too."""
        if turn.conversation_kind != "personal":
            return _notice(self.texts.trio_personal_only)
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        outcome = await self.service.request_trio(
            committee, turn.user_id, redact_cpr(turn.user_name), turn.is_admin, turn.now
        )
        texts = {
            "chair": self.texts.trio_is_chair,
            "member": self.texts.trio_member,
            "waiting": self.texts.trio_waiting,
            "approved": self.texts.trio_joined,
            "pending": self.texts.trio_requested,
        }
        return _notice(texts[outcome].format(name=plain(committee.name)))

    async def _decision(
        self, turn: Turn, value: Mapping[str, Any]
    ) -> tuple[Committee, str] | list[Reply]:
        """The committee and user of a "Godkend"/"Afvis" click, or the refusal."""
        try:
            form = _TrioDecision.model_validate(value)
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        committee = await self.repository.committee(form.committee)
        if committee is None:
            return _notice(self.texts.trio_request_closed)
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        return committee, form.user

    async def approve_trio(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Godkend" on a request to join the TRIO (the chair or an admin)."""
        found = await self._decision(turn, value)
        if isinstance(found, list):
            return found
        committee, user_id = found
        person = await self.service.approve_trio(committee, user_id)
        if person is None:
            return _notice(self.texts.trio_request_closed)
        who = person.name or person.user_id
        return _notice(
            self.texts.trio_approved.format(person=plain(who), name=plain(committee.name))
        )

    async def reject_trio(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Afvis" on a request to join the TRIO (the chair or an admin)."""
        found = await self._decision(turn, value)
        if isinstance(found, list):
            return found
        committee, user_id = found
        person = await self.service.reject_trio(committee, user_id)
        if person is None:
            return _notice(self.texts.trio_request_closed)
        who = person.name or person.user_id
        return _notice(
            self.texts.trio_rejected.format(person=plain(who), name=plain(committee.name))
        )

    async def leave_trio(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "afmeld trio <udvalg>"."""
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        trio = tuple(p for p in committee.trio if p.user_id != turn.user_id)
        await self.repository.save_committee(committee.model_copy(update={"trio": trio}))
        return _notice(self.texts.trio_left.format(name=plain(committee.name)))

    # -- the reminder's buttons ------------------------------------------------------------

    async def _meeting(
        self, value: Mapping[str, Any]
    ) -> tuple[_MeetingRef, Committee, Meeting] | None:
        try:
            ref = _MeetingRef.model_validate(value)
        except ValidationError:
            return None
        committee = await self.repository.committee(ref.committee)
        meeting = next(
            (m for m in await self.repository.meetings(ref.committee) if m.id == ref.meeting), None
        )
        if committee is None or meeting is None or meeting.cancelled:
            return None
        return ref, committee, meeting

    async def acknowledge(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Sat på dagsordenen"."""
        found = await self._meeting(value)
        if found is None:
            return _notice(self.texts.unknown_meeting)
        _, committee, meeting = found
        if not self._may_act(turn, committee):
            return _notice(self.texts.not_member.format(name=plain(committee.name)))
        focus = await self.service.focus(meeting)
        await self.repository.acknowledge(committee, meeting, focus.maalsaetninger, turn.now)
        return _notice(
            self.texts.ack_done.format(
                committee=plain(committee.name), when=format_meeting(meeting.start)
            )
        )

    async def snooze(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Påmind mig igen i morgen": the same reminder on the next working day."""
        found = await self._meeting(value)
        if found is None or not found[0].recipient:
            return _notice(self.texts.unknown_meeting)
        ref, committee, meeting = found
        if not self._may_act(turn, committee):
            return _notice(self.texts.not_member.format(name=plain(committee.name)))
        own = (f"user:{turn.user_id}", f"channel:{channel_of(turn.conversation_id)}")
        if ref.recipient not in committee.recipients() or ref.recipient not in own:
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        until = snooze_until(turn.now, committee, self.service.policy, self.tz)
        await self.repository.snooze(reminder_key(meeting, ref.recipient), until)
        return _notice(self.texts.snooze_done.format(when=format_meeting(until)))

    async def moved_form(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Mødet er flyttet/aflyst": a small form to move or cancel it."""
        t = self.texts
        found = await self._meeting(value)
        if found is None:
            return _notice(t.unknown_meeting)
        _, committee, meeting = found
        if not self._may_change(turn, committee):
            return _notice(t.not_allowed.format(name=plain(committee.name)))
        return [moved_form(self.texts, committee, meeting, self.tz)]

    async def move(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Move a meeting; its reminders follow the new date."""
        t = self.texts
        found = await self._meeting(value)
        if found is None:
            return _notice(t.unknown_meeting)
        ref, committee, meeting = found
        if not self._may_change(turn, committee):
            return _notice(t.not_allowed.format(name=plain(committee.name)))
        try:
            day = date.fromisoformat(ref.date)
            hour, minute = (int(part) for part in re.split(r"[:.]", ref.time)[:2])
            start = datetime.combine(day, time(hour, minute), tzinfo=self.tz)
        except (ValueError, TypeError):
            return _notice(t.error_date)
        if start <= turn.now:
            return _notice(t.error_past)
        try:
            check_ahead(day, turn.now.astimezone(self.tz).date())
        except ScheduleError as exc:
            return _notice(t.schedule_error(exc.code, exc.params))
        await self.repository.save_meeting(meeting.model_copy(update={"start": start}))
        return _notice(t.meeting_moved.format(when=format_meeting(start)))

    async def cancel(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Cancel a meeting: no reminder for it."""
        found = await self._meeting(value)
        if found is None:
            return _notice(self.texts.unknown_meeting)
        _, committee, meeting = found
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        await self.repository.save_meeting(meeting.model_copy(update={"cancelled": True}))
        return _notice(self.texts.meeting_cancelled.format(when=format_meeting(meeting.start)))
