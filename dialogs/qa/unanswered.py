"""Group logged unanswered questions so content owners see what to add first.

Two questions are one group when they ask about the same topic words: the project's Danish
normalisation (:mod:`dialogs.qa.text`, as in ``content_tokens``) already folds case, æ/ø/å
spellings, inflections, word order and stop words, so "Hvem sidder i LMU?", "hvem sider i lmu"
and "lmu hvem sidder" give one token set. Remaining typos are caught with rapidfuzz on the
sorted token strings, checked token by token so that a changed word ("LMU" → "OMU") still
makes a new group.

Pure: no I/O, no botbuilder; the ``python -m bot questions`` command prints the result.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz import fuzz, process

from content.models import UnansweredReportTexts
from dialogs.qa.text import (
    STOPWORDS_RAW,
    acronyms,
    canonical,
    stem,
    topic_words,
)
from dialogs.text import strip_markup, words

FALLBACK = "fallback"
THUMBS_DOWN = "thumbs_down"

# Whole-question similarity (0-100) of the sorted token strings: the cheap first filter.
SIMILARITY = 85
# Per-token similarity for a typo ("sid"/"siddr", "hvem"/"hvm"); the first letter must agree.
TOKEN_SIMILARITY = 75
# How many candidate groups the token-by-token check looks at per question.
_CANDIDATES = 5
# At most this many representatives are compared per lookup: keeps the work linear.
MAX_COMPARED = 2000
MAX_EXAMPLES = 2


@dataclass(frozen=True)
class QuestionGroup:
    """Questions about one topic: how often, how recently, why, and how they were phrased."""

    representative: str
    examples: tuple[str, ...]
    count: int
    latest: str
    reasons: Counter[str] = field(hash=False)


class _Row(NamedTuple):
    text: str  # as shown
    phrasing: str  # its words only: "Hvem sidder i LMU?" and "hvem sidder i lmu" are one
    time: str
    reason: str


@dataclass
class _Bucket:
    """The rows of one exact token set, before typo merging."""

    key: str
    tokens: frozenset[str]
    rows: list[_Row] = field(default_factory=list)

    @property
    def latest(self) -> str:
        return max(row.time for row in self.rows)


# Unfolded stems: folded ones collide ("møde" and the stop word "mod" both fold to "mod").
_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS_RAW)
_FOLDED_STOP_STEMS = frozenset(canonical(w) for w in STOPWORDS_RAW)


def _is_stopstem(word: str) -> bool:
    """True for a word that stems like a stop word ("sider" like "sidder").

    The cached folded check rules out most words; the unfolded stem then avoids collisions.
    """
    return canonical(word) in _FOLDED_STOP_STEMS and stem(word) in _STOP_STEMS


def topic_tokens(text: str) -> frozenset[str]:
    """The canonical topic tokens of ``text`` (as :func:`~dialogs.qa.text.content_tokens`).

    Also drops misspelt stop words that stem like one ("sider" for "sidder"): otherwise the
    typo alone would look like a topic and split a group.
    """
    keep = acronyms(text)
    return frozenset(canonical(w) for w in topic_words(text) if w in keep or not _is_stopstem(w))


def _display(text: str) -> str:
    """The question as shown: markup out, white space collapsed (logged text is raw)."""
    return " ".join(strip_markup(text).split())


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())


def _is_typo(a: str, b: str) -> bool:
    """True for two spellings of one word; a changed number is another thing ("team2")."""
    return a[0] == b[0] and _digits(a) == _digits(b) and fuzz.ratio(a, b) >= TOKEN_SIMILARITY


def _same_topic(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when ``a`` and ``b`` differ by typos plus at most one extra word.

    A replaced word is a different question ("hvem sidder i LMU" vs "… i OMU"), even when
    the whole strings are close, so every differing token must pair with a typo of itself.
    """
    only_a, only_b = a - b, b - a
    unmatched_a = [t for t in only_a if not any(_is_typo(t, u) for u in only_b)]
    unmatched_b = [u for u in only_b if not any(_is_typo(t, u) for t in only_a)]
    return len(unmatched_a) + len(unmatched_b) <= 1


def _buckets(rows: Iterable[Mapping[str, str]]) -> list[_Bucket]:
    """Rows with identical token sets, most asked (then most recent) first.

    Exact grouping first keeps the fuzzy pass to one comparison per distinct topic, and the
    order makes the most common phrasing each group's representative.
    """
    buckets: dict[str, _Bucket] = {}
    for row in rows:
        text = _display(row.get("text", "") or "")
        if not text:
            continue
        tokens = topic_tokens(text)
        phrasing = " ".join(words(text)) or text
        # Questions of only stop words ("hvad er det?") have no topic: group them verbatim.
        key = " ".join(sorted(tokens)) if tokens else "\0" + phrasing
        bucket = buckets.setdefault(key, _Bucket(key, tokens))
        reason = row.get("reason") or FALLBACK
        bucket.rows.append(_Row(text, phrasing, row.get("time", "") or "", reason))
    ordered = sorted(buckets.values(), key=lambda b: b.key)
    ordered.sort(key=lambda b: (len(b.rows), b.latest), reverse=True)  # stable: keys break ties
    return ordered


def _signature(tokens: frozenset[str]) -> tuple[str, ...]:
    """Each token's first letter and digits, sorted: what a typo never changes."""
    return tuple(sorted(token[0] + _digits(token) for token in tokens))


def _shorter(signature: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The signatures with one token fewer (the one extra word allowed)."""
    return {signature[:i] + signature[i + 1 :] for i in range(len(signature))} - {()}


class _Index:
    """Group representatives by signature, so a question is compared only with possible ones.

    Two questions of one topic have the same signature, or one has one extra word. Each
    lookup compares at most ``MAX_COMPARED`` representatives, the most asked first (buckets
    arrive in that order): the bound that keeps a log of many distinct questions fast.
    """

    def __init__(self) -> None:
        self._same: dict[tuple[str, ...], tuple[list[str], list[int]]] = {}
        self._one_less: dict[tuple[str, ...], tuple[list[str], list[int]]] = {}

    def add(self, bucket: _Bucket, cluster: int) -> None:
        signature = _signature(bucket.tokens)
        for table, key in [(self._same, signature)] + [
            (self._one_less, shorter) for shorter in _shorter(signature)
        ]:
            keys, clusters = table.setdefault(key, ([], []))
            keys.append(bucket.key)
            clusters.append(cluster)

    def candidates(self, bucket: _Bucket) -> list[int]:
        """Clusters whose representative is close as a whole string, closest first."""
        signature = _signature(bucket.tokens)
        lookups = [self._same.get(signature), self._one_less.get(signature)]
        lookups += [self._same.get(shorter) for shorter in _shorter(signature)]
        found: list[tuple[float, int]] = []
        for keys, clusters in filter(None, lookups):
            matches = process.extract(
                bucket.key,
                keys[:MAX_COMPARED],
                scorer=fuzz.ratio,
                score_cutoff=SIMILARITY,
                limit=_CANDIDATES,
            )
            found += [(score, clusters[position]) for _, score, position in matches]
        found.sort(key=lambda match: (-match[0], match[1]))
        return [cluster for _, cluster in found]


def _cluster(buckets: Sequence[_Bucket]) -> list[list[_Bucket]]:
    """Greedy clustering: each bucket joins the closest group representative, or starts one.

    rapidfuzz compares whole token strings (in C) against the representatives the index
    offers; only its few best candidates get the slower token-by-token check.
    """
    clusters: list[list[_Bucket]] = []
    index = _Index()
    for bucket in buckets:
        target = None
        if bucket.tokens:
            target = next(
                (
                    cluster
                    for cluster in index.candidates(bucket)
                    if _same_topic(bucket.tokens, clusters[cluster][0].tokens)
                ),
                None,
            )
        if target is not None:
            clusters[target].append(bucket)
            continue
        clusters.append([bucket])
        if bucket.tokens:
            index.add(bucket, len(clusters) - 1)
    return clusters


def _phrasings(rows: Iterable[_Row]) -> list[str]:
    """Distinct phrasings, most asked first (ties: most recent); shown as last written."""
    seen: dict[str, tuple[int, str, str]] = {}
    for row in rows:
        count, latest, shown = seen.get(row.phrasing, (0, "", row.text))
        newer = row.time >= latest
        seen[row.phrasing] = (count + 1, max(latest, row.time), row.text if newer else shown)
    ranked = sorted(seen.values(), key=lambda v: v[2])
    ranked.sort(key=lambda v: (v[0], v[1]), reverse=True)
    return [shown for _, _, shown in ranked]


def group_questions(rows: Iterable[Mapping[str, str]]) -> list[QuestionGroup]:
    """Group logged questions (``text``, ISO ``time``, ``reason``) by topic.

    Groups come most asked first, then most recently asked; rows without text are skipped.
    """
    groups = []
    for cluster in _cluster(_buckets(rows)):
        members = [row for bucket in cluster for row in bucket.rows]
        phrasings = _phrasings(members)
        groups.append(
            QuestionGroup(
                representative=phrasings[0],
                examples=tuple(phrasings[1 : 1 + MAX_EXAMPLES]),
                count=len(members),
                latest=max(row.time for row in members),
                reasons=Counter(row.reason for row in members),
            )
        )
    groups.sort(key=lambda g: g.representative)
    groups.sort(key=lambda g: (g.count, g.latest), reverse=True)
    return groups


def _width(text: str) -> int:
    """Terminal columns of ``text``: 👎 and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def reason_summary(reasons: Mapping[str, int], texts: UnansweredReportTexts) -> str:
    """ "3 ikke forstået, 1 👎": fallbacks first, then 👎, then anything else by name."""
    labels = {FALLBACK: texts.reason_fallback, THUMBS_DOWN: texts.reason_thumbs_down}
    order = [FALLBACK, THUMBS_DOWN, *sorted(set(reasons) - set(labels))]
    return ", ".join(f"{reasons[r]} {labels.get(r, r)}" for r in order if reasons.get(r, 0) > 0)


def format_groups(groups: Sequence[QuestionGroup], texts: UnansweredReportTexts) -> list[str]:
    """The report lines: one aligned line per group, its examples indented below."""
    if not groups:
        return [texts.none]
    total = sum(g.count for g in groups)
    table = [
        (str(g.count), g.latest[:10], reason_summary(g.reasons, texts), _clip(g.representative))
        for g in groups
    ]
    header = (texts.column_count, texts.column_latest, texts.column_reason, texts.column_question)
    widths = [max(_width(row[i]) for row in [header, *table]) for i in range(3)]
    indent = sum(widths) + 2 * 3
    asked = texts.one_question if total == 1 else texts.questions.format(count=total)
    grouped = texts.one_group if len(groups) == 1 else texts.groups.format(count=len(groups))
    lines = [texts.title.format(questions=asked, groups=grouped), ""]
    for group, row in zip([None, *groups], [header, *table], strict=True):
        count = row[0].rjust(widths[0])
        lines.append(f"{count}  {_pad(row[1], widths[1])}  {_pad(row[2], widths[2])}  {row[3]}")
        if group is not None:
            lines.extend(f"{'':{indent}}– {_clip(example)}" for example in group.examples)
    return [*lines, "", texts.teach]
