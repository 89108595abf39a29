"""What the reminder tests read off a card: its text blocks and its actions, at any depth."""

from __future__ import annotations

import re
from typing import Any

# A line break inside a TextBlock that Teams keeps: a blank line, or the start of a list item.
_KEPT_BREAK = re.compile(r"\n\n+|\n(?=- )")


def text_blocks(node: Any) -> list[str]:
    """The text of every TextBlock in ``node`` (a card, an element or a list), in order."""
    if isinstance(node, dict):
        own = [str(node["text"])] if node.get("type") == "TextBlock" else []
        return own + [t for value in node.values() for t in text_blocks(value)]
    if isinstance(node, list):
        return [t for value in node for t in text_blocks(value)]
    return []


def all_actions(node: Any) -> list[dict[str, Any]]:
    """Every action in ``node``, nested ones (a fallback, a shown card) too."""
    if isinstance(node, dict):
        own = [node] if str(node.get("type", "")).startswith("Action.") else []
        return own + [a for value in node.values() for a in all_actions(value)]
    if isinstance(node, list):
        return [a for value in node for a in all_actions(value)]
    return []


def single_breaks(node: Any) -> list[str]:
    """The TextBlocks with a single line break, which Teams ignores (Markdown joins the
    lines): only a blank line or a list item starts a new line."""
    return [text for text in text_blocks(node) if "\n" in _KEPT_BREAK.sub("", text)]
