"""From a question to an answer: a pure function of the text and the content.

Order: an explicit reference ("målsætning 2.3", "det tredje pejlemærke") wins; otherwise the
question is scored against every entry of the :class:`~dialogs.qa.index.Index`. Below
:data:`CONFIDENT` the answer is an honest fallback with the closest topics as suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from content.models import Content
from dialogs.intents import ASK, IntentParser
from dialogs.qa.index import Index, Match, build_entries
from dialogs.qa.references import find_reference
from dialogs.qa.text import is_definition_question, is_english, is_personal

Kind = Literal[
    "maalsaetning",
    "pejlemaerke",
    "noegleord",
    "term",
    "fact",
    "section",
    "list_pejlemaerker",
    "list_maalsaetninger",
    "about",
    "help",
    "unknown",
    "fallback",
]
Language = Literal["da", "en"]

CONFIDENT = 0.5  # below this score the bot says it cannot answer
CLOSE = 0.9  # another target within this fraction of the best is offered as a button
SUGGEST = 0.25  # fallback suggestions need at least this score
PERSONAL_FACTOR = 0.7  # the bot knows nothing about the asker's own leader, case or pay
TIE = 0.02  # scores this close are ties, broken by the kind's priority

# On a tie, the more specific kind wins: a list over a glossary entry that names the
# same word, a målsætning over a passage that mentions it, a definition over a nøgleord.
_PRIORITY = {
    "command": 0,
    "maalsaetning": 1,
    "pejlemaerke": 2,
    "term": 3,
    "noegleord": 4,
    "section": 5,
    "fact": 6,
}
_COMMAND_KINDS: dict[str, Kind] = {
    "list_pejlemaerker": "list_pejlemaerker",
    "list_maalsaetninger": "list_maalsaetninger",
    "about": "about",
    "help": "help",
}


@dataclass(frozen=True)
class Answer:
    """What to answer: a kind, the key of the thing answered, and how sure the bot is."""

    kind: Kind
    key: str = ""
    language: Language = "da"
    confidence: float = 1.0
    alternatives: tuple[str, ...] = ()
    reference: str = ""
    question: str = ""

    @property
    def target(self) -> str:
        """A stable id of what was answered, e.g. ``maalsaetning:2.3`` or ``fallback``."""
        if self.kind in ("list_pejlemaerker", "list_maalsaetninger"):
            return "list:" + self.kind.removeprefix("list_")
        return f"{self.kind}:{self.key}" if self.key else self.kind


def answer_for_target(target: str, question: str = "", language: Language = "da") -> Answer:
    """The answer that shows ``target`` (an entry id such as ``term:trio``)."""
    kind, _, key = target.partition(":")
    if kind == "command":
        return Answer(_COMMAND_KINDS[key], language=language, question=question)
    if kind == "list":
        return Answer(_COMMAND_KINDS["list_" + key], language=language, question=question)
    if kind in ("about", "help", "fallback", "unknown"):
        return Answer(kind, language=language, question=question)  # type: ignore[arg-type]
    return Answer(kind, key, language, question=question)  # type: ignore[arg-type]


def _rank(matches: list[Match], definition: bool = False) -> list[Match]:
    """Best first; near-ties go to the more specific kind (a definition, if one is asked)."""
    if not matches:
        return matches
    top = matches[0].score

    def key(m: Match) -> tuple[int, float, int]:
        kind = m.target.partition(":")[0]
        priority = -1 if definition and kind == "term" else _PRIORITY[kind]
        return (0, 0.0, priority) if top - m.score <= TIE else (1, -m.score, priority)

    return sorted(matches, key=key)


class Answerer:
    """Answers questions about the strategy; build once, call :meth:`answer` per question."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.index = Index(build_entries(content))
        self._commands = IntentParser(content.commands)

    def answer(self, question: str) -> Answer:
        """The answer to ``question``. Pure: same text, same answer."""
        language: Language = "en" if is_english(question) else "da"
        reference = find_reference(question)
        if reference is not None:
            found = (
                self.content.strategy.maalsaetning(reference.value)
                if reference.kind == "maalsaetning"
                else self.content.strategy.pejlemaerke(int(reference.value))
            )
            if found is None:
                return Answer(
                    "unknown", language=language, reference=reference.value, question=question
                )
            return Answer(reference.kind, reference.value, language, question=question)
        matches = self.index.score(question)
        if is_personal(question):
            matches = [Match(m.target, m.score * PERSONAL_FACTOR) for m in matches]
        ranked = _rank(matches, is_definition_question(question))
        if not ranked or ranked[0].score < CONFIDENT:
            suggestions = tuple(m.target for m in ranked[:3] if m.score >= SUGGEST)
            confidence = ranked[0].score if ranked else 0.0
            return Answer(
                "fallback",
                language=language,
                confidence=confidence,
                alternatives=suggestions,
                question=question,
            )
        best = ranked[0]
        close = tuple(
            m.target
            for m in ranked[1:]
            if m.score >= max(CONFIDENT, CLOSE * best.score) and not self._same_thing(best, m)
        )[:2]
        chosen = answer_for_target(best.target)
        return Answer(chosen.kind, chosen.key, language, best.score, close, question=question)

    def _same_thing(self, a: Match, b: Match) -> bool:
        """Two entries that answer alike: a list and the glossary word for it, or a term
        and the nøgleord it explains (each answer already shows the other)."""
        kinds = {a.target.partition(":")[0], b.target.partition(":")[0]}
        if kinds == {"command", "term"}:
            return True
        if kinds == {"term", "noegleord"}:
            term, word = sorted((a.target, b.target), key=lambda t: not t.startswith("term:"))
            found = self.content.noegleord(word.partition(":")[2])
            return found is not None and found.term == term.partition(":")[2]
        return False

    def button_text(self, target: str) -> str:
        """The question a follow-up button asks; typing it gives the same answer."""
        kind, _, key = target.partition(":")
        strategy = self.content.strategy
        if kind == "maalsaetning":
            return f"målsætning {key}"
        if kind == "pejlemaerke":
            return f"pejlemærke {key}"
        if kind == "term":
            term = self.content.term(key)
            name = term.term if term else key
            # "Pejlemærke" alone is the list command; ask for the definition instead.
            if self._commands.parse(name).name != ASK or self.answer(name).target != target:
                return f"hvad betyder {name}"
            return name
        if kind == "noegleord":
            word = self.content.noegleord(key)
            return word.text if word else key
        if kind == "fact":
            fact = self.content.fact(key)
            return fact.title if fact else key
        if kind == "section":
            return strategy.collaboration.title
        command = key if kind in ("command", "list") else kind
        name = command if kind != "list" else "list_" + key
        return next(c.aliases[0] for c in self.content.commands if c.intent == name)
