"""The experts' channel, forwarded questions, supplementary answers and the digest ledger in
the :class:`~dialogs.store.Store`."""

from __future__ import annotations

from datetime import datetime

from dialogs.experts.models import Question, Supplement
from dialogs.store import Store

SETTINGS = "expert_settings"  # "channel": the experts' channel
QUESTIONS = "expert_questions"
SUPPLEMENTS = "expert_supplements"
LEDGER = "expert_ledger"  # "digest:<week>": the weekly digest, claimed once
CHANNEL_KEY = "channel"


class ExpertRepository:
    """Typed access to the experts' tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the channel ------------------------------------------------------------------------

    async def channel(self) -> str | None:
        """The experts' channel id, if one is connected."""
        doc = await self.store.get(SETTINGS, CHANNEL_KEY)
        channel = doc.get("channel_id") if doc else None
        return str(channel) if channel else None

    async def connect(self, channel_id: str, now: datetime) -> None:
        """Make ``channel_id`` the experts' channel (one at a time)."""
        doc = {"channel_id": channel_id, "connected_at": now.isoformat()}
        await self.store.put(SETTINGS, CHANNEL_KEY, doc)

    # -- questions --------------------------------------------------------------------------

    async def questions(self) -> list[Question]:
        """Every forwarded question, oldest first."""
        docs = (await self.store.all(QUESTIONS)).values()
        return sorted((Question.model_validate(d) for d in docs), key=lambda q: (q.asked_at, q.id))

    async def question(self, question_id: str) -> Question | None:
        """One question by id."""
        doc = await self.store.get(QUESTIONS, question_id)
        return Question.model_validate(doc) if doc else None

    async def save_question(self, question: Question) -> None:
        """Create or replace a question."""
        await self.store.put(QUESTIONS, question.id, question.model_dump(mode="json"))

    async def delete_question(self, question_id: str) -> bool:
        """Remove a question."""
        return await self.store.delete(QUESTIONS, question_id)

    # -- supplementary answers ----------------------------------------------------------------

    async def supplements(self) -> list[Supplement]:
        """Every published supplementary answer, newest first."""
        docs = (await self.store.all(SUPPLEMENTS)).values()
        found = [Supplement.model_validate(d) for d in docs]
        return sorted(found, key=lambda s: (s.published_at, s.id), reverse=True)

    async def supplement(self, supplement_id: str) -> Supplement | None:
        """One supplementary answer by id."""
        doc = await self.store.get(SUPPLEMENTS, supplement_id)
        return Supplement.model_validate(doc) if doc else None

    async def save_supplement(self, supplement: Supplement) -> None:
        """Publish (or replace) a supplementary answer."""
        await self.store.put(SUPPLEMENTS, supplement.id, supplement.model_dump(mode="json"))

    async def delete_supplement(self, supplement_id: str) -> bool:
        """Withdraw a supplementary answer."""
        return await self.store.delete(SUPPLEMENTS, supplement_id)

    # -- the digest -------------------------------------------------------------------------

    async def digest_weeks(self) -> set[str]:
        """The weeks whose digest was sent (or had nothing to list)."""
        return {k.removeprefix("digest:") for k in await self.store.keys(LEDGER)}

    async def claim_digest(self, week: str, now: datetime, count: int) -> bool:
        """Claim the week's digest; False if it was already claimed (by any instance)."""
        doc = {"at": now.isoformat(), "questions": count}
        return await self.store.add(LEDGER, f"digest:{week}", doc)

    async def release_digest(self, week: str) -> None:
        """Give the claim back: nothing could be sent, the next run tries again."""
        await self.store.delete(LEDGER, f"digest:{week}")
