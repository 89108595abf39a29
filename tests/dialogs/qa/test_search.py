"""The search behind the message extension »Strategien«: pure, ranked like the chat."""

from __future__ import annotations

import pytest

from content import Content
from dialogs.qa.answer import Answerer
from dialogs.qa.present import Presenter
from dialogs.qa.search import LIMIT, MAX_QUERY, Search, first_sentence, topic


@pytest.fixture(scope="module")
def search(content: Content, answerer: Answerer) -> Search:
    return Search(content, answerer, Presenter(content, answerer))


def targets(search: Search, query: str, limit: int = LIMIT) -> list[str]:
    return [p.target for p in search.search(query, limit)]


@pytest.mark.parametrize(
    ("query", "first", "title"),
    [
        ("2.3", "maalsaetning:2.3", "Målsætning 2.3"),
        ("målsætning 2,3", "maalsaetning:2.3", "Målsætning 2.3"),
        ("recovery", "term:recovery", "Recovery"),
        ("pejlemærke 3", "pejlemaerke:3", "Pejlemærke 3: Mest muligt i eget liv"),
        ("det tredje pejlemærke", "pejlemaerke:3", "Pejlemærke 3: Mest muligt i eget liv"),
        ("TRIO", "term:trio", "TRIO"),
        (
            "hvornår blev strategien godkendt",
            "fact:godkendelse",
            "Hvornår blev strategien godkendt?",
        ),
        ("målsætninger", "list:maalsaetninger", "Alle 14 målsætninger"),
        ("om strategien", "about", "Fælles langsigtet strategi på Socialområdet"),
    ],
)
def test_the_chats_answer_comes_first(search: Search, query: str, first: str, title: str) -> None:
    [best, *_] = search.search(query)
    assert (best.target, best.title) == (first, title)


def test_the_answer_is_the_one_the_chat_gives(search: Search, answerer: Answerer) -> None:
    for query in ("borgerinddragelse", "kerneopgaven", "hvad er LMU", "tværgående samarbejde"):
        assert targets(search, query)[0] == answerer.answer(query).target, query


def test_a_free_phrase_gives_related_topics_best_first(search: Search) -> None:
    found = targets(search, "fællesskaber og frivillige")
    assert 3 <= len(found) <= LIMIT
    assert len(set(found)) == len(found)
    assert all(topic(t) == t for t in found)


def test_at_most_limit_results(search: Search) -> None:
    assert len(targets(search, "pejlemærke")) == LIMIT
    assert len(targets(search, "pejlemærke", 3)) == 3
    assert targets(search, "pejlemærke", 0) == []


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_an_empty_query_gives_the_four_pejlemaerker(search: Search, query: str) -> None:
    assert targets(search, query) == [f"pejlemaerke:{n}" for n in range(1, 5)]


@pytest.mark.parametrize(
    "query", ["x" * 1000, "målsætning 2.3 " * 100, "a" * (MAX_QUERY + 1), "målsætning 9.9"]
)
def test_bad_input_gives_nothing(search: Search, query: str) -> None:
    assert search.search(query) == []


@pytest.mark.parametrize("query", ["hej", "tak", "hvem er du?", "hvad bliver vejret i morgen"])
def test_small_talk_and_other_topics_give_no_strategy(search: Search, query: str) -> None:
    assert all(not t.startswith(("own:", "command:")) for t in targets(search, query))
    assert "smalltalk" not in targets(search, query)


def test_each_preview_is_a_title_and_one_line(search: Search) -> None:
    for query in ("", "TRIO", "pejlemærke", "godkendt", "fællesskab", "nøgleord"):
        for preview in search.search(query):
            assert preview.title and preview.line, preview.target
            assert "\n" not in preview.line and len(preview.line) <= 140


def test_the_card_is_the_official_wording_with_its_source_and_no_buttons(search: Search) -> None:
    [preview] = search.search("2.3", 1)
    body = preview.card["body"]
    assert body[0]["text"].startswith("2.3 Vores serviceniveau er tydeligt, realistisk")
    assert any(e.get("text", "").startswith("Kilde: Fælles langsigtet strategi") for e in body)
    assert all(e["type"] != "ActionSet" for e in body)
    assert "Hjalp svaret?" not in str(body)
    assert preview.card["fallbackText"].startswith("2.3 Vores serviceniveau")


def test_the_search_is_pure(search: Search) -> None:
    assert search.search("borgerinddragelse i hverdagen") == search.search(
        "borgerinddragelse i hverdagen"
    )


def test_first_sentence() -> None:
    assert first_sentence("Et. To.") == "Et."
    assert first_sentence("a" * 200, 10) == "aaaaaaaaa…"
    assert first_sentence("Linje\nto") == "Linje to"
