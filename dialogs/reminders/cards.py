"""The reminder card: committee, meeting, a ready agenda item, this meeting's focus."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from content.models import Content, ReminderTexts
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
from dialogs.reminders.due import SNOOZE_HOURS, SnoozeKind
from dialogs.reminders.focus import Focus
from dialogs.reminders.models import Committee, CommitteeKind, Meeting, Person
from dialogs.replies import Reply
from dialogs.text import plural
from scheduler.calendar import format_meeting, format_time

ACK = "reminder_ack"
SNOOZE = "reminder_snooze"
MOVED = "reminder_moved"
SAVE = "committee_save"
DELETE = "committee_delete"
KEEP = "committee_keep"
MOVE = "meeting_move"
CANCEL = "meeting_cancel"
TRIO_APPROVE = "trio_approve"
TRIO_REJECT = "trio_reject"
DETAILS = "details"  # the id of the reminder's unfoldable focus and questions


def agenda_lines(content: Content, focus: Focus) -> tuple[str, str]:
    """The agenda item, line by line, exactly as the chair pastes it into the agenda."""
    texts = content.reminders
    pejlemaerke = content.strategy.pejlemaerke(focus.pejlemaerke)
    assert pejlemaerke is not None
    ids = ", ".join(focus.maalsaetninger)
    line = texts.agenda_focus.format(number=pejlemaerke.number, name=pejlemaerke.name, ids=ids)
    return texts.agenda_item, line


def reminder_reply(
    content: Content,
    committee: Committee,
    meeting: Meeting,
    focus: Focus,
    recipient: str,
    omu_lines: tuple[str, ...] = (),
    *,
    snooze: SnoozeKind | None = "tomorrow",
    ack: bool = True,
    done: str = "",
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> Reply:
    """The reminder for one meeting and recipient. The first screen says what it is about
    (committee, meeting, the agenda item to copy); the focus with its official wording and
    the questions unfold under »Fokus og spørgsmål«.

    ``snooze`` is the snooze offered (:func:`~dialogs.reminders.due.snooze_offer`; None:
    none lands before the meeting, which the card says unless ``done``); ``ack`` offers
    "Sat på dagsordenen"; ``done`` is what was clicked, when the card is shown again in
    place of the clicked one."""
    texts = content.reminders
    strategy = content.strategy
    pejlemaerke = strategy.pejlemaerke(focus.pejlemaerke)
    assert pejlemaerke is not None
    when = format_meeting(meeting.start, tz=tz)
    item, item_focus = agenda_lines(content, focus)
    goals = [strategy.maalsaetning(i) for i in focus.maalsaetninger]
    data: dict[str, Any] = {
        "committee": committee.id,
        "meeting": meeting.id,
        "recipient": recipient,
    }
    questions = [q.format(first=focus.maalsaetninger[0]) for q in texts.questions]
    buttons: list[dict[str, Any]] = []
    if ack:
        buttons.append(execute(texts.button_ack, {**data, "action": ACK}))
    if snooze is not None:
        title = texts.button_snooze
        if snooze == "hours":
            hours = plural(SNOOZE_HOURS, texts.hour_one, texts.hour_many)
            title = texts.button_snooze_hours.format(hours=hours)
        buttons.append(execute(title, {**data, "action": SNOOZE, "snooze": snooze}))
    buttons.append(submit(texts.button_moved, {**data, "action": MOVED}))
    buttons.append(
        {"type": "Action.ToggleVisibility", "title": texts.button_details,
         "targetElements": [DETAILS]}
    )  # fmt: skip
    no_snooze = ""
    if snooze is None and not done:
        no_snooze = _no_snooze(texts, meeting, now, tz)
    details = {
        "type": "Container",
        "id": DETAILS,
        "isVisible": False,
        "items": [
            label(texts.focus_label),
            paragraph(f"Pejlemærke {pejlemaerke.number}: {pejlemaerke.name}"),
            bullets(f"{m.id} {m.text}" for m in goals if m),
            paragraph(focus.reason, subtle=True),
            label(texts.questions_label),
            bullets(questions),
            action_set(
                submit(texts.button_show.format(id=i), {"action": "ask", "text": f"målsætning {i}"})
                for i in focus.maalsaetninger
            ),
        ],
    }
    when_line = texts.meeting_line.format(when=when)
    heading_text = texts.title.format(committee=plain(committee.name))
    body = [
        heading(heading_text),
        paragraph(when_line),
        {"type": "TextBlock", "text": done, "wrap": True, "weight": "Bolder", "color": "Good"}
        if done
        else {},
        label(texts.agenda_label),
        {
            "type": "Container",
            "style": "emphasis",
            "items": [agenda_line(item), agenda_line(item_focus)],
        },
        *(paragraph(line) for line in omu_lines),
        paragraph(no_snooze, subtle=True) if no_snooze else {},
        action_set(buttons),
        details,
    ]
    lead = f"{heading_text}\n\n{when_line}"
    shown = f"{texts.title.format(committee=committee.name)}\n\n{when_line}"  # not Markdown
    full = "\n\n".join([shown, *([done] if done else []), item, item_focus, *questions])
    return Reply(text=lead, card=card(body, full))


def agenda_line(text: str) -> dict[str, Any]:
    """One line of the agenda item: a block of its own, as Teams joins lines within one."""
    return {"type": "TextBlock", "text": plain(text), "wrap": True, "fontType": "Monospace",
            "spacing": "None"}  # fmt: skip


def _no_snooze(
    texts: ReminderTexts, meeting: Meeting, now: datetime | None, tz: ZoneInfo | None
) -> str:
    """The line said instead of a snooze that would land after the meeting."""
    start = meeting.start.astimezone(tz) if tz is not None else meeting.start
    if now is not None and now.astimezone(start.tzinfo).date() == start.date():
        return texts.no_snooze_today.format(time=format_time(start.time()))
    return texts.no_snooze.format(when=format_meeting(start))


def state_card(text: str) -> Reply:
    """A card that only says what happened: it replaces a clicked card (no buttons left)."""
    return Reply(text=text, card=card([paragraph(text)], text))


def delete_card(texts: ReminderTexts, committee: Committee, upcoming: int) -> Reply:
    """ "slet udvalg <navn>": what goes with the committee, and »Slet udvalget« / »Behold
    det«. Nothing is deleted until the first is clicked."""
    t = texts
    name = plain(committee.name)
    meetings = plural(upcoming, t.upcoming_one, t.upcoming_many)
    data = {"committee": committee.id}
    lines = [t.delete_what.format(meetings=meetings)]
    if committee.channel_id:
        lines.append(t.delete_channel)
    body = [
        heading(t.delete_title.format(name=name)),
        *(paragraph(line) for line in lines),
        action_set(
            [
                execute(t.delete_confirm_button, {"action": DELETE, **data}),
                execute(t.delete_keep_button, {"action": KEEP, **data}),
            ]
        ),
    ]
    title = t.delete_title.format(name=committee.name)  # the fallback is not Markdown
    return Reply(text=t.delete_title.format(name=name), card=card(body, "\n".join([title, *lines])))


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


def committee_form(texts: ReminderTexts, committee: Committee | None, schedule: str = "") -> Reply:
    """The form to create a committee, or to edit one (filled in, ``schedule`` too: saved
    unchanged, it keeps the meetings as they are)."""
    t = texts
    hint = (
        t.form_hint.format(name=plain(committee.name))
        if committee
        else t.form_hint_new.format(example=t.form_name_placeholder)
    )
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
         "errorMessage": t.error_schedule, "value": schedule},
        {"type": "Input.Number", "id": "lead_days", "label": t.form_lead_days, "min": 1,
         "max": 28, "value": committee.lead_days if committee else 7},
        {"type": "Input.Toggle", "id": "remind_chair", "title": t.form_remind_chair,
         "value": "true" if committee is None or committee.remind_chair else "false",
         "valueOn": "true", "valueOff": "false"},
        paragraph(hint, subtle=True),
        action_set([submit(t.form_save, {"action": SAVE, "committee": ident,
                                         "shown_schedule": schedule})]),
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
