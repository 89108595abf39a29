"""Small builders for Adaptive Cards (schema 1.5, the highest Teams renders)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dialogs.replies import CardJson, Reply

CARD_VERSION = "1.5"
MAX_ACTIONS = 6  # Teams shows at most six actions in one set


def card(body: Iterable[dict[str, Any]], fallback_text: str) -> CardJson:
    """An Adaptive Card with ``body`` elements."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": fallback_text,
        "body": [element for element in body if element],
    }


def form(title: str, body: Iterable[dict[str, Any]], fallback_text: str = "") -> Reply:
    """A card with input fields under a title: sent as the card alone, with ``title`` as the
    notification summary, so the form is one message that its submit can answer to."""
    return Reply(text=title, card=card([heading(title), *body], fallback_text or title))


def is_form(card_json: CardJson) -> bool:
    """True if the card has input fields (see :func:`form`)."""
    return any(str(e.get("type", "")).startswith("Input.") for e in card_json.get("body", []))


def heading(text: str) -> dict[str, Any]:
    """A bold, wrapping title line."""
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": True}


def paragraph(text: str, *, subtle: bool = False, italic: bool = False) -> dict[str, Any]:
    """A wrapping text block."""
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
        block["size"] = "Small"
    if italic:
        block["text"] = f"_{text}_"
    return block


def label(text: str) -> dict[str, Any]:
    """A small bold label above a section."""
    return {
        "type": "TextBlock",
        "text": text,
        "weight": "Bolder",
        "spacing": "Medium",
        "wrap": True,
    }


def bullets(lines: Iterable[str]) -> dict[str, Any]:
    """A Markdown bullet list in one text block."""
    return {"type": "TextBlock", "text": "\n".join(f"- {line}" for line in lines), "wrap": True}


def submit(title: str, data: dict[str, Any]) -> dict[str, Any]:
    """An ``Action.Submit`` button."""
    return {"type": "Action.Submit", "title": title, "data": data}


def action_set(actions: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """An ``ActionSet`` of at most :data:`MAX_ACTIONS` buttons (empty → nothing)."""
    limited = list(actions)[:MAX_ACTIONS]
    return {"type": "ActionSet", "actions": limited} if limited else {}
