"""A ledger of messages the scheduler handles: each is claimed before it is sent, once.

The reminders (``reminder_ledger``) and the status rounds (``status_ledger``) keep one entry
per reminder, card, nudge, follow-up and notice, keyed by what it is (``<committee>|<meeting>|
<recipient>``, ``announce:<round>:<leader>`` …). Several instances may run the scheduler's
job at once (a take-over, a chat turn that opens a round while the sender ticks), so the entry
is *claimed* with :meth:`~dialogs.store.Store.add` before the message is sent: an atomic
insert-if-absent, so exactly one caller in any number of processes wins and sends; the
others skip it. Never read-then-write.

1. :meth:`Ledger.claim` writes ``{"status": "claimed", "at": …}``; False: someone else has it.
2. The winner sends (queues in the outbox under a key of its own) and records the outcome with
   :meth:`Ledger.record` (``sent``), or :meth:`Ledger.release`\\ s the claim when nothing could
   be sent (no reachable conversation yet: the next run tries again).
3. An outcome that needs no send (``missed``, ``paused``) is :meth:`Ledger.record_once`: it
   never overwrites what another instance wrote.

A claim whose holder died before recording (SIGKILL between claim and send) is *stale* after
:data:`CLAIM_LEASE`: :meth:`Ledger.handled` leaves it out, so the job plans the message again,
and :meth:`Ledger.claim` takes it over. Two instances taking over the same stale claim both
proceed, and that is still safe: the outbox claims each message key once
(``Outbox.enqueue``), so the message is queued once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dialogs.store import Doc, Store

CLAIMED = "claimed"
CLAIM_LEASE = timedelta(minutes=5)


def stale(doc: Doc, now: datetime) -> bool:
    """A claim older than the lease: its holder died before it recorded an outcome."""
    if doc.get("status") != CLAIMED:
        return False
    try:
        return datetime.fromisoformat(str(doc.get("at"))) <= now - CLAIM_LEASE
    except (ValueError, TypeError):
        return True


class Ledger:
    """One ledger table (see the module docstring)."""

    def __init__(self, store: Store, table: str) -> None:
        self.store = store
        self.table = table

    async def handled(self, now: datetime | None = None) -> set[str]:
        """Keys that were sent, missed or paused, or are claimed; at ``now``, stale claims are
        left out (they are to be taken over)."""
        docs = await self.store.all(self.table)
        if now is None:
            return set(docs)
        return {key for key, doc in docs.items() if not stale(doc, now)}

    async def claim(self, key: str, now: datetime) -> bool:
        """The right to send ``key``: True for exactly one caller (or a stale claim's heir)."""
        doc = {"status": CLAIMED, "at": now.isoformat()}
        if await self.store.add(self.table, key, doc):
            return True
        current = await self.store.get(self.table, key)
        if current is not None and stale(current, now):
            await self.store.put(self.table, key, doc)
            return True
        return False

    async def release(self, key: str) -> None:
        """Give a claim up: nothing was sent (the next run tries again)."""
        await self.store.delete(self.table, key)

    async def record(self, key: str, status: str, at: datetime, **extra: Any) -> None:
        """The outcome of a claimed message (replaces the claim)."""
        await self.store.put(self.table, key, {"status": status, "at": at.isoformat(), **extra})

    async def record_once(self, key: str, status: str, at: datetime) -> bool:
        """An outcome without a send (missed, paused), unless the key has an entry already
        (a stale claim is replaced); True if written."""
        doc = {"status": status, "at": at.isoformat()}
        if await self.store.add(self.table, key, doc):
            return True
        current = await self.store.get(self.table, key)
        if current is not None and stale(current, at):
            await self.store.put(self.table, key, doc)
            return True
        return False
