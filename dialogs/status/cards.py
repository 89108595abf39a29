"""Status round cards: the leader's status form (paged), registration, a new round, notes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from content.models import Content, Status
from dialogs.cards import (
    action_set,
    bullets,
    card,
    execute,
    form,
    heading,
    label,
    paragraph,
    plain,
    submit,
)
from dialogs.reminders.models import Committee, Meeting
from dialogs.replies import Reply
from dialogs.status.models import MAX_COMMENT, MAX_POINTS, Answer, Leader, Round, StatusReply
from dialogs.status.report import LOCAL
from dialogs.text import plural
from scheduler.calendar import format_date, format_meeting

REGISTER = "leader_register"
CREATE_ROUND = "round_create"
SUBMIT = "status_submit"
OPEN = "status_open"
NOTE = "meeting_note"
LEADER_APPROVE = "leader_approve"
LEADER_REJECT = "leader_reject"
NEW_UNIT = "__ny__"  # the unit choice "another unit", typed in a text field

CARD_BUDGET = 20_000  # bytes of card JSON per page; Teams refuses cards above about 28 KB
GOALS_PER_PAGE = 4  # målsætninger per page: a card a leader reads without scrolling far


def field_id(prefix: str, maalsaetning: str) -> str:
    """The input id of one målsætning's field (``status_2_3``)."""
    return f"{prefix}_{maalsaetning.replace('.', '_')}"


@dataclass(frozen=True)
class Draft:
    """What one målsætning's fields show: a stored answer, or what was typed and refused."""

    status: str = ""
    comment: str = ""
    next_step: str = ""

    @classmethod
    def of(cls, answer: Answer | None) -> Draft:
        """The fields of a stored answer (empty without one)."""
        if answer is None:
            return cls()
        return cls(answer.status.value, answer.comment, answer.next_step)


def _toggle(text: str, target: str) -> dict[str, Any]:
    """A small link-like line that shows or hides the element ``target`` (no round trip)."""
    return {
        "type": "Container",
        "spacing": "Small",
        "selectAction": {"type": "Action.ToggleVisibility", "title": text,
                         "targetElements": [target]},
        "items": [{"type": "TextBlock", "text": text, "color": "Accent", "size": "Small",
                   "wrap": True}],
    }  # fmt: skip


def _goal_inputs(content: Content, ident: str, draft: Draft) -> list[dict[str, Any]]:
    """One målsætning: its official wording, the status, and comment and next step folded
    away until asked for (shown when they hold text, so an edit shows what was written)."""
    t = content.status
    goal = content.strategy.maalsaetning(ident)
    choices = [
        {"title": f"{label_.emoji} {label_.label}", "value": status.value}
        for status, label_ in t.statuses.items()
    ]
    details = field_id("details", ident)
    return [
        {**paragraph(f"**{ident}** {goal.text if goal else ''}"), "separator": True,
         "spacing": "Medium"},
        {"type": "Input.ChoiceSet", "id": field_id("status", ident), "choices": choices,
         "placeholder": t.form_status_placeholder, "value": draft.status, "spacing": "Small"},
        _toggle(t.card_details, details),
        {"type": "Container", "id": details, "isVisible": bool(draft.comment or draft.next_step),
         "items": [
             {"type": "Input.Text", "id": field_id("comment", ident), "isMultiline": True,
              "label": t.field_comment, "maxLength": MAX_COMMENT,
              "placeholder": t.form_comment_placeholder, "value": draft.comment},
             {"type": "Input.Text", "id": field_id("next", ident), "label": t.field_next_step,
              "maxLength": MAX_COMMENT, "placeholder": t.form_next_placeholder,
              "value": draft.next_step},
         ]},
    ]  # fmt: skip


def status_pages(content: Content, round_: Round) -> list[tuple[str, ...]]:
    """The round's målsætninger split into short pages: at most :data:`GOALS_PER_PAGE`, a
    pejlemærke kept on one page when it fits there, and each card under the byte budget.

    The size is measured with full comments, so an edited reply never outgrows its page.
    """
    widest = Draft(Status.ON_TRACK.value, "x" * MAX_COMMENT, "x" * MAX_COMMENT)
    groups: dict[str, list[str]] = {}
    for ident in round_.maalsaetninger:
        groups.setdefault(ident.split(".")[0], []).append(ident)
    pages: list[list[str]] = [[]]
    size = 0
    for ids in groups.values():
        if pages[-1] and len(pages[-1]) + len(ids) > GOALS_PER_PAGE:
            pages.append([])  # the pejlemærke starts a page rather than being split
            size = 0
        for ident in ids:
            cost = len(json.dumps(_goal_inputs(content, ident, widest), ensure_ascii=False))
            full = len(pages[-1]) >= GOALS_PER_PAGE or size + cost > CARD_BUDGET
            if pages[-1] and full:
                pages.append([])
                size = 0
            pages[-1].append(ident)
            size += cost
    return [tuple(page) for page in pages]


def _span(ids: Sequence[str]) -> str:
    """The målsætninger of a page: ``1.1–1.4`` when they follow each other, else listed."""
    if len(ids) > 2 and all(i.split(".")[0] == ids[0].split(".")[0] for i in ids):
        numbers = [int(i.split(".")[1]) for i in ids]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{ids[0]}–{ids[-1]}"
    return ", ".join(ids)


def progress(content: Content, round_: Round, reply: StatusReply | None) -> str:
    """``"4 af 14 målsætninger"``: how many of the round's målsætninger have an answer."""
    t = content.status
    answered = sum(1 for i in round_.maalsaetninger if reply and reply.answer(i))
    goals = plural(len(round_.maalsaetninger), t.goal_one, t.goal_many)
    return t.card_progress_value.format(answered=answered, goals=goals)


def status_card(
    content: Content,
    round_: Round,
    page: int,
    existing: StatusReply | None,
    note: str = "",
    *,
    problem: str = "",
    drafts: Mapping[str, Draft] | None = None,
) -> Reply:
    """The status form for one page of a round: first what it is about (the round, the
    deadline, the målsætninger on this page, how far the leader is), then one compact block
    per målsætning, filled in with what was given before (or, after a refusal, with what
    was typed: ``drafts``, and ``problem`` saying what to fix)."""
    t = content.status
    pages = status_pages(content, round_)
    ids = pages[page]
    title = t.card_title.format(round=plain(round_.name))
    here = (
        t.card_page.format(page=page + 1, pages=len(pages), ids=_span(ids))
        if len(pages) > 1
        else t.card_one_page.format(ids=_span(ids))
    )
    facts = [
        (t.card_deadline, format_date(round_.deadline, True)),
        (t.card_here, here),
        (t.card_progress, progress(content, round_, existing)),
    ]
    body: list[dict[str, Any]] = [
        heading(title),
        {"type": "FactSet", "spacing": "Small",
         "facts": [{"title": k, "value": v} for k, v in facts]},
    ]  # fmt: skip
    if problem:
        body.append({**paragraph(problem), "color": "Attention", "weight": "Bolder"})
    if note:
        body.append({**paragraph(note), "color": "Warning"})
    body.append(paragraph(t.card_intro, subtle=True))
    shown = None
    for ident in ids:
        number = int(ident.split(".")[0])
        if number != shown:
            pejlemaerke = content.strategy.pejlemaerke(number)
            body.append(label(f"Pejlemærke {number}: {pejlemaerke.name if pejlemaerke else ''}"))
            shown = number
        draft = (drafts or {}).get(ident) or Draft.of(existing.answer(ident) if existing else None)
        body.extend(_goal_inputs(content, ident, draft))
    body.append(paragraph(t.card_privacy, subtle=True))
    data = {"action": SUBMIT, "round": round_.id, "page": page}
    body.append(action_set([execute(t.card_submit, data)]))
    summary = problem or title
    fallback = "\n".join([t.card_title.format(round=round_.name), here, t.card_text_hint])
    return Reply(text=summary, card=card(body, fallback))


def receipt_reply(
    content: Content,
    round_: Round,
    answers: Sequence[Answer],
    reply: StatusReply,
    leader: str,
    next_page: int | None = None,
) -> Reply:
    """What was stored, for whom and when, and how to change it: one card that replaces the
    page that was saved (or, as a message, comes after it). The leader's text is escaped in
    the card and as typed in the fallback text."""
    t = content.status

    def lines(user: Callable[[str], str]) -> list[str]:
        found = []
        for answer in answers:
            label_ = t.statuses[answer.status]
            line = f"{answer.maalsaetning} {label_.emoji} {label_.label}"
            if answer.comment:
                line += f" – {user(answer.comment)}"
            if answer.next_step:
                line += f" ({t.next_step_label}: {user(answer.next_step)})"
            found.append(line)
        return found

    goals = plural(len(answers), t.goal_one, t.goal_many)
    lead = t.saved.format(round=plain(round_.name), goals=goals)
    text = t.saved.format(round=round_.name, goals=goals)
    facts = [
        (t.saved_leader, plain(leader)),
        (t.saved_at, format_meeting(reply.updated_at, with_year=True, tz=LOCAL)),
        (t.card_progress, progress(content, round_, reply)),
    ]
    body: list[dict[str, Any]] = [
        {**heading(lead), "color": "Good"},
        {"type": "FactSet", "spacing": "Small",
         "facts": [{"title": k, "value": v} for k, v in facts]},
        bullets(lines(plain)),
    ]  # fmt: skip
    if reply.late:
        body.append({**paragraph(t.saved_late), "color": "Warning"})
    if next_page is not None:
        pages = len(status_pages(content, round_))
        body.append(paragraph(t.saved_next_page.format(page=next_page + 1, pages=pages)))
    body.append(paragraph(t.saved_edit_hint, subtle=True))
    edit = {"action": "ask", "text": t.edit_command}
    body.append(action_set([submit(t.saved_edit_button, edit)]))
    fallback = "\n".join([text, *lines(str), t.saved_edit_hint])
    return Reply(text=lead, card=card(body, fallback))


def register_form(content: Content, current: str = "") -> Reply:
    """ "tilmeld som leder": choose a unit from the list, or type a new one. Neither field is
    required by the card: a typed unit is enough (and wins), which the bot checks."""
    t = content.status
    choices = [{"title": unit, "value": unit} for unit in content.status.units]
    choices.append({"title": t.register_other, "value": NEW_UNIT})
    body = [
        paragraph(t.register_intro),
        {"type": "Input.ChoiceSet", "id": "unit", "label": t.register_unit, "choices": choices,
         "value": current},
        {"type": "Input.Text", "id": "new_unit", "label": t.register_new_unit, "maxLength": 120,
         "placeholder": t.register_new_unit_placeholder},
        action_set([submit(t.register_submit, {"action": REGISTER})]),
    ]  # fmt: skip
    return form(t.register_title, body)


def leader_request_card(content: Content, leader: Leader) -> Reply:
    """To the admins: "Karen Hansen vil være leder for »Botilbud Nord«." – Godkend / Afvis.
    The buttons name the user and the unit, so a card for an older request does nothing."""
    t = content.status
    text = t.leader_request.format(
        name=plain(leader.name or leader.user_id), unit=plain(leader.unit)
    )
    data = {"user": leader.user_id, "unit": leader.unit}
    body = [
        heading(t.leader_request_title),
        paragraph(text),
        paragraph(t.leader_request_hint, subtle=True),
        action_set(
            [
                submit(t.leader_approve_button, {"action": LEADER_APPROVE, **data}),
                submit(t.leader_reject_button, {"action": LEADER_REJECT, **data}),
            ]
        ),
    ]
    return Reply(text=text, card=card(body, f"{t.leader_request_title}\n{text}"))


def round_form(content: Content, today: date, units: Sequence[str]) -> Reply:
    """ "ny statusrunde": name, målsætninger, units and deadline."""
    t = content.status
    season = t.season_spring if today.month <= 6 else t.season_autumn
    goals = [{"title": f"{m.id} {m.text}", "value": m.id} for m in content.strategy.maalsaetninger]
    body: list[dict[str, Any]] = [
        {"type": "Input.Text", "id": "name", "label": t.round_name, "isRequired": True,
         "maxLength": 100, "value": f"{season} {today.year}", "errorMessage": t.error_round_name},
        {"type": "Input.ChoiceSet", "id": "scope", "label": t.round_scope, "value": "all",
         "choices": [{"title": t.round_scope_all, "value": "all"},
                     {"title": t.round_scope_priorities, "value": "priorities"},
                     {"title": t.round_scope_chosen, "value": "chosen"}]},
        {"type": "Input.ChoiceSet", "id": "goals", "label": t.round_goals, "isMultiSelect": True,
         "choices": goals},
        {"type": "Input.ChoiceSet", "id": "units", "label": t.round_units, "isMultiSelect": True,
         "choices": [{"title": unit, "value": unit} for unit in units]},
        {"type": "Input.Date", "id": "deadline", "label": t.round_deadline, "isRequired": True,
         "errorMessage": t.error_deadline},
        paragraph(t.round_hint, subtle=True),
        action_set([submit(t.round_submit, {"action": CREATE_ROUND})]),
    ]  # fmt: skip
    return form(t.round_title, body)


def nudge_reply(content: Content, round_: Round, answered: int, total: int) -> Reply:
    """A reminder to someone who has not answered: how many have."""
    t = content.status
    text = t.nudge.format(
        round=plain(round_.name),
        deadline=format_date(round_.deadline),
        answered=answered,
        total=plural(total, t.leader_one, t.leader_many),
    )
    body = [
        paragraph(text),
        action_set([submit(t.nudge_button, {"action": OPEN, "round": round_.id})]),
    ]
    return Reply(text=text, card=card(body, text))


def note_form(
    content: Content, committee: Committee, meeting: Meeting, focus: Sequence[str]
) -> Reply:
    """The day after an LMU meeting: which målsætninger were discussed, and the main points."""
    t = content.status
    when = format_meeting(meeting.start)
    goals = [{"title": f"{m.id} {m.text}", "value": m.id} for m in content.strategy.maalsaetninger]
    body = [
        paragraph(t.note_intro.format(committee=plain(committee.name), when=when)),
        {"type": "Input.ChoiceSet", "id": "discussed", "label": t.note_discussed,
         "isMultiSelect": True, "choices": goals, "value": ",".join(focus)},
        {"type": "Input.Text", "id": "points", "label": t.note_points, "isMultiline": True,
         "maxLength": MAX_POINTS, "placeholder": t.note_points_placeholder},
        action_set([submit(t.note_submit,
                           {"action": NOTE, "committee": committee.id, "meeting": meeting.id})]),
    ]  # fmt: skip
    return form(t.note_title.format(committee=plain(committee.name)), body)
