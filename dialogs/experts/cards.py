"""The cards of »Spørg en fagperson«: the offer under an answer, the question in the experts'
channel, the answer to the asker, a supplementary answer, the admins' list and the digest.

A reply in a chat has its title as text (shown above the card in Teams) and the rest as the
card, as the Q&A's answers do; a post in the experts' channel is the card alone, its title
inside (a channel post opens a thread of its own). User text (questions, notes, answers,
names) goes into a card only through :func:`~dialogs.cards.plain`, so Markdown in it is shown
as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import Any

from content.models import Content
from dialogs.cards import (
    action_set,
    bullets,
    card,
    execute,
    heading,
    label,
    paragraph,
    plain,
    show_card,
    submit,
)
from dialogs.experts.models import MAX_ANSWER, MAX_NOTE, MAX_QUESTION, Question, Supplement
from dialogs.replies import Reply
from dialogs.stamps import day, stamp

ASK = "expert_ask"  # the asker forwards a question (Action.Submit: the receipt is a message)
ANSWER = "expert_answer"  # an expert answers it (Action.Execute: the card becomes the answer)
CLOSE = "expert_close"  # an expert closes it without an answer
PUBLISH = "expert_publish"  # an expert publishes the answer as a supplementary answer
WITHDRAW = "expert_withdraw"  # an admin withdraws a supplementary answer
SHORT = 60  # characters of a question on a button


def short(text: str, limit: int = SHORT) -> str:
    """``text`` on one line, cut at ``limit`` characters with "…"."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class ExpertCards:
    """Renders the experts' cards with the texts of ``content/data/experts.yaml``."""

    def __init__(self, content: Content, tz: tzinfo) -> None:
        self.t = content.experts
        self.tz = tz

    def offer(self, question: str, attempted: str) -> list[dict[str, Any]]:
        """»Spørg en fagperson« under an answer: a note and one click to send."""
        t = self.t
        note = {
            "type": "Input.Text",
            "id": "note",
            "label": t.ask_note_label,
            "placeholder": t.ask_note_placeholder,
            "isMultiline": True,
            "maxLength": MAX_NOTE,
        }
        data = {"action": ASK, "question": question[:MAX_QUESTION], "attempted": attempted}
        button = show_card(
            t.ask_button, [paragraph(t.ask_intro, subtle=True), note], [submit(t.ask_send, data)]
        )
        return [action_set([button])]

    def question(self, question: Question, attempt: str) -> Reply:
        """The question in the experts' channel (a card alone), with what became of it; open,
        it offers
        »Besvar« and »Luk«, answered (and not published) »Udgiv som supplerende svar«."""
        t = self.t
        name = plain(question.asker_name) if question.asker_name else t.someone
        title = t.question_title.format(name=name)
        body: list[dict[str, Any]] = [
            heading(title),
            paragraph(t.asked_at.format(when=stamp(question.asked_at, self.tz)), subtle=True),
            label(t.label_question),
            paragraph(plain(question.text)),
        ]
        if question.note:
            body += [label(t.label_note), paragraph(plain(question.note))]
        body += [label(t.label_attempt), paragraph(attempt, subtle=True)]
        if question.state == "answered":
            body += [label(t.label_answer), paragraph(plain(question.answer))]
        body += [paragraph(line) for line in self._states(question)]
        body.append(action_set(self._actions(question)))
        return Reply(text="", card=card(body, f"{title}\n\n{question.text}"))

    def _states(self, question: Question) -> list[str]:
        t = self.t
        lines = []
        who = plain(question.expert_name) or t.someone
        when = stamp(question.handled_at, self.tz) if question.handled_at else ""
        if question.state == "answered":
            lines.append(t.answered_by.format(name=who, when=when))
        elif question.state == "closed":
            lines.append(t.closed_by.format(name=who, when=when))
        if question.published and question.published_at is not None:
            by = plain(question.published_by) or t.someone
            lines.append(t.published_by.format(name=by, when=stamp(question.published_at, self.tz)))
        elif question.supplement:
            lines.append(t.withdrawn_state)
        return lines

    def _actions(self, question: Question) -> list[dict[str, Any]]:
        t = self.t
        ref = {"question": question.id}
        if question.state == "open":
            answer = {
                "type": "Input.Text",
                "id": "answer",
                "label": t.answer_label,
                "placeholder": t.answer_placeholder,
                "isMultiline": True,
                "isRequired": True,
                "errorMessage": t.answer_empty,
                "maxLength": MAX_ANSWER,
            }
            publish = {
                "type": "Input.Toggle",
                "id": "publish",
                "title": t.publish_label,
                "value": "false",
                "valueOn": "true",
                "valueOff": "false",
            }
            send = execute(t.send_answer, {"action": ANSWER, **ref})
            return [
                show_card(t.answer_button, [answer, publish], [send]),
                execute(t.close_button, {"action": CLOSE, **ref}),
            ]
        if question.state == "answered" and not question.supplement:
            return [execute(t.publish_button, {"action": PUBLISH, **ref})]
        return []

    def answer(self, question: Question) -> Reply:
        """An expert's answer, to the asker's personal chat, with the expert's name."""
        t = self.t
        title = t.answer_title.format(name=plain(question.expert_name) or t.someone)
        body = [
            paragraph(t.answer_to.format(question=plain(short(question.text, 200)))),
            paragraph(plain(question.answer)),
            paragraph(t.answer_footer, subtle=True),
        ]
        return Reply(text=title, card=card(body, f"{title}\n\n{question.answer}"))

    def closed(self, question: Question) -> Reply:
        """To the asker: the experts closed the question without an answer."""
        return Reply(self.t.closed_to_asker.format(question=plain(short(question.text, 200))))

    def supplement(self, supplement: Supplement) -> Reply:
        """A supplementary answer as the Q&A gives it: first of all, whose it is and that it
        is not part of the strategy's text."""
        t = self.t
        name = plain(supplement.expert_name) or t.someone
        lead = t.supplement_label.format(name=name, date=day(supplement.answered_at, self.tz))
        body = [
            paragraph(plain(supplement.answer)),
            paragraph(t.supplement_asked.format(question=plain(short(supplement.question, 200))),
                      subtle=True),
        ]  # fmt: skip
        return Reply(text=lead, card=card(body, f"{lead}\n\n{supplement.answer}"))

    def supplements(self, found: Sequence[Supplement], notice: str = "") -> Reply:
        """The admins' list of supplementary answers, each with »Træk tilbage«."""
        t = self.t
        body: list[dict[str, Any]] = []
        if notice:
            body.append(paragraph(notice))
        if not found:
            body.append(paragraph(t.supplements_none))
        else:
            body.append(paragraph(t.supplements_intro, subtle=True))
        for supplement in found:
            line = t.supplement_line.format(
                question=plain(short(supplement.question)),
                name=plain(supplement.expert_name) or t.someone,
                date=day(supplement.answered_at, self.tz),
            )
            button = execute(
                t.withdraw_button.format(question=short(supplement.question, 30)),
                {"action": WITHDRAW, "supplement": supplement.id},
            )
            body += [paragraph(line), paragraph(plain(short(supplement.answer, 200)), subtle=True)]
            body.append(action_set([button]))
        lines = [t.supplements_title, *(s.question for s in found)]
        return Reply(text=t.supplements_title, card=card(body, "\n".join(lines)))

    def digest(self, questions: Iterable[Question], days: int) -> Reply:
        """The weekly digest: the questions waiting longer than ``days`` days."""
        t = self.t
        listed = list(questions)
        lines = [
            t.digest_line.format(
                question=plain(short(q.text)),
                name=plain(q.asker_name) or t.someone,
                date=day(q.asked_at, self.tz),
            )
            for q in listed
        ]
        intro = t.digest_intro.format(count=len(listed), days=days)
        body = [heading(t.digest_title), paragraph(intro), bullets(lines)]
        return Reply(text="", card=card(body, "\n".join([t.digest_title, intro, *lines])))
