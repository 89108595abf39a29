"""Small builders for Adaptive Cards (schema 1.5, the highest Teams renders).

A ``TextBlock`` (and a fact's title and value) is Markdown in Teams, and so is a message's
text: user text (a comment, a name, a unit, a committee or round name, a question quoted
back) goes into either only through :func:`plain`, so a link or formatting in it shows as
the characters that were typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dialogs.replies import CardJson, Reply

CARD_VERSION = "1.5"
MAX_ACTIONS = 6  # Teams shows at most six actions in one set

# What Markdown in Teams reads as syntax anywhere in a line: emphasis, code, links and images
# ([text](url), <url>: no link without its brackets), mention and other tags, strike-through;
# and at a line's start a heading, a quote or a list item.
_INLINE = re.compile(r"([\\`*_\[\]<>~])")
_LINE_START = re.compile(r"^([ \t]*)([#>+-]|\d+(?=[.)]))", re.MULTILINE)


def plain(text: str) -> str:
    """User text safe in a ``TextBlock`` or a message: every Markdown character is escaped
    with a backslash (CommonMark), so it is shown, never interpreted."""
    return _LINE_START.sub(_escape_line_start, _INLINE.sub(r"\\\1", text))


def _escape_line_start(m: re.Match[str]) -> str:
    indent, mark = m[1], m[2]
    return f"{indent}{mark}\\" if mark[0].isdigit() else f"{indent}\\{mark}"  # "1\." "\-"


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


def execute(title: str, data: dict[str, Any]) -> dict[str, Any]:
    """An ``Action.Execute`` button (Universal Actions): the bot answers with a card that
    replaces this one in place. ``data["action"]`` is also its verb; a client without
    Universal Actions uses the ``Action.Submit`` fallback, and the answer comes as a message."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": str(data["action"]),
        "data": data,
        "fallback": submit(title, data),
    }


def show_card(
    title: str, body: Iterable[dict[str, Any]], actions: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """An ``Action.ShowCard`` button: ``body`` (inputs, say) and ``actions`` unfold under the
    card, with no round trip; the inner action sends the inputs with its data."""
    inner = {
        "type": "AdaptiveCard",
        "body": [element for element in body if element],
        "actions": list(actions),
    }
    return {"type": "Action.ShowCard", "title": title, "card": inner}
