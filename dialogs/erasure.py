"""What "slet mine data" needs from every part that keeps data about users.

The mydata feature deletes what the status and reminder features store, and asks every other
holder (the questions log, the bot's outbox and conversations) through :class:`Eraser`. Ids
are never hashed instead of deleted: a hash of an id is still the id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


def _never(key: str) -> bool:
    return False


@dataclass(frozen=True)
class Keep:
    """What stays after "slet mine data" because the user still has a role that needs it.

    A chair stays chair until the committee is handed over or deleted, and keeps getting its
    reminders: ``chat`` keeps the personal chat they arrive in, ``key`` says which stored
    message and ledger keys belong to those reminders.
    """

    chat: bool = False
    key: Callable[[str], bool] = field(default=_never)


class Eraser(Protocol):
    """Something that keeps data about users, and can list and delete it."""

    async def held(self, user_id: str) -> list[str]:
        """Lines for "mine data" and its deletion: what is kept about the user here."""
        ...

    async def erase(self, user_id: str, keep: Keep) -> set[str]:
        """Delete what is kept about the user here, except ``keep``; returns the ids and the
        texts deleted, so files kept aside can be scrubbed of them too."""
        ...


def mentions(text: str, user_id: str) -> bool:
    """True if ``text`` (a key, or a document's JSON) names ``user_id`` as a whole id.

    Ids are compared whole: ``aad-1`` is not named in ``aad-10``. An empty id names nothing.
    """
    if not user_id:
        return False
    return re.search(rf"(?<![\w-]){re.escape(user_id)}(?![\w-])", text) is not None
