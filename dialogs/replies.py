"""Replies as plain data: what the bot layer turns into Teams activities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CardJson = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One outgoing message: a plain-text version and, usually, an Adaptive Card.

    ``suggestions`` are up to three follow-up questions shown as buttons under the message
    (Teams shows suggested actions in the personal chat only); each asks what its text says.
    """

    text: str
    card: CardJson | None = None
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preview:
    """One result of the search message extension: a title and one line to choose by, and the
    self-contained card that choosing it inserts into the conversation."""

    target: str
    title: str
    line: str
    card: CardJson
