"""Who may do what with a committee's reminders: pure rules over one committee.

Roles are granted, not claimed: ``tilmeld trio`` only asks, and the chair (or an admin)
approves. The reminder's buttons and the meeting notes count towards what OMU is told, so
only the chair, approved TRIO members and admins may use them — wherever they click: a click
in the committee's channel by anyone else does not count, as the whole team can see it.
"""

from __future__ import annotations

from typing import Literal

from dialogs.reminders.models import Committee, Person

TrioRequest = Literal["chair", "member", "waiting", "approved", "pending"]


def may_change(committee: Committee, user_id: str, is_admin: bool) -> bool:
    """Edit, delete, link or move the committee's meetings, and approve its TRIO: the chair
    or an admin."""
    return is_admin or committee.chair.user_id == user_id


def may_act(committee: Committee, user_id: str, is_admin: bool) -> bool:
    """Acknowledge ("Sat på dagsordenen"), snooze, or write a meeting's notes: the chair, an
    approved TRIO member or an admin."""
    return may_change(committee, user_id, is_admin) or any(
        p.user_id == user_id for p in committee.approved_trio
    )


def trio_request(committee: Committee, user_id: str, is_admin: bool) -> TrioRequest:
    """What ``tilmeld trio`` does: nothing for the chair or a member ("chair", "member"), or
    for one who has asked already ("waiting"); an admin joins at once ("approved"); anyone
    else asks the chair ("pending")."""
    if committee.chair.user_id == user_id:
        return "chair"
    found = trio_member(committee, user_id)
    if found is not None and not found.pending:
        return "member"
    if is_admin:
        return "approved"
    return "waiting" if found is not None else "pending"


def trio_member(committee: Committee, user_id: str) -> Person | None:
    """The user's entry in the TRIO, approved or pending."""
    return next((p for p in committee.trio if p.user_id == user_id), None)


def open_trio_request(committee: Committee, user_id: str) -> Person | None:
    """The user's pending request to join the TRIO, if it is still open (not decided,
    withdrawn or deleted)."""
    found = trio_member(committee, user_id)
    return found if found is not None and found.pending else None
