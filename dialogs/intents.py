"""The one place where a message's text becomes an intent.

A message that *is* a command (an alias from ``content/data/intents.yaml``, compared without
case, punctuation or æ/ø/å spelling, one typo allowed in longer aliases) becomes that command;
an empty message is ``empty``; everything else is a question (``ask``) for the Q&A answerer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from content.models import Command
from dialogs.qa.text import clean, fold, strip_markup, words

ASK = "ask"
EMPTY = "empty"


@dataclass(frozen=True)
class Intent:
    """What a message asks for, with its text (mentions removed)."""

    name: str
    text: str


def command_key(text: str) -> str:
    """The comparable form of a whole message: folded words, or the bare symbol ("?")."""
    return " ".join(fold(w) for w in words(text)) or clean(text)


class IntentParser:
    """Maps message text to an :class:`Intent` using the command table."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self._aliases: dict[str, str] = {}
        for command in commands:
            for alias in command.aliases:
                self._aliases[command_key(alias)] = command.intent
        self._fuzzy_keys = [k for k in self._aliases if len(k) >= 5]

    def parse(self, text: str) -> Intent:
        """The intent of one message."""
        stripped = " ".join(strip_markup(text).split())
        key = command_key(stripped)
        if not key:
            return Intent(EMPTY, "")
        if key in self._aliases:
            return Intent(self._aliases[key], stripped)
        if len(key) >= 5:
            found = process.extractOne(
                key, self._fuzzy_keys, scorer=Levenshtein.distance, score_cutoff=1
            )
            if found:
                return Intent(self._aliases[found[0]], stripped)
        return Intent(ASK, stripped)
