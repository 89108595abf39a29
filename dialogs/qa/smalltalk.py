"""Small talk: greetings, thanks, "hvem er du?" — recognised as whole messages.

Small talk is not a question about the strategy, so it never reaches the index and is never
logged as unanswered. A greeting in front of a real question ("hej, hvad er LMU?") is dropped
and the question answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from content.models import SmallTalkTopic
from dialogs.text import fold, words

MIN_RATIO = 88  # whole-message similarity (0-100) that still counts as the phrasing
# Words that may stand around a phrasing without changing it: "hvem har egentlig lavet dig".
_FILLER = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "egentlig egentligt lige så nu mon strategibot bot botten du dig jo da altså og men "
        "eller hvad super mange rigtig virkelig en et igen again"
    ).split()
)
MAX_FILLER = 3  # "er du et menneske eller en bot": a phrasing and at most this many fillers


# Sentence parts; a point between digits ("2.3") is a number, not the end of a part.
_PARTS = re.compile(r"(?:[,!?;]|\.(?!\d))+\s*|\s+og\s+(?=farvel|tak|hej)")


def _key(text: str) -> str:
    return " ".join(fold(w) for w in words(text))


class SmallTalk:
    """Maps a whole message to a small-talk topic id, or ``None``."""

    def __init__(self, topics: Iterable[SmallTalkTopic]) -> None:
        self._topic: dict[str, str] = {}
        self._words: dict[str, set[str]] = {}  # each topic's words, over all its phrasings
        for topic in topics:
            for phrasing in topic.phrasings:
                self._topic.setdefault(_key(phrasing) or phrasing.strip(), topic.id)
                self._words.setdefault(topic.id, set()).update(_key(phrasing).split())
        # Each phrasing's words, for "hvem har egentlig lavet dig" (a phrasing with fillers).
        self._phrasing_words = [(frozenset(k.split()), t) for k, t in self._topic.items()]
        self._longest = max((len(k.split()) for k in self._topic), default=0)
        self._greetings = sorted(
            (k for k, t in self._topic.items() if t == "greeting"), key=lambda k: -len(k)
        )

    def match(self, text: str) -> str | None:
        """The topic of ``text`` if the whole message is small talk: one phrasing, or several
        ("tak, farvel", "hej bot, hvordan går det?"): the reply fits the last."""
        parts = [p for p in _PARTS.split(self.without_greeting(text)) if p.strip()]
        topics = [self._match_one(part) for part in parts]
        return topics[0] if topics and None not in topics else None

    def _match_one(self, text: str) -> str | None:
        key = _key(text) or text.strip()
        if not key:
            return None
        if key in self._topic:
            return self._topic[key]
        mine = key.split()
        if len(mine) > self._longest + MAX_FILLER:
            return None  # longer than any phrasing with its fillers: a question
        found = process.extractOne(key, self._topic, scorer=fuzz.ratio, score_cutoff=MIN_RATIO)
        if found and len(key) >= 4:
            return self._topic[found[2]]
        if 1 < len(mine) <= MAX_FILLER and all(w in self._topic for w in mine):
            return self._topic[mine[-1]]  # "cool thx", "ok farvel": one-word small talk only
        said = frozenset(mine)
        for phrasing_words, topic in self._phrasing_words:
            if phrasing_words <= said:
                extra = [w for w in mine if w not in phrasing_words]
                # Fillers, or words of the same topic: "er du en robot eller et menneske".
                known = _FILLER | self._words[topic]
                if len(extra) <= MAX_FILLER and all(w in known for w in extra):
                    return topic
        return None

    def without_greeting(self, text: str) -> str:
        """``text`` without leading small talk: "hej, hvad er LMU?" → "hvad er LMU?", "tak for
        svaret. hvad betyder recovery" → "hvad betyder recovery"."""
        parts = [p for p in _PARTS.split(text) if p.strip()]
        if len(parts) > 1 and self._match_one(parts[0]) is not None:
            while len(parts) > 1 and self._match_one(parts[0]) is not None:
                parts.pop(0)
            text = ", ".join(p.strip() for p in parts)
        folded = _key(text).split()
        for greeting in self._greetings:
            parts = greeting.split()
            if folded == parts:
                return text  # the greeting is the whole message
            if folded[: len(parts)] == parts:
                rest = text
                for _ in parts:  # drop as many words of the original text
                    rest = rest.lstrip(" ,.!:;-")
                    rest = rest.split(maxsplit=1)[1] if len(rest.split(maxsplit=1)) > 1 else ""
                rest = rest.lstrip(" ,.!:;-")
                # "godmorgen bot": only words that change nothing follow; all of it is small talk
                return text if all(fold(w) in _FILLER for w in words(rest)) else rest
        return text
