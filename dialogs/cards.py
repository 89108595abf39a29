"""Small builders for Adaptive Cards (schema 1.5, the highest Teams renders)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dialogs.replies import CardJson

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
