"""The search behind the message extension »Strategien«: what to offer for a typed query.

Ranked by the same answerer and index as the chat: the answer the chat would give comes
first (so "2.3", "pejlemærke 3" and "TRIO" lead with what typing them gives), then the
topics it offers beside it, then every entry the index scores for the query. Each result is a
:class:`~dialogs.replies.Preview`: a title and one line to choose by, and the official card
with its source that choosing inserts (self-contained: no buttons, since those only work in a
chat with the bot). An empty query gives the four pejlemærker; a query longer than
:data:`MAX_QUERY` characters gives nothing. Pure: the same query gives the same results.
"""

from __future__ import annotations

import re

from content.models import Content
from dialogs.qa.answer import Answerer, answer_for_target
from dialogs.qa.index import Match
from dialogs.qa.present import Presenter
from dialogs.replies import Preview

LIMIT = 10  # results per query (Teams shows them as a list)
MAX_QUERY = 200  # characters; a longer query is not a search (an empty result)
FLOOR = 0.15  # the least index score a result needs
MAX_LINE = 140  # characters of a preview's line
# Kinds of answer that are topics of the strategy (not small talk, help or one's own work).
_TOPICS = frozenset(
    {"maalsaetning", "pejlemaerke", "noegleord", "term", "fact", "section", "list", "about"}
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str, limit: int = MAX_LINE) -> str:
    """The first sentence of ``text``, cut at ``limit`` characters with "…"."""
    sentence = _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def topic(target: str) -> str | None:
    """``target`` as a topic the search can show, or None (a list command is its list)."""
    kind, _, key = target.partition(":")
    if kind == "command":
        if key.startswith("list_"):
            return "list:" + key.removeprefix("list_")
        return "about" if key == "about" else None
    return target if kind in _TOPICS else None


class Search:
    """Searches the strategy as the chat answers it; build once per app."""

    def __init__(self, content: Content, answerer: Answerer, presenter: Presenter) -> None:
        self.content = content
        self.answerer = answerer
        self.presenter = presenter

    def search(self, query: str, limit: int = LIMIT) -> list[Preview]:
        """Up to ``limit`` results for ``query``, best first."""
        if len(query) > MAX_QUERY or limit < 1:
            return []
        text = " ".join(query.split())
        if not text:
            targets = [f"pejlemaerke:{p.number}" for p in self.content.strategy.pejlemaerker]
        else:
            targets = self.targets(text)
        return [self.preview(target) for target in targets[:limit]]

    def targets(self, text: str) -> list[str]:
        """Every topic for ``text``, best first, each once."""
        answer = self.answerer.answer(text)
        if answer.kind == "unknown":
            return []  # "målsætning 9.9": there is none
        candidates = [answer.target, *answer.alternatives]
        matches: list[Match] = self.answerer.index.score(text)
        candidates += [m.target for m in matches if m.score >= FLOOR]
        found: list[str] = []
        for candidate in candidates:
            shown = topic(candidate)
            if shown is not None and shown not in found:
                found.append(shown)
        return found

    def preview(self, target: str) -> Preview:
        """The result for ``target``: title, line and the card to insert."""
        title, line = self._title_and_line(target)
        card = self.presenter.shareable(answer_for_target(target))
        return Preview(target, title, first_sentence(line), card)

    def _title_and_line(self, target: str) -> tuple[str, str]:
        da = self.content.messages.da
        strategy = self.content.strategy
        kind, _, key = target.partition(":")
        if kind == "maalsaetning":
            m = strategy.maalsaetning(key)
            assert m is not None
            return da.label_show_maalsaetning.format(id=m.id), m.text
        if kind == "pejlemaerke":
            p = strategy.pejlemaerke(int(key))
            assert p is not None
            return f"{da.label_pejlemaerke} {p.number}: {p.name}", p.vision
        if kind == "noegleord":
            word = self.content.noegleord(key)
            assert word is not None
            p = strategy.pejlemaerke(word.pejlemaerke)
            assert p is not None
            return word.text, da.search_noegleord.format(number=p.number, name=p.name)
        if kind == "term":
            term = self.content.term(key)
            assert term is not None
            return term.term, term.definition
        if kind == "fact":
            fact = self.content.fact(key)
            assert fact is not None
            return fact.title, fact.answer
        if kind == "section":
            section = strategy.collaboration
            return section.title, section.passages[0]
        if target == "list:pejlemaerker":
            return da.label_all_pejlemaerker, da.list_pejlemaerker_intro
        if target == "list:maalsaetninger":
            return da.label_all_maalsaetninger, da.list_maalsaetninger_intro
        if target == "list:noegleord":
            count = len(strategy.noegleord)
            return da.label_all_noegleord, da.list_noegleord_intro.format(count=count)
        return strategy.title, da.search_about
