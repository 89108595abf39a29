"""The reminder card: committee, meeting, a ready agenda item, this meeting's focus."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from content.models import Content, ReminderTexts
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
from dialogs.reminders.focus import Focus
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.replies import Reply
from scheduler.calendar import format_meeting

ACK = "reminder_ack"
SNOOZE = "reminder_snooze"
MOVED = "reminder_moved"
SAVE = "committee_save"
MOVE = "meeting_move"
CANCEL = "meeting_cancel"
TRIO_APPROVE = "trio_approve"
TRIO_REJECT = "trio_reject"


def reminder_reply(
    content: Content,
    committee: Committee,
    meeting: Meeting,
    focus: Focus,
    recipient: str,
    omu_lines: tuple[str, ...] = (),
) -> Reply:
    """The reminder for one meeting and recipient."""
    texts = content.reminders
    strategy = content.strategy
    pejlemaerke = strategy.pejlemaerke(focus.pejlemaerke)
    assert pejlemaerke is not None
    when = format_meeting(meeting.start)
    ids = ", ".join(focus.maalsaetninger)
    agenda = texts.agenda_text.format(
        agenda_item=texts.agenda_item, number=pejlemaerke.number, name=pejlemaerke.name, ids=ids
    )
    goals = [strategy.maalsaetning(i) for i in focus.maalsaetninger]
    data: dict[str, Any] = {
        "committee": committee.id,
        "meeting": meeting.id,
        "recipient": recipient,
    }
    questions = [q.format(first=focus.maalsaetninger[0]) for q in texts.questions]
    body = [
        label(texts.agenda_label),
        {"type": "TextBlock", "text": agenda, "wrap": True, "fontType": "Monospace"},
        label(texts.focus_label),
        paragraph(f"Pejlemærke {pejlemaerke.number}: {pejlemaerke.name}"),
        bullets(f"{m.id} {m.text}" for m in goals if m),
        paragraph(focus.reason, subtle=True),
        label(texts.questions_label),
        bullets(questions),
        *(paragraph(line) for line in omu_lines),
        action_set(
            [
                submit(texts.button_ack, {**data, "action": ACK}),
                submit(texts.button_snooze, {**data, "action": SNOOZE}),
                submit(texts.button_moved, {**data, "action": MOVED}),
                *(
                    submit(
                        texts.button_show.format(id=i), {"action": "ask", "text": f"målsætning {i}"}
                    )
                    for i in focus.maalsaetninger
                ),
            ]
        ),
    ]
    when_line = texts.meeting_line.format(when=when)
    lead = f"{texts.title.format(committee=plain(committee.name))}\n\n{when_line}"
    shown = f"{texts.title.format(committee=committee.name)}\n\n{when_line}"  # not Markdown
    full = "\n\n".join([shown, agenda, *questions])
    return Reply(text=lead, card=card(body, full))


def trio_request_card(texts: ReminderTexts, committee: Committee, person: Person) -> Reply:
    """To the chair: "Karen Hansen vil være med i TRIO for »LMU Ørum«." – Godkend / Afvis."""
    t = texts
    who, name = person.name or person.user_id, committee.name
    text = t.trio_request.format(person=plain(who), name=plain(name))
    data = {"committee": committee.id, "user": person.user_id}
    body = [
        heading(t.trio_request_title),
        paragraph(text),
        paragraph(t.trio_request_hint, subtle=True),
        action_set(
            [
                submit(t.trio_approve_button, {"action": TRIO_APPROVE, **data}),
                submit(t.trio_reject_button, {"action": TRIO_REJECT, **data}),
            ]
        ),
    ]
    shown = t.trio_request.format(person=who, name=name)  # the fallback is not Markdown
    return Reply(text=text, card=card(body, f"{t.trio_request_title}\n{shown}"))


def committee_form(texts: ReminderTexts, committee: Committee | None) -> Reply:
    """The form to create a committee, or to edit one (filled in)."""
    t = texts
    kinds = [{"title": k.value, "value": k.value} for k in CommitteeKind]
    ident = committee.id if committee else ""
    body: list[dict[str, Any]] = [
        {"type": "Input.Text", "id": "name", "label": t.form_name, "isRequired": True,
         "maxLength": 100, "placeholder": t.form_name_placeholder, "errorMessage": t.error_name,
         "value": committee.name if committee else ""},
        {"type": "Input.ChoiceSet", "id": "kind", "label": t.form_kind, "choices": kinds,
         "value": committee.kind.value if committee else CommitteeKind.LMU.value},
        {"type": "Input.Text", "id": "schedule", "label": t.form_schedule, "isMultiline": True,
         "isRequired": committee is None, "placeholder": t.form_schedule_placeholder,
         "errorMessage": t.error_schedule},
        {"type": "Input.Number", "id": "lead_days", "label": t.form_lead_days, "min": 1,
         "max": 28, "value": committee.lead_days if committee else 7},
        {"type": "Input.Toggle", "id": "remind_chair", "title": t.form_remind_chair,
         "value": "true" if committee is None or committee.remind_chair else "false",
         "valueOn": "true", "valueOff": "false"},
        paragraph(t.form_hint, subtle=True),
        action_set([submit(t.form_save, {"action": SAVE, "committee": ident})]),
    ]  # fmt: skip
    return form(t.form_edit_title if committee else t.form_title, body)


def moved_form(texts: ReminderTexts, committee: Committee, meeting: Meeting, tz: ZoneInfo) -> Reply:
    """ "Mødet er flyttet/aflyst": a new date and time, or cancel."""
    t = texts
    local = meeting.start.astimezone(tz)
    data = {"committee": committee.id, "meeting": meeting.id}
    day, clock = local.date().isoformat(), local.strftime("%H:%M")
    body = [
        {"type": "Input.Date", "id": "date", "label": t.moved_date, "value": day},
        {"type": "Input.Time", "id": "time", "label": t.moved_time, "value": clock},
        action_set([submit(t.moved_move, {**data, "action": MOVE}),
                    submit(t.moved_cancel, {**data, "action": CANCEL})]),
    ]  # fmt: skip
    return form(t.moved_title.format(when=format_meeting(meeting.start, tz=tz)), body)
