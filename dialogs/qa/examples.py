"""The nearest labelled example: how employees have asked, and what the answer was.

The strategy's own wording rarely matches how people ask ("hvordan får vi nye kolleger til at
blive" is about pejlemærke 4 without a word of it). The examples in ``content/data/examples/``
are questions written the way employees type them, each labelled with its answer; a new
question close to one of them most likely wants the same answer. Closeness is the cosine of
TF-IDF vectors over character 3–5-grams (robust to typos, missing æ/ø/å and inflection) plus
the question's canonical words. Pure numpy, built in milliseconds, no model: it answers the
same with or without the meaning model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from content.models import Content, Example
from dialogs.qa.text import canonical
from dialogs.text import fold

GRAMS = (3, 4, 5)
WORD_WEIGHT = 2  # a whole canonical word counts as much as two of its n-grams
# Replies an example cannot teach: small talk needs its topic, "unknown" its number.
_UNTEACHABLE = frozenset({"smalltalk", "unknown"})
_NOT_LETTERS = re.compile(r"[^a-z0-9.]+")
_BUILT: dict[int, tuple[Content, ExampleIndex]] = {}  # see ExampleIndex.of


@dataclass(frozen=True)
class NearestExample:
    """The closest example's answer, how close it is (cosine, 0–1) and the example itself."""

    target: str
    similarity: float
    question: str


def _features(text: str) -> Counter[str]:
    """Character n-grams of the folded text, and its canonical words."""
    folded = _NOT_LETTERS.sub(" ", fold(text.lower())).split()
    padded = f" {' '.join(folded)} "
    grams: Counter[str] = Counter(
        padded[i : i + n] for n in GRAMS for i in range(len(padded) - n + 1)
    )
    for word in text.lower().split():
        grams["w:" + canonical(word.strip("?!.,:;\"'()"))] += WORD_WEIGHT
    return grams


class ExampleIndex:
    """Labelled examples as L2-normalised TF-IDF vectors, searched by cosine."""

    def __init__(self, examples: Iterable[Example]) -> None:
        """Index the examples that teach an answer: one question each, no follow-ups (their
        answer depends on the question before)."""
        taught = [e for e in examples if not e.context and e.expect[0] not in _UNTEACHABLE]
        self._targets = [e.expect[0] for e in taught]
        self._questions = [e.q for e in taught]
        rows = [_features(e.q) for e in taught]
        self._vocabulary: dict[str, int] = {}
        columns: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for row in rows:
            columns.extend(self._vocabulary.setdefault(g, len(self._vocabulary)) for g in row)
            counts.extend(row.values())
            lengths.append(len(row))
        indices = np.array(columns, dtype=np.intp)
        frequency = np.bincount(indices, minlength=len(self._vocabulary))
        self._idf_unseen = math.log(len(rows) + 1) + 1.0
        idf = np.log((len(rows) + 1) / (frequency + 1)) + 1.0
        self._idf: list[float] = idf.tolist()
        weights = (1.0 + np.log(np.array(counts, dtype=np.float64))) * idf[indices]
        owners = np.repeat(np.arange(len(rows), dtype=np.intp), lengths)
        norms = np.sqrt(np.bincount(owners, weights=weights**2, minlength=len(rows)))
        # Stored by feature (each feature's rows and weights together): a question reads only
        # the rows that share one of its features.
        order = np.argsort(indices, kind="stable")
        self._rows: npt.NDArray[np.intp] = owners[order]
        self._weights: npt.NDArray[np.float64] = (weights / norms[owners])[order]
        self._starts: npt.NDArray[np.intp] = np.zeros(len(frequency) + 1, dtype=np.intp)
        self._starts[1:] = np.cumsum(frequency)  # feature i's entries: starts[i]:starts[i + 1]

    @classmethod
    def of(cls, content: Content) -> ExampleIndex:
        """All of the content's examples, indexed once per content (it is immutable; tests
        and the bench build many answerers over one content)."""
        built = _BUILT.get(id(content))
        if built is None or built[0] is not content:
            if len(_BUILT) >= 4:
                _BUILT.clear()
            built = _BUILT[id(content)] = (content, cls(content.examples))
        return built[1]

    def __len__(self) -> int:
        return len(self._targets)

    def nearest(self, question: str) -> NearestExample | None:
        """The most similar example, or None when there are none or the question has no
        letters. Words never seen in an example lower the similarity: a question about
        something new is far from every example."""
        grams = _features(question)
        if not grams or not self._targets:
            return None
        known: list[tuple[int, float]] = []
        norm2 = 0.0
        for gram, count in grams.items():
            i = self._vocabulary.get(gram)
            weight = (1.0 + math.log(count)) * (self._idf_unseen if i is None else self._idf[i])
            norm2 += weight * weight
            if i is not None:
                known.append((i, weight))
        if not known:
            return None
        spans = [(int(self._starts[i]), int(self._starts[i + 1]), w) for i, w in known]
        entries = np.concatenate([np.arange(start, end) for start, end, _ in spans])
        per_entry = np.repeat([w for *_, w in spans], [end - start for start, end, _ in spans])
        scores = np.bincount(
            self._rows[entries], weights=self._weights[entries] * per_entry, minlength=len(self)
        ) / math.sqrt(norm2)
        best = int(np.argmax(scores))
        return NearestExample(self._targets[best], float(scores[best]), self._questions[best])
