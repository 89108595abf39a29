"""The ledger's claim before a send (``dialogs/ledger.py``), over the in-memory store; across
processes on PostgreSQL in ``tests/bot/test_postgres.py``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.storage import MemoryStore
from dialogs.ledger import CLAIM_LEASE, CLAIMED, Ledger

NOW = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)


async def test_of_many_claims_one_wins_and_the_outcome_replaces_the_claim() -> None:
    ledger = Ledger(MemoryStore(), "ledger")
    won = await asyncio.gather(*(ledger.claim("lmu|m1|user:a", NOW) for _ in range(5)))
    assert won.count(True) == 1
    assert await ledger.handled(NOW) == {"lmu|m1|user:a"}
    await ledger.record("lmu|m1|user:a", "sent", NOW)
    assert await ledger.store.get("ledger", "lmu|m1|user:a") == {
        "status": "sent",
        "at": NOW.isoformat(),
    }
    assert await ledger.claim("lmu|m1|user:a", NOW + 2 * CLAIM_LEASE) is False  # sent: final


async def test_a_released_claim_can_be_claimed_again() -> None:
    ledger = Ledger(MemoryStore(), "ledger")
    assert await ledger.claim("k", NOW)
    await ledger.release("k")  # nothing could be sent
    assert await ledger.handled(NOW) == set()
    assert await ledger.claim("k", NOW)


async def test_a_claim_whose_holder_died_is_taken_over_after_the_lease() -> None:
    ledger = Ledger(MemoryStore(), "ledger")
    assert await ledger.claim("k", NOW)  # … and the instance died before recording
    soon = NOW + CLAIM_LEASE - timedelta(seconds=1)
    assert await ledger.handled(soon) == {"k"}
    assert await ledger.claim("k", soon) is False
    later = NOW + CLAIM_LEASE
    assert await ledger.handled(later) == set()  # planned again …
    assert await ledger.claim("k", later) is True  # … and taken over
    doc = await ledger.store.get("ledger", "k")
    assert doc == {"status": CLAIMED, "at": later.isoformat()}


async def test_an_outcome_without_a_send_never_overwrites_another() -> None:
    ledger = Ledger(MemoryStore(), "ledger")
    await ledger.record("k", "sent", NOW)
    assert await ledger.record_once("k", "missed", NOW) is False
    assert (await ledger.store.get("ledger", "k") or {})["status"] == "sent"
    assert await ledger.claim("stale", NOW)
    assert await ledger.record_once("stale", "missed", NOW + CLAIM_LEASE) is True
