"""Reading a card in tests: its elements, actions and text blocks at any depth (containers,
columns, shown cards, toggled parts)."""

from __future__ import annotations

from typing import Any


def elements(node: Any, *, fallbacks: bool = True) -> list[dict[str, Any]]:
    """Every element and action of ``node`` (a card, an element or a list), in order.
    ``fallbacks=False`` leaves out an ``Action.Execute``'s ``Action.Submit`` for old clients."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for key, value in node.items():
            if fallbacks or key != "fallback":
                found += elements(value, fallbacks=fallbacks)
    elif isinstance(node, list):
        for item in node:
            found += elements(item, fallbacks=fallbacks)
    return found


def actions(node: Any, *, fallbacks: bool = True) -> list[dict[str, Any]]:
    """Every action (button) of ``node``, nested ones too."""
    return [
        element
        for element in elements(node, fallbacks=fallbacks)
        if str(element.get("type", "")).startswith("Action.")
    ]


def text_blocks(node: Any) -> list[str]:
    """The text of every ``TextBlock`` of ``node``, in order."""
    return [str(e.get("text", "")) for e in elements(node) if e.get("type") == "TextBlock"]
