"""A small retrieval index over the content: one entry per answerable target.

Each entry has *phrasings* (its name, aliases, synonyms and typical questions) and a *body*
(official text, passages, definitions). A question is scored against the closest phrasing
(idf-weighted F2 of question and phrasing coverage) and against the body (question coverage),
so short names beat long texts that merely mention a word.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from content.models import Content
from dialogs.qa.text import (
    WEAK_FACTOR,
    WEAK_RAW,
    canonical,
    content_tokens,
    is_question_word_typo,
    proper_names,
    topic_words,
)
from dialogs.text import fold, words

# A match in the body counts less than one in a phrasing; a glossary definition mentions
# many neighbouring words, so a match there counts least.
BODY_WEIGHT = {"term": 0.6}
DEFAULT_BODY_WEIGHT = 0.65
FUZZY_WEIGHT = 0.85  # a typo-corrected token counts less than an exact one
UNKNOWN_FACTOR = 1.0  # a word the content never uses weighs as much as the rarest known one
# An unknown long compound or proper name ("parkeringstilladelse", "Nexus") names a topic
# the strategy does not cover, so it weighs more.
UNKNOWN_TOPIC_FACTOR = 1.6
LONG_WORD = 12
MIN_HEAD = 5  # the shortest head word that finds the compounds ending in it
BETA2 = 4.0  # F2: covering the question matters more than covering the phrasing
FOREIGN = "!"  # marks the token of a word outside the strategy: no entry has it


@dataclass(frozen=True)
class Entry:
    """One answerable target with its phrasings and body tokens."""

    target: str
    phrasings: tuple[frozenset[str], ...]
    body: frozenset[str]
    spellings: tuple[tuple[str, str], ...] = ()  # (folded word, its token), for typo repair
    names: frozenset[str] = frozenset()  # its phrasings as whole texts (see Index.named_by)
    tokens: frozenset[str] = field(init=False)
    body_weight: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", self.body.union(*self.phrasings))
        kind = self.target.partition(":")[0]
        object.__setattr__(self, "body_weight", BODY_WEIGHT.get(kind, DEFAULT_BODY_WEIGHT))


@dataclass(frozen=True)
class Match:
    """A scored target."""

    target: str
    score: float
    # A phrasing (a name, synonym or typical question) gives the score; False when the entry's
    # words taken together do (a passage, or words spread over several phrasings).
    named: bool = True


# The first part of a compound that shares its head with the next ("Beboer- og Pårørenderåd"
# is "beboerråd og pårørenderåd"): not a word of its own, so "beboerne" does not name the råd.
_SUSPENDED = re.compile(r"\b\w+-\s+(?=(?:og|eller|and|or)\s)", re.IGNORECASE)


def without_suspended(text: str) -> str:
    """``text`` without the first parts of suspended compounds ("Voksen- og Plejeudvalget")."""
    return _SUSPENDED.sub("", text)


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in content_tokens(without_suspended(text)) if not t.isdigit())


def _entry(target: str, phrasings: Iterable[str], body: Iterable[str]) -> Entry:
    phrasings, body = tuple(phrasings), tuple(body)
    phrases = tuple(p for p in (_tokens(text) for text in phrasings) if p)
    spellings = {
        (fold(w), canonical(w))
        for text in (*phrasings, *body)
        for w in topic_words(text)
        if not w.isdigit()
    }
    return Entry(
        target,
        phrases,
        frozenset().union(*(_tokens(text) for text in body)),
        tuple(spellings),
        frozenset(_whole(text) for text in phrasings),
    )


def _whole(text: str) -> str:
    """A text compared as a whole: its words, folded, in order."""
    return " ".join(fold(w) for w in words(text))


def entry_texts(content: Content) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Every answerable target with its phrasings and its body, as text."""
    strategy = content.strategy
    texts: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for m in strategy.maalsaetninger:
        texts.append((f"maalsaetning:{m.id}", (m.text, *m.synonyms), ()))
    for p in strategy.pejlemaerker:
        texts.append(
            (f"pejlemaerke:{p.number}", (p.name, p.english, p.vision, *p.synonyms), p.about)
        )
    for n in strategy.noegleord:
        texts.append((f"noegleord:{n.id}", (n.text, *n.synonyms), ()))
    for t in content.terms:
        texts.append((f"term:{t.id}", (t.term, *t.aliases), (t.definition,)))
    for f in content.facts:
        texts.append((f"fact:{f.id}", (f.title, *f.questions), (f.answer, *f.details)))
    section = strategy.collaboration
    texts.append(("section:samarbejde", (section.title, *section.synonyms), section.passages))
    for command in content.commands:
        if command.answerable:
            texts.append((f"command:{command.intent}", (*command.aliases, *command.phrasings), ()))
    for topic in content.conversation.own_work:
        texts.append((f"own:{topic.id}", topic.phrasings, ()))
    return texts


def build_entries(content: Content) -> list[Entry]:
    """One entry per target: målsætninger, pejlemærker, nøgleord, terms, facts, lists."""
    return [_entry(target, phrasings, body) for target, phrasings, body in entry_texts(content)]


@dataclass(frozen=True)
class _QueryToken:
    token: str
    weight: float
    known: bool


class Index:
    """Scores free questions against every entry."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.targets = frozenset(e.target for e in entries)
        # Words that name a target (not only mentioned in a body text).
        self.named = frozenset(t for e in entries for p in e.phrasings for t in p)
        df: dict[str, int] = {}
        for entry in entries:
            for token in entry.tokens:
                df[token] = df.get(token, 0) + 1
        n = len(entries)
        self.idf = {t: math.log(1 + n / count) for t, count in df.items()}
        self.unknown_idf = math.log(1 + n)
        # Only words whose token is scored: "Børne-" in "Børne- og Familieområdet" is spelled
        # in a text but, a suspended compound part, never a token of it.
        spellings = {w: t for entry in entries for w, t in entry.spellings if t in self.idf}
        self._token_of = spellings
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(spellings):
            self._by_initial.setdefault(word[0], []).append(word)
        # Danish compounds end in their head word: "mestring" is what "livsmestring" is.
        self._compounds = sorted({t for t in self.idf if len(t) >= 2 * MIN_HEAD})

    def named_by(self, question: str) -> frozenset[str]:
        """The targets one of whose phrasings is all the question says: its name, a synonym
        or a typical question ("Tværgående samarbejde", a button's text)."""
        whole = _whole(question)
        return frozenset(e.target for e in self.entries if whole and whole in e.names)

    def _correct(self, word: str) -> str | None:
        """The token of the known word one edit (two for long words) from ``word``; swapping
        two neighbouring letters ("recovrey") is one edit.

        Typos rarely hit the first letter, and short words are too close to each other to
        correct safely, so both must hold: same first letter, and ``word`` of 5+ letters.
        """
        if len(word) < 5:
            return None
        folded = fold(word)
        max_edits = 1 if len(word) < 9 else 2
        found = process.extractOne(
            folded,
            self._by_initial.get(folded[0], []),
            scorer=OSA.distance,
            score_cutoff=max_edits,
        )
        return self._token_of[found[0]] if found else None

    def _joins(self, first: str, second: str) -> bool:
        """True if two words are one known compound written apart ("kerne opgaven")."""
        if canonical(first) in self.idf and canonical(second) in self.idf:
            return False
        return canonical(first + second) in self.idf

    def _split(self, word: str) -> list[str] | None:
        """Split an unknown compound into two known parts ("borgerinddragelse")."""
        for i in range(4, len(word) - 3):
            left, right = word[:i], word[i:]
            for head in (left, left[:-1] if left[-1] in "se" else left):
                parts = [canonical(head), canonical(right)]
                if all(p in self.idf for p in parts):
                    return parts
        return None

    def _compounds_of(self, word: str) -> list[str]:
        """Known compounds whose head is ``word`` ("fællesskaber" → "arbejdsfællesskab")."""
        head = canonical(word)
        if len(head) < MIN_HEAD:
            return []
        return [t for t in self._compounds if t.endswith(head) and t != head][:3]

    def query_tokens(
        self, question: str, foreign: Collection[str] = frozenset()
    ) -> list[_QueryToken]:
        """The question's topic tokens, with compounds joined or split and typos corrected.

        A ``foreign`` word (a topic outside the strategy, "lønudbetaling") weighs as an
        unknown topic and matches nothing, even when it shares a stem with the content.
        """
        raw = [w for w in topic_words(without_suspended(question)) if not w.isdigit()]
        names = proper_names(question)
        result: list[_QueryToken] = []
        i = 0
        while i < len(raw):
            if raw[i] in foreign:
                weight = self.unknown_idf * UNKNOWN_TOPIC_FACTOR
                result.append(_QueryToken(FOREIGN + raw[i], weight, False))
                i += 1
                continue
            if i + 1 < len(raw) and self._joins(raw[i], raw[i + 1]):
                joined = canonical(raw[i] + raw[i + 1])
                result.append(_QueryToken(joined, self.idf[joined], True))
                i += 2
                continue
            token = canonical(raw[i])
            i += 1
            if raw[i - 1] in WEAK_RAW:
                result.append(_QueryToken(token, self.idf.get(token, 0.0) * WEAK_FACTOR, False))
                continue
            if token in self.idf:
                result.append(_QueryToken(token, self.idf[token], True))
                continue
            parts = self._split(raw[i - 1])
            if parts:
                result.extend(_QueryToken(p, self.idf[p] * FUZZY_WEIGHT, True) for p in parts)
                continue
            corrected = self._correct(raw[i - 1])
            compounds = [] if corrected else self._compounds_of(raw[i - 1])
            if corrected:
                result.append(_QueryToken(corrected, self.idf[corrected] * FUZZY_WEIGHT, True))
            elif compounds:
                share = FUZZY_WEIGHT / len(compounds)
                result.extend(_QueryToken(c, self.idf[c] * share, True) for c in compounds)
            elif is_question_word_typo(raw[i - 1]):
                continue
            else:
                word = raw[i - 1]
                topic = len(word) >= LONG_WORD or word in names
                factor = UNKNOWN_TOPIC_FACTOR if topic else UNKNOWN_FACTOR
                result.append(_QueryToken(token, self.unknown_idf * factor, False))
        seen: set[str] = set()
        unique = []
        for qt in result:
            if qt.token not in seen:
                seen.add(qt.token)
                unique.append(qt)
        return unique

    def score(self, question: str, foreign: Collection[str] = frozenset()) -> list[Match]:
        """Every entry with a positive score, best first (``foreign``: see :meth:`query_tokens`)."""
        query = self.query_tokens(question, foreign)
        total = math.fsum(q.weight for q in query)
        if total == 0 or not any(q.known for q in query):
            return []
        weights = {q.token: q.weight for q in query}
        matches = []
        for entry in self.entries:
            common = entry.tokens.intersection(weights)
            if not common:
                continue
            # fsum: a set's order changes with the hash seed, and a plain sum's last bit with
            # it, so ties would fall differently from one process to the next.
            body = best = entry.body_weight * math.fsum(weights[t] for t in common) / total
            for phrasing in entry.phrasings:
                hit = phrasing.intersection(weights)
                if not hit:
                    continue
                matched = math.fsum(weights[t] for t in hit)
                recall = matched / total
                precision = math.fsum(self.idf[t] for t in hit) / math.fsum(
                    self.idf[t] for t in phrasing
                )
                f2 = (1 + BETA2) * precision * recall / (BETA2 * precision + recall)
                best = max(best, f2)
            matches.append(Match(entry.target, best, best > body))
        matches.sort(key=lambda m: -m.score)
        return matches
