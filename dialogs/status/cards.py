"""Status round cards: the leader's status form (paged), registration, a new round, notes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from content.models import Content, Status
from dialogs.cards import (
    action_set,
    bullets,
    card,
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
from scheduler.calendar import format_date, format_meeting

REGISTER = "leader_register"
CREATE_ROUND = "round_create"
SUBMIT = "status_submit"
OPEN = "status_open"
NOTE = "meeting_note"
DELETE_DATA = "delete_my_data"
LEADER_APPROVE = "leader_approve"
LEADER_REJECT = "leader_reject"
NEW_UNIT = "__ny__"  # the unit choice "another unit", typed in a text field

CARD_BUDGET = 20_000  # bytes of card JSON per page; Teams refuses cards above about 28 KB


def field_id(prefix: str, maalsaetning: str) -> str:
    """The input id of one målsætning's field (``status_2_3``)."""
    return f"{prefix}_{maalsaetning.replace('.', '_')}"


def _goal_inputs(content: Content, ident: str, answer: Answer | None) -> list[dict[str, Any]]:
    t = content.status
    goal = content.strategy.maalsaetning(ident)
    choices = [
        {"title": f"{label_.emoji} {label_.label}", "value": status.value}
        for status, label_ in t.statuses.items()
    ]
    return [
        paragraph(f"**{ident}** {goal.text if goal else ''}"),
        {"type": "Input.ChoiceSet", "id": field_id("status", ident), "label": t.form_status,
         "choices": choices, "placeholder": t.form_status_placeholder,
         "value": answer.status.value if answer else ""},
        {"type": "Input.Text", "id": field_id("comment", ident), "isMultiline": True,
         "maxLength": MAX_COMMENT, "placeholder": t.form_comment_placeholder,
         "value": answer.comment if answer else ""},
        {"type": "Input.Text", "id": field_id("next", ident), "maxLength": MAX_COMMENT,
         "placeholder": t.form_next_placeholder, "value": answer.next_step if answer else ""},
    ]  # fmt: skip


def status_pages(content: Content, round_: Round) -> list[tuple[str, ...]]:
    """The round's målsætninger split into pages that keep each card under the budget.

    A pejlemærke stays on one page when it fits; the size is measured with full comments,
    so an edited reply never outgrows its page.
    """
    widest = Answer(maalsaetning="", status=Status.ON_TRACK, comment="x" * MAX_COMMENT,
                    next_step="x" * MAX_COMMENT)  # fmt: skip
    groups: dict[str, list[str]] = {}
    for ident in round_.maalsaetninger:
        groups.setdefault(ident.split(".")[0], []).append(ident)
    pages: list[list[str]] = [[]]
    size = 0
    for ids in groups.values():
        for ident in ids:
            cost = len(json.dumps(_goal_inputs(content, ident, widest), ensure_ascii=False))
            if pages[-1] and size + cost > CARD_BUDGET:
                pages.append([])
                size = 0
            pages[-1].append(ident)
            size += cost
    return [tuple(page) for page in pages]


def status_card(
    content: Content,
    round_: Round,
    page: int,
    existing: StatusReply | None,
    note: str = "",
) -> Reply:
    """The status form for one page of a round, filled in with what was given before."""
    t = content.status
    pages = status_pages(content, round_)
    ids = pages[page]
    body: list[dict[str, Any]] = []
    body.append(paragraph(t.card_intro.format(deadline=format_date(round_.deadline, True))))
    if note:
        body.append(paragraph(note, subtle=True))
    if len(pages) > 1:
        body.append(paragraph(t.card_page.format(page=page + 1, pages=len(pages)), subtle=True))
    shown = None
    for ident in ids:
        number = int(ident.split(".")[0])
        if number != shown:
            pejlemaerke = content.strategy.pejlemaerke(number)
            body.append(label(f"Pejlemærke {number}: {pejlemaerke.name if pejlemaerke else ''}"))
            shown = number
        body.extend(_goal_inputs(content, ident, existing.answer(ident) if existing else None))
    body.append(paragraph(t.card_privacy, subtle=True))
    data = {"action": SUBMIT, "round": round_.id, "page": page}
    body.append(action_set([submit(t.card_submit, data)]))
    title = t.card_title.format(round=plain(round_.name))
    return form(title, body, f"{title}\n{t.card_text_hint}")


def summary_reply(content: Content, round_: Round, answers: Sequence[Answer], late: bool) -> Reply:
    """What was stored, as a confirmation: Markdown with the leader's text escaped, and the
    fallback text as typed."""
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

    lead = t.saved.format(round=plain(round_.name), count=len(answers))
    text = t.saved.format(round=round_.name, count=len(answers))
    if late:
        lead += " " + t.saved_late
        text += " " + t.saved_late
    body = [paragraph(lead), bullets(lines(plain)), paragraph(t.saved_edit_hint, subtle=True)]
    return Reply(text=lead, card=card(body, "\n".join([text, *lines(str)])))


def register_form(content: Content, current: str = "") -> Reply:
    """ "tilmeld som leder": choose a unit from the list, or type a new one."""
    t = content.status
    choices = [{"title": unit, "value": unit} for unit in content.status.units]
    choices.append({"title": t.register_other, "value": NEW_UNIT})
    body = [
        paragraph(t.register_intro),
        {"type": "Input.ChoiceSet", "id": "unit", "label": t.register_unit, "choices": choices,
         "isRequired": True, "errorMessage": t.error_unit, "value": current},
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
        total=total,
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


def delete_confirm(content: Content, lines: Sequence[str]) -> Reply:
    """ "slet mine data": what will be deleted, a box to tick, and the button."""
    t = content.status
    body = [
        paragraph(t.delete_intro),
        bullets(lines),
        {"type": "Input.Toggle", "id": "confirm", "title": t.delete_toggle, "valueOn": "true",
         "valueOff": "false", "value": "false", "isRequired": True,
         "errorMessage": t.delete_toggle},
        action_set([submit(t.delete_button, {"action": DELETE_DATA})]),
    ]  # fmt: skip
    return form(t.delete_title, body, "\n".join([t.delete_title, *lines]))
