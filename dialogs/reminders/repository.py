"""Committees, meetings and the reminder ledger in the :class:`~bot.storage.Store`.

Every change of committees, meetings and snoozes is one :meth:`~dialogs.store.Store.apply`
(all or nothing: a committee and its meetings change together, or not at all) that also
writes a new random :data:`CHANGED` token: the reminder service's index of send times is
rebuilt when the token is not the one it was built at, whichever instance wrote it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from dialogs.erasure import mentions
from dialogs.ledger import CLAIMED, Ledger, stale
from dialogs.reminders.due import reminder_key
from dialogs.reminders.models import Committee, Meeting
from dialogs.store import Change, Store

COMMITTEES = "committees"
MEETINGS = "meetings"
LEDGER = "reminder_ledger"
SNOOZES = "reminder_snoozes"
ACKS = "reminder_acks"
SETTINGS = "reminder_settings"
CHANGES = "reminder_changes"  # one document, CHANGED: a new token with every change of plans
CHANGED = "token"


def committee_change(committee: Committee) -> Change:
    """Create or replace ``committee``, as a change for :meth:`ReminderRepository.apply`."""
    return (COMMITTEES, committee.id, committee.model_dump(mode="json"))


def meeting_change(meeting: Meeting) -> Change:
    """Create or replace ``meeting`` (moving it keeps its id), as a change."""
    return (MEETINGS, _meeting_key(meeting), meeting.model_dump(mode="json"))


class ReminderRepository:
    """Typed access to the reminder tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.claims = Ledger(store, LEDGER)

    async def committees(self) -> list[Committee]:
        """Every committee."""
        return [Committee.model_validate(d) for d in (await self.store.all(COMMITTEES)).values()]

    async def committee(self, committee_id: str) -> Committee | None:
        """One committee by id."""
        doc = await self.store.get(COMMITTEES, committee_id)
        return Committee.model_validate(doc) if doc else None

    async def save_committee(self, committee: Committee) -> None:
        """Create or replace a committee."""
        await self.apply([committee_change(committee)])

    async def apply(self, changes: Iterable[Change]) -> None:
        """Make ``changes`` (to committees, meetings and snoozes) all or none, in one write;
        a later change of the same document wins. A new :data:`CHANGED` token goes with it."""
        final = {(table, key): doc for table, key, doc in changes}
        if not final:
            return
        token = (CHANGES, CHANGED, {"token": uuid.uuid4().hex})
        await self.store.apply([*((t, k, d) for (t, k), d in final.items()), token])

    async def changed(self) -> str | None:
        """The token of the latest change of plans (None before the first)."""
        doc = await self.store.get(CHANGES, CHANGED)
        return str(doc["token"]) if doc else None

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
        await self.apply((COMMITTEES, key, doc) for key, doc in changed.items())
        return members

    async def delete_committee(self, committee_id: str) -> None:
        """Remove a committee and its meetings, all or nothing (the ledger keeps its
        history)."""
        gone: list[Change] = [
            (MEETINGS, _meeting_key(m), None) for m in await self.meetings(committee_id)
        ]
        await self.apply([*gone, (COMMITTEES, committee_id, None)])

    async def resume(self, committee: Committee, now: datetime) -> None:
        """End the committee's pause (»genoptag påmindelser«). The reminders the pause
        skipped (``paused`` in the ledger) of meetings still ahead leave the ledger in the
        same write, so they are sent after all."""
        changes: list[Change] = [
            committee_change(committee.model_copy(update={"paused_until": None}))
        ]
        for meeting in await self.meetings(committee.id):
            if meeting.cancelled or meeting.start <= now:
                continue
            for recipient in committee.recipients():
                key = reminder_key(meeting, recipient)
                doc = await self.store.get(LEDGER, key)
                if doc is not None and doc.get("status") == "paused":
                    changes.append((LEDGER, key, None))
        await self.apply(changes)

    async def meetings(self, committee_id: str | None = None) -> list[Meeting]:
        """Meetings, of one committee or of all, by start."""
        found = [Meeting.model_validate(d) for d in (await self.store.all(MEETINGS)).values()]
        if committee_id is not None:
            found = [m for m in found if m.committee_id == committee_id]
        return sorted(found, key=_by_start)

    async def save_meeting(self, meeting: Meeting) -> None:
        """Create or replace a meeting (moving it keeps its id)."""
        await self.apply([meeting_change(meeting)])

    async def handled(self, now: datetime | None = None) -> set[str]:
        """Ledger keys of reminders that were sent, missed or paused, or are claimed (at
        ``now``, a stale claim is left out: see :mod:`dialogs.ledger`)."""
        return await self.claims.handled(now)

    async def claim(self, key: str, now: datetime) -> bool:
        """Claim the ledger entry ``key`` before sending: True for exactly one caller."""
        return await self.claims.claim(key, now)

    async def release(self, key: str) -> None:
        """Give up a claim: nothing was sent."""
        await self.claims.release(key)

    async def record(self, key: str, status: str, at: datetime, **extra: Any) -> None:
        """Write one reminder's outcome to the ledger (after its claim)."""
        await self.claims.record(key, status, at, **extra)

    async def record_once(self, key: str, status: str, at: datetime) -> bool:
        """Write an outcome without a send (missed, paused), unless the key has one."""
        return await self.claims.record_once(key, status, at)

    async def ledger(self) -> dict[str, dict[str, Any]]:
        """The whole ledger by key."""
        return await self.store.all(LEDGER)

    async def snoozed(self) -> dict[str, datetime]:
        """Snoozed reminder keys and their new send time."""
        docs = await self.store.all(SNOOZES)
        return {key: datetime.fromisoformat(doc["until"]) for key, doc in docs.items()}

    async def snooze(self, key: str, until: datetime) -> None:
        """Send the reminder ``key`` again at ``until`` (it leaves the ledger, in the same
        write)."""
        await self.apply([(SNOOZES, key, {"until": until.isoformat()}), (LEDGER, key, None)])

    async def handled_among(self, keys: Sequence[str], now: datetime) -> set[str]:
        """Which of ``keys`` the ledger has (sent, missed, paused, or claimed and not stale):
        one lookup per key, never the whole ledger."""
        entries = await self.ledger_among(keys)
        return {key for key, doc in entries.items() if not stale(doc, now)}

    async def ledger_among(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The ledger entries of ``keys`` that exist: one lookup per key."""
        found = {}
        for key in keys:
            doc = await self.store.get(LEDGER, key)
            if doc is not None:
                found[key] = doc
        return found

    @staticmethod
    def outcome_recorded(doc: dict[str, Any]) -> bool:
        """The entry is an outcome (sent, missed, paused), not a claim that may yet go stale."""
        return doc.get("status") != CLAIMED

    async def snoozed_among(self, keys: Sequence[str]) -> dict[str, datetime]:
        """The snoozes of ``keys``: one lookup per key."""
        found = {}
        for key in keys:
            doc = await self.store.get(SNOOZES, key)
            if doc is not None:
                found[key] = datetime.fromisoformat(doc["until"])
        return found

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


def _by_start(meeting: Meeting) -> tuple[float, str]:
    """Meetings in order of start (a timestamp: comparing aware datetimes is slow)."""
    return meeting.start.timestamp(), meeting.id


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
