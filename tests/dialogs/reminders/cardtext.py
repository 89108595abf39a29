"""Line breaks that Teams ignores in the reminder cards' text blocks."""

from __future__ import annotations

import re
from typing import Any

from tests.cards.walk import text_blocks

# A line break inside a TextBlock that Teams keeps: a blank line, or the start of a list item.
_KEPT_BREAK = re.compile(r"\n\n+|\n(?=- )")


def single_breaks(node: Any) -> list[str]:
    """The TextBlocks with a single line break, which Teams ignores (Markdown joins the
    lines): only a blank line or a list item starts a new line."""
    return [text for text in text_blocks(node) if "\n" in _KEPT_BREAK.sub("", text)]
