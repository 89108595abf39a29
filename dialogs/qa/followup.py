"""Follow-up questions that only make sense after the previous answer.

"hvad med den næste?", "og pejlemærket?", "og den forrige?" name no topic of their own; they
point at what was answered last in the same chat. :class:`RecentTargets` remembers that per
conversation for a short while, and :func:`resolve_followup` turns the follow-up into a target.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence, Set
from datetime import datetime, timedelta
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from content.models import Maalsaetning, Strategy
from dialogs.qa.text import acronyms, canonical, content_tokens
from dialogs.text import fold, words

EXPIRY = timedelta(minutes=15)  # after this, "og den næste?" is a new question
MAX_CONVERSATIONS = 10_000  # the oldest are forgotten first
MAX_WORDS = 10  # "giv mig så den første målsætning under det pejlemærke"


def _folded(text: str) -> frozenset[str]:
    return frozenset(fold(w) for w in text.split())


# Every word of a follow-up must be one of these: a frame, a pointer or a kind of thing.
_FRAME = _folded(
    "og hvad med så den det de dens dets her hertil i er til under hører hvilket hvilken "
    "hvilke tilhører står hvor også lige bare nu har der fortæl mere om andre and what about "
    "the one it its which does belong to is in then how tell me more other that samme same "
    "de dem them af en del fra over hedder igen again whats which are ones forklar uddyb explain"
)
_NEXT = _folded("næste efterfølgende efter next following after")
_PREVIOUS = _folded("forrige foregående inden previous before")
# "før" folds to "for" as in "hvad står den for?", so it is told apart before folding.
_BEFORE = frozenset({"før", "foer"})
# Right after an answer these point back too: "hvad med pejlemærket?", "nøgleordene der?"
_DEFINITE = _folded("pejlemærket målsætningen målsætningerne nøgleordene der there")
_FIRST = _folded("første allerførste first")
_LAST = _folded("sidste allersidste last")
# "forklar den anden af dem": the second of what was just answered or listed
_ORDINAL = {"anden": 2, "second": 2, "tredje": 3, "third": 3, "fjerde": 4, "fourth": 4}
_THE = frozenset({"den", "det", "the"})  # "en anden" is "another", "den anden" the second
_NUMBERED = _folded("nr nummer number no")  # "og nr 3?", "and number 3?"
_AGAIN = _folded("betyder står for dækker menes mener means stand")
_PEJLEMAERKE = _folded("pejlemærket pejlemærke pejlemærker principle principles")
_MAALSAETNING = _folded(
    "målsætningen målsætning målsætningerne målsætninger mål objective objectives goal goals"
)
_NOEGLEORD = _folded("nøgleordene nøgleord keywords keyword")
# Answers that list pejlemærker or målsætninger, and the words for what they list.
_LISTED = {
    "list:pejlemaerker": _PEJLEMAERKE,
    "about": _PEJLEMAERKE,  # the overview: the four pejlemærker, each with its målsætninger
    "list:maalsaetninger": _MAALSAETNING,
}
_LISTS = (
    (_MAALSAETNING, "list:maalsaetninger"),
    (_NOEGLEORD, "list:noegleord"),
    (_PEJLEMAERKE, "list:pejlemaerker"),
)
_LISTED_PEJLEMAERKER = frozenset(k for k, v in _LISTED.items() if v is _PEJLEMAERKE)
_POINTING = (
    _NEXT | _PREVIOUS | _folded("og den det dens dets and it its giv mig hører samme same dem them")
)
_KNOWN = (
    _FRAME
    | _NEXT
    | _PREVIOUS
    | _FIRST
    | _LAST
    | _PEJLEMAERKE
    | _MAALSAETNING
    | _NOEGLEORD
    | _AGAIN
    | _ORDINAL.keys()
    | _folded("giv mig vis show me")
)

MIN_REPAIRED = 5  # "forige", "pejlemrke": a longer word one letter off a follow-up word is it


@lru_cache(maxsize=4096)
def _repaired(word: str) -> str:
    """``word``, or the follow-up word it misspells by one letter."""
    if word in _KNOWN or len(word) < MIN_REPAIRED:
        return word
    near = [k for k in _KNOWN if len(k) >= MIN_REPAIRED and Levenshtein.distance(word, k) <= 1]
    return near[0] if len(near) == 1 else word


def _followup_words(question: str) -> list[str]:
    """The question's words, folded, with misspelt follow-up words repaired."""
    return [_repaired(fold(w.lower())) for w in words(question)]


def _ordinal(said: Sequence[str]) -> int | None:
    """2 for "den anden", 3 for "the third": a place in what was just answered."""
    pairs = zip(["", *said], said, strict=False)
    return next((_ORDINAL[w] for before, w in pairs if w in _ORDINAL and before in _THE), None)


_IN = frozenset({"under", "i", "in", "of", "af"})


def _within(said: Sequence[str]) -> bool:
    """True for "den første i det pejlemærke", "the last one in that principle": a place
    inside a pejlemærke, not "det første pejlemærke"."""
    ends = [i for i, w in enumerate(said) if w in _FIRST | _LAST]
    kinds = [i for i, w in enumerate(said) if w in _PEJLEMAERKE]
    return bool(ends and kinds) and any(
        ends[0] < i < kinds[-1] for i, w in enumerate(said) if w in _IN
    )


def _bare_number(said: Sequence[str]) -> int | None:
    """3 for "og 3?", "and number 3?", "uddyb nummer 4": one digit and frame words only."""
    digits = [w for w in said if w.isdigit()]
    rest = [w for w in said if not w.isdigit()]
    if len(digits) != 1 or len(digits[0]) != 1 or not all(w in _FRAME | _NUMBERED for w in rest):
        return None
    return int(digits[0])


# "hvordan gør vi det i praksis?", "af hvem?", "kan du sige det med andre ord?", "giv et
# eksempel fra hverdagen", "og hvad skal vi tale om der?": a pointer back, only question
# words or a request to elaborate, and no topic of its own (these words are no topic: they ask
# for the same thing again, in practice, by whom, when, in other words, in English, or what
# to talk about there).
_BACK = frozenset({"det", "den", "dem", "dette", "denne", "der", "it", "that", "this", "there"})
_QUESTION_ONLY = frozenset({"hvem", "hvornår", "hvorfor", "hvordan", "who", "when", "why"})
_BARE = _QUESTION_ONLY | {"af", "og", "så", "and"}  # "af hvem?", "og hvornår?"


def _canonical(text: str) -> frozenset[str]:
    return frozenset(canonical(w) for w in text.split())


# Asks to elaborate on the previous answer, and so points back by itself.
_ELABORATE = _canonical(
    "praksis hverdagen konkret eksempel eksempler uddyb uddybe forklar omformulere kortere "
    "enklere practice example explain rephrase shorter simpler"
)
_NO_TOPIC = _ELABORATE | _canonical(
    "hverdag konkrete andre ord sige forklare gøre gør bruge bruges betyde betyder mener skrive "
    "strategien strategi bosted bostedet afdeling afdelingen afdelingerne team teamet hus huset "
    "forhold english engelsk examples words other "
    "hvem hvornår hvorfor hvordan hvor hvilke hvilken hvilket "
    "tale snakke fokusere fokus drøfte tage op indeholde indeholder ift"
)
_ENGLISH_AGAIN = frozenset({"english", "engelsk"})
# "… fra et værested", "from a shelter": where the example is from (two words at most)
_SETTING = re.compile(r"\b(?:fra|from)\s+(?:\w+\s+)?\w+", re.IGNORECASE)


def refers_back(question: str) -> bool:
    """True for a question about the previous answer that names no topic of its own: "af
    hvem?", "hvordan gør vi det i praksis på et bosted?", "kan du sige det med andre ord?",
    "giv et eksempel fra hverdagen"."""
    raw = {w.lower() for w in words(question)}
    if not raw or len(raw) > 12 or acronyms(question):
        return False
    tokens = content_tokens(question)
    first = words(question)[0].lower()
    elaborate = any(t in _ELABORATE for t in tokens)
    pointing = (
        bool(raw & (_BACK | _ENGLISH_AGAIN))
        or raw <= _BARE
        or first in ("og", "and")  # "og hvad skal jeg skrive?" goes on from the answer
        or elaborate
    )
    if elaborate:
        # "giv et eksempel fra et værested": where the example is from is no topic
        tokens = content_tokens(_SETTING.sub("", question))
    return pointing and all(t in _NO_TOPIC for t in tokens)


# Words that point back at what was just said: "hvem sidder i det?", "hvornår er fristen så?"
# ("der" and "there" are left out: "hvad står der om …" points at nothing).
_POINTERS = (_BACK - {"der", "there"}) | _folded(
    "de dens dets så samme igen they them its their those"
)


def points_back(question: str) -> bool:
    """True when ``question`` has a word that points back at the previous answer."""
    return any(fold(w.lower()) in _POINTERS for w in words(question))


def asks_in_english(question: str) -> bool:
    """ "and in english?": the previous answer again, in English."""
    return bool({w.lower() for w in words(question)} & _ENGLISH_AGAIN)


class RecentTargets:
    """The last answered target per conversation, forgotten after :data:`EXPIRY`."""

    def __init__(self, expiry: timedelta = EXPIRY, size: int = MAX_CONVERSATIONS) -> None:
        self.expiry = expiry
        self.size = size
        self._last: OrderedDict[str, tuple[str, datetime]] = OrderedDict()

    def remember(self, conversation_id: str, target: str, now: datetime) -> None:
        """Remember ``target`` as the conversation's last answer."""
        self._last[conversation_id] = (target, now)
        self._last.move_to_end(conversation_id)
        while len(self._last) > self.size:
            self._last.popitem(last=False)

    def last(self, conversation_id: str, now: datetime) -> str | None:
        """The last answered target, if it is recent enough."""
        found = self._last.get(conversation_id)
        if found is None or now - found[1] > self.expiry:
            return None
        return found[0]


def is_followup(question: str, after_answer: bool = False) -> bool:
    """True when ``question`` names nothing of its own: only frame words and pointers such
    as "næste" or "pejlemærket" ("og den næste?"). Right ``after_answer``, the definite
    "pejlemærket" points back by itself ("hvad med pejlemærket?")."""
    if acronyms(question):
        return False  # "hvad betyder MED?" names a topic
    tokens = _followup_words(question)
    kinds = _NEXT | _PREVIOUS | _PEJLEMAERKE | _MAALSAETNING | _NOEGLEORD
    pointing = _POINTING | _DEFINITE if after_answer else _POINTING
    return (
        0 < len(tokens) <= MAX_WORDS
        and all(t in _KNOWN for t in tokens)
        and (any(t in kinds | _AGAIN | _FIRST | _LAST for t in tokens) or bool(_ordinal(tokens)))
        and any(t in pointing for t in tokens)  # "og …", "den …": not "hvad er nøgleordene"
    )


def resolve_followup(
    question: str,
    previous: str | None,
    strategy: Strategy,
    term_pejlemaerke: Mapping[str, int] | None = None,
) -> str | None:
    """The target a follow-up points at, or ``None`` if ``question`` is not a follow-up;
    ``unknown:4.4`` when it points past the last one ("og den næste?" after 4.3).
    ``term_pejlemaerke`` gives the pejlemærke of glossary words that are no nøgleord but
    stand under one pejlemærke."""
    if previous is None:
        return None
    said = _followup_words(question)
    kind, _, key = previous.partition(":")
    number = _bare_number(said)
    if number is not None and (kind == "pejlemaerke" or previous in _LISTED_PEJLEMAERKER):
        # "og 3?" after a pejlemærke or the list of them: that pejlemærke
        found = strategy.pejlemaerke(number)
        return f"pejlemaerke:{number}" if found else f"unknown:{number}"
    if not is_followup(question, after_answer=True):
        return None
    wanted = set(said)
    before = bool(_BEFORE & {w.lower() for w in words(question)})
    if before:
        wanted = (wanted - {fold(w) for w in _BEFORE}) | {fold("forrige")}
    pejlemaerke = _pejlemaerke_of(kind, key, strategy)
    if pejlemaerke is None and term_pejlemaerke:
        pejlemaerke = term_pejlemaerke.get(previous)
    ordinal = _ordinal(said)
    if ordinal is not None and not wanted & (_NEXT | _PREVIOUS):
        if previous in _LISTED_PEJLEMAERKER or wanted & _PEJLEMAERKE:
            # "det tredje" after the four pejlemærker
            return f"pejlemaerke:{ordinal}" if strategy.pejlemaerke(ordinal) else None
        under = strategy.maalsaetninger_under(pejlemaerke) if pejlemaerke is not None else []
        # "forklar den anden af dem" after a pejlemærke: its second målsætning
        return f"maalsaetning:{under[ordinal - 1].id}" if ordinal <= len(under) else None
    step = 1 if wanted & _NEXT else -1 if wanted & _PREVIOUS else 0
    within = _within(said)
    if wanted & (_FIRST | _LAST) and within and pejlemaerke is not None:
        # "og den sidste under det pejlemærke", "den første i det pejlemærke": its målsætning
        return _end_maalsaetning(wanted, strategy.maalsaetninger_under(pejlemaerke))
    listed = _LISTED.get(previous)
    other_kind = (_PEJLEMAERKE | _MAALSAETNING) - listed if listed else frozenset()
    if wanted & (_FIRST | _LAST) and listed and not wanted & other_kind:
        # "fortæl mere om det sidste" after the list of pejlemærker: the last one listed
        if listed & _PEJLEMAERKE:
            return _end_pejlemaerke(wanted, strategy)
        return _end_maalsaetning(wanted, strategy.maalsaetninger)
    if wanted & (_FIRST | _LAST) and not wanted & (_PEJLEMAERKE | _MAALSAETNING):
        # "og det sidste?": the first or last of the same kind
        if kind == "pejlemaerke":
            return _end_pejlemaerke(wanted, strategy)
        if kind == "maalsaetning" and pejlemaerke is not None:
            return _end_maalsaetning(wanted, strategy.maalsaetninger_under(pejlemaerke))
        return None
    if wanted <= _FRAME | _AGAIN and wanted & _AGAIN:
        return previous  # "hvad står den for?", "hvad betyder det?": the same thing again
    if wanted & _PEJLEMAERKE and wanted & (_FIRST | _LAST) and not within:
        return _end_pejlemaerke(wanted, strategy)  # "og det sidste pejlemærke?"
    if wanted & _MAALSAETNING and wanted & (_FIRST | _LAST) and pejlemaerke is not None:
        # "den første målsætning under det pejlemærke"
        return _end_maalsaetning(wanted, strategy.maalsaetninger_under(pejlemaerke))
    if listed and not step:
        # "og hvad med målsætningerne?" after the pejlemærker: the list of those
        for words_of_kind, listing in _LISTS:
            if wanted & words_of_kind and not wanted & listed:
                return listing
    if wanted & _PEJLEMAERKE:
        if pejlemaerke is None:
            return None
        if step and kind == "pejlemaerke":
            return _step_pejlemaerke(pejlemaerke, step, strategy)
        return f"pejlemaerke:{pejlemaerke}"
    if step:
        if kind == "maalsaetning":
            ids = [m.id for m in strategy.maalsaetninger]
            i = ids.index(key) + step
            if i == len(ids):  # "og den næste?" after the last: there is none
                head, _, tail = ids[-1].partition(".")
                return f"unknown:{head}.{int(tail) + 1}"
            return f"maalsaetning:{ids[i]}" if 0 <= i < len(ids) else None
        if kind == "pejlemaerke" and pejlemaerke is not None:
            return _step_pejlemaerke(pejlemaerke, step, strategy)
        return None
    if wanted & (_MAALSAETNING | _NOEGLEORD) and pejlemaerke is not None:
        return f"pejlemaerke:{pejlemaerke}"  # it lists both its målsætninger and nøgleord
    return None


def _end_pejlemaerke(wanted: Set[str], strategy: Strategy) -> str:
    """The first pejlemærke if ``wanted`` says "første", else the last."""
    return f"pejlemaerke:{strategy.pejlemaerker[0 if wanted & _FIRST else -1].number}"


def _end_maalsaetning(wanted: Set[str], maalsaetninger: Sequence[Maalsaetning]) -> str:
    """The first of ``maalsaetninger`` if ``wanted`` says "første", else the last."""
    return f"maalsaetning:{maalsaetninger[0 if wanted & _FIRST else -1].id}"


def _pejlemaerke_of(kind: str, key: str, strategy: Strategy) -> int | None:
    if kind == "pejlemaerke":
        return int(key)
    if kind == "maalsaetning":
        found = strategy.maalsaetning(key)
        return found.pejlemaerke if found else None
    if kind in ("noegleord", "term"):  # a term belongs where its nøgleord stands
        word = next((n for n in strategy.noegleord if key in (n.id, n.term)), None)
        return word.pejlemaerke if word else None
    return None


def _step_pejlemaerke(number: int, step: int, strategy: Strategy) -> str | None:
    numbers = [p.number for p in strategy.pejlemaerker]
    i = numbers.index(number) + step
    return f"pejlemaerke:{numbers[i]}" if 0 <= i < len(numbers) else None
