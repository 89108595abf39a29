"""Where the strategy's official wording uses a word.

A glossary word's answer shows the målsætninger, nøgleord and texts about each pejlemærke that
use it, and "hvilket pejlemærke hører det til?" right after the word is answered from the
same place: "psykologisk tryghed" stands only in the text about pejlemærke 4.
"""

from __future__ import annotations

from dataclasses import dataclass

from content.models import Maalsaetning, Noegleord, Pejlemaerke, Strategy
from dialogs.qa.text import content_tokens


@dataclass(frozen=True)
class Placement:
    """The official texts that use one word."""

    maalsaetninger: tuple[Maalsaetning, ...]
    noegleord: tuple[Noegleord, ...]
    pejlemaerker: tuple[Pejlemaerke, ...]  # whose vision or "Om pejlemærket" uses it

    @property
    def pejlemaerke(self) -> int | None:
        """The one pejlemærke the word belongs to; None when it stands under several or none."""
        numbers = (
            {p.number for p in self.pejlemaerker}
            | {m.pejlemaerke for m in self.maalsaetninger}
            | {n.pejlemaerke for n in self.noegleord}
        )
        return next(iter(numbers)) if len(numbers) == 1 else None


class Placements:
    """Finds where words are used in the strategy; each official text is tokenised once."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self._tokens: dict[str, list[str]] = {}
        self._found: dict[str, Placement] = {}

    def of(self, word: str) -> Placement:
        """Every official text that uses all of ``word``'s words (a compound counts:
        "tryghed" is used by "psykologisk tryghed" and by "utryghed")."""
        found = self._found.get(word)
        if found is None:
            strategy = self.strategy
            wanted = set(content_tokens(word))
            found = self._found[word] = Placement(
                tuple(m for m in strategy.maalsaetninger if self._uses(m.text, wanted)),
                tuple(n for n in strategy.noegleord if self._uses(n.text, wanted)),
                tuple(
                    p
                    for p in strategy.pejlemaerker
                    if any(self._uses(text, wanted) for text in (p.vision, *p.about))
                ),
            )
        return found

    def _uses(self, text: str, wanted: set[str]) -> bool:
        tokens = self._tokens.get(text)
        if tokens is None:
            tokens = self._tokens[text] = content_tokens(text)
        return bool(wanted) and all(any(t == w or t.endswith(w) for t in tokens) for w in wanted)
