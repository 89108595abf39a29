"""The one place where a message's text becomes an intent.

A message that *is* a command (an alias from ``content/data/intents.yaml``, compared without
case, punctuation or æ/ø/å spelling, one typo allowed in longer aliases) becomes that command;
a message that asks how to use one ("hvordan opretter jeg et udvalg?", a command's ``howto``)
is ``howto`` with the command as its argument; an empty message is ``empty``; everything else
is a question (``ask``) for the Q&A answerer. How-to phrasings are whole messages too (a typo
or two allowed), so a question about the strategy that merely starts with "hvordan" stays a
question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from content.models import Command
from dialogs.text import clean, fold, strip_markup, words

ASK = "ask"
EMPTY = "empty"
HOWTO = "howto"
Language = Literal["da", "en"]
# Typos allowed in a whole message: one in an alias of 5 characters or more; in a how-to
# phrasing (always a longer sentence) one, and two from 20 characters.
_ALIAS_TYPO_FROM = 5
_HOWTO_TYPOS = ((20, 2), (5, 1))


@dataclass(frozen=True)
class Intent:
    """What a message asks for, with its text (mentions removed) and, for commands that
    take one ("slet udvalg LMU Ørum"), the argument after the command words."""

    name: str
    text: str
    argument: str = ""
    language: Language = "da"  # "en" when an English alias asked ("help")


def command_key(text: str) -> str:
    """The comparable form of a whole message: folded words, or the bare symbol ("?")."""
    return " ".join(fold(w) for w in words(text)) or clean(text)


class IntentParser:
    """Maps message text to an :class:`Intent` using the command table."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self._aliases: dict[str, str] = {}
        self._english: set[str] = set()  # keys of the aliases that ask in English
        self._howto: dict[str, str] = {}  # how-to phrasing -> its command's intent
        self._prefixes: list[tuple[list[str], str, re.Pattern[str] | None]] = []
        for command in commands:
            for alias in command.aliases:
                self._aliases[command_key(alias)] = command.intent
            self._english.update(command_key(alias) for alias in command.english)
            for phrasing in command.howto:
                self._howto[command_key(phrasing)] = command.intent
            pattern = re.compile(command.argument_pattern) if command.argument_pattern else None
            for prefix in command.prefixes:
                self._prefixes.append((command_key(prefix).split(), command.intent, pattern))
        self._prefixes.sort(key=lambda item: -len(item[0]))  # longest prefix wins
        self._fuzzy_keys = [k for k in self._aliases if len(k) >= _ALIAS_TYPO_FROM]
        self._fuzzy_howto = list(self._howto)

    def parse(self, text: str) -> Intent:
        """The intent of one message."""
        stripped = " ".join(strip_markup(text).split())
        key = command_key(stripped)
        if not key:
            return Intent(EMPTY, "")
        if key in self._aliases:
            return self._command(key, stripped)
        if key in self._howto:
            return Intent(HOWTO, stripped, self._howto[key])
        folded = key.split()
        for prefix, name, pattern in self._prefixes:
            if folded[: len(prefix)] == prefix and len(folded) > len(prefix):
                argument = _after_words(stripped, len(prefix))
                if pattern is None or pattern.search(argument):
                    return Intent(name, stripped, argument)
        if len(key) >= _ALIAS_TYPO_FROM:
            found = _closest(key, self._fuzzy_keys, 1)
            if found:
                return self._command(found, stripped)
        typos = next((n for length, n in _HOWTO_TYPOS if len(key) >= length), 0)
        found = _closest(key, self._fuzzy_howto, typos) if typos else None
        if found:
            return Intent(HOWTO, stripped, self._howto[found])
        return Intent(ASK, stripped)

    def _command(self, key: str, text: str) -> Intent:
        """The command whose alias is ``key``, in the alias's language."""
        language: Language = "en" if key in self._english else "da"
        return Intent(self._aliases[key], text, language=language)


def _closest(key: str, keys: list[str], typos: int) -> str | None:
    """The key within ``typos`` edits of ``key``, if any (the closest)."""
    found = process.extractOne(key, keys, scorer=Levenshtein.distance, score_cutoff=typos)
    return found[0] if found else None


def _after_words(text: str, count: int) -> str:
    """``text`` without its first ``count`` words (as :func:`words` counts them)."""
    pattern = r"^\W*" + r"\W+".join([r"[\wæøåÆØÅ]+"] * count) + r"\W*"
    return re.sub(pattern, "", text, count=1).strip()
