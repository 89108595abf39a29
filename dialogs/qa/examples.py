"""The labelled examples: how employees have asked, and what the answer was.

The strategy's own wording rarely matches how people ask ("hvordan får vi nye kolleger til at
blive" is about pejlemærke 4 without a word of it). The examples in ``content/data/examples/``
are questions written the way employees type them, each labelled with its answer. Two
readings of them:

- :meth:`ExampleIndex.nearest`: the most similar example. A near-copy of an example wants the
  same answer. Similarity is the cosine of TF-IDF vectors over character 3–5-grams (robust to
  typos, missing æ/ø/å and inflection) plus the question's canonical words.
- :meth:`ExampleIndex.classify`: a linear classifier per answer over the same vectors
  (scikit-learn's ``LinearSVC``, one against the rest), trained on all examples at once. It
  learns which words and word parts speak for each answer, so a question in new words ("vi
  mister hele tiden kolleger") still finds the answer its words are typical of, where the
  nearest single example may be about something else. Every answer an example accepts is one
  of its answers here: cross-validated over 15 example sets, the answerer got 97.71 % right
  with it against 97.30 % when only the first answer taught.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt

from content.models import Content, Example
from dialogs.qa.text import canonical
from dialogs.text import fold

log = logging.getLogger(__name__)

GRAMS = (3, 4, 5)
WORD_WEIGHT = 2  # a whole canonical word counts as much as two of its n-grams
# Replies an example cannot teach: small talk needs its topic, "unknown" its number.
_UNTEACHABLE = frozenset({"smalltalk", "unknown"})
KNOWN_FROM = 2  # examples that must use a word before the classifier may answer on it
SVM_C = 1.0  # the classifier's regularisation (cross-validated: 0.5 and 2 did no better)
_NOT_LETTERS = re.compile(r"[^a-z0-9.]+")
_BUILT: dict[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], ExampleIndex] = {}
"""Built indexes by their examples; see :meth:`ExampleIndex.of`."""


@dataclass(frozen=True)
class NearestExample:
    """The closest example's answer, how close it is (cosine, 0–1) and the example itself."""

    target: str
    similarity: float
    question: str


@dataclass(frozen=True)
class Classified:
    """The classifier's answer and its decision value: above 0 the answer's side of the line,
    below 0 the best of answers that all say no."""

    target: str
    score: float


@dataclass(frozen=True)
class _Classifier:
    """A trained linear classifier: one weight row per feature, one column per answer."""

    targets: tuple[str, ...]
    weights: npt.NDArray[np.float32]  # (features, answers)
    intercepts: npt.NDArray[np.float32]  # (answers,)


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "missing"


def _read(path: Path) -> _Classifier | None:
    """A classifier written by :func:`_write`, or None when there is none or it is unreadable."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return _Classifier(
                tuple(str(t) for t in stored["targets"]),
                np.ascontiguousarray(stored["weights"], dtype=np.float32),
                np.asarray(stored["intercepts"], dtype=np.float32),
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _write(path: Path, classifier: _Classifier) -> None:
    """Write atomically (a temporary file, then a rename); a cache that cannot be written is
    only a slower next start."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            temporary = file.name
            np.savez(
                file,
                targets=np.array(classifier.targets),
                weights=classifier.weights,
                intercepts=classifier.intercepts,
            )
        os.replace(temporary, path)
    except OSError as exc:
        log.warning("The examples' classifier could not be cached in %s: %s", path.parent, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


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
        self._expected = [e.expect for e in taught]  # every right answer, for the classifier
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
        self._matrix = (owners, indices, weights / norms[owners])  # for the classifier
        self._model: _Classifier | None = None  # see learn
        self._learnt = False
        from scipy.sparse import csr_matrix  # imported here, as in _train: a heavy import

        order = np.argsort(indices, kind="stable")
        starts = np.zeros(len(frequency) + 1, dtype=np.intp)
        starts[1:] = np.cumsum(frequency)  # feature i's entries: starts[i]:starts[i + 1]
        self._by_feature = csr_matrix(
            ((weights / norms[owners])[order], owners[order], starts),
            shape=(len(frequency), len(rows)),
        )

    @classmethod
    def of(cls, content: Content) -> ExampleIndex:
        """All of the content's examples, indexed once for the same examples: content is
        immutable, and tests and the bench build many answerers over content loaded anew
        (the classifier trains in about a second)."""
        key = tuple((e.q, e.expect, e.context) for e in content.examples)
        built = _BUILT.get(key)
        if built is None:
            if len(_BUILT) >= 4:
                _BUILT.clear()
            built = _BUILT[key] = cls(content.examples)
        return built

    def __len__(self) -> int:
        return len(self._targets)

    def learn(self, cache_dir: Path | None = None) -> None:
        """Train the classifier now (at start-up), so that no question waits for it.

        Training takes a few seconds with scikit-learn's import; with ``cache_dir`` the
        weights are kept there, named by a hash of exactly what they were trained on, so the
        next start with the same examples reads them in milliseconds.
        """
        if self._learnt:
            return
        self._learnt = True
        if len(set(self._targets)) < 2:
            return
        path = None if cache_dir is None else cache_dir / f"classifier-{self._digest()}.npz"
        self._model = None if path is None else _read(path)
        if self._model is None:
            try:
                self._model = self._train()
            except (ImportError, ValueError) as exc:  # scikit-learn missing or broken
                log.warning("Answering without the examples' classifier: %s", exc)
                return
            if path is not None:
                _write(path, self._model)

    def _digest(self) -> str:
        """A hash of exactly what the classifier is trained on, and how."""
        digest = hashlib.sha256()
        for part in self._matrix:
            digest.update(np.ascontiguousarray(part).tobytes())
        digest.update("\n".join(" ".join(e) for e in self._expected).encode())
        digest.update(f"one-vs-rest C={SVM_C} scikit-learn={_sklearn_version()}".encode())
        return digest.hexdigest()[:32]

    def _train(self) -> _Classifier:
        """One linear SVM per answer. Every answer an example accepts counts as its answer
        ("folk siger op" is right as pejlemærke 4 and as nøgleordet arbejdsfællesskaber), so
        an answer learns from all the questions it answers, not only those it was first for."""
        from scipy.sparse import csr_matrix
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer
        from sklearn.svm import LinearSVC

        owners, columns, values = self._matrix
        matrix = csr_matrix((values, (owners, columns)), shape=(len(self), len(self._vocabulary)))
        taught = set(self._targets)  # an answer no example is first for is never the guess
        labels = MultiLabelBinarizer(classes=sorted(taught))
        answers = labels.fit_transform([[t for t in e if t in taught] for e in self._expected])
        if answers.all(axis=0).any():
            raise ValueError("an answer that every example accepts tells nothing apart")
        svms = OneVsRestClassifier(LinearSVC(C=SVM_C, random_state=0)).fit(matrix, answers)
        coefficients = np.vstack([svm.coef_ for svm in svms.estimators_]).astype(np.float32)
        intercepts = np.concatenate([svm.intercept_ for svm in svms.estimators_])
        return _Classifier(
            tuple(str(c) for c in labels.classes_),
            np.ascontiguousarray(coefficients.T),
            intercepts.astype(np.float32),
        )

    def classify(self, question: str) -> Classified | None:
        """The answer the examples' classifier gives, or None when the question shares no
        feature with any example. Features never seen in an example are left out."""
        scores = self._scores(question)
        if scores is None or self._model is None:
            return None
        best = int(np.argmax(scores))
        return Classified(self._model.targets[best], float(scores[best]))

    def best_of(self, question: str, targets: Collection[str]) -> Classified | None:
        """The classifier's best among ``targets`` (the målsætninger under a pejlemærke)."""
        scores = self._scores(question)
        if scores is None or self._model is None:
            return None
        among = [(float(scores[i]), t) for i, t in enumerate(self._model.targets) if t in targets]
        if not among:
            return None
        score, target = max(among)
        return Classified(target, score)

    def _scores(self, question: str) -> npt.NDArray[np.float32] | None:
        """The classifier's decision value for every target it learnt."""
        self.learn()
        classifier = self._model
        if classifier is None:
            return None
        known: dict[int, float] = {}
        for gram, count in _features(question).items():
            i = self._vocabulary.get(gram)
            if i is not None:
                known[i] = (1.0 + math.log(count)) * self._idf[i]
        if not known:
            return None
        columns = np.fromiter(known, dtype=np.intp, count=len(known))
        values = np.fromiter(known.values(), dtype=np.float32, count=len(known))
        values /= math.sqrt(float(values @ values))
        scores: npt.NDArray[np.float32] = (
            values @ classifier.weights[columns] + classifier.intercepts
        )
        return scores

    def knows_word(self, token: str) -> bool:
        """True when at least :data:`KNOWN_FROM` examples use the word whose canonical token
        is ``token``: one practice question about "kaffe og kage" does not make cake a topic."""
        i = self._vocabulary.get(f"w:{token}")
        starts = self._by_feature.indptr  # feature i's examples: starts[i]:starts[i + 1]
        return i is not None and int(starts[i + 1] - starts[i]) >= KNOWN_FROM

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
        columns = np.fromiter((i for i, _ in known), dtype=np.intp, count=len(known))
        weights = np.fromiter((w for _, w in known), dtype=np.float64, count=len(known))
        # Only the rows of the question's features: a sparse product in C.
        scores = (self._by_feature[columns].T @ weights) / math.sqrt(norm2)
        best = int(np.argmax(scores))
        return NearestExample(self._targets[best], float(scores[best]), self._questions[best])
