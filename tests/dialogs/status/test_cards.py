"""The status round's cards: valid Adaptive Cards 1.5 as Microsoft's renderer reads them, short
enough for Teams, and saying first what they are about."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from content import Content
from content.models import Status
from dialogs.cards import MAX_ACTIONS
from dialogs.replies import CardJson
from dialogs.status.cards import (
    CARD_BUDGET,
    GOALS_PER_PAGE,
    Draft,
    nudge_reply,
    receipt_reply,
    register_form,
    status_card,
    status_pages,
)
from dialogs.status.models import MAX_COMMENT, Answer, Round, StatusReply
from tests.cards.collection import validate_cards
from tests.cards.walk import elements

AT = datetime(2027, 5, 25, 8, 0, tzinfo=UTC)


def every_round(content: Content) -> Round:
    ids = tuple(m.id for m in content.strategy.maalsaetninger)
    return Round(id="r1", name="Forår 2027", maalsaetninger=ids, recipients=("aad-1",),
                 deadline=date(2027, 6, 9), opened_at=AT)  # fmt: skip


def full_reply(content: Content, round_: Round) -> StatusReply:
    """A reply to every målsætning with the longest comments allowed."""
    answers = tuple(
        Answer(maalsaetning=i, status=Status.PARTLY, comment="æ" * MAX_COMMENT,
               next_step="ø" * MAX_COMMENT)
        for i in round_.maalsaetninger
    )  # fmt: skip
    return StatusReply(round_id=round_.id, user_id="aad-1", unit="Bostøtte", answers=answers,
                       first_at=AT, updated_at=AT, late=True)  # fmt: skip


def test_every_status_card_is_valid_and_under_the_budget(content: Content) -> None:
    round_ = every_round(content)
    reply = full_reply(content, round_)
    pages = status_pages(content, round_)
    cards: dict[str, CardJson | None] = {
        f"status/page-{n}": status_card(content, round_, n, reply, content.status.card_late).card
        for n in range(len(pages))
    }
    cards["status/refused"] = status_card(
        content, round_, 0, None, problem="Feltet »Kommentar« …", drafts={"1.1": Draft("delvist")}
    ).card
    answers = reply.answers[:4]
    cards["status/receipt"] = receipt_reply(content, round_, answers, reply, "Mette", 1).card
    cards["status/register"] = register_form(content).card
    cards["status/nudge"] = nudge_reply(content, round_, 1, 1).card
    checked = {name: c for name, c in cards.items() if c is not None}
    assert {name: p for name, p in validate_cards(checked).items() if p} == {}
    for name, card_json in checked.items():
        assert len(json.dumps(card_json, ensure_ascii=False)) < CARD_BUDGET + 4_000, name
        for action_set in (e for e in elements(card_json) if e["type"] == "ActionSet"):
            assert len(action_set["actions"]) <= MAX_ACTIONS


def test_a_round_of_every_goal_has_a_page_per_pejlemaerke(content: Content) -> None:
    pages = status_pages(content, every_round(content))
    assert pages == [
        ("1.1", "1.2", "1.3", "1.4"), ("2.1", "2.2", "2.3", "2.4"),
        ("3.1", "3.2", "3.3"), ("4.1", "4.2", "4.3"),
    ]  # fmt: skip
    assert all(len(page) <= GOALS_PER_PAGE for page in pages)
    few = every_round(content).model_copy(update={"maalsaetninger": ("1.1", "2.3", "4.1")})
    assert status_pages(content, few) == [("1.1", "2.3", "4.1")]  # small pejlemærker share


def test_the_card_says_first_what_it_is_about(content: Content) -> None:
    """Round, deadline, the målsætninger on the page and how far the leader is: before any
    field; comments and next steps folded away until they hold text."""
    round_ = every_round(content)
    card_json = status_card(content, round_, 1, None).card
    assert card_json is not None
    head, facts = card_json["body"][:2]
    assert head["text"] == "Status: Forår 2027"
    assert {f["title"]: f["value"] for f in facts["facts"]} == {
        "Frist": "9. juni 2027",
        "På kortet": "Side 2 af 4: 2.1–2.4",
        "Besvaret": "0 af 14 målsætninger",
    }
    folded = [e for e in elements(card_json) if e.get("isVisible") is False]
    assert [e["id"] for e in folded] == ["details_2_1", "details_2_2", "details_2_3", "details_2_4"]
    edited = status_card(content, round_, 1, full_reply(content, round_)).card
    assert not [e for e in elements(edited) if e.get("isVisible") is False]  # text shows
