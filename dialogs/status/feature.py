"""Status rounds in chat: leaders register and answer; admins open rounds and see reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from content.models import Content, Status
from dialogs.cards import action_set, bullets, card, plain, submit
from dialogs.intents import Intent
from dialogs.privacy import contains_cpr, field_with_cpr, redact_cpr
from dialogs.reminders.roles import may_act
from dialogs.replies import Reply
from dialogs.router import Form, Router, Turn
from dialogs.status.cards import (
    CREATE_ROUND,
    LEADER_APPROVE,
    LEADER_REJECT,
    NEW_UNIT,
    NOTE,
    OPEN,
    REGISTER,
    SUBMIT,
    Draft,
    field_id,
    receipt_reply,
    register_form,
    round_form,
    status_card,
    status_pages,
)
from dialogs.status.leaders_csv import MAX_NAME, MAX_UNIT
from dialogs.status.models import MAX_COMMENT, MAX_POINTS, Answer, Leader, MeetingNote, Round
from dialogs.status.parse import ParsedStatus, parse_status_text
from dialogs.status.report_card import aggregate_cards, own_replies_card, report_cards
from dialogs.status.service import RoundRefused, RoundRequest, StatusService
from dialogs.text import LINES, fold, plural
from scheduler.calendar import format_date


class _Submit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    round: str = Field(min_length=1, max_length=200)
    page: int = Field(0, ge=0, le=50)


def status_form(content: Content) -> type[_Submit]:
    """The status card's form: the round, the page, and for every målsætning its status,
    comment (lines allowed) and next step, each a text (their lengths are checked with a
    message naming the målsætning)."""
    fields: dict[str, Any] = {}
    for goal in content.strategy.maalsaetninger:
        fields[field_id("status", goal.id)] = (str, "")
        fields[field_id("comment", goal.id)] = (Annotated[str, LINES], "")
        fields[field_id("next", goal.id)] = (str, "")
    return create_model("_StatusCard", __base__=_Submit, **fields)


class _Register(BaseModel):
    model_config = ConfigDict(extra="ignore")
    unit: str = Field("", max_length=120)
    new_unit: str = Field("", max_length=120)


class _RoundForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field("", max_length=100)
    scope: Literal["all", "priorities", "chosen"] = "all"
    goals: str = Field("", max_length=200)
    units: str = Field("", max_length=4000)
    deadline: str = Field("", max_length=20)


class _Note(BaseModel):
    model_config = ConfigDict(extra="ignore")
    committee: str = Field(min_length=1, max_length=200)
    meeting: str = Field(min_length=1, max_length=200)
    discussed: str = Field("", max_length=200)
    points: Annotated[str, LINES] = Field("", max_length=MAX_POINTS)


class _Decision(BaseModel):
    model_config = ConfigDict(extra="ignore")
    user: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=200)


class _Open(BaseModel):
    model_config = ConfigDict(extra="ignore")
    round: str = Field(min_length=1, max_length=200)


def _notice(text: str) -> list[Reply]:
    return [Reply(text=text)]


def _listed(value: str) -> list[str]:
    """The values of a multi-select input ("1.1,2.3")."""
    return [part.strip() for part in value.split(",") if part.strip()]


class StatusFeature:
    """Chat commands and card actions for leaders' status rounds and the report."""

    def __init__(self, content: Content, service: StatusService) -> None:
        self.content = content
        self.t = content.status
        self.service = service
        self.repository = service.repository

    def router(self) -> Router:
        """The routes of this feature."""
        router = Router("status")
        router.on_intent("tilmeld_leder", self.register_form)
        router.on_intent("afmeld_leder", self.unregister)
        # Status cards, rounds with names and reports with comments: personal chat only; a
        # report asked for in a channel or group chat shows its aggregates there.
        router.on_intent("status", self.status, private=True)
        router.on_intent("ret_min_status", self.edit, private=True)
        router.on_intent("ny_statusrunde", self.round_form)
        router.on_intent("statusrunder", self.overview, private=True)
        router.on_intent("rapport", self.report, private=True, public=self.report_aggregates)
        router.on_action(REGISTER, self.register, form=Form(_Register, self.t.error_unit))
        router.on_action(CREATE_ROUND, self.create_round, form=_RoundForm)
        router.on_action(SUBMIT, self.submit, form=status_form(self.content), private=True)
        router.on_action(OPEN, self.open_card, form=_Open, private=True)
        router.on_action(NOTE, self.save_note, form=_Note)
        router.on_action(LEADER_APPROVE, self.approve_leader, form=_Decision)
        router.on_action(LEADER_REJECT, self.reject_leader, form=_Decision)
        return router

    # -- leaders -----------------------------------------------------------------------------

    async def register_form(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "tilmeld som leder [enhed]": the unit form, or register directly with the unit."""
        if turn.conversation_kind != "personal":
            return _notice(self.t.personal_only)
        if intent.argument:
            return await self._register(turn, intent.argument, self.t.register_unit)
        current = await self.repository.leader(turn.user_id)
        return [register_form(self.content, current.unit if current else "")]

    async def register(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """The unit form was submitted."""
        try:
            form = _Register.model_validate(value)
        except ValidationError:
            return _notice(self.t.error_unit)
        if form.new_unit.strip():  # a typed unit wins, whatever the list shows
            return await self._register(turn, form.new_unit, self.t.register_new_unit)
        if form.unit == NEW_UNIT:
            return _notice(self.t.error_new_unit_missing)
        return await self._register(turn, form.unit, self.t.register_unit)

    async def _register(self, turn: Turn, typed: str, field: str) -> list[Reply]:
        """Register with the unit typed in ``field``; the Teams display name is kept with any
        CPR number in it replaced, since the user did not type it here."""
        unit = " ".join(typed.split())
        if not unit:
            return _notice(self.t.error_unit)
        if contains_cpr(unit):
            return _notice(self.content.messages.da.cpr_field.format(field=field))
        if len(unit) > MAX_UNIT:
            return _notice(self.t.error_unit_long.format(limit=MAX_UNIT))
        known = {fold(u.lower()): u for u in self.t.units}
        unit = known.get(fold(unit.lower()), unit)
        name = redact_cpr(turn.user_name)[:MAX_NAME]
        result = await self.service.request_leadership(
            turn.user_id, name, unit, turn.is_admin, turn.now
        )
        shown = result.leader.unit
        if result.outcome != "approved":
            said = {
                "pending": self.t.leader_requested,
                "waiting": self.t.leader_waiting,
                "unchanged": self.t.leader_unchanged,
                "moved": self.t.leader_moved,
            }
            return _notice(said[result.outcome].format(unit=plain(shown)))
        text = self.t.registered.format(unit=plain(shown))
        if result.rounds:
            names = ", ".join(plain(r.name) for r in result.rounds)
            text += " " + self.t.registered_rounds.format(names=names)
        return _notice(text)

    async def approve_leader(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Godkend" on a leader's request (admins): the requester is told."""
        if not turn.is_admin:
            return _notice(self.t.admin_only)
        try:
            form = _Decision.model_validate(value)
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        decided = await self.service.approve_leader(form.user, form.unit)
        if decided is None:
            return _notice(self.t.leader_request_closed)
        leader, _ = decided
        return _notice(
            self.t.leader_approved.format(name=plain(_name(leader)), unit=plain(leader.unit))
        )

    async def reject_leader(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """ "Afvis" on a leader's request (admins): the request is forgotten, the requester
        told."""
        if not turn.is_admin:
            return _notice(self.t.admin_only)
        try:
            form = _Decision.model_validate(value)
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        leader = await self.service.reject_leader(form.user, form.unit)
        if leader is None:
            return _notice(self.t.leader_request_closed)
        return _notice(
            self.t.leader_rejected.format(name=plain(_name(leader)), unit=plain(leader.unit))
        )

    async def unregister(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "afmeld som leder"."""
        removed = await self.repository.delete_leader(turn.user_id)
        return _notice(self.t.unregistered if removed else self.t.not_leader)

    # -- answering ---------------------------------------------------------------------------

    async def status(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "status": the card of the current round; "status 2.3 gul: …": one answer."""
        if not intent.argument:
            return await self._card(turn, edit=False)
        ids = [m.id for m in self.content.strategy.maalsaetninger]
        parsed = parse_status_text(intent.argument, self.t, ids)
        if isinstance(parsed, ParsedStatus):
            field = field_with_cpr(
                [(self.t.field_comment, parsed.comment), (self.t.field_next_step, parsed.next_step)]
            )
            if field is not None:
                return _notice(self.t.cpr_typed.format(field=field, id=parsed.maalsaetning))
        if contains_cpr(intent.argument):  # elsewhere in the message, or not understood
            return _notice(self.content.messages.da.cpr_message)
        if not isinstance(parsed, ParsedStatus):
            return _notice(self.t.parse_errors[parsed.code].format(**parsed.params))
        return await self._store(turn, parsed)

    async def edit(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "ret min status": the card again, filled in with the stored reply."""
        return await self._card(turn, edit=True)

    async def open_card(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """The "Giv status" button of a nudge."""
        try:
            wanted = _Open.model_validate(value).round
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        round_ = await self.repository.round(wanted)
        if round_ is None or not await self.service.is_asked(round_, turn.user_id):
            return _notice(self.t.unknown_round)
        existing = await self.repository.reply(round_.id, turn.user_id)
        return [status_card(self.content, round_, 0, existing, self._late_note(round_, turn))]

    def _late_note(self, round_: Round, turn: Turn) -> str:
        return "" if self.service.is_open(round_, turn.now) else self.t.card_late

    async def _card(self, turn: Turn, *, edit: bool) -> list[Reply]:
        if turn.conversation_kind != "personal":
            return _notice(self.t.personal_only)
        round_ = await self.service.current_round(turn.user_id, turn.now)
        if round_ is None:
            return _notice(self.t.no_round)
        existing = await self.repository.reply(round_.id, turn.user_id)
        if edit and existing is None:
            return _notice(self.t.nothing_to_edit.format(round=plain(round_.name)))
        return [status_card(self.content, round_, 0, existing, self._late_note(round_, turn))]

    async def submit(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """One page of the status card: validate all of it, then store it (or nothing)."""
        t = self.t
        try:
            form = _Submit.model_validate(value)
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        round_ = await self.repository.round(form.round)
        if round_ is None:
            return _notice(t.unknown_round)
        if not await self.service.is_asked(round_, turn.user_id):
            return _notice(t.not_recipient.format(round=plain(round_.name)))
        pages = status_pages(self.content, round_)
        if form.page >= len(pages):
            return _notice(self.content.messages.da.invalid_submit)
        drafts = {
            ident: Draft(
                str(value.get(field_id("status", ident)) or ""),
                " ".join(str(value.get(field_id("comment", ident)) or "").split()),
                " ".join(str(value.get(field_id("next", ident)) or "").split()),
            )
            for ident in pages[form.page]
        }
        refused = await self._cpr_refusal(round_, form.page, drafts, turn)
        if refused is not None:
            return [refused]
        answers: list[Answer] = []
        for ident, draft in drafts.items():
            if not draft.status:
                if draft.comment or draft.next_step:
                    return _notice(t.error_no_status.format(id=ident))
                continue
            if draft.status not in {s.value for s in Status}:
                return _notice(self.content.messages.da.invalid_submit)
            if max(len(draft.comment), len(draft.next_step)) > MAX_COMMENT:
                return _notice(t.error_too_long.format(id=ident, limit=MAX_COMMENT))
            answers.append(
                Answer(
                    maalsaetning=ident,
                    status=Status(draft.status),
                    comment=draft.comment,
                    next_step=draft.next_step,
                )
            )
        if not answers:
            return _notice(t.error_empty)
        following = form.page + 1 if form.page + 1 < len(pages) else None
        replies = await self._save(turn, round_, answers, following)
        if following is not None:
            existing = await self.repository.reply(round_.id, turn.user_id)
            replies.append(status_card(self.content, round_, following, existing))
        return replies

    async def _cpr_refusal(
        self, round_: Round, page: int, drafts: Mapping[str, Draft], turn: Turn
    ) -> Reply | None:
        """The page again when a comment or next step looks like a CPR number: every such
        field named by its målsætning and emptied (the number is neither stored nor sent
        back), everything else as typed. Clicked in place, it replaces the card."""
        t = self.t
        found: list[tuple[str, str]] = []
        kept: dict[str, Draft] = {}
        for ident, draft in drafts.items():
            comment, next_step = draft.comment, draft.next_step
            if contains_cpr(comment):
                found.append((t.field_comment, ident))
                comment = ""
            if contains_cpr(next_step):
                found.append((t.field_next_step, ident))
                next_step = ""
            kept[ident] = Draft(draft.status, comment, next_step)
        if not found:
            return None
        if len(found) == 1:
            [(field, ident)] = found
            problem = t.cpr_card_one.format(field=field, id=ident, button=t.card_submit)
        else:
            fields = ", ".join(t.cpr_card_field.format(field=f, id=i) for f, i in found)
            problem = t.cpr_card_many.format(fields=fields, button=t.card_submit)
        note = self._late_note(round_, turn)
        existing = await self.repository.reply(round_.id, turn.user_id)  # for the progress
        return status_card(self.content, round_, page, existing, note, problem=problem, drafts=kept)

    async def _store(self, turn: Turn, parsed: ParsedStatus) -> list[Reply]:
        rounds = [
            r
            for r in await self.service.rounds_of(turn.user_id)
            if parsed.maalsaetning in r.maalsaetninger
        ]
        open_ = [r for r in rounds if self.service.is_open(r, turn.now)]
        if not rounds:
            return _notice(self.t.no_round_for.format(id=parsed.maalsaetning))
        round_ = (open_ or rounds)[0]
        answer = Answer(
            maalsaetning=parsed.maalsaetning,
            status=parsed.status,
            comment=parsed.comment,
            next_step=parsed.next_step,
        )
        return await self._save(turn, round_, [answer])

    async def _save(
        self,
        turn: Turn,
        round_: Round,
        answers: Sequence[Answer],
        next_page: int | None = None,
    ) -> list[Reply]:
        leader = await self.repository.leader(turn.user_id)
        unit = leader.unit if leader else ""
        reply = await self.service.submit(round_, turn.user_id, unit, answers, turn.now)
        who = redact_cpr((leader.name if leader else "") or turn.user_name) or turn.user_id
        if unit:
            who = f"{who} ({unit})"
        return [receipt_reply(self.content, round_, answers, reply, who, next_page)]

    # -- admins ------------------------------------------------------------------------------

    async def round_form(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "ny statusrunde" (admins): the form."""
        if not turn.is_admin:
            return _notice(self.t.admin_only)
        units = sorted({x.unit for x in await self.repository.leaders()} | set(self.t.units))
        return [round_form(self.content, turn.now.date(), units)]

    async def create_round(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Validate the round form, then open the round and send the cards."""
        t = self.t
        if not turn.is_admin:
            return _notice(t.admin_only)
        try:
            form = _RoundForm.model_validate(value)
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        try:
            deadline: date | None = date.fromisoformat(form.deadline)
        except ValueError:
            deadline = None  # the service says what is wrong, in the order it checks
        request = RoundRequest(
            name=form.name,
            deadline=deadline,
            scope=form.scope,
            goals=tuple(_listed(form.goals)),
            units=tuple(_listed(form.units)),
        )
        try:
            round_, outcomes = await self.service.create_round(request, turn.user_id, turn.now)
        except RoundRefused as refused:
            return _notice(getattr(t, refused.text).format(**refused.params))
        text = t.round_opened.format(
            name=plain(round_.name),
            sent=plural(outcomes["announced"], t.leader_one, t.leader_many),
            deadline=format_date(round_.deadline, True),
        )
        unreachable = await self._unreachable(round_)
        if unreachable:
            text += "\n\n" + t.round_unreachable.format(
                count=len(unreachable), names=", ".join(unreachable)
            )
        return _notice(text)

    async def _unreachable(self, round_: Round) -> list[str]:
        return [_who(x) for x in await self.service.unreachable_leaders(round_)]

    async def overview(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "statusrunder" (admins): each round's answers, missing and unreachable leaders."""
        t = self.t
        if not turn.is_admin:
            return _notice(t.admin_only)
        rounds = list(reversed(await self.repository.rounds()))[:5]
        if not rounds:
            return _notice(t.no_rounds)
        leaders = {x.key: x for x in await self.repository.leaders()}
        lines, body = [], []
        for round_ in rounds:
            answered = await self.service.answered(round_)
            late = sum(1 for r in await self.repository.replies(round_.id) if r.late)
            line = t.overview_line.format(
                name=plain(round_.name),
                deadline=format_date(round_.deadline, True),
                answered=len(answered),
                total=len(round_.recipients),
                late=late,
            )
            missing = [
                _who(leaders[k]) for k in round_.recipients if k not in answered and k in leaders
            ]
            unreachable = await self._unreachable(round_)
            lines.append(line)
            body.append({"type": "TextBlock", "text": line, "wrap": True, "weight": "Bolder"})
            if missing:
                lines.append(t.overview_missing.format(names=", ".join(missing)))
                body.append(bullets([lines[-1]]))
            if unreachable:
                lines.append(t.overview_unreachable.format(names=", ".join(unreachable)))
                body.append(bullets([lines[-1]]))
        body.append(
            action_set(
                [
                    submit(
                        t.overview_report.format(name=r.name),
                        {"action": "ask", "text": f"rapport {r.name}"},
                    )
                    for r in rounds[:3]
                ]
            )
        )
        return [
            Reply(text=t.overview_title, card=card(body, "\n".join([t.overview_title, *lines])))
        ]

    async def report(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "rapport [runde]": the whole round for admins, one's own replies for leaders."""
        t = self.t
        if contains_cpr(intent.argument):
            return _notice(self.content.messages.da.cpr_lookup.format(field=t.field_round))
        rounds = await self.repository.rounds()
        if not turn.is_admin:
            mine = [r for r in await self.repository.replies() if r.user_id == turn.user_id]
            if not mine:
                return _notice(t.report_none_own)
            return [own_replies_card(self.content, rounds, mine)]
        if not rounds:
            return _notice(t.no_rounds)
        round_ = await self.service.find_round(intent.argument or None)
        if round_ is None:
            return _notice(t.unknown_round_name.format(name=plain(intent.argument)))
        report = await self.service.report(round_)
        return report_cards(report, self.content)

    async def report_aggregates(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "rapport" in a channel or group chat: for an admin, the round's counts, response
        rate and status distribution per målsætning, without names or comments (the whole
        report goes to the personal chat); nothing for anyone else."""
        if not turn.is_admin or contains_cpr(intent.argument):
            return []
        round_ = await self.service.find_round(intent.argument or None)
        if round_ is None:
            return []
        return aggregate_cards(await self.service.report(round_), self.content)

    # -- LMU meeting notes -------------------------------------------------------------------

    async def save_note(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """The chair's note of what a meeting discussed."""
        t = self.t
        try:
            form = _Note.model_validate(value)
        except ValidationError:
            return _notice(self.content.messages.da.invalid_submit)
        if contains_cpr(form.points):
            return _notice(self.content.messages.da.cpr_field.format(field=t.field_points))
        meetings = self.service.meetings
        committee = await meetings.committee(form.committee)
        meeting = next(
            (m for m in await meetings.meetings(form.committee) if m.id == form.meeting), None
        )
        if committee is None or meeting is None:
            return _notice(self.content.reminders.unknown_meeting)
        if not may_act(committee, turn.user_id, turn.is_admin):
            return _notice(self.content.reminders.not_member.format(name=plain(committee.name)))
        ids = {m.id for m in self.content.strategy.maalsaetninger}
        discussed = tuple(i for i in _listed(form.discussed) if i in ids)
        if len(discussed) != len(_listed(form.discussed)) or not discussed:
            return _notice(t.error_note_goals)
        points = "\n".join(
            line.strip() for line in form.points.strip().splitlines() if line.strip()
        )
        if len(points.splitlines()) > 3:
            return _notice(t.error_note_lines)
        await self.repository.save_note(
            MeetingNote(
                committee_id=committee.id,
                meeting_id=meeting.id,
                meeting_start=meeting.start,
                maalsaetninger=discussed,
                points=points,
                author=turn.user_id,
                at=turn.now,
            )
        )
        return _notice(
            t.note_saved.format(committee=plain(committee.name), ids=", ".join(discussed))
        )


def _name(leader: Leader) -> str:
    return leader.name or leader.user_id


def _who(leader: Leader) -> str:
    """A leader in a list of names, as Markdown shows it."""
    return plain(f"{redact_cpr(leader.name) or leader.email or leader.user_id} ({leader.unit})")
