"""Replies as plain data: what the bot layer turns into Teams activities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CardJson = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One outgoing message: a plain-text version and, usually, an Adaptive Card."""

    text: str
    card: CardJson | None = None
