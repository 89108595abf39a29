"""The one place where a message's text becomes an intent.

A message that *is* a command (an alias from ``content/data/intents.yaml``, compared without
case, punctuation or æ/ø/å spelling, one typo allowed in longer aliases) becomes that command;
an empty message is ``empty``; everything else is a question (``ask``) for the Q&A answerer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from content.models import Command
from dialogs.text import clean, fold, strip_markup, words

ASK = "ask"
EMPTY = "empty"


@dataclass(frozen=True)
class Intent:
    """What a message asks for, with its text (mentions removed) and, for commands that
    take one ("slet udvalg LMU Ørum"), the argument after the command words."""

    name: str
    text: str
    argument: str = ""


def command_key(text: str) -> str:
    """The comparable form of a whole message: folded words, or the bare symbol ("?")."""
    return " ".join(fold(w) for w in words(text)) or clean(text)


class IntentParser:
    """Maps message text to an :class:`Intent` using the command table."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self._aliases: dict[str, str] = {}
        self._prefixes: list[tuple[list[str], str, re.Pattern[str] | None]] = []
        for command in commands:
            for alias in command.aliases:
                self._aliases[command_key(alias)] = command.intent
            pattern = re.compile(command.argument_pattern) if command.argument_pattern else None
            for prefix in command.prefixes:
                self._prefixes.append((command_key(prefix).split(), command.intent, pattern))
        self._prefixes.sort(key=lambda item: -len(item[0]))  # longest prefix wins
        self._fuzzy_keys = [k for k in self._aliases if len(k) >= 5]

    def parse(self, text: str) -> Intent:
        """The intent of one message."""
        stripped = " ".join(strip_markup(text).split())
        key = command_key(stripped)
        if not key:
            return Intent(EMPTY, "")
        if key in self._aliases:
            return Intent(self._aliases[key], stripped)
        folded = key.split()
        for prefix, name, pattern in self._prefixes:
            if folded[: len(prefix)] == prefix and len(folded) > len(prefix):
                argument = _after_words(stripped, len(prefix))
                if pattern is None or pattern.search(argument):
                    return Intent(name, stripped, argument)
        if len(key) >= 5:
            found = process.extractOne(
                key, self._fuzzy_keys, scorer=Levenshtein.distance, score_cutoff=1
            )
            if found:
                return Intent(self._aliases[found[0]], stripped)
        return Intent(ASK, stripped)


def _after_words(text: str, count: int) -> str:
    """``text`` without its first ``count`` words (as :func:`words` counts them)."""
    pattern = r"^\W*" + r"\W+".join([r"[\wæøåÆØÅ]+"] * count) + r"\W*"
    return re.sub(pattern, "", text, count=1).strip()
