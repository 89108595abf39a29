"""Every card the bot sends passes Microsoft's Adaptive Cards renderer (npm ``adaptivecards``)."""

from __future__ import annotations

from typing import Any, get_args

from content import Content
from dialogs.qa.answer import Kind
from tests.cards.collection import all_cards, qa_answers, validate_cards


def test_every_card_passes_the_renderer(content: Content) -> None:
    cards = all_cards(content)
    report = validate_cards(cards)
    assert set(report) == set(cards)
    assert {name: problems for name, problems in report.items() if problems} == {}


def test_the_cards_cover_every_kind_of_answer(content: Content) -> None:
    answers = qa_answers(content)
    # A "help" answer is shown with the help feature's card (help_cards in the collection).
    assert {a.kind for a in answers.values()} == set(get_args(Kind)) - {"help"}
    fallbacks = [a for a in answers.values() if a.kind == "fallback"]
    assert any(a.alternatives for a in fallbacks)
    assert any(not a.alternatives for a in fallbacks)
    assert {a.kind for a in answers.values() if a.language == "en"} >= {
        "maalsaetning",
        "pejlemaerke",
        "term",
        "fact",
        "list_pejlemaerker",
        "list_maalsaetninger",
        "unknown",
        "fallback",
    }
    assert "welcome" in all_cards(content)


def _card(version: str, *body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": version, "body": list(body)}


TEXT = {"type": "TextBlock", "text": "hej", "wrap": True}


def test_the_validator_rejects_what_teams_would_not_render() -> None:
    report = validate_cards(
        {
            "good": _card("1.5", TEXT),
            "version 1.6": _card("1.6", TEXT),
            "no version": {"type": "AdaptiveCard", "body": [TEXT]},
            "unknown element": _card("1.5", {"type": "Carousel3D"}),
            "bad value": _card("1.5", {**TEXT, "weight": "Heavy"}),
            "newer than its version": _card("1.2", {**TEXT, "style": "heading"}),
            "unknown action": _card(
                "1.5", {"type": "ActionSet", "actions": [{"type": "Action.Teleport"}]}
            ),
            "duplicate ids": _card("1.5", {**TEXT, "id": "x"}, {**TEXT, "id": "x"}),
            "not a card": {"type": "Message"},
        }
    )
    assert report.pop("good") == []
    assert any("above 1.5" in p for p in report["version 1.6"])
    assert {name for name, problems in report.items() if not problems} == set()
