"""What the features need from the bot to send proactive messages (implemented in ``bot/``).

Recipients are ``user:<Entra ID object id>`` (their personal chat) or ``channel:<id>``.
"""

from __future__ import annotations

from typing import Protocol

from dialogs.replies import Reply


class Delivery(Protocol):
    """Hands proactive messages to Teams, and says who can be reached."""

    async def send(self, recipient: str, reply: Reply, key: str) -> bool:
        """Queue ``reply`` once per ``key``; False if the recipient cannot be reached yet
        (the app is not installed there), so the caller keeps the message pending."""
        ...

    async def reachable(self, user_id: str) -> bool:
        """True if the user's personal chat can be written to."""
        ...

    async def refused(self, recipient: str) -> int | None:
        """The HTTP status with which Teams refused messages to ``recipient``, or None."""
        ...

    async def send_to_admins(self, reply: Reply, key: str) -> int:
        """Queue ``reply`` for every admin who can be reached; how many were."""
        ...
