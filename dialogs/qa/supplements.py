"""What the Q&A needs from »Spørg en fagperson« (``dialogs/experts``), as a small interface.

Before its honest fallback the Q&A asks for a supplementary answer to a similar question (an
expert's answer, always marked as not part of the strategy's text); under a fallback and after
a 👎 it asks for the elements that let the asker forward the question to the experts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from dialogs.replies import Reply
from dialogs.router import Turn


class ExpertHelp(Protocol):
    """Supplementary answers, and forwarding a question to the experts."""

    async def supplement(self, question: str, now: datetime) -> Reply | None:
        """A published supplementary answer to a question like ``question``, or None."""
        ...

    async def offer(self, turn: Turn, question: str, attempted: str) -> list[dict[str, Any]]:
        """Card elements that let the asker forward ``question`` (which the bot answered with
        ``attempted``, a target such as ``fallback``) to the experts; nothing when no expert
        channel is connected or Teams did not say who asked."""
        ...
