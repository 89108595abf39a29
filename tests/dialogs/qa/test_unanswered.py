"""Grouping of logged unanswered questions, and the ``python -m bot questions`` report."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot.__main__ import questions
from bot.settings import DATA_FILE, Settings
from bot.storage import TinyDBStore
from content import load_content
from dialogs.qa.feature import QUESTION_LOG
from dialogs.qa.unanswered import QuestionGroup, format_groups, group_questions


def row(text: str, day: int, reason: str = "fallback", hour: int = 10) -> dict[str, str]:
    return {"text": text, "time": f"2026-11-{day:02d}T{hour:02d}:00:00+01:00", "reason": reason}


def by_question(groups: list[QuestionGroup]) -> dict[str, QuestionGroup]:
    """Each question shown (representative or example) → its group."""
    return {q: g for g in groups for q in (g.representative, *g.examples)}


LMU_VARIANTS = ["hvem sidder i lmu", "Hvem sidder i LMU?", "hvem sider i lmu", "LMU hvem sidder"]


def test_typo_case_and_word_order_variants_are_one_group() -> None:
    groups = group_questions([row(text, 20 + i) for i, text in enumerate(LMU_VARIANTS)])
    assert len(groups) == 1
    assert groups[0].count == 4


@pytest.mark.parametrize(
    "variants",
    [
        ["Hvad er målsætningen for børn", "hvad er maalsaetningen for born", "Malsætning børn?"],
        ["Hvad er et pejlemærke?", "hvad er et pejlmærke", "Hvad betyder pejlemærker"],
        ["Hvad står der om stjernestunder?", "hvad star der om stjernestundr"],
    ],
)
def test_spelling_and_aeoeaa_variants_are_one_group(variants: list[str]) -> None:
    groups = group_questions([row(text, 10) for text in variants])
    assert [g.count for g in groups] == [len(variants)]


def test_unrelated_and_merely_similar_questions_stay_apart() -> None:
    texts = [
        "Hvem sidder i LMU?",
        "Hvem sidder i OMU?",  # one letter from LMU, but another committee
        "Hvad er LMU?",  # a subset of the next one's words, not the same question
        "Hvornår er næste møde i LMU?",
        "Hvad bliver vejret i morgen",
        "Hvor er kantinen?",
    ]
    groups = group_questions([row(text, 10) for text in texts])
    assert sorted(g.representative for g in groups) == sorted(texts)
    assert all(g.count == 1 and g.examples == () for g in groups)


def test_count_latest_reasons_representative_and_examples() -> None:
    rows = [
        row("Hvem sidder i LMU?", 3),
        row("hvem sidder i lmu", 5, "thumbs_down"),  # same phrasing: counts for the representative
        row("Hvem sidder i LMU?", 4, "thumbs_down"),
        row("hvem sider i lmu", 12, hour=9),
        row("lmu hvem sidder", 1),
        row("LMU hvem sidder", 2),
        row("Hvad bliver vejret i morgen", 30),
    ]
    lmu, weather = group_questions(rows)
    assert lmu.count == 6
    assert lmu.latest == "2026-11-12T09:00:00+01:00"
    assert lmu.reasons == {"fallback": 4, "thumbs_down": 2}
    # Most asked phrasing first, shown as last written; then the others by count, then recency.
    assert lmu.representative == "hvem sidder i lmu"
    assert lmu.examples == ("LMU hvem sidder", "hvem sider i lmu")
    assert (weather.count, weather.reasons) == (1, {"fallback": 1})


def test_groups_are_sorted_by_count_then_latest_date() -> None:
    rows = [
        row("Hvad bliver vejret i morgen", 28),
        row("Hvor er kantinen?", 25),
        row("Hvor er kantinen", 26),
        row("Hvem sidder i OMU?", 27),
        row("hvem sidder i lmu", 1),
        row("Hvem sidder i LMU?", 2),
        row("hvem sider i lmu", 3),
        row("Hvornår er næste møde i LMU?", 29),
    ]
    order = [(g.representative, g.count, g.latest[:10]) for g in group_questions(rows)]
    assert order == [
        ("Hvem sidder i LMU?", 3, "2026-11-03"),  # most asked beats most recent
        ("Hvor er kantinen", 2, "2026-11-26"),
        ("Hvornår er næste møde i LMU?", 1, "2026-11-29"),
        ("Hvad bliver vejret i morgen", 1, "2026-11-28"),
        ("Hvem sidder i OMU?", 1, "2026-11-27"),
    ]


def test_blank_and_stop_word_only_questions() -> None:
    rows = [row("", 1), row("   ", 1), row("Hej!", 2), row("hej", 3), row("hvad er det?", 4)]
    groups = group_questions(rows)
    assert [(g.representative, g.count) for g in groups] == [("hej", 2), ("hvad er det?", 1)]
    assert group_questions([]) == []
    texts = load_content().messages.da.unanswered_report
    assert format_groups([], texts) == ["Ingen ubesvarede spørgsmål."]


def test_ten_thousand_rows_are_grouped() -> None:
    """Counts only; the speed is printed by bench, not asserted here."""
    rng = random.Random(7)
    topics = [f"hvem har ansvaret for projekt{n} i afdeling{n % 17}" for n in range(400)]
    rows = [row(rng.choice(topics), rng.randint(1, 28)) for _ in range(5000)]
    rows += [row(f"hvad er emne{n} og tema{n * 7}", 1) for n in range(5000)]  # all distinct
    groups = group_questions(rows)
    assert sum(g.count for g in groups) == 10_000
    assert len(groups) == 5400  # numbers are not typos: "projekt12" is not "projekt13"


async def _write_log(data_dir: Path, rows: Sequence[Mapping[str, str]]) -> None:
    store = TinyDBStore(data_dir / DATA_FILE)
    try:
        for i, doc in enumerate(rows):
            await store.put(QUESTION_LOG, f"q{i}", doc)
    finally:
        await store.close()


def test_questions_command_prints_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    rows = [
        row("Hvem sidder i LMU?", 20),
        row("hvem sidder i lmu", 21, "thumbs_down"),
        row("hvem sider i lmu", 22),
        row("LMU hvem sidder", 19),
        row("lmu hvem sidder?", 18),
        row("Hvad bliver vejret i morgen", 23, "thumbs_down"),
        row("Hvad står der om <at>Strategibot</at> stjernestunder?", 24),
    ]
    asyncio.run(_write_log(tmp_path, rows))
    questions(Settings(_env_file=None))  # type: ignore[call-arg]
    assert capsys.readouterr().out.splitlines() == [
        "7 ubesvarede spørgsmål i 3 grupper, de hyppigste først:",
        "",
        "Antal  Senest      Årsag                  Spørgsmål",
        "    5  2026-11-22  4 ikke forstået, 1 👎  hvem sidder i lmu",
        "                                          – LMU hvem sidder",
        "                                          – hvem sider i lmu",
        "    1  2026-11-24  1 ikke forstået        Hvad står der om stjernestunder?",
        "    1  2026-11-23  1 👎                   Hvad bliver vejret i morgen",
        "",
        load_content().messages.da.unanswered_report.teach,  # how to teach the bot an answer
    ]


def test_questions_command_with_an_empty_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    questions(Settings(_env_file=None))  # type: ignore[call-arg]
    assert capsys.readouterr().out == "Ingen ubesvarede spørgsmål.\n"
