"""Who is a leader: pure rules for leaders who register themselves.

Roles are granted, not claimed: a leader's replies count as their unit's status in the
half-year report, so ``tilmeld som leder`` only asks, and an admin approves from a card.
Leaders an admin imports (``python -m bot import-leaders``) are approved. A pending leader
gets no status cards, is in no round and counts in no report.
"""

from __future__ import annotations

from typing import Literal

from dialogs.status.models import Leader
from dialogs.text import fold

LeaderRequest = Literal["unchanged", "moved", "waiting", "approved", "pending"]


def leadership_request(existing: Leader | None, unit: str, is_admin: bool) -> LeaderRequest:
    """What ``tilmeld som leder <unit>`` does.

    Nothing when the user is already the approved leader of ``unit`` ("unchanged"), is the
    approved leader of another unit ("moved": they unregister first, so an approved leader
    never silently becomes a pending one), or has asked for ``unit`` already ("waiting"). An
    admin is approved at once ("approved"); anyone else asks the admins ("pending"), which
    replaces an earlier request for another unit.
    """
    same = existing is not None and same_unit(existing.unit, unit)
    if existing is not None and not existing.pending and same:
        return "unchanged"
    if is_admin:
        return "approved"
    if existing is not None and not existing.pending:
        return "moved"
    return "waiting" if same else "pending"


def same_unit(one: str, other: str) -> bool:
    """The same unit, however it is spelt ("botilbud nord", "Botilbud  Nord")."""
    return fold(" ".join(one.lower().split())) == fold(" ".join(other.lower().split()))


def open_request(leader: Leader | None, unit: str) -> bool:
    """A card's request (this user, this unit) is still open: not decided, withdrawn or
    replaced by a request for another unit."""
    return leader is not None and leader.pending and leader.unit == unit


def approved(leaders: list[Leader]) -> list[Leader]:
    """The leaders who count: asked in rounds, sent cards and nudges, shown in reports."""
    return [x for x in leaders if not x.pending]
