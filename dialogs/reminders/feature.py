"""The reminders feature in chat: committees, their meetings, and the reminder's buttons."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.models import Content
from dialogs.cards import action_set, bullets, card, paragraph, plain, submit
from dialogs.intents import Intent
from dialogs.privacy import contains_cpr, field_with_cpr, redact_cpr
from dialogs.reminders.cards import (
    ACK,
    CANCEL,
    DELETE,
    KEEP,
    MOVE,
    MOVED,
    SAVE,
    SNOOZE,
    TRIO_APPROVE,
    TRIO_REJECT,
    committee_form,
    delete_card,
    moved_form,
    state_card,
)
from dialogs.reminders.due import SnoozeKind, reminder_key, send_time, snooze_time
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
from dialogs.text import LINES, new_id, plural
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
    shown_schedule: Annotated[str, LINES] = ""  # what »ret udvalg« filled in: unchanged, kept
    lead_days: str | int = 7
    remind_chair: str | bool = True


class _MeetingRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = Field(min_length=1, max_length=200)
    meeting: str = Field(min_length=1, max_length=200)
    recipient: str = Field("", max_length=300)
    date: str = Field("", max_length=20)
    time: str = Field("", max_length=10)


class _SnoozeRef(_MeetingRef):
    snooze: str = Field("", max_length=20)  # the snooze the button offered (old cards: none)


class _CommitteeRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = Field(min_length=1, max_length=200)


class _TrioDecision(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = Field(min_length=1, max_length=200)
    user: str = Field(min_length=1, max_length=200)


def _notice(text: str) -> list[Reply]:
    return [Reply(text=text)]


def _schedule_text(meetings: list[Meeting], tz: ZoneInfo) -> str:
    """The meetings as dates the meeting plan accepts: "12-01-2027 kl. 13, 23-02-2027 kl. 13"."""
    parts = []
    for meeting in meetings:
        local = meeting.start.astimezone(tz)
        clock = f"{local.hour}" if local.minute == 0 else f"{local.hour}.{local.minute:02d}"
        parts.append(f"{local:%d-%m-%Y} kl. {clock}")
    return ", ".join(parts)


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
        router.on_intent("genoptag", self.resume)
        router.on_intent("tilmeld_trio", self.join_trio)
        router.on_intent("afmeld_trio", self.leave_trio)
        meeting = Form(_MeetingRef, self.texts.unknown_meeting)
        router.on_action(SAVE, self.save, form=Form(_CommitteeForm, self.texts.error_name))
        router.on_action(DELETE, self.confirm_delete, form=_CommitteeRef)
        router.on_action(KEEP, self.keep, form=_CommitteeRef)
        router.on_action(ACK, self.acknowledge, form=meeting)
        router.on_action(SNOOZE, self.snooze, form=Form(_SnoozeRef, self.texts.unknown_meeting))
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

    def _by_whom(self, turn: Turn) -> tuple[str, str]:
        """Who clicked (their name in Teams) and when, for a card that says what happened."""
        return plain(turn.user_name) or self.texts.someone, format_meeting(turn.now, tz=self.tz)

    def _pause_end(self, committee: Committee, turn: Turn) -> date | None:
        """The last day of the committee's pause, if it has not ended yet."""
        until = committee.paused_until
        return until if until is not None and until >= turn.now.astimezone(self.tz).date() else None

    async def _ahead(self, committee: Committee, now: datetime) -> list[Meeting]:
        """The committee's meetings still to come (not cancelled), in order."""
        meetings = await self.repository.meetings(committee.id)
        return [m for m in meetings if m.start > now and not m.cancelled]

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
        schedule = committee.schedule
        if not schedule:
            ahead = await self._ahead(committee, turn.now)
            schedule = _schedule_text(ahead, self.tz)
        return [committee_form(self.texts, committee, schedule)]

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
        written = form.schedule.strip()
        unchanged = existing is not None and written == form.shown_schedule.strip()
        if (written and not unchanged) or existing is None:
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
            schedule=written if starts else (existing.schedule if existing else ""),
        )
        if not committee.recipients():
            return _notice(t.error_no_recipient.format(name=plain(name)))
        # One write: the committee, its future meetings cancelled, the new ones (or nothing).
        await self.service.save_committee(committee, starts, now)
        meetings = [m for m in await self.repository.meetings(committee.id) if not m.cancelled]
        upcoming = [m for m in meetings if m.start > now]
        count = plural(len(upcoming), t.meeting_one, t.meeting_many)
        if not upcoming:
            return _notice(t.saved_no_reminder.format(name=plain(name), count=count))
        first = send_time(upcoming[0], committee, self.service.policy, self.tz)
        if first <= turn.now:
            when = format_meeting(upcoming[0].start)
            return _notice(t.saved_now.format(name=plain(name), count=count, when=when))
        return _notice(t.saved.format(name=plain(name), count=count, first=format_meeting(first)))

    async def mine(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "mine udvalg": the committees the user chairs (all, for an admin)."""
        t = self.texts
        committees = await self._mine(turn)
        if not committees:
            return _notice(t.mine_none)
        lines = []
        for committee in sorted(committees, key=lambda c: c.name):
            ahead = await self._ahead(committee, turn.now)
            nxt = format_meeting(ahead[0].start) if ahead else t.mine_no_meeting
            line = t.mine_line.format(
                name=plain(committee.name), kind=committee.kind.value, next=nxt
            )
            if until := self._pause_end(committee, turn):
                line = t.mine_paused.format(line=line, date=format_date(until, with_year=True))
            lines.append(line)
        body = [
            bullets(lines),
            action_set([submit(t.preview_title, {"action": "ask", "text": "næste påmindelser"})]),
        ]
        return [Reply(text=t.mine_title, card=card(body, "\n".join([t.mine_title, *lines])))]

    async def preview(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "næste påmindelser": what will be sent the next 60 days, with focus."""
        t = self.texts
        mine = await self._mine(turn)
        paused = [
            t.preview_paused.format(name=plain(c.name), date=format_date(until, with_year=True))
            for c in sorted(mine, key=lambda c: c.name)
            if (until := self._pause_end(c, turn))
        ]
        coming = await self.service.preview(PREVIEW_DAYS, {c.id for c in mine})
        if not coming:
            return _notice(" ".join([t.preview_empty.format(days=PREVIEW_DAYS), *paused]))
        lines: dict[tuple[str, str], str] = {}  # one line per meeting, whoever receives it
        for p, f in coming:
            lines.setdefault(
                (p.committee.id, p.meeting.id),
                t.preview_line.format(
                    send=format_meeting(p.send_at), committee=plain(p.committee.name),
                    meeting=format_meeting(p.meeting.start), ids=", ".join(f.maalsaetninger),
                ),
            )  # fmt: skip
        text = "\n".join([t.preview_title, *paused, *lines.values()])
        body = [*(paragraph(line, subtle=True) for line in paused), bullets(lines.values())]
        return [Reply(text=t.preview_title, card=card(body, text))]

    async def delete(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "slet udvalg <navn>"."""
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        ahead = await self._ahead(committee, turn.now)
        return [delete_card(self.texts, committee, len(ahead))]

    async def confirm_delete(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Slet udvalget" on the card of »slet udvalg«: the committee, its meetings and its
        channel link go, in one write; the rights are checked again at the click."""
        t = self.texts
        committee = await self.repository.committee(str(value["committee"]))
        if committee is None:
            return [state_card(t.delete_gone)] if turn.in_place else _notice(t.delete_gone)
        if not self._may_change(turn, committee):
            return _notice(t.not_allowed.format(name=plain(committee.name)))
        await self.repository.delete_committee(committee.id)
        name = plain(committee.name)
        if turn.in_place:
            by, at = self._by_whom(turn)
            return [state_card(t.deleted_state.format(name=name, by=by, at=at))]
        return _notice(t.deleted.format(name=name))

    async def keep(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Behold det": nothing is deleted."""
        t = self.texts
        committee = await self.repository.committee(str(value["committee"]))
        if committee is None:
            return [state_card(t.delete_gone)] if turn.in_place else _notice(t.delete_gone)
        kept = t.kept.format(name=plain(committee.name))
        return [state_card(kept)] if turn.in_place else _notice(kept)

    async def link_channel(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "@Strategibot tilknyt <udvalg>" in a channel: the channel gets the reminders."""
        if refused := self._refused_lookup(intent.argument, self.texts.field_committee):
            return refused
        committee = await self.service.find_committee(intent.argument)
        if committee is None:
            return _notice(self.texts.not_found.format(name=plain(intent.argument)))
        if turn.conversation_kind != "channel":
            return _notice(self.texts.link_in_channel.format(name=plain(committee.name)))
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

    async def resume(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "genoptag påmindelser": end the pause of the user's committees; the reminders
        the pause skipped for meetings still ahead come after all."""
        t = self.texts
        paused = [c for c in await self._chaired(turn) if self._pause_end(c, turn)]
        if not paused:
            return _notice(t.resume_none)
        for committee in paused:
            await self.repository.resume(committee, turn.now)
        names = ", ".join(f"»{plain(c.name)}«" for c in sorted(paused, key=lambda c: c.name))
        return _notice(t.resumed.format(names=names))

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
        if turn.in_place:
            name, at = self._by_whom(turn)
            done = self.texts.ack_state.format(name=name, at=at)
            return [await self._after_click(found[0], committee, meeting, turn, done, True)]
        return _notice(
            self.texts.ack_done.format(
                committee=plain(committee.name), when=format_meeting(meeting.start)
            )
        )

    async def _after_click(
        self,
        ref: _MeetingRef,
        committee: Committee,
        meeting: Meeting,
        turn: Turn,
        done: str,
        acknowledged: bool,
    ) -> Reply:
        """The clicked reminder card again, saying ``done`` (it replaces the card)."""
        recipient = ref.recipient or f"user:{turn.user_id}"
        return await self.service.reminder_after_click(
            committee, meeting, recipient, turn.now, done, acknowledged=acknowledged
        )

    async def snooze(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Påmind mig igen i morgen" (the next working day) or "om 2 timer": the same
        reminder again, if that is still before the meeting; a click that would land after
        it (an old card, a forged one) is refused and changes nothing."""
        found = await self._meeting(value)
        if found is None or not found[0].recipient:
            return _notice(self.texts.unknown_meeting)
        ref, committee, meeting = found
        if not self._may_act(turn, committee):
            return _notice(self.texts.not_member.format(name=plain(committee.name)))
        own = (f"user:{turn.user_id}", f"channel:{channel_of(turn.conversation_id)}")
        if ref.recipient not in committee.recipients() or ref.recipient not in own:
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        kind: SnoozeKind = "hours" if value.get("snooze") == "hours" else "tomorrow"
        until = snooze_time(kind, turn.now, committee, self.service.policy, self.tz)
        if until >= meeting.start:  # an old or forged click: it would come after the meeting
            when = format_meeting(meeting.start, tz=self.tz)
            return _notice(self.texts.snooze_too_late.format(when=when))
        await self.repository.snooze(reminder_key(meeting, ref.recipient), until)
        when = format_meeting(until, tz=self.tz)
        if turn.in_place:
            name, at = self._by_whom(turn)
            done = self.texts.snooze_state.format(when=when, name=name, at=at)
            return [await self._after_click(ref, committee, meeting, turn, done, False)]
        return _notice(self.texts.snooze_done.format(when=when))

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
        await self.service.change_meeting(committee, meeting.model_copy(update={"start": start}))
        return _notice(t.meeting_moved.format(when=format_meeting(start)))

    async def cancel(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Cancel a meeting: no reminder for it."""
        found = await self._meeting(value)
        if found is None:
            return _notice(self.texts.unknown_meeting)
        _, committee, meeting = found
        if not self._may_change(turn, committee):
            return _notice(self.texts.not_allowed.format(name=plain(committee.name)))
        await self.service.change_meeting(committee, meeting.model_copy(update={"cancelled": True}))
        return _notice(self.texts.meeting_cancelled.format(when=format_meeting(meeting.start)))
