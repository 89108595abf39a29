"""Leaders, rounds, replies and meeting notes in the :class:`~bot.storage.Store`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dialogs.erasure import mentions
from dialogs.ledger import Ledger
from dialogs.status.models import Leader, MeetingNote, Round, StatusReply
from dialogs.store import Change, Store

LEADERS = "leaders"
ROUNDS = "status_rounds"
REPLIES = "status_replies"
NOTES = "meeting_notes"
LEDGER = "status_ledger"
WITHDRAWN = "withdrawn-"  # key prefix of a withdrawn reply's tombstone


def reply_key(round_id: str, user_id: str) -> str:
    """The key of one leader's reply to one round: a reply is edited in place."""
    return f"{round_id}|{user_id}"


class StatusRepository:
    """Typed access to the status tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.claims = Ledger(store, LEDGER)

    # -- leaders -----------------------------------------------------------------------------

    async def leaders(self) -> list[Leader]:
        """Every registered or imported leader."""
        docs = (await self.store.all(LEADERS)).values()
        return sorted((Leader.model_validate(d) for d in docs), key=lambda x: (x.unit, x.name))

    async def leader(self, key: str) -> Leader | None:
        """One leader by key (AAD object id, or ``email:<address>``)."""
        doc = await self.store.get(LEADERS, key)
        return Leader.model_validate(doc) if doc else None

    async def save_leader(self, leader: Leader, rounds: Sequence[Round] = ()) -> None:
        """Create or replace a leader, and save ``rounds`` (that now ask them) in the same
        all-or-nothing write; an imported e-mail entry is replaced by the real id."""
        changes: list[Change] = []
        if leader.user_id and leader.email:
            changes.append((LEADERS, f"email:{leader.email.lower()}", None))
        changes.append((LEADERS, leader.key, leader.model_dump(mode="json")))
        changes += [(ROUNDS, r.id, r.model_dump(mode="json")) for r in rounds]
        await self.store.apply(changes)

    async def migrate_approvals(self) -> int:
        """Write the approval state into leaders stored before self-registered leaders
        needed an admin's approval: they are approved. Returns how many there were; 0 once
        done, so it can run at every start."""
        old = {k: d for k, d in (await self.store.all(LEADERS)).items() if "pending_since" not in d}
        migrated = {k: Leader.model_validate(d).model_dump(mode="json") for k, d in old.items()}
        await self.store.put_many(LEADERS, migrated)
        return len(migrated)

    async def delete_leader(self, key: str) -> bool:
        """Remove a leader."""
        return await self.store.delete(LEADERS, key)

    # -- rounds ------------------------------------------------------------------------------

    async def rounds(self) -> list[Round]:
        """Every round, oldest first."""
        docs = (await self.store.all(ROUNDS)).values()
        return sorted((Round.model_validate(d) for d in docs), key=lambda r: (r.opened_at, r.id))

    async def round(self, round_id: str) -> Round | None:
        """One round by id."""
        doc = await self.store.get(ROUNDS, round_id)
        return Round.model_validate(doc) if doc else None

    async def save_round(self, round_: Round) -> None:
        """Create or replace a round."""
        await self.store.put(ROUNDS, round_.id, round_.model_dump(mode="json"))

    # -- replies -----------------------------------------------------------------------------

    async def replies(self, round_id: str | None = None) -> list[StatusReply]:
        """Replies, of one round or of all."""
        if round_id is None:
            docs = list((await self.store.all(REPLIES)).values())
        else:
            prefix = f"{round_id}|"
            keys = [k for k in await self.store.keys(REPLIES) if k.startswith(prefix)]
            docs = [d for k in keys if (d := await self.store.get(REPLIES, k)) is not None]
        return [StatusReply.model_validate(d) for d in docs]

    async def answered(self, round_id: str) -> set[str]:
        """Keys of the leaders who replied to a round (read from the keys alone: fast)."""
        prefix = f"{round_id}|"
        return {
            key[len(prefix) :]
            for key in await self.store.keys(REPLIES)
            if key.startswith(prefix) and not key[len(prefix) :].startswith(WITHDRAWN)
        }

    async def reply(self, round_id: str, user_id: str) -> StatusReply | None:
        """One leader's reply to one round."""
        doc = await self.store.get(REPLIES, reply_key(round_id, user_id))
        return StatusReply.model_validate(doc) if doc else None

    async def save_reply(self, reply: StatusReply) -> None:
        """Create or replace a reply."""
        doc = reply.model_dump(mode="json")
        await self.store.put(REPLIES, reply_key(reply.round_id, reply.user_id), doc)

    async def withdraw_reply(self, reply: StatusReply, at: datetime) -> None:
        """Replace a reply by a tombstone that keeps nothing about the person (one write)."""
        tombstone = StatusReply(round_id=reply.round_id, first_at=at, updated_at=at, withdrawn=True)
        key = reply_key(reply.round_id, f"{WITHDRAWN}{uuid.uuid4().hex[:12]}")
        await self.store.apply(
            [
                (REPLIES, reply_key(reply.round_id, reply.user_id), None),
                (REPLIES, key, tombstone.model_dump(mode="json")),
            ]
        )

    async def replace_replies(self, replies: list[StatusReply]) -> None:
        """Write back replies that were changed in place (e.g. purged comments)."""
        await self.open_round(None, replies)

    async def open_round(self, round_: Round | None, replies: Sequence[StatusReply]) -> None:
        """Save a new round and the replies changed for it (old rounds' comments purged) in
        one all-or-nothing write."""
        changes: list[Change] = []
        if round_ is not None:
            changes.append((ROUNDS, round_.id, round_.model_dump(mode="json")))
        changes += [
            (REPLIES, reply_key(r.round_id, r.user_id), r.model_dump(mode="json")) for r in replies
        ]
        if changes:
            await self.store.apply(changes)

    # -- meeting notes -----------------------------------------------------------------------

    async def notes(self) -> list[MeetingNote]:
        """Every meeting note."""
        return [MeetingNote.model_validate(d) for d in (await self.store.all(NOTES)).values()]

    async def note_keys(self) -> set[str]:
        """The meeting keys (``committee|meeting``) that have a note."""
        return set(await self.store.all(NOTES))

    async def save_note(self, note: MeetingNote) -> None:
        """Create or replace the note of one meeting."""
        key = f"{note.committee_id}|{note.meeting_id}"
        await self.store.put(NOTES, key, note.model_dump(mode="json"))

    # -- ledger of nudges, follow-ups and announcements --------------------------------------

    async def handled(self, now: datetime | None = None) -> set[str]:
        """Keys of messages that were sent or missed, or are claimed (at ``now``, a stale
        claim is left out: see :mod:`dialogs.ledger`)."""
        return await self.claims.handled(now)

    async def claim(self, key: str, now: datetime) -> bool:
        """Claim the ledger entry ``key`` before sending: True for exactly one caller."""
        return await self.claims.claim(key, now)

    async def release(self, key: str) -> None:
        """Give up a claim: nothing was sent."""
        await self.claims.release(key)

    async def record(self, key: str, status: str, at: datetime, **extra: Any) -> None:
        """Write one message's outcome to the ledger (after its claim)."""
        await self.claims.record(key, status, at, **extra)

    async def record_once(self, key: str, status: str, at: datetime) -> bool:
        """Write an outcome without a send (missed), unless the key has one."""
        return await self.claims.record_once(key, status, at)

    async def forget_in_ledger(self, user_id: str) -> int:
        """Remove the ledger entries that name a user (after "slet mine data")."""
        keys = [k for k in await self.store.keys(LEDGER) if mentions(k, user_id)]
        for key in keys:
            await self.store.delete(LEDGER, key)
        return len(keys)
