"""The reminder card: committee, meeting, a ready agenda item, this meeting's focus."""

from __future__ import annotations

from typing import Any

from content.models import Content
from dialogs.cards import action_set, bullets, card, label, paragraph, submit
from dialogs.replies import Reply
from scheduler.calendar import format_meeting
from scheduler.focus import Focus
from scheduler.models import Committee, Meeting

ACK = "reminder_ack"
SNOOZE = "reminder_snooze"
MOVED = "reminder_moved"


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
    lead = (
        f"{texts.title.format(committee=committee.name)}\n\n{texts.meeting_line.format(when=when)}"
    )
    full = "\n\n".join([lead, agenda, *questions])
    return Reply(text=lead, card=card(body, full))
