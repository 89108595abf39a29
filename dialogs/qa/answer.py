"""From a question to an answer: a pure function of the text, the content and the previous
answer in the chat.

Order: small talk; an explicit reference ("målsætning 2.3", "det tredje pejlemærke"); a
follow-up to the previous answer ("og den næste?", "af hvem?"); a question about another
area's or municipality's strategy (an honest fallback). Otherwise two answers are weighed.

The index's: the question, without its practice framing ("hvordan kan vi i praksis …",
content data), is scored against every entry of the :class:`~dialogs.qa.index.Index`. A
question framed as "målsætningen om …" only considers målsætninger. Above :data:`CONFIDENT`
the index answers; below, an honest fallback with the closest topics as suggestions.

The examples': the labelled questions in ``content/data/examples/``
(:mod:`dialogs.qa.examples`), which say how employees ask for each answer, the second,
independent signal. A near-copy of an example gets its answer. Unless the index is sure or the
question names a topic outside the strategy (løn, vagtplan …, content data), the classifier
trained on the examples answers, with a hedge when the index points elsewhere (see
:meth:`Answerer._weigh_examples`).

Right after an answer, a question is also read in its light: "og serviceniveau?" after a
glossary word is the glossary word, and a question that points back and is not clear on its
own ("hvornår lavede de den undersøgelse?" after Komponent) is read together with what was
answered (see :meth:`Answerer._compute`).

An embedding model (multilingual-e5-small) was the second signal before: beside the
classifier it added 0.1 point cross-validated and cost 35–90 ms a question, so it is gone.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from content.models import Content
from dialogs.intents import ASK, IntentParser, Language
from dialogs.qa.examples import ExampleIndex
from dialogs.qa.followup import (
    asks_in_english,
    is_followup,
    points_back,
    refers_back,
    resolve_followup,
)
from dialogs.qa.index import Index, Match, build_entries
from dialogs.qa.placement import Placements
from dialogs.qa.references import find_reference
from dialogs.qa.smalltalk import SmallTalk
from dialogs.qa.text import (
    acronyms,
    addresses_the_bot,
    asks_for_kind,
    asks_own_status,
    canonical,
    is_definition_question,
    is_english,
    is_personal,
    is_where_question,
    names_other_body,
    names_other_scope,
    off_topic_words,
    speaks_as_team,
    speaks_of_self,
    without_frames,
)
from dialogs.text import words

Kind = Literal[
    "maalsaetning",
    "pejlemaerke",
    "noegleord",
    "term",
    "fact",
    "section",
    "list_pejlemaerker",
    "list_maalsaetninger",
    "list_noegleord",
    "about",
    "help",
    "smalltalk",
    "own",
    "unknown",
    "fallback",
]

# A labelled example this similar (cosine of n-gram vectors) is the same question: its answer
# wins, however sure the index is.
EXAMPLE_SAME = 0.85
CLASSIFIED = -0.5  # the examples' classifier answers from this decision value on…
CLASSIFIED_WEAK = -0.7  # …and from here when the index has it among its answers
FOREIGN = 0.0  # …and from here when the question names a topic outside the strategy
# A guessed pejlemærke yields to its målsætning ranked this close behind it by the examples.
MORE_SPECIFIC = 0.4
OVERRULED = -0.3  # a confident index answer yields to another classifier answer from here
ANSWER_CACHE_SIZE = 4096  # answers kept per answerer (see Answerer.answer)
CONFIDENT = 0.5  # below this score the bot does not answer on the index alone
SURE = 0.7  # a sure index answer stands unless an example is a near-copy
HEDGE = 0.3  # "nævner strategien noget om X?" is answered from here (see is_where_question)
FRAMED = 0.3  # "målsætningen om …": the best målsætning needs at least this score
CLOSE = 0.9  # another target within this fraction of the best is offered as a button
SUGGEST = 0.25  # fallback suggestions need at least this score
PERSONAL_FACTOR = 0.7  # the bot knows nothing about the asker's own leader, case or pay
# "hvornår er næste møde i Områdeudvalget" is not about the asker's own meetings.
NOT_OWN_FACTOR = 0.6
# After an answer about the asker's own meeting or status, a question this short goes on
# about it ("hvor lang tid har jeg?") when it is not clear on its own.
OWN_FOLLOWUP_WORDS = 6
# "og OMU?", "hvad med serviceniveau?", "and TRIO?": another thing of the same kind
_SWITCH = re.compile(r"(?:og hvad med|og|and|hvad med|what about)\s+(?P<topic>[^?]+?)\s*\?*", re.I)
SWITCH_WORDS = 3  # the topic of "og …?" is a name, not a question
TIE = 0.02  # scores this close are ties, broken by the kind's priority
DEFINITION_TIE = 0.3  # "hvad betyder X": a glossary entry this close to the best wins

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
    "own": 7,
}
_COMMAND_KINDS: dict[str, Kind] = {
    "list_pejlemaerker": "list_pejlemaerker",
    "list_maalsaetninger": "list_maalsaetninger",
    "list_noegleord": "list_noegleord",
    "about": "about",
    "help": "help",
}
_KEYLESS: dict[str, Kind] = {
    "about": "about",
    "help": "help",
    "fallback": "fallback",
    "unknown": "unknown",
}
_ITSELF = frozenset({canonical("strategien"), canonical("strategy")})
# Kinds that a follow-up ("og den næste?", "fortæl om det sidste") can refer back to.
REMEMBERED = frozenset(
    {
        "maalsaetning",
        "pejlemaerke",
        "noegleord",
        "term",
        "fact",
        "own",
        "about",
        "list_pejlemaerker",
        "list_maalsaetninger",
        "section",
    }
)


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
    hedged: bool = False  # fairly sure, not sure: the reply says "Jeg tror, du spørger om …"
    reason: str = ""  # for a fallback: "scope" when it names another area's strategy

    @property
    def target(self) -> str:
        """A stable id of what was answered, e.g. ``maalsaetning:2.3`` or ``fallback``."""
        if self.kind.startswith("list_"):
            return "list:" + self.kind.removeprefix("list_")
        if self.kind in ("smalltalk", "fallback"):
            return self.kind
        return f"{self.kind}:{self.key}" if self.key else self.kind


def _names_alike(question: str, example: str, spelled_out: Mapping[str, frozenset[str]]) -> bool:
    """False when the question names an abbreviation ("KB", "MED") that the example does not:
    "KB forkortelse?" is not asked like "VPU forkortelse?", however alike the rest reads. An
    example names it too by a name in ``spelled_out`` ("kb": "kommunalbestyrelsen")."""
    named = acronyms(question)
    if not named:
        return True
    said = {w.lower() for w in words(example)}
    return all(a in said or not said.isdisjoint(spelled_out.get(a, ())) for a in named)


def spelled_out_acronyms(content: Content) -> dict[str, frozenset[str]]:
    """Each glossary abbreviation's one-word names: "kb" is also "kommunalbestyrelsen"."""
    return {
        t.term.lower(): frozenset(a.lower() for a in t.aliases if len(words(a)) == 1)
        for t in content.terms
        if acronyms(t.term)
    }


def answer_for_target(target: str, question: str = "", language: Language = "da") -> Answer:
    """The answer that shows ``target`` (an entry id such as ``term:trio``)."""
    kind, _, key = target.partition(":")
    if kind == "command":
        return Answer(_COMMAND_KINDS[key], language=language, question=question)
    if kind == "list":
        return Answer(_COMMAND_KINDS["list_" + key], language=language, question=question)
    if kind in _KEYLESS:  # "unknown:4.4": a number that does not exist
        reference = key if kind == "unknown" else ""
        return Answer(_KEYLESS[kind], language=language, question=question, reference=reference)
    return Answer(kind, key, language, question=question)  # type: ignore[arg-type]


def _rank(matches: list[Match], definition: bool = False) -> list[Match]:
    """Best first; near-ties go to the more specific kind (a definition, if one is asked)."""
    if not matches:
        return matches
    top = matches[0].score

    def key(m: Match) -> tuple[int, float, int]:
        kind = m.target.partition(":")[0]
        wanted = definition and kind == "term"
        priority = -1 if wanted else _PRIORITY[kind]
        tie = top - m.score <= (DEFINITION_TIE if wanted else TIE)
        return (0, 0.0, priority) if tie else (1, -m.score, priority)

    return sorted(matches, key=key)


_INDEXES: dict[int, tuple[Content, Index]] = {}


def index_of(content: Content) -> Index:
    """The index of ``content``, built once per content object (content is immutable, and an
    index is read-only after it is built); tests build many apps over one content."""
    cached = _INDEXES.get(id(content))
    if cached is not None and cached[0] is content:
        return cached[1]
    if len(_INDEXES) >= 4:
        _INDEXES.clear()
    index = Index(build_entries(content))
    _INDEXES[id(content)] = (content, index)
    return index


class Answerer:
    """Answers questions about the strategy; build once, call :meth:`answer` per question."""

    def __init__(
        self,
        content: Content,
        examples: ExampleIndex | None = None,
        cache_size: int = ANSWER_CACHE_SIZE,
    ) -> None:
        """``examples`` defaults to all of the content's; the quality bench leaves a set out.
        ``cache_size`` answers are kept (none: the speed bench times the work itself)."""
        self.content = content
        self.examples = ExampleIndex.of(content) if examples is None else examples
        self.index = index_of(content)
        self.smalltalk = SmallTalk(content.conversation.smalltalk)
        self.placements = Placements(content.strategy)
        # "hvilket pejlemærke hører det til?" after a glossary word used under one pejlemærke
        self._term_pejlemaerke = {
            f"term:{term.id}": number
            for term in content.terms
            if (number := self.placements.of(term.term).pejlemaerke) is not None
        }
        self._spelled_out = spelled_out_acronyms(content)
        self._commands = IntentParser(content.commands)
        self._answers: OrderedDict[tuple[str, str | None], Answer] = OrderedDict()
        self._cache_size = cache_size

    def learn(self, cache_dir: Path | None = None) -> None:
        """Train the examples' classifier now (at start-up), so that no question waits;
        see :meth:`ExampleIndex.learn`."""
        self.examples.learn(cache_dir)

    def reply_to(self, text: str, previous: str | None = None) -> Answer:
        """What a typed message gets: a command's answer, or :meth:`answer`."""
        intent = self._commands.parse(text)
        if intent.name == ASK:
            return self.answer(intent.text, previous)
        if f"command:{intent.name}" in self.index.targets:
            return answer_for_target(f"command:{intent.name}", intent.text)
        return Answer("help", question=intent.text)  # a command of another feature

    def reply_in_chat(self, texts: Sequence[str]) -> Answer:
        """The reply to the last of ``texts``, typed one after another in one chat (the
        previous answer is remembered as the Q&A feature remembers it)."""
        previous: str | None = None
        answer = Answer("fallback")
        for text in texts:
            answer = self.reply_to(text, previous)
            if answer.kind in REMEMBERED:
                previous = answer.target
        return answer

    def answer(self, question: str, previous: str | None = None) -> Answer:
        """The answer to ``question``; ``previous`` is the chat's last answered target, for
        follow-ups. Pure: same text and previous target, same answer, so the last answers
        are kept (a reply's buttons ask their own texts again, and people ask alike)."""
        key = (question, previous)
        hit = self._answers.get(key)
        if hit is not None:
            self._answers.move_to_end(key)
            return hit
        found = self._compute(question, previous)
        self._answers[key] = found
        while len(self._answers) > self._cache_size:
            self._answers.popitem(last=False)
        return found

    def _compute(self, question: str, previous: str | None) -> Answer:
        """:meth:`answer`, uncached: the question on its own, or, when it leans on the
        previous answer and is not clear on its own, read together with it."""
        alone = self._on_its_own(question, previous)
        if previous is None:
            return alone
        same_kind = self._same_kind_as(question, previous)
        if same_kind is not None and same_kind != alone.target:
            # "og serviceniveau?" after a glossary word: the glossary word, not the målsætning
            return answer_for_target(same_kind, alone.question, alone.language)
        context = self._context_text(previous)
        if not context or not self._leans_on(question, alone, previous):
            return alone
        together = self._on_its_own(f"{question} {context}", None)
        if together.kind == "fallback" or (alone.hedged and together.hedged):
            return alone  # a guess on its own yields only to a sure answer in context
        return replace(together, language=alone.language, question=alone.question)

    def _same_kind_as(self, question: str, previous: str) -> str | None:
        """For "og X?" / "hvad med X?" right after an answer: the entry of the same kind as
        that answer which X names, if the index is confident of it (one compares like with
        like: a glossary word with a glossary word, a fact with a fact)."""
        found = _SWITCH.fullmatch(question.strip())
        if found is None or len(words(found["topic"])) > SWITCH_WORDS:
            return None
        kind = previous.partition(":")[0]
        if kind not in ("term", "noegleord", "fact"):
            return None
        return next(
            (
                m.target
                for m in self.index.score(found["topic"])
                if m.named and m.score >= CONFIDENT and m.target.startswith(f"{kind}:")
            ),
            None,
        )

    def _leans_on(self, question: str, alone: Answer, previous: str) -> bool:
        """True when ``question`` gets no clear answer on its own and points back ("hvem
        sidder i det?", "hvornår er fristen så?"), or is short and comes right after an
        answer about the asker's own meeting or status ("hvor lang tid har jeg?"). A topic
        outside the strategy never leans ("hvad er min løn så?")."""
        unclear = alone.kind in ("fallback", "help") or alone.hedged
        own_goes_on = previous.startswith("own:") and len(words(question)) <= OWN_FOLLOWUP_WORDS
        return (
            unclear
            and alone.reason != "scope"
            and (points_back(question) or own_goes_on)
            and not is_followup(question, after_answer=True)  # "og den næste?" after TRIO
            and not off_topic_words(question, self.content.conversation.off_topics)
        )

    def _context_text(self, previous: str) -> str:
        """What the previous answer was about, as words to read a follow-up with: a
        glossary word's name, a fact's title, a målsætning's own text."""
        kind, _, key = previous.partition(":")
        if kind == "maalsaetning":
            found = self.content.strategy.maalsaetning(key)
            return found.text if found else ""
        if kind == "pejlemaerke":
            pejlemaerke = self.content.strategy.pejlemaerke(int(key))
            return pejlemaerke.name if pejlemaerke else ""
        if kind in ("about", "list"):
            return ""
        return self.button_text(previous)

    def _on_its_own(self, question: str, previous: str | None) -> Answer:
        """The answer to ``question`` read on its own (``previous`` only for the follow-ups
        that name nothing else: "og den næste?")."""
        language: Language = "en" if is_english(question) else "da"
        topic = self.smalltalk.match(question)
        if topic is not None:
            return Answer("smalltalk", topic, language, question=question)
        question = self.smalltalk.without_greeting(question)
        reference = find_reference(question)
        if reference is not None and asks_own_status(question):
            return Answer("own", "status", language, question=question)  # "min status på 2.3"
        if reference is not None and reference.position:
            under = self.content.strategy.maalsaetninger_under(int(reference.value))
            if not under:
                return Answer(
                    "unknown", language=language, reference=reference.value, question=question
                )
            placed = under[0] if reference.position == "first" else under[-1]
            return Answer("maalsaetning", placed.id, language, question=question)
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
        followup = resolve_followup(
            question, previous, self.content.strategy, self._term_pejlemaerke
        )
        if followup is not None:  # "unknown:4.4" for "og den næste?" after 4.3
            return answer_for_target(followup, question, language)
        if previous is not None and refers_back(question):
            # "af hvem?", "hvordan gør vi det i praksis?": the previous answer again; "hvor
            # står det?" after a glossary word: the nøgleord it explains, where it stands.
            word = self._noegleord_of(previous) if is_where_question(question) else None
            again: Language = "en" if asks_in_english(question) else language
            target = previous if word is None else f"noegleord:{word}"
            return answer_for_target(target, question, again)
        if is_followup(question):
            # "og den næste?" with nothing (or nothing with a next) before it.
            return Answer("fallback", language=language, question=question)
        if names_other_scope(question, self.index.named):
            return Answer("fallback", language=language, question=question, reason="scope")
        weighed = self._weigh_examples(question, language)
        if weighed.target == "own:meeting" and names_other_body(question):
            # "næste møde i handicaprådet": the bot knows only the asker's LMU and OMU meetings
            return Answer("fallback", language=language, question=question)
        return weighed

    def _weigh_examples(self, question: str, language: Language) -> Answer:
        """The index's answer weighed against the labelled examples.

        A question that is an entry's own name gets that entry. A near-copy of an example
        (:data:`EXAMPLE_SAME`) gets its answer. Otherwise the index's sure answer stands. A
        question naming a topic outside the strategy gets no more than the index gives unless
        the classifier is sure (:data:`FOREIGN`), and one whose topic words neither the strategy
        nor two examples use gets no more than the index gives at all. A confident index answer
        yields only to a firm classifier answer (:data:`OVERRULED`), or to its refusal. Then the
        examples' classifier answers from :data:`CLASSIFIED` on, and from
        :data:`CLASSIFIED_WEAK` when the index seconds it.
        """
        foreign = off_topic_words(question, self.content.conversation.off_topics)
        by_index = self._by_index(question, language, foreign)
        example = self.examples.nearest(question)
        if example is not None and names_other_scope(example.question, self.index.named):
            # An example about Randers' strategy says nothing the scope rule does not.
            return by_index
        # "KB forkortelse?" is not asked like "VPU forkortelse?", however alike the rest reads:
        # a glossary word's example is about the abbreviation it names (one's own meeting or
        # the approval is the same answer, whichever committee is named).
        named_otherwise = (
            example is not None
            and example.target.startswith("term:")
            and not _names_alike(question, example.question, self._spelled_out)
        )
        named = self.index.named_by(question)
        if by_index.target in named:
            # The question is the entry's own name: a button's text, say. A glossary word
            # that a målsætning also lists ("stjernestunder?") is asked for its meaning.
            term = next((t for t in sorted(named) if t.startswith("term:")), None)
            if term is None or term == by_index.target:
                return by_index
            return self._from_example(term, by_index.confidence, by_index, sure=True)
        if example is not None and not named_otherwise and example.similarity >= EXAMPLE_SAME:
            return self._from_example(example.target, example.similarity, by_index, sure=True)
        if by_index.kind != "fallback" and not by_index.hedged and by_index.confidence >= SURE:
            return by_index
        guess = self.examples.classify(question)
        if foreign and (guess is None or guess.target == "fallback" or guess.score < FOREIGN):
            return by_index  # "fristen for at søge ferie": asked like an example, but not one
        if (
            named_otherwise
            and guess is not None
            and example is not None
            and guess.target == example.target
        ):
            guess = None  # what the other abbreviation's example taught
        confident = by_index.kind != "fallback" and not by_index.hedged
        if (
            confident
            and guess is not None
            and guess.target not in (by_index.target, "fallback")
            and guess.score < OVERRULED
        ):
            # "tryghed og nærvær for borgerne" is pejlemærke 1, as the index says, not
            # psychological safety. A refusal is not overruled: the bot never guesses.
            return by_index
        if guess is not None and (
            guess.score >= CLASSIFIED
            or (
                guess.score >= CLASSIFIED_WEAK
                and guess.target != "fallback"
                and self._seconded(guess.target, by_index)
            )
        ):
            if guess.target != "fallback" and self._all_unheard(question):
                return by_index  # "hvad siger strategien om kage?": only the frame to go on
            guessed = self._from_example(guess.target, guess.score, by_index, sure=False)
            return self._more_specific(question, guessed) if guessed.hedged else guessed
        return by_index

    def _more_specific(self, question: str, guessed: Answer) -> Answer:
        """A guessed pejlemærke gives way to its målsætning that the examples rank close
        behind it when the asker tells of their own work ("vi har en beboer der …"): such a
        situation is most often about one målsætning. The pejlemærke is offered beside it;
        a question about a theme ("strategiens holdning til …") keeps the pejlemærke."""
        if guessed.kind != "pejlemaerke" or not speaks_of_self(question):
            return guessed
        under = self.content.strategy.maalsaetninger_under(int(guessed.key))
        found = self.examples.best_of(question, {f"maalsaetning:{m.id}" for m in under})
        if found is None or guessed.confidence - found.score > MORE_SPECIFIC:
            return guessed
        return replace(
            guessed,
            kind="maalsaetning",
            key=found.target.partition(":")[2],
            confidence=found.score,
            alternatives=(guessed.target,),
        )

    def _all_unheard(self, question: str) -> bool:
        """True when every topic word of the question (but "strategien") is a word that
        neither the strategy nor any example uses."""
        asked, _ = without_frames(question, self.content.conversation.practice_frames)
        topic = [t for t in self.index.query_tokens(asked) if t.token not in _ITSELF]
        return bool(topic) and not any(t.known or self.examples.knows_word(t.token) for t in topic)

    @staticmethod
    def _seconded(target: str, by_index: Answer) -> bool:
        """The index has ``target`` as its answer or among its suggestions."""
        return target == by_index.target or target in by_index.alternatives

    def _by_index(self, question: str, language: Language, foreign: frozenset[str]) -> Answer:
        """The answer from the index: the strategy's own words. ``foreign`` are the
        question's words of topics outside the strategy."""
        conversation = self.content.conversation
        asked, practice = without_frames(question, conversation.practice_frames)
        matches = self.index.score(asked, foreign)
        if is_personal(question):
            matches = [
                m if m.target.startswith("own:") else replace(m, score=m.score * PERSONAL_FACTOR)
                for m in matches
            ]
        elif not speaks_of_self(question):
            matches = [
                replace(m, score=m.score * NOT_OWN_FACTOR) if m.target.startswith("own:") else m
                for m in matches
            ]
        ranked = _rank(matches, is_definition_question(question))
        if (practice or speaks_as_team(question)) and not addresses_the_bot(question):
            # "hvordan kan vi bruge frivillige hos os": the team's work, not the bot's help.
            # A practice frame ("hvordan sørger vi for at …") never asks for a command; "vi"
            # alone may ("hvad kan vi bruge dig til"), so a sure command match stays.
            floor = float("inf") if practice else SURE
            ranked = [m for m in ranked if not m.target.startswith("command:") or m.score >= floor]
        wanted = asks_for_kind(question)
        if ranked and ranked[0].target.startswith("own:") and ranked[0].score >= HEDGE:
            wanted = None  # "hvilken målsætning tager vi op på mødet": the asker's own meeting
        if wanted is not None:
            framed = self._framed(ranked, wanted)
            if framed is not None:
                return self._answer(framed, ranked, language, question, framed.score < CONFIDENT)
            # "pejlemærket om digitalisering": no such theme, whatever else matches.
            return self._fallback(ranked, language, question)
        if ranked and ranked[0].score >= CONFIDENT:
            return self._answer(ranked[0], ranked, language, question, hedged=False)
        if foreign:
            # A topic outside the strategy ("lønudbetaling"): a sure answer or none, no guess.
            return self._fallback(ranked, language, question)
        if ranked and ranked[0].score >= HEDGE and is_where_question(question):
            # "nævner strategien noget om X?": where X stands is the answer, even if tied.
            return self._answer(ranked[0], ranked, language, question, hedged=False)
        return self._fallback(ranked, language, question)

    def _from_example(self, target: str, confidence: float, by_index: Answer, sure: bool) -> Answer:
        """The examples' answer ``target``, unless the index's is the same thing (a term
        rather than the nøgleord it explains); what the index found is offered beside it, and
        a hedge says so when the examples are not ``sure`` and the index points elsewhere."""
        chosen_match = Match(target, 0.0)
        if self._same_thing(chosen_match, Match(by_index.target, 0.0)):
            return by_index
        offered = [by_index.target] if by_index.kind != "fallback" else []
        others = tuple(
            t
            for t in dict.fromkeys([*offered, *by_index.alternatives])
            if t != target and not self._same_thing(chosen_match, Match(t, 0.0))
        )
        if target == "fallback":  # asked like a question the strategy does not answer
            return replace(by_index, kind="fallback", key="", alternatives=others[:3], hedged=False)
        chosen = answer_for_target(target)
        hedged = not sure and by_index.target != target
        return Answer(
            chosen.kind,
            chosen.key,
            by_index.language,
            confidence,
            others[: 1 if hedged else 2],
            question=by_index.question,
            hedged=hedged,
        )

    def _fallback(self, ranked: list[Match], language: Language, question: str) -> Answer:
        """The honest fallback, with the closest topics as suggestions."""
        suggestions = tuple(m.target for m in ranked[:3] if m.score >= SUGGEST)
        return Answer(
            "fallback",
            language=language,
            confidence=ranked[0].score if ranked else 0.0,
            alternatives=suggestions,
            question=question,
        )

    def _answer(
        self, best: Match, ranked: list[Match], language: Language, question: str, hedged: bool
    ) -> Answer:
        """``best`` as the answer, with close runners-up (always one, when hedged)."""
        floor = SUGGEST if hedged else max(CONFIDENT, CLOSE * best.score)
        close = tuple(
            m.target
            for m in ranked
            if m.target != best.target and m.score >= floor and not self._same_thing(best, m)
        )[: 1 if hedged else 2]
        chosen = answer_for_target(best.target)
        return Answer(
            chosen.kind, chosen.key, language, best.score, close, question=question, hedged=hedged
        )

    def _framed(self, ranked: list[Match], wanted: str) -> Match | None:
        """The best entry of the kind the question names ("målsætningen om kerneopgaven").

        A nøgleord or term that wins instead points to its målsætning or pejlemærke.
        """
        kinds = ("noegleord:", "term:") if wanted == "noegleord" else (wanted + ":",)
        of_kind = [m for m in ranked if m.target.startswith(kinds)]
        if of_kind and of_kind[0].score >= FRAMED:
            return of_kind[0]
        for m in ranked[:3]:
            kind, _, key = m.target.partition(":")
            words = [n for n in self.content.strategy.noegleord if n.id == key or n.term == key]
            if kind in ("noegleord", "term") and words:
                word = words[0]
                if wanted == "pejlemaerke":
                    return Match(f"pejlemaerke:{word.pejlemaerke}", m.score)
                if word.related:
                    return Match(f"maalsaetning:{word.related[0]}", m.score)
        return None

    def _noegleord_of(self, target: str) -> str | None:
        """The nøgleord a glossary term explains (``term:recovery`` → ``recovery``), if any."""
        kind, _, key = target.partition(":")
        if kind != "term":
            return None
        return next((n.id for n in self.content.strategy.noegleord if n.term == key), None)

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
        if kind == "own":
            own = self.content.conversation.own_work
            return next(t.phrasings[0] for t in own if t.id == key)
        command = key if kind in ("command", "list") else kind
        name = command if kind != "list" else "list_" + key
        return next(c.aliases[0] for c in self.content.commands if c.intent == name)
