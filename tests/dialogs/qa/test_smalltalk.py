"""Small talk is recognised as whole messages and never mistaken for a strategy question."""

from __future__ import annotations

import pytest

from content import Content
from dialogs.qa.smalltalk import SmallTalk


@pytest.fixture(scope="module")
def smalltalk(content: Content) -> SmallTalk:
    return SmallTalk(content.conversation.smalltalk)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("hej", "greeting"),
        ("Hej Strategibot!", "greeting"),
        ("godmorgen", "greeting"),
        ("tak", "thanks"),
        ("Mange tak!", "thanks"),
        ("tak for hjaelpen", "thanks"),
        ("hvem er du?", "who"),
        ("er du en robot?", "robot"),
        ("Er du et menneske", "robot"),
        ("hvem har lavet dig?", "maker"),
        ("hvem har egentlig lavet dig", "maker"),
        ("hvem har lavet dig", "maker"),
        ("farvel", "bye"),
        ("ok", "ok"),
        ("tak, farvel", "bye"),  # several pieces of small talk: the reply to the last
        ("hej bot, hvordan går det?", "how_are_you"),
        ("er du chatgpt eller hvad", "robot"),
        ("hej igen", "greeting"),
        ("cool thx", "thanks"),  # one-word small talk only: the reply to the last
        ("ok farvel", "bye"),
        ("hi, do you speak english?", "english"),
        ("hej, har du tid til et spørgsmål", "may_i_ask"),
    ],
)
def test_small_talk_topics(smalltalk: SmallTalk, text: str, topic: str) -> None:
    assert smalltalk.match(text) == topic


@pytest.mark.parametrize(
    "text",
    [
        "hvem har lavet strategien",  # about the strategy's authors, not the bot
        "hej, hvad er TRIO?",
        "hvad er LMU",
        "tak for svaret, men hvad betyder recovery",
        "hvad skal vi drøfte på næste møde",
        "tak hvad er lmu",  # one-word small talk and a question
        "super godt tryghed",
    ],
)
def test_questions_are_not_small_talk(smalltalk: SmallTalk, text: str) -> None:
    assert smalltalk.match(text) is None


def test_a_greeting_in_front_of_a_question_is_dropped(smalltalk: SmallTalk) -> None:
    assert smalltalk.without_greeting("Hej, hvad er TRIO?") == "hvad er TRIO"
    assert smalltalk.without_greeting("tak for svaret. hvad betyder recovery") == (
        "hvad betyder recovery"
    )
    assert smalltalk.without_greeting("god morgen! hvad er LMU") == "hvad er LMU"
    assert smalltalk.without_greeting("hvad er LMU") == "hvad er LMU"


@pytest.mark.parametrize(
    ("text", "topic"),
    [("godmorgen bot", "greeting"), ("hej du", "greeting"), ("super tak for hjælpen", "thanks"),
     ("er du et menneske eller en bot", "robot"), ("hvem er du egentlig", "who"),
     ("er du en robot eller et menneske", "robot")],
)  # fmt: skip
def test_small_talk_with_words_that_change_nothing(
    smalltalk: SmallTalk, text: str, topic: str
) -> None:
    assert smalltalk.match(text) == topic


@pytest.mark.parametrize("text", ["hvad så med 2.3", "tak men hvad er trio", "hvad er en bot"])
def test_a_question_with_small_talk_words_is_not_small_talk(
    smalltalk: SmallTalk, text: str
) -> None:
    assert smalltalk.match(text) is None


def test_a_greeting_before_a_number_keeps_the_number(smalltalk: SmallTalk) -> None:
    assert smalltalk.without_greeting("godmorgen bot, hvad er 2.3") == "hvad er 2.3"
