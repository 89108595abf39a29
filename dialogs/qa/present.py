"""From an :class:`~dialogs.qa.answer.Answer` to a reply: an Adaptive Card and plain text.

Every answer leads with what it answers (a målsætning's number and official wording, a
pejlemærke's number and name, a term and its definition), names its source, offers
follow-up buttons that ask exactly what typing their label asks, and asks "Hjalp svaret?".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from content.models import Content, Maalsaetning, Pejlemaerke
from dialogs.cards import (
    action_set,
    bullets,
    card,
    execute,
    heading,
    label,
    paragraph,
    plain,
    submit,
)
from dialogs.qa.answer import Answer, Answerer
from dialogs.qa.own_work import NextMeeting, OpenRound
from dialogs.qa.text import best_passage
from dialogs.replies import CardJson, Reply

ASK = "ask"
FEEDBACK = "feedback"
FEEDBACK_ACTIONS = "feedback-actions"  # the id of the 👍/👎 buttons' action set
# Small talk that introduces the bot ends with questions to try.
_INTRODUCES = frozenset({"greeting", "who", "robot", "maker", "how_are_you"})


class Presenter:
    """Renders answers with the texts from ``content/data/messages.yaml``."""

    def __init__(self, content: Content, answerer: Answerer) -> None:
        self.content = content
        self.answerer = answerer
        self.da = content.messages.da
        self.en = content.messages.en
        about = {p.number: p.about for p in content.strategy.pejlemaerker}
        self._passage = {  # the "Om pejlemærket" passage shown with each målsætning
            m.id: best_passage(about[m.pejlemaerke], (m.text, *m.synonyms))
            for m in content.strategy.maalsaetninger
        }
        self._placements: dict[str, list[str]] = {}  # by term id, filled on first use

    def _places(self, word: str, term_id: str) -> list[str]:
        """Where the strategy's official wording uses ``word``: målsætninger, nøgleord (other
        than the term's own, which its answer already shows) and the texts about each
        pejlemærke, as lines with the official wording."""
        if term_id in self._placements:
            return self._placements[term_id]
        placement = self.answerer.placements.of(word)
        da = self.da
        lines = [
            da.used_in_maalsaetning.format(id=m.id, number=m.pejlemaerke, text=m.text)
            for m in placement.maalsaetninger
        ]
        lines += [
            da.used_in_noegleord.format(number=n.pejlemaerke, text=n.text)
            for n in placement.noegleord
            if n.term != term_id
        ]
        lines += [
            da.used_in_pejlemaerke.format(number=p.number, name=p.name)
            for p in placement.pejlemaerker
        ]
        self._placements[term_id] = lines
        return lines

    # -- buttons ---------------------------------------------------------------------------

    def ask_button(self, target: str, title: str | None = None) -> dict[str, Any]:
        """A button that asks the question whose answer is ``target``."""
        text = self.answerer.button_text(target)
        kind, _, key = target.partition(":")
        if title is None and kind == "maalsaetning":
            title = self.da.label_show_maalsaetning.format(id=key)
        if title is None and kind == "pejlemaerke":
            found = self.content.strategy.pejlemaerke(int(key))
            title = self._pejlemaerke_line(found) if found else None
        return submit(title or text, {"action": ASK, "text": text})

    def _feedback(self, answer: Answer) -> list[dict[str, Any]]:
        """ "Hjalp svaret?" and 👍/👎 as ``Action.Execute``: the card then shows the vote in
        place (``Action.Submit`` where a client has no Universal Actions)."""
        data = {
            "action": FEEDBACK,
            "target": answer.target,
            "question": answer.question[:1000],
            "language": answer.language,
        }
        english = answer.language == "en"
        yes = self.en.label_yes if english else self.da.label_yes
        no = self.en.label_no if english else self.da.label_no
        ask = self.en.label_helpful if english else self.da.label_helpful
        return [
            {**paragraph(ask, subtle=True), "id": FEEDBACK},
            {
                **action_set(
                    [
                        execute(yes, {**data, "helpful": True}),
                        execute(no, {**data, "helpful": False}),
                    ]
                ),
                "id": FEEDBACK_ACTIONS,
            },
        ]

    def _source(self, answer: Answer, source: str | None = None) -> dict[str, Any]:
        name = self.en.label_source if answer.language == "en" else self.da.label_source
        return paragraph(f"{name}: {source or self.content.strategy.source}", subtle=True)

    def _alternatives(self, answer: Answer) -> list[dict[str, Any]]:
        if not answer.alternatives:
            return []
        return [
            paragraph(self.da.label_also, subtle=True),
            action_set(self.ask_button(t) for t in answer.alternatives),
        ]

    # -- answers ---------------------------------------------------------------------------

    def render(self, answer: Answer) -> Reply:
        """The reply for ``answer``; a hedged answer opens with "Jeg tror, du spørger om …".
        Where the answer has natural follow-ups, up to three are suggested under it."""
        return replace(self._reply(self.body(answer)), suggestions=self.suggestions(answer))

    def body(self, answer: Answer) -> list[dict[str, Any]]:
        """Every element of the answer's card, its lead included."""
        render = getattr(self, f"_render_{answer.kind}")
        body: list[dict[str, Any]] = render(answer)
        if answer.hedged:
            text = self.en if answer.language == "en" else self.da
            # The answer's heading follows and names the pejlemærke: say its number only.
            subject = self.subject(answer.target, named=False)
            lead_line = text.hedge_lead.format(subject=subject)
            body = [paragraph(lead_line), *body]
        return body

    def voted(self, answer: Answer, vote_line: str, extra: Iterable[dict[str, Any]] = ()) -> Reply:
        """The answer's reply once voted on: "Hjalp svaret?" becomes ``vote_line`` and the
        👍/👎 buttons go (one vote per person and answer: nothing left to click on this card),
        ``extra`` elements in their place."""
        body: list[dict[str, Any]] = []
        for element in self.body(answer):
            if element.get("id") == FEEDBACK:
                element = {**paragraph(vote_line), "id": FEEDBACK}  # not subtle: it is news
            if element.get("id") == FEEDBACK_ACTIONS:
                body.extend(extra)
                continue
            body.append(element)
        return self._reply(body)

    def shareable(self, answer: Answer) -> CardJson:
        """The answer as one self-contained card to insert anywhere (the search message
        extension): its lead, official wording and source, and no buttons, since those only
        work in a chat with the bot."""
        body = [
            element
            for element in self.body(answer)
            if element
            and element.get("type") != "ActionSet"
            and element.get("id") != FEEDBACK
            and element.get("text") not in (self.da.label_also, self.da.fallback_suggestions)
        ]
        return card(body, plain_text(body))

    def suggestions(self, answer: Answer) -> tuple[str, ...]:
        """Follow-up questions that answer well right after ``answer`` (the chat remembers
        what it answered last): the next målsætning, its pejlemærke, the next pejlemærke."""
        text = self.en if answer.language == "en" else self.da
        strategy = self.content.strategy
        found: list[str] = []
        if answer.kind == "maalsaetning":
            ids = [m.id for m in strategy.maalsaetninger]
            if answer.key in ids and answer.key != ids[-1]:
                found.append(text.suggest_next_maalsaetning)
            found.append(text.suggest_pejlemaerke)
        elif answer.kind == "pejlemaerke":
            found.append(text.suggest_first_maalsaetning)
            if int(answer.key) != strategy.pejlemaerker[-1].number:
                found.append(text.suggest_next_pejlemaerke)
        elif answer.kind in ("noegleord", "term") and self._placed(answer):
            found.append(text.suggest_pejlemaerke)
        return tuple(found[:3])

    def _placed(self, answer: Answer) -> bool:
        """True if a nøgleord or term belongs under a pejlemærke (so "og pejlemærket?" works)."""
        key = answer.key
        return any(key in (n.id, n.term) for n in self.content.strategy.noegleord)

    def subject(self, target: str, named: bool = True) -> str:
        """What ``target`` is about, as it reads inside a sentence ("målsætning 2.3",
        "pejlemærke 4: Helhed og fremtidssikring"; without its name unless ``named``)."""
        kind, _, key = target.partition(":")
        if kind == "maalsaetning":
            return self.da.label_show_maalsaetning.format(id=key).lower()
        if kind == "pejlemaerke":
            p = self.content.strategy.pejlemaerke(int(key))
            number = f"{self.da.label_pejlemaerke.lower()} {key}"
            return f"{number}: {p.name}" if named and p else number
        return f"»{self.answerer.button_text(target)}«"

    def _reply(self, body: list[dict[str, Any]]) -> Reply:
        """The lead as the message text, the rest as a card below it (as Teams shows it)."""
        opening = lead(body)
        rest = [element for element in body[len(opening) :] if element]
        text = plain_text(opening)
        return Reply(text=text, card=card(rest, plain_text(body)) if rest else None)

    def _frame(self, answer: Answer, template: str, **values: Any) -> list[dict[str, Any]]:
        if answer.language != "en":
            return []
        return [paragraph(template.format(**values), subtle=True)]

    def _pejlemaerke_line(self, p: Pejlemaerke) -> str:
        return f"{self.da.label_pejlemaerke} {p.number}: {p.name}"

    def _noegleord_line(self, number: int) -> str:
        words = [n.text for n in self.content.strategy.noegleord if n.pejlemaerke == number]
        return f"{self.da.label_noegleord}: " + " · ".join(words)

    def _maalsaetning_lines(self, items: Iterable[Maalsaetning]) -> list[str]:
        return [f"{m.id} {m.text}" for m in items]

    def _render_maalsaetning(self, answer: Answer) -> list[dict[str, Any]]:
        strategy = self.content.strategy
        m = strategy.maalsaetning(answer.key)
        assert m is not None
        p = strategy.pejlemaerke(m.pejlemaerke)
        assert p is not None
        siblings = [s for s in strategy.maalsaetninger_under(p.number) if s.id != m.id]
        return [
            *self._frame(answer, self.en.frame_maalsaetning, id=m.id),
            heading(f"{m.id} {m.text}"),
            paragraph(self._pejlemaerke_line(p)),
            label(self.da.label_about),
            paragraph(self._passage[m.id]),
            paragraph(self._noegleord_line(p.number), subtle=True),
            self._source(answer),
            action_set(
                [
                    self.ask_button(f"pejlemaerke:{p.number}", self._pejlemaerke_line(p)),
                    *(self.ask_button(f"maalsaetning:{s.id}") for s in siblings),
                ]
            ),
            *self._alternatives(answer),
            *self._feedback(answer),
        ]

    def _render_pejlemaerke(self, answer: Answer) -> list[dict[str, Any]]:
        p = self.content.strategy.pejlemaerke(int(answer.key))
        assert p is not None
        items = self.content.strategy.maalsaetninger_under(p.number)
        return [
            *self._frame(
                answer, self.en.frame_pejlemaerke, number=p.number, name=p.name, english=p.english
            ),
            heading(self._pejlemaerke_line(p)),
            paragraph(f"”{p.vision}”", italic=True),
            label(self.da.label_maalsaetninger),
            bullets(self._maalsaetning_lines(items)),
            label(self.da.label_about),
            paragraph(p.about[0]),
            paragraph(self._noegleord_line(p.number), subtle=True),
            self._source(answer),
            action_set(self.ask_button(f"maalsaetning:{m.id}") for m in items),
            *self._alternatives(answer),
            *self._feedback(answer),
        ]

    def _render_noegleord(self, answer: Answer) -> list[dict[str, Any]]:
        word = self.content.noegleord(answer.key)
        assert word is not None
        p = self.content.strategy.pejlemaerke(word.pejlemaerke)
        assert p is not None
        term = self.content.term(word.term) if word.term else None
        related = [self.content.strategy.maalsaetning(r) for r in word.related]
        return [
            *self._frame(answer, self.en.frame_noegleord, number=p.number, english=p.english),
            heading(word.text),
            paragraph(self.da.noegleord_intro.format(text=word.text, number=p.number, name=p.name)),
            *(self._definition(term.definition, term.general) if term else []),
            label(self.da.label_related),
            bullets(self._maalsaetning_lines(m for m in related if m)),
            self._source(answer),
            action_set(
                [
                    self.ask_button(f"pejlemaerke:{p.number}", self._pejlemaerke_line(p)),
                    *(self.ask_button(f"maalsaetning:{m.id}") for m in related if m),
                ]
            ),
            *self._alternatives(answer),
            *self._feedback(answer),
        ]

    def _definition(self, text: str, general: bool) -> list[dict[str, Any]]:
        return [
            paragraph(text),
            *([paragraph(self.da.label_general, subtle=True)] if general else []),
        ]

    def _render_term(self, answer: Answer) -> list[dict[str, Any]]:
        term = self.content.term(answer.key)
        assert term is not None
        words = [n for n in self.content.strategy.noegleord if n.term == term.id]
        context = []
        buttons = []
        for word in words:
            p = self.content.strategy.pejlemaerke(word.pejlemaerke)
            assert p is not None
            context.append(
                paragraph(
                    self.da.noegleord_intro.format(text=word.text, number=p.number, name=p.name)
                )
            )
            buttons.append(self.ask_button(f"noegleord:{word.id}"))
        used_in = self._places(term.term, term.id)
        return [
            *self._frame(answer, self.en.frame_term),
            heading(term.term),
            *self._definition(term.definition, term.general),
            *context,
            *([label(self.da.label_used_in), bullets(used_in)] if used_in else []),
            self._source(answer),
            action_set(buttons),
            *self._alternatives(answer),
            *self._feedback(answer),
        ]

    def _render_fact(self, answer: Answer) -> list[dict[str, Any]]:
        fact = self.content.fact(answer.key)
        assert fact is not None
        return [
            *self._frame(answer, self.en.frame_fact),
            heading(fact.title),
            paragraph(fact.answer),
            *([bullets(fact.details)] if fact.details else []),
            self._source(answer, fact.source),
            *self._alternatives(answer),
            *self._feedback(answer),
        ]

    def _render_section(self, answer: Answer) -> list[dict[str, Any]]:
        section = self.content.strategy.collaboration
        return [
            heading(section.title),
            *(paragraph(text) for text in section.passages),
            self._source(answer),
            action_set([self.ask_button("pejlemaerke:4"), self.ask_button("maalsaetning:4.3")]),
            *self._alternatives(answer),
            *self._feedback(answer),
        ]

    def _render_list_pejlemaerker(self, answer: Answer) -> list[dict[str, Any]]:
        strategy = self.content.strategy
        return [
            *self._frame(answer, self.en.frame_list),
            heading(self.da.label_all_pejlemaerker),
            paragraph(self.da.list_pejlemaerker_intro),
            bullets(
                f"**{self._pejlemaerke_line(p)}** – ”{p.vision}”" for p in strategy.pejlemaerker
            ),
            self._source(answer),
            self._pejlemaerke_buttons(),
        ]

    def _per_pejlemaerke(self, lines: Callable[[int], Iterable[str]]) -> list[dict[str, Any]]:
        """A label for each pejlemærke with its ``lines`` (målsætninger, nøgleord) below."""
        body: list[dict[str, Any]] = []
        for p in self.content.strategy.pejlemaerker:
            body += [label(self._pejlemaerke_line(p)), bullets(lines(p.number))]
        return body

    def _pejlemaerke_buttons(self) -> dict[str, Any]:
        return action_set(
            self.ask_button(f"pejlemaerke:{p.number}", self._pejlemaerke_line(p))
            for p in self.content.strategy.pejlemaerker
        )

    def _maalsaetninger_of(self, number: int) -> list[str]:
        return self._maalsaetning_lines(self.content.strategy.maalsaetninger_under(number))

    def _render_list_maalsaetninger(self, answer: Answer) -> list[dict[str, Any]]:
        return [
            *self._frame(answer, self.en.frame_list),
            heading(self.da.label_all_maalsaetninger),
            paragraph(self.da.list_maalsaetninger_intro),
            *self._per_pejlemaerke(self._maalsaetninger_of),
            self._source(answer),
            self._pejlemaerke_buttons(),
        ]

    def _render_about(self, answer: Answer) -> list[dict[str, Any]]:
        """The overview: what the strategy is, then its four pejlemærker with målsætninger."""
        strategy = self.content.strategy
        return [
            *self._frame(answer, self.en.frame_list),
            heading(strategy.title),
            paragraph(strategy.introduction[2]),
            paragraph(strategy.structure[0]),
            *self._per_pejlemaerke(self._maalsaetninger_of),
            self._source(answer),
            action_set(
                [
                    self.ask_button("list:noegleord", self.da.label_all_noegleord),
                    self.ask_button("fact:godkendelse"),
                    self.ask_button("fact:forfattere"),
                    self.ask_button("fact:opfoelgning"),
                ]
            ),
        ]

    def _render_list_noegleord(self, answer: Answer) -> list[dict[str, Any]]:
        words = self.content.strategy.noegleord
        return [
            *self._frame(answer, self.en.frame_list),
            heading(self.da.label_all_noegleord),
            paragraph(self.da.list_noegleord_intro.format(count=len(words))),
            *self._per_pejlemaerke(lambda n: [w.text for w in words if w.pejlemaerke == n]),
            self._source(answer),
            self._pejlemaerke_buttons(),
        ]

    def _render_smalltalk(self, answer: Answer) -> list[dict[str, Any]]:
        """A short, friendly reply; the ones that introduce the bot offer questions to try."""
        topic = next(t for t in self.content.conversation.smalltalk if t.id == answer.key)
        examples = (
            [action_set(submit(q, {"action": ASK, "text": q}) for q in self.da.welcome_examples)]
            if answer.key in _INTRODUCES
            else []
        )
        return [paragraph(topic.reply), *examples]

    def _render_own(self, answer: Answer) -> list[dict[str, Any]]:
        """Without the asker's data: how reminders or status rounds work."""
        text = self.da.own_meeting_none if answer.key == "meeting" else self.da.own_status_none
        return [paragraph(text)]

    def _render_unknown(self, answer: Answer) -> list[dict[str, Any]]:
        english = answer.language == "en"
        is_maal = "." in answer.reference
        if english:
            template = self.en.unknown_maalsaetning if is_maal else self.en.unknown_pejlemaerke
        else:
            template = self.da.unknown_maalsaetning if is_maal else self.da.unknown_pejlemaerke
        target = "list:maalsaetninger" if is_maal else "list:pejlemaerker"
        title = self.da.label_all_maalsaetninger if is_maal else self.da.label_all_pejlemaerker
        return [
            paragraph(template.format(ref=answer.reference)),
            action_set([self.ask_button(target, title)]),
        ]

    def _render_fallback(self, answer: Answer) -> list[dict[str, Any]]:
        text = self.en if answer.language == "en" else self.da
        if answer.alternatives:
            suggestions = [
                paragraph(text.fallback_suggestions, subtle=True),
                action_set(self.ask_button(t) for t in answer.alternatives),
            ]
        else:
            suggestions = [
                action_set(submit(q, {"action": ASK, "text": q}) for q in self.da.welcome_examples)
            ]
        opening = text.fallback_scope if answer.reason == "scope" else text.fallback_text
        return [paragraph(opening), paragraph(text.fallback_hint), *suggestions]

    # -- other messages --------------------------------------------------------------------

    def next_meeting(self, meeting: NextMeeting | None) -> Reply:
        """ "hvad skal vi drøfte på næste møde?": the meeting's focus, or how to get one."""
        da = self.da
        if meeting is None:
            return Reply(text=da.own_meeting_none)
        strategy = self.content.strategy
        items = [m for m in strategy.maalsaetninger if m.id in meeting.maalsaetninger]
        ids = list(meeting.maalsaetninger)
        joined = f" {da.and_word} ".join([", ".join(ids[:-1]), ids[-1]] if len(ids) > 1 else ids)
        focus = (da.own_focus_many if len(ids) > 1 else da.own_focus_one).format(ids=joined)
        line = da.own_meeting.format(
            committee=plain(meeting.committee),
            when=meeting.when,
            number=meeting.pejlemaerke,
            focus=focus,
        )
        questions = (
            [q.format(first=ids[0]) for q in self.content.reminders.questions] if ids else []
        )
        return self._reply(
            [
                heading(da.own_meeting_title),
                paragraph(line),
                bullets(self._maalsaetning_lines(items)),
                *([label(da.label_questions), bullets(questions)] if questions else []),
                action_set(self.ask_button(f"maalsaetning:{m.id}") for m in items),
            ]
        )

    def open_round(self, round_: OpenRound | None) -> Reply:
        """ "hvornår er fristen for status?": the open round's deadline, or how rounds work."""
        da = self.da
        if round_ is None:
            return Reply(text=da.own_status_none)
        line = da.own_status.format(round=plain(round_.name), deadline=round_.deadline)
        state = da.own_status_answered if round_.answered else da.own_status_missing
        return Reply(text=f"{line} {state}")

    def notice(self, text: str) -> Reply:
        """A short plain message (confirmations, errors)."""
        return Reply(text=text)


def lead(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The opening of an answer: up to the heading and the line after it, or, for answers
    without a heading, the text before the first buttons. It is the message's plain ``text``,
    shown above the card in Teams and alone where cards cannot be shown.
    """
    opening: list[dict[str, Any]] = []
    seen_heading = False
    for element in body:
        if element.get("type") != "TextBlock":
            break
        opening.append(element)
        if seen_heading:
            break
        seen_heading = element.get("weight") == "Bolder" and element.get("size") == "Medium"
    return opening


def plain_text(body: Iterable[dict[str, Any]]) -> str:
    """The card as plain text, for notifications and clients without cards.

    Question buttons become a list of their labels; the feedback question is left out.
    """
    lines: list[str] = []
    for element in body:
        kind = element.get("type")
        if kind == "TextBlock" and element.get("id") != FEEDBACK:
            lines.append(element["text"].replace("**", "").strip("_"))
        elif kind == "FactSet":
            lines.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
        elif kind == "ActionSet":
            asks = [
                a["title"] for a in element["actions"] if a.get("data", {}).get("action") == ASK
            ]
            if asks:
                lines.append("\n".join(f"- {title}" for title in asks))
    return "\n\n".join(lines)
