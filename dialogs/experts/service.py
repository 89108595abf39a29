"""The use cases of »Spørg en fagperson«, over the repository and the delivery.

* An admin connects the experts' channel (``@Strategibot tilknyt fagpersoner``).
* The asker forwards a question (CPR-checked first); the channel gets a card with the
  question, what the bot answered, and »Besvar« / »Luk«.
* An expert answers or closes it from the card; the answer goes to the asker's personal chat
  with the expert's name, through the outbox. An answer can be published as a supplementary
  answer, which the Q&A gives for similar questions, marked as not part of the strategy.
* Admins list and withdraw supplementary answers; the channel gets a weekly digest of the
  questions waiting longer than :data:`~dialogs.experts.rules.DIGEST_AFTER_DAYS` days.

Who may act: an expert is anyone who clicks in the experts' channel (a click elsewhere counts
for nothing); connecting and withdrawing need an admin.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from content.models import Content
from dialogs.delivery import Delivery
from dialogs.erasure import Keep
from dialogs.experts.cards import ExpertCards
from dialogs.experts.models import MAX_ANSWER, WITHDRAWN, Question, Supplement
from dialogs.experts.repository import ExpertRepository
from dialogs.experts.rules import DIGEST_AFTER_DAYS, best_supplement, channel_of, digest_due
from dialogs.privacy import contains_cpr, field_with_cpr
from dialogs.replies import Reply
from dialogs.router import Turn
from scheduler.clock import Clock

# What an answer card names as the bot's attempt: "fallback", "maalsaetning:2.3" …
_TARGET = re.compile(r"[a-z_]{1,20}(:[\w.\-]{1,60})?")


@dataclass(frozen=True)
class Outcome:
    """What a click did: the card to show in place of the clicked one (or None), and a
    notice (a refusal, or what happened) for when there is no card."""

    card: Reply | None
    notice: str = ""

    def replies(self) -> list[Reply]:
        """The card if there is one, else the notice."""
        if self.card is not None:
            return [self.card]
        return [Reply(self.notice)] if self.notice else []


class ExpertService:
    """»Spørg en fagperson«: see the module docstring.

    ``subject`` says what the bot answered ("målsætning 2.3") for the experts' card.
    """

    def __init__(
        self,
        repository: ExpertRepository,
        content: Content,
        delivery: Delivery,
        clock: Clock,
        tz: tzinfo,
        subject: Callable[[str], str],
        digest_days: int = DIGEST_AFTER_DAYS,
    ) -> None:
        self.repository = repository
        self.content = content
        self.t = content.experts
        self.delivery = delivery
        self.clock = clock
        self.tz = tz
        self.subject = subject
        self.digest_days = digest_days
        self.cards = ExpertCards(content, tz)

    # -- the channel ------------------------------------------------------------------------

    async def connect(self, turn: Turn) -> str:
        """Make the channel the turn came from the experts' channel (admins only)."""
        if turn.conversation_kind != "channel":
            return self.t.connect_in_channel
        if not turn.is_admin:
            return self.t.connect_not_admin
        await self.repository.connect(channel_of(turn.conversation_id), turn.now)
        return self.t.connected

    async def connected(self) -> bool:
        """True if an experts' channel is connected."""
        return await self.repository.channel() is not None

    async def _in_channel(self, turn: Turn) -> bool:
        channel = await self.repository.channel()
        return channel is not None and channel_of(turn.conversation_id) == channel

    # -- forwarding -------------------------------------------------------------------------

    async def forward(self, turn: Turn, text: str, note: str, attempted: str) -> str:
        """Send the asker's question to the experts' channel; what to tell the asker."""
        da = self.content.messages.da
        text, note = " ".join(text.split()), note.strip()
        field = field_with_cpr([(self.t.field_question, text), (self.t.field_note, note)])
        if field is not None:
            return da.cpr_field.format(field=field)
        if not text:
            return da.invalid_submit
        channel = await self.repository.channel()
        if channel is None:
            return self.t.not_connected
        if contains_cpr(attempted) or not _TARGET.fullmatch(attempted):
            attempted = "fallback"  # the card's own data, never typed: a forged card
        for earlier in await self.repository.questions():
            if earlier.asker == turn.user_id and earlier.text == text and earlier.state == "open":
                return self.t.already_sent
        question = Question(
            id=uuid.uuid4().hex,
            asker=turn.user_id,
            asker_name=turn.user_name,
            text=text,
            note=note,
            attempted=attempted,
            asked_at=turn.now,
        )
        await self.repository.save_question(question)
        # The key names the asker, so "slet mine data" takes the message out of the outbox.
        key = f"expert-question:{question.id}:{turn.user_id}"
        if not await self.delivery.send(f"channel:{channel}", self.question_card(question), key):
            await self.repository.delete_question(question.id)
            return self.t.unreachable
        return self.t.sent

    def question_card(self, question: Question) -> Reply:
        """The question's card in the experts' channel, as it stands."""
        if question.attempted == "fallback":
            attempt = self.t.attempt_fallback
        else:
            try:
                subject = self.subject(question.attempted)
            except (KeyError, ValueError, StopIteration):
                subject = question.attempted
            attempt = self.t.attempt_thumbs_down.format(subject=subject)
        return self.cards.question(question, attempt)

    # -- the experts' clicks ----------------------------------------------------------------

    async def _open_to(self, turn: Turn, question_id: str) -> Question | str:
        """The question a click in the experts' channel is about, or why not."""
        if not await self._in_channel(turn):
            return self.t.not_expert_channel
        question = await self.repository.question(question_id)
        return question if question is not None else self.t.unknown_question

    async def answer(self, turn: Turn, question_id: str, text: str, publish: bool) -> Outcome:
        """An expert's answer: to the asker, and (``publish``) as a supplementary answer."""
        found = await self._open_to(turn, question_id)
        if isinstance(found, str):
            return Outcome(None, found)
        text = text.strip()
        if not text:
            return Outcome(None, self.t.answer_empty)
        if len(text) > MAX_ANSWER:
            return Outcome(None, self.t.answer_too_long.format(limit=MAX_ANSWER))
        if field := field_with_cpr([(self.t.field_answer, text)]):
            return Outcome(None, self.content.messages.da.cpr_field.format(field=field))
        if found.state != "open":
            return Outcome(self.question_card(found))  # answered or closed already: as it is
        question = found.model_copy(
            update={
                "state": "answered",
                "answer": text,
                "expert_id": turn.user_id,
                "expert_name": turn.user_name,
                "handled_at": turn.now,
            }
        )
        await self.repository.save_question(question)
        reply = self.cards.answer(question)
        await self.delivery.send(f"user:{question.asker}", reply, f"expert-answer:{question.id}")
        if publish:
            question = await self._publish(turn, question)
        return Outcome(self.question_card(question))

    async def close(self, turn: Turn, question_id: str) -> Outcome:
        """An expert closes a question without an answer; the asker is told."""
        found = await self._open_to(turn, question_id)
        if isinstance(found, str):
            return Outcome(None, found)
        if found.state != "open":
            return Outcome(self.question_card(found))
        question = found.model_copy(
            update={
                "state": "closed",
                "expert_id": turn.user_id,
                "expert_name": turn.user_name,
                "handled_at": turn.now,
            }
        )
        await self.repository.save_question(question)
        await self.delivery.send(
            f"user:{question.asker}", self.cards.closed(question), f"expert-closed:{question.id}"
        )
        return Outcome(self.question_card(question))

    async def publish(self, turn: Turn, question_id: str) -> Outcome:
        """Publish an answered question's answer as a supplementary answer."""
        found = await self._open_to(turn, question_id)
        if isinstance(found, str):
            return Outcome(None, found)
        if found.state != "answered":
            return Outcome(None, self.t.not_answered_yet)
        if found.supplement:
            return Outcome(self.question_card(found))
        return Outcome(self.question_card(await self._publish(turn, found)))

    async def _publish(self, turn: Turn, question: Question) -> Question:
        supplement = Supplement(
            id=uuid.uuid4().hex,
            question_id=question.id,
            question=question.text,
            answer=question.answer,
            expert_id=question.expert_id,
            expert_name=question.expert_name,
            answered_at=question.handled_at or turn.now,
            published_at=turn.now,
            asker=question.asker,
        )
        await self.repository.save_supplement(supplement)
        published = question.model_copy(
            update={
                "supplement": supplement.id,
                "published_by": turn.user_name,
                "published_by_id": turn.user_id,
                "published_at": turn.now,
            }
        )
        await self.repository.save_question(published)
        return published

    # -- supplementary answers --------------------------------------------------------------

    async def supplement_for(self, question: str) -> Reply | None:
        """The supplementary answer to a question like ``question``, marked, or None."""
        found = best_supplement(question, await self.repository.supplements())
        return self.cards.supplement(found) if found is not None else None

    async def list_supplements(self, turn: Turn, notice: str = "") -> Reply:
        """The admins' list (see :meth:`ExpertCards.supplements`)."""
        if not turn.is_admin:
            return Reply(self.t.not_admin)
        return self.cards.supplements(await self.repository.supplements(), notice)

    async def withdraw(self, turn: Turn, supplement_id: str) -> Outcome:
        """An admin withdraws a supplementary answer: the bot no longer gives it."""
        if not turn.is_admin:
            return Outcome(None, self.t.not_admin)
        supplement = await self.repository.supplement(supplement_id)
        if supplement is None:
            notice = self.t.already_withdrawn
            return Outcome(await self.list_supplements(turn, notice), notice)
        await self.repository.delete_supplement(supplement.id)
        question = await self.repository.question(supplement.question_id)
        if question is not None and question.supplement == supplement.id:
            await self.repository.save_question(
                question.model_copy(update={"supplement": WITHDRAWN})
            )
        notice = self.t.withdrawn.format(question=supplement.question)
        return Outcome(await self.list_supplements(turn, notice), notice)

    # -- the weekly digest ------------------------------------------------------------------

    async def tick(self) -> Counter[str]:
        """Send the weekly digest to the experts' channel when it is due."""
        outcomes: Counter[str] = Counter()
        channel = await self.repository.channel()
        if channel is None:
            return outcomes
        now = self.clock.now()
        digest = digest_due(
            now,
            self.tz,
            await self.repository.questions(),
            await self.repository.digest_weeks(),
            self.digest_days,
        )
        if digest is None:
            return outcomes
        if not await self.repository.claim_digest(digest.week, now, len(digest.questions)):
            return outcomes  # another instance has it
        if not digest.questions:
            outcomes["expert_digest_empty"] += 1
            return outcomes
        askers = ",".join(sorted({q.asker for q in digest.questions}))
        key = f"expert-digest:{digest.week}:{askers}"  # names them: deleted with their data
        reply = self.cards.digest(digest.questions, self.digest_days)
        if await self.delivery.send(f"channel:{channel}", reply, key):
            outcomes["expert_digest"] += 1
        else:
            await self.repository.release_digest(digest.week)
            outcomes["expert_digest_unreachable"] += 1
        return outcomes

    # -- "mine data" and "slet mine data" ---------------------------------------------------

    async def held(self, user_id: str) -> list[str]:
        """What is kept about the user here, as lines for "mine data"."""
        questions = await self.repository.questions()
        asked = sum(q.asker == user_id for q in questions)
        answered = sum(q.expert_id == user_id for q in questions)
        answered += sum(
            s.expert_id == user_id and s.question_id not in {q.id for q in questions}
            for s in await self.repository.supplements()
        )
        lines = []
        if asked:
            lines.append(self.t.held_questions.format(count=asked))
        if answered:
            lines.append(self.t.held_answers.format(count=answered))
        return lines

    async def erase(self, user_id: str, keep: Keep) -> set[str]:
        """Delete the user's questions (with their answers, and the supplementary answers made
        from them); take the user's id and name off the answers they gave as an expert (the
        answers stay). Returns the ids, names and texts deleted."""
        traces: set[str] = set()
        if not user_id:
            return traces
        for question in await self.repository.questions():
            if question.asker == user_id:
                traces |= {question.asker_name, question.text, question.note}
                await self.repository.delete_question(question.id)
                continue
            changed: dict[str, str] = {}
            if question.expert_id == user_id:
                traces.add(question.expert_name)
                changed |= {"expert_id": "", "expert_name": ""}
            if question.published_by_id == user_id:
                traces.add(question.published_by)
                changed |= {"published_by_id": "", "published_by": ""}
            if changed:
                await self.repository.save_question(question.model_copy(update=changed))
        for supplement in await self.repository.supplements():
            if supplement.asker == user_id:
                traces |= {supplement.question, supplement.answer}
                await self.repository.delete_supplement(supplement.id)
            elif supplement.expert_id == user_id:
                traces.add(supplement.expert_name)
                await self.repository.save_supplement(
                    supplement.model_copy(update={"expert_id": "", "expert_name": ""})
                )
        return {trace for trace in traces if trace}
