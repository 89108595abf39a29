"""Committees, meetings and the reminder ledger in the :class:`~bot.storage.Store`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.erasure import mentions
from dialogs.reminders.models import Committee, Meeting
from dialogs.store import Store

COMMITTEES = "committees"
MEETINGS = "meetings"
LEDGER = "reminder_ledger"
SNOOZES = "reminder_snoozes"
ACKS = "reminder_acks"
SETTINGS = "reminder_settings"


class ReminderRepository:
    """Typed access to the reminder tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def committees(self) -> list[Committee]:
        """Every committee."""
        return [Committee.model_validate(d) for d in (await self.store.all(COMMITTEES)).values()]

    async def committee(self, committee_id: str) -> Committee | None:
        """One committee by id."""
        doc = await self.store.get(COMMITTEES, committee_id)
        return Committee.model_validate(doc) if doc else None

    async def save_committee(self, committee: Committee) -> None:
        """Create or replace a committee."""
        await self.store.put(COMMITTEES, committee.id, committee.model_dump(mode="json"))

    async def migrate_approvals(self) -> int:
        """Write the approval state into committees stored before TRIO members needed the
        chair's approval: such members are approved. Returns how many members were; 0 once
        done, so it can run at every start."""
        changed: dict[str, dict[str, Any]] = {}
        members = 0
        for key, doc in (await self.store.all(COMMITTEES)).items():
            old = [p for p in doc.get("trio", ()) if "pending_since" not in p]
            if old:
                members += len(old)
                changed[key] = Committee.model_validate(doc).model_dump(mode="json")
        await self.store.put_many(COMMITTEES, changed)
        return members

    async def delete_committee(self, committee_id: str) -> None:
        """Remove a committee and its meetings (the ledger keeps its history)."""
        for meeting in await self.meetings(committee_id):
            await self.store.delete(MEETINGS, _meeting_key(meeting))
        await self.store.delete(COMMITTEES, committee_id)

    async def meetings(self, committee_id: str | None = None) -> list[Meeting]:
        """Meetings, of one committee or of all, by start."""
        found = [Meeting.model_validate(d) for d in (await self.store.all(MEETINGS)).values()]
        if committee_id is not None:
            found = [m for m in found if m.committee_id == committee_id]
        return sorted(found, key=lambda m: (m.start, m.id))

    async def save_meeting(self, meeting: Meeting) -> None:
        """Create or replace a meeting (moving it keeps its id)."""
        await self.store.put(MEETINGS, _meeting_key(meeting), meeting.model_dump(mode="json"))

    async def handled(self) -> set[str]:
        """Ledger keys of reminders that were sent, missed or paused."""
        return set(await self.store.all(LEDGER))

    async def record(self, key: str, status: str, at: datetime, **extra: Any) -> None:
        """Write one reminder's outcome to the ledger."""
        await self.store.put(LEDGER, key, {"status": status, "at": at.isoformat(), **extra})

    async def ledger(self) -> dict[str, dict[str, Any]]:
        """The whole ledger by key."""
        return await self.store.all(LEDGER)

    async def snoozed(self) -> dict[str, datetime]:
        """Snoozed reminder keys and their new send time."""
        docs = await self.store.all(SNOOZES)
        return {key: datetime.fromisoformat(doc["until"]) for key, doc in docs.items()}

    async def snooze(self, key: str, until: datetime) -> None:
        """Send the reminder ``key`` again at ``until`` (it leaves the ledger)."""
        await self.store.put(SNOOZES, key, {"until": until.isoformat()})
        await self.store.delete(LEDGER, key)

    async def acknowledge(
        self, committee: Committee, meeting: Meeting, focus: tuple[str, ...], at: datetime
    ) -> None:
        """ "Sat på dagsordenen": the strategy point is on this meeting's agenda."""
        await self.store.put(
            ACKS,
            _meeting_key(meeting),
            {
                "committee_id": committee.id,
                "kind": committee.kind.value,
                "meeting_start": meeting.start.isoformat(),
                "focus": list(focus),
                "at": at.isoformat(),
            },
        )

    async def acknowledgements(self) -> list[dict[str, Any]]:
        """Every acknowledged strategy point."""
        return list((await self.store.all(ACKS)).values())

    async def acknowledgements_by_meeting(self) -> dict[str, dict[str, Any]]:
        """Every acknowledged strategy point by meeting key (``committee|meeting``)."""
        return await self.store.all(ACKS)

    async def priorities(self) -> tuple[str, ...]:
        """The målsætninger OMU has prioritised (an admin setting)."""
        doc = await self.store.get(SETTINGS, "priorities")
        return tuple(doc["ids"]) if doc else ()

    async def set_priorities(self, ids: tuple[str, ...]) -> None:
        """Set OMU's prioritised målsætninger."""
        await self.store.put(SETTINGS, "priorities", {"ids": list(ids)})

    async def forget(self, user_id: str, keep: Callable[[str], bool]) -> int:
        """Remove the ledger entries and snoozes that name a user ("slet mine data"), except
        those ``keep`` keeps (the reminders of a committee the user still chairs)."""
        removed = 0
        for table in (LEDGER, SNOOZES):
            for key in await self.store.keys(table):
                if mentions(key, user_id) and not keep(key):
                    removed += await self.store.delete(table, key)
        return removed


def _meeting_key(meeting: Meeting) -> str:
    return f"{meeting.committee_id}|{meeting.id}"


# Keys of the reminder messages and ledger entries that start with their kind and committee.
_BY_COMMITTEE = ("deactivated", "trio-request", "trio-decision", "followup")


def committee_of(key: str) -> str | None:
    """The committee a reminder ledger, snooze or message key belongs to, else None.

    ``<committee>|<meeting>|<recipient>`` (ledger and snoozes; ``reminder:`` before it and
    ``@<time>`` after it as a message key), ``deactivated:<committee>:<recipient>``,
    ``trio-request:<committee>:…``, ``trio-decision:<committee>:…`` and
    ``followup:<committee>|<meeting>``.
    """
    key = key.removeprefix("reminder:")
    kind, sep, rest = key.partition(":")
    if sep and kind in _BY_COMMITTEE:
        return re.split(r"[:|]", rest, maxsplit=1)[0] or None
    head, sep, _ = key.partition("|")
    return head if sep and head else None
