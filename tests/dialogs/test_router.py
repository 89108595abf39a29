"""The router table and the dispatcher: text by intent, card clicks by action, "ask" buttons
as typed text, and refusals for what no handler takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from content import Content
from dialogs.intents import ASK, Intent, IntentParser
from dialogs.replies import Reply
from dialogs.router import MAX_TEXT, Dispatcher, Router, Turn

NOW = datetime(2026, 12, 1, 10, 0)
INVALID, TOO_LONG = Reply("invalid"), Reply("too long")


def turn(text: str = "", value: Mapping[str, Any] | None = None) -> Turn:
    return Turn(text, value, "aad-1", "chat-1", "personal", False, NOW)


@pytest.fixture
def seen() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def dispatcher(content: Content, seen: list[tuple[str, str]]) -> Dispatcher:
    async def on_ask(t: Turn, intent: Intent) -> list[Reply]:
        seen.append(("ask", intent.text))
        return [Reply("answer")]

    async def on_help(t: Turn, intent: Intent) -> list[Reply]:
        seen.append(("help", intent.text))
        return [Reply("help")]

    async def on_vote(t: Turn, value: Mapping[str, Any]) -> list[Reply]:
        seen.append(("vote", str(value.get("helpful"))))
        return [Reply("thanks")]

    qa = Router("qa")
    qa.on_intent(ASK, on_ask)
    qa.on_intent("help", on_help)
    votes = Router("votes")
    votes.on_action("feedback", on_vote)
    root = Router("root")
    root.include(qa)
    root.include(votes)
    return Dispatcher(
        root, IntentParser(content.commands), invalid_submit=INVALID, too_long=TOO_LONG
    )


async def test_text_goes_to_its_intent(dispatcher: Dispatcher, seen: list[Any]) -> None:
    assert await dispatcher.dispatch(turn("hjælp")) == ("help", [Reply("help")])
    assert await dispatcher.dispatch(turn("hvad er TRIO?")) == ("ask", [Reply("answer")])
    assert seen == [("help", "hjælp"), ("ask", "hvad er TRIO?")]


async def test_an_ask_button_is_routed_as_typed_text(
    dispatcher: Dispatcher, seen: list[Any]
) -> None:
    name, replies = await dispatcher.dispatch(turn(value={"action": "ask", "text": "help"}))
    assert (name, replies, seen) == ("help", [Reply("help")], [("help", "help")])


async def test_a_card_click_goes_to_its_action(dispatcher: Dispatcher, seen: list[Any]) -> None:
    name, _ = await dispatcher.dispatch(turn(value={"action": "feedback", "helpful": True}))
    assert (name, seen) == ("submit:feedback", [("vote", "True")])


@pytest.mark.parametrize(
    "value",
    [{}, {"action": "nothing-handles-this"}, {"action": 7}, {"action": "ask"},
     {"action": "ask", "text": ""}, {"action": "ask", "text": "x" * (MAX_TEXT + 1)}],
)  # fmt: skip
async def test_unknown_or_broken_clicks_are_refused(
    dispatcher: Dispatcher, seen: list[Any], value: dict[str, Any]
) -> None:
    assert await dispatcher.dispatch(turn(value=value)) == ("invalid_submit", [INVALID])
    assert seen == []


async def test_too_long_text_is_refused(dispatcher: Dispatcher, seen: list[Any]) -> None:
    assert await dispatcher.dispatch(turn("x" * (MAX_TEXT + 1))) == ("too_long", [TOO_LONG])
    assert seen == []


def test_a_name_handled_twice_is_an_error() -> None:
    async def handler(t: Turn, intent: Intent) -> list[Reply]:
        return []

    first, second = Router("first"), Router("second")
    first.on_intent("help", handler)
    second.on_intent("help", handler)
    root = Router("root")
    root.include(first)
    with pytest.raises(ValueError, match="'help' is handled twice"):
        root.include(second)


async def test_without_an_identity_only_open_handlers_run(
    content: Content, seen: list[tuple[str, str]]
) -> None:
    """A turn Teams did not identify reaches only handlers added with ``open=True`` (after
    ``include``); every other one is refused with ``unidentified`` and never runs."""

    async def on_ask(t: Turn, intent: Intent) -> list[Reply]:
        seen.append(("ask", t.user_id))
        return [Reply("answer")]

    async def on_help(t: Turn, intent: Intent) -> list[Reply]:
        seen.append(("help", t.user_id))
        return [Reply("help")]

    async def on_vote(t: Turn, value: Mapping[str, Any]) -> list[Reply]:
        seen.append(("vote", t.user_id))
        return [Reply("thanks")]

    feature = Router("feature")
    feature.on_intent(ASK, on_ask, open=True)
    feature.on_intent("help", on_help)
    feature.on_action("feedback", on_vote)
    root = Router("root")
    root.include(feature)
    refused = Reply("needs Teams")
    dispatcher = Dispatcher(
        root,
        IntentParser(content.commands),
        invalid_submit=INVALID,
        too_long=TOO_LONG,
        unidentified=refused,
    )
    nobody = replace(turn(), user_id="")
    assert not nobody.identified and turn().identified
    assert await dispatcher.dispatch(replace(nobody, text="hvad er TRIO?")) == (
        "ask",
        [Reply("answer")],
    )
    assert await dispatcher.dispatch(replace(nobody, text="hjælp")) == ("unidentified", [refused])
    ask_help = {"action": "ask", "text": "hjælp"}  # a button is routed as the typed text
    assert await dispatcher.dispatch(replace(nobody, value=ask_help)) == (
        "unidentified",
        [refused],
    )
    vote = {"action": "feedback", "helpful": True}
    assert await dispatcher.dispatch(replace(nobody, value=vote)) == ("unidentified", [refused])
    assert seen == [("ask", "")]
    assert await dispatcher.dispatch(replace(turn(), value=vote)) == (
        "submit:feedback",
        [Reply("thanks")],
    )
