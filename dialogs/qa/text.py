"""Danish-aware text normalisation: folding æ/ø/å, stemming, stop words, tokens.

Every token the answerer compares goes through :func:`canonical`: lower-cased, stemmed with
the Snowball Danish stemmer, then folded so that ``æ``/``ae``/``a``, ``ø``/``oe``/``o`` and
``å``/``aa``/``a`` compare equal ("målsætning", "maalsaetning" and "malsatning" are one token).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import Levenshtein

from dialogs.text import clean, fold, strip_markup, words

_STEMMER = snowballstemmer.stemmer("danish")

# Words that carry no topic: Danish and English function words and question frames.
STOPWORDS_RAW = frozenset(
    """
    af alle alt andet andre at blev bliver blive bl da de dem den denne der deres det dette dig
    din dine disse du efter eller en end er et for fra få får fik gør gøre gjort kommer komme
    kom tager tage gå går gik sker ske skete give giver gav giv gerne sagde sagt overhovedet
    egentligt godt har have havde hende her hos hun hvad hvis hvordan i ikke ind jeg jer kan
    kunne lidt man mange med meget men mere mig min mine mit mod må ned noget nogen nogle nu når
    og også om os over på sig sin sine sit skal skulle som så sådan til ud under var vi vil
    ville vore vores være været ved ja nej tak hej lige bare egentlig præcis betyder betyde
    betydning menes mener ment står stå siger sige handler handle hedder forklar forklaring
    fortæl fortælle vis vise list liste se finde findes fx altså what whats does do did is are
    was were the a an of in on to for and or about which who how mean means meaning tell me
    please show explain define definition there this that it its i you can could with by our we
    be been from say says said have has strategy anything something anybody regarding apply
    applies
    nævner nævne nævnt nævnes bruges ord ordet ordene begrebet udtrykket sidder
    sidde mention mentions mentioned word used
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Question words say what kind of answer is wanted (a date, a person, a list) but not the
# topic: they count, weakly.
WEAK_RAW = frozenset(
    """
    hvem hvornår hvorfor hvor hvilke hvilken hvilket who when why which
    """.split()  # noqa: SIM905 - a word list reads best as words
)
WEAK_FACTOR = 0.3
# Question words mistyped ("hvd er lmu") are still question words, not unknown topics.
_QUESTION_WORDS = (*WEAK_RAW, "hvad", "hvordan", "what", "how", "betyder")
_ACRONYM = re.compile(r"\b[A-ZÆØÅ]{2,5}\b")


_FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS_RAW)


@lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """The comparable form of one lower-case word: stemmed, then folded."""
    return fold(stem(word))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball Danish stem of one lower-case word, æ/ø/å kept."""
    return str(_STEMMER.stemWord(word))


def is_stopword(word: str) -> bool:
    """True for function words and question frames, in any spelling."""
    return word in STOPWORDS_RAW or fold(word) in _FOLDED_STOPWORDS


def acronyms(text: str) -> set[str]:
    """Lower-cased words written in capitals ("MED", "OMU"): never stop words."""
    return {a.lower() for a in _ACRONYM.findall(strip_markup(text))}


_CAPITALISED = re.compile(r"(?<=\w\s)([A-ZÆØÅ][a-zæøå]+)")


def proper_names(text: str) -> set[str]:
    """Lower-cased capitalised words that do not start the message ("i Nexus")."""
    return {w.lower() for w in _CAPITALISED.findall(strip_markup(text))}


def topic_words(text: str) -> list[str]:
    """The words of ``text`` that may carry its topic (stop words out, acronyms kept)."""
    keep = acronyms(text)
    return [w for w in words(text) if w in keep or not is_stopword(w)]


def content_tokens(text: str) -> list[str]:
    """Canonical tokens of the topic words of ``text``, in order (stop words removed)."""
    return [canonical(w) for w in topic_words(text)]


_ENGLISH = frozenset(
    """
    what whats does do did is are was were the of who when how why which mean means meaning tell
    me please show explain list about approved objective objectives principle principles goal
    goals strategy guiding first second third fourth there this that with
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_DANISH = frozenset(
    """
    hvad hvem hvornår hvordan hvorfor hvilke hvilken er og det den der om på til med af i
    betyder står strategien målsætning pejlemærke blev har kan vi jeg
    """.split()  # noqa: SIM905 - a word list reads best as words
)


# One word, asked what it is; not a definite plural ("hvad er pejlemærkerne" wants the list).
_ONE_WORD = r"(?![\w-]*ne\b)[\w-]+"
_DEFINITION = re.compile(
    rf"^(?:hvad|what)\s+(?:er|is|are)\s+(?:(?:en|et|a|an)\s+)?{_ONE_WORD}(?:\s+i\s+strategien)?\W*$"
    rf"|^hvad\s+betyder\s+{_ONE_WORD}(?:\s+egentlig)?"
    r"(?:\s+i\s+(?:strategien|dokumenterne|papirerne))?\W*$"
    rf"|^hvad\s+står\s+{_ONE_WORD}\s+for\W*$"
    rf"|^what\s+does\s+{_ONE_WORD}\s+(?:mean|stand\s+for)\W*$"
    rf"|^{_ONE_WORD}\W*\s+(?:hvad\s+(?:er|betyder)\s+det|what\s+is\s+that)\W*$"
    r"|^(?:hvad\s+)?(?:menes|forstås)\s+(?:der\s+)?med\b"
)


def is_definition_question(text: str) -> bool:
    """True for "hvad er et pejlemærke"-style questions, which want a definition."""
    return bool(_DEFINITION.search(clean(text)))


_PERSONAL = frozenset(["min", "mit", "mine", "my"])
_FIRST_PERSON = frozenset("jeg mig min mit mine vi os vores vor me my we us our".split())  # noqa: SIM905


def is_personal(text: str) -> bool:
    """True for questions about the asker's own matters ("min leder", "my password")."""
    return any(w in _PERSONAL for w in words(text))


def speaks_of_self(text: str) -> bool:
    """True when the asker speaks of themselves or their team ("jeg", "vi", "vores")."""
    return any(w in _FIRST_PERSON for w in words(text))


# "min status på 2.3", "giver vi status for mål 4.2": the asker's own reply about a målsætning
_STATUS_ON = re.compile(r"\bstat(?:us|su)\w*\s+(?:pa|for|til|om|on|about)\s+(?:\w+\s+)?\d")


def asks_own_status(text: str) -> bool:
    """True when the asker speaks of their own status reply on a numbered målsætning: a
    question for the status round, not about the målsætning."""
    return speaks_of_self(text) and bool(_STATUS_ON.search(fold(clean(text))))


# Another body's meetings: "handicaprådet", "områdeudvalget", "kommunalbestyrelsesmødet";
# not the asker's own "udvalget" or "MED-udvalget".
_OTHER_BODY = re.compile(r"^\w{3,}(?:(?<!om)rad(?:et|ets)?|udvalg(?:et|ets)?)$")
_BOARD = re.compile(r"bestyrelse")


def names_other_body(text: str) -> bool:
    """True when ``text`` names a council, committee or board other than an LMU or OMU:
    a question about its meetings is not about the asker's own."""
    folded = [fold(w) for w in words(text)]
    return any(
        (_OTHER_BODY.search(w) or _BOARD.search(w)) and (i == 0 or folded[i - 1] != "med")
        for i, w in enumerate(folded)
    )


_TEAM = frozenset("vi os vores vor we us our".split())  # noqa: SIM905


def speaks_as_team(text: str) -> bool:
    """True when the asker speaks for their team ("hvordan gør vi", "kan vi"): a question
    about their practice, not about a personal matter."""
    return any(w in _TEAM for w in words(text))


_THE_BOT = frozenset({"du", "dig", "din", "dit", "botten", "bot", "strategibot", "you"})


def addresses_the_bot(text: str) -> bool:
    """True when the asker speaks to or of the bot ("hvad kan vi bruge dig til", "hvordan
    bruger vi botten"): a question about what it can do, whoever asks."""
    return any(w in _THE_BOT for w in words(text))


def is_english(text: str) -> bool:
    """True when ``text`` reads as English rather than Danish (few words are enough)."""
    tokens = words(text)
    english = sum(t in _ENGLISH for t in tokens)
    danish = sum(t in _DANISH for t in tokens)
    return english > danish


def is_question_word_typo(word: str) -> bool:
    """True for a word one edit from a question word ("hvd", "hvorn", "waht")."""
    folded = fold(word)
    return len(folded) >= 3 and any(
        Levenshtein.distance(folded, fold(q), score_cutoff=1) <= 1 for q in _QUESTION_WORDS
    )


_WHERE = re.compile(
    r"\b(?:navner|navnes|navnt|star der (?:noget|ngt)"
    r"|hvor (?:i \w+ )?(?:bruges|star|navnes|bruger)"
    r"|does the strategy mention|where does)\b"
)


def is_where_question(text: str) -> bool:
    """ "nævner strategien noget om X?", "hvor bruges ordet X?": where X stands is the answer."""
    return bool(_WHERE.search(fold(clean(text))))


_ABOUT = r"\s+(?:om|med|omkring|der handler om|about|on)\b"
_KIND_FRAME = (
    ("noegleord", re.compile(r"\bnogleordet\s+(?!i\b|er\b|om\b)\w")),
    ("maalsaetning", re.compile(r"\b(?:malsatning\w*|malet|mal|den|objective|goal)" + _ABOUT)),
    # "hvilket mål siger …", "hvilken målsætning handler om …", "målsætningen der siger …"
    (
        "maalsaetning",
        re.compile(r"\b(?:hvilket|hvilken|which)\s+(?:mal|malsatning|objective|goal)\b"),
    ),
    ("maalsaetning", re.compile(r"\b(?:malsatningen|malet)\s+(?:der|som)\b")),
    ("pejlemaerke", re.compile(r"\b(?:pejlemark\w*|principle|guiding principle)" + _ABOUT)),
    # "i hvilket pejlemærke står recovery", "which principle is recovery under"
    ("pejlemaerke", re.compile(r"\b(?:hvilket|hvilke|which)\s+(?:pejlemark\w*|principles?)\b")),
)


def asks_for_kind(text: str) -> str | None:
    """ "målsætningen om …", "den om …" ask for a målsætning; "pejlemærket om …" for a
    pejlemærke, even when the theme word is also a glossary term."""
    folded = fold(clean(text))
    for kind, frame in _KIND_FRAME:
        if frame.search(folded):
            return kind
    return None


# An area, department or municipality the content does not know: "Børne- og
# Familieområdet", "ældreområdet", "Aarhus Kommunes strategi", "andre kommuner".
_AREA = re.compile(r"(?:omrade|omrader|omradet?s?|forvaltning|forvaltningen?s?|afdelingens?)$")
_MUNICIPALITY = re.compile(r"\b([a-zæøå]+)\s+kommunes?\b")
# Another strategy or policy by name: "skolestrategien", "handicappolitik".
_POLICY = re.compile(r"\w{3,}(?:strategi|strategien|politik|politikken)$")
_STRATEGY_WORD = re.compile(r"strategi|politik|\bplan")
_CLAUSE = re.compile(r"[.,;:!?]+(?:\s|$)")  # "… på naboafdelingen, er det ok ifølge strategien"
_NEAR_STRATEGY = 4  # words from an area to "strategi" when it is the area's strategy
_OF_AREA = frozenset({"for", "på", "pa", "i", "paa"})  # "strategien for ældreområdet"
_OTHERS = re.compile(r"\b(?:andre|anden|other)\s+(?:kommuner|kommune|omrader|municipalities)\b")


def names_other_scope(text: str, known: Container[str]) -> bool:
    """True when ``text`` is about another area's or municipality's strategy: it names an
    area or municipality that ``known`` (the content's tokens) never mentions."""
    if _OTHERS.search(fold(clean(text))):
        return True
    for name in _MUNICIPALITY.findall(clean(text)):
        if not is_stopword(name) and canonical(name) not in known:
            return True  # "Syddjurs Kommunes strategi", not "i kommunen" or "vores kommune"
    for clause in _CLAUSE.split(clean(text)):
        clause_words = words(clause)
        for i, word in enumerate(clause_words):
            folded = fold(word)
            if canonical(word) in known:
                continue
            if _POLICY.search(folded) or (
                len(folded) > 8 and _AREA.search(folded) and _owns_strategy(clause_words, i)
            ):  # "ældreområdets strategi"; "samarbejde med ældreområdet" is a partner
                return True
    return False


def _owns_strategy(clause: Sequence[str], area: int) -> bool:
    """True when the area at index ``area`` of ``clause`` has a strategy of its own: "har
    ældreområdet også en strategi", "strategien for ældreområdet"; not "strategien om
    naboafdelingens måde"."""
    for i, word in enumerate(clause):
        if not _STRATEGY_WORD.search(fold(word)):
            continue
        if area < i <= area + _NEAR_STRATEGY:
            return True  # "har ældreområdet også en strategi"
        if i < area <= i + _NEAR_STRATEGY and clause[i + 1] in _OF_AREA:
            return True  # "strategien for børne- og familieområdet"
    return False


def best_passage(passages: Sequence[str], about: Iterable[str]) -> str:
    """The passage sharing most topic words with ``about`` (the first one on a tie)."""
    wanted = {t for text in about for t in content_tokens(text)}
    scores = [len(wanted.intersection(content_tokens(p))) for p in passages]
    return passages[scores.index(max(scores))]


_RAW_WORD = re.compile(r"[^\W_]+")
FOLDED_PREFIX = 5  # the shortest off-topic prefix also compared without æ/ø/å


@lru_cache(maxsize=8)
def _frame_words(frames: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The frames as folded word sequences by their first word, longest first (so the
    longest frame wins)."""
    split = {tuple(fold(w) for w in words(frame)) for frame in frames}
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for frame in sorted((f for f in split if f), key=lambda f: (-len(f), f)):
        by_first.setdefault(frame[0], []).append(frame)
    return {first: tuple(found) for first, found in by_first.items()}


def without_frames(text: str, frames: Sequence[str]) -> tuple[str, bool]:
    """``text`` without its practice framing, and whether it had any.

    "hvordan kan vi i praksis arbejde med inddragelse" is a question about inddragelse; the
    frame's words ("praksis", "hverdagen", "medarbejder") would otherwise match målsætninger
    that use them. Frames are whole-word sequences (content data); the rest of the text is kept
    as typed (capitals mark acronyms and names). When nothing with a topic would be left, the
    text is its own topic and is returned whole.
    """
    spans = [(m.start(), m.end(), fold(m.group().lower())) for m in _RAW_WORD.finditer(text)]
    folded = [word for _, _, word in spans]
    sequences = _frame_words(tuple(frames))
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        starting = sequences.get(folded[i], ())
        frame = next((f for f in starting if tuple(folded[i : i + len(f)]) == f), None)
        if frame is None:
            i += 1
            continue
        cuts.append((spans[i][0], spans[i + len(frame) - 1][1]))
        i += len(frame)
    if not cuts:
        return text, False
    kept, start = [], 0
    for begin, end in cuts:
        kept.append(text[start:begin])
        start = end
    kept.append(text[start:])
    rest = " ".join(" ".join(kept).split())
    if not topic_words(rest):
        return text, False
    return rest, True


@lru_cache(maxsize=8)
def _off_topic_matcher(
    topics: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """The off-topic prefixes as written and folded, and the stems (folded and as written):
    built once per topic list."""
    raw = tuple(t[:-1].lower() for t in topics if t.endswith("*"))
    folded = tuple(fold(p) for p in raw if len(fold(p)) >= FOLDED_PREFIX)
    whole = [t.lower() for t in topics if not t.endswith("*")]
    stems = frozenset(canonical(t) for t in whole) | frozenset(stem(t) for t in whole)
    return raw, folded, stems


def off_topic_words(text: str, topics: Sequence[str]) -> frozenset[str]:
    """The words of ``text`` that name a topic outside the strategy ("lønudbetaling").

    A topic ending in ``*`` is a prefix of the word ("løn*": "lønsedlen"); otherwise the word
    and the topic share their stem ("vagter" is "vagt"). A prefix is compared as written, and
    also without æ/ø/å when it is long enough not to become another word ("løn" is "lon",
    which starts "long").
    """
    raw, folded, stems = _off_topic_matcher(tuple(topics))
    return frozenset(
        w
        for w in words(text)
        if _same_stem(w, stems) or w.startswith(raw) or fold(w).startswith(folded)
    )


def _same_stem(word: str, stems: frozenset[str]) -> bool:
    """True when ``word`` has one of the ``stems`` (folded and as written). A word written
    with æ/ø/å is compared as written: "vægter" (weighs) is not "vagter" (shifts), though
    both fold to "vagter"."""
    if canonical(word) not in stems:
        return False
    return word == fold(word) or stem(word) in stems
