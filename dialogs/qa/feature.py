"""The Q&A feature: answers, lists, small talk, follow-ups, the asker's own meetings and
rounds, and feedback on answers. A question that asks what the bot can do gets the help
feature's card (see :meth:`QAFeature.use_help`)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.models import Content
from dialogs.cards import card, plain
from dialogs.erasure import Keep
from dialogs.intents import ASK, EMPTY, Intent, Language
from dialogs.privacy import contains_cpr
from dialogs.qa.answer import REMEMBERED, Answer, Answerer, answer_for_target
from dialogs.qa.followup import RecentTargets
from dialogs.qa.own_work import MeetingLookup, RoundLookup
from dialogs.qa.present import FEEDBACK, Presenter
from dialogs.qa.supplements import ExpertHelp
from dialogs.replies import Reply
from dialogs.router import Router, Turn
from dialogs.stamps import stamp
from dialogs.store import Store

QUESTION_LOG = "question_log"
FEEDBACK_TABLE = "feedback"
# User id -> the keys of their entries in the two tables above, so "mine data" can count them
# and "slet mine data" delete them; the entries themselves (what content owners see) name no one.
QUESTION_AUTHORS = "question_authors"
# The help card for a turn's user, in a language: the help feature's, given by the app.
HelpCard = Callable[[Turn, Language], Awaitable[Reply]]


class _FeedbackSubmit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action: Literal["feedback"]
    helpful: bool
    target: str = Field(min_length=1, max_length=100)
    question: str = Field("", max_length=1000)
    language: Language = "da"


class QAFeature:
    """Answers questions about the strategy and records what it could not answer.

    ``meetings`` and ``rounds`` answer questions about the asker's own work; without them
    such a question gets the general explanation of reminders and status rounds. ``experts``
    gives supplementary answers before the fallback and lets the asker forward a question
    the bot could not answer (or that got a 👎); set it with :meth:`use_experts`.
    """

    def __init__(
        self,
        content: Content,
        store: Store,
        answerer: Answerer | None = None,
        meetings: MeetingLookup | None = None,
        rounds: RoundLookup | None = None,
    ) -> None:
        self.content = content
        self.store = store
        self.answerer = answerer or Answerer(content)
        self.presenter = Presenter(content, self.answerer)
        self.meetings = meetings
        self.rounds = rounds
        self.recent = RecentTargets()
        self.experts: ExpertHelp | None = None
        self.help: HelpCard | None = None

    def use_help(self, show: HelpCard) -> None:
        """Answer "hvad kan du svare på?" and the like with ``show`` (the help feature's card,
        by the asker's roles)."""
        self.help = show

    def use_experts(self, experts: ExpertHelp) -> None:
        """Give supplementary answers and offer »Spørg en fagperson« through ``experts``."""
        self.experts = experts

    def router(self) -> Router:
        """The routes of this feature."""
        router = Router("qa")
        # Questions need no identity; feedback is a submit that stores, so it does.
        router.on_intent(ASK, self.ask, open=True)
        router.on_intent(EMPTY, self.empty, open=True)
        for command in ("list_pejlemaerker", "list_maalsaetninger", "about"):
            router.on_intent(command, self.command, open=True)
        router.on_action(FEEDBACK, self.feedback, form=_FeedbackSubmit)
        return router

    async def ask(self, turn: Turn, intent: Intent) -> list[Reply]:
        """Answer a free question; log it (text and time only) when it got the fallback.

        A question with something shaped like a CPR number is neither answered nor stored.
        """
        if contains_cpr(intent.text):
            return [self.presenter.notice(self.content.messages.da.cpr_question)]
        previous = self.recent.last(turn.conversation_id, turn.now)
        answer = self.answerer.answer(intent.text, previous)
        if answer.kind in REMEMBERED:
            self.recent.remember(turn.conversation_id, answer.target, turn.now)
        if answer.kind == "fallback" and self.experts is not None:
            # An expert's published answer to a similar question, marked as such.
            supplement = await self.experts.supplement(intent.text, turn.now)
            if supplement is not None:
                return [supplement]
        if answer.kind == "fallback":
            await self._log(turn, intent.text, "fallback")
            offer = await self._offer(turn, intent.text, answer.target)
            return [with_elements(self.presenter.render(answer), offer)]
        if answer.kind == "own":
            return [await self._own_work(turn, answer)]
        if answer.kind == "help":
            if self.help is None:
                return [self.presenter.notice(self.content.messages.da.help.intro)]
            return [await self.help(turn, answer.language)]
        return [self.presenter.render(answer)]

    async def _offer(self, turn: Turn, question: str, attempted: str) -> list[dict[str, Any]]:
        """»Spørg en fagperson« for ``question``, when experts are connected."""
        if self.experts is None or not question.strip():
            return []
        return await self.experts.offer(turn, question, attempted)

    async def _own_work(self, turn: Turn, answer: Answer) -> Reply:
        """The asker's next meeting or open round, or how reminders and rounds work (always
        the latter for an asker Teams did not identify)."""
        if answer.key == "meeting":
            found = (
                await self.meetings.next_meeting_of(turn.user_id, turn.now)
                if self.meetings and turn.identified
                else None
            )
            return self.presenter.next_meeting(found)
        round_ = (
            await self.rounds.open_round_of(turn.user_id, turn.now)
            if self.rounds and turn.identified
            else None
        )
        return self.presenter.open_round(round_)

    async def command(self, turn: Turn, intent: Intent) -> list[Reply]:
        """Answer a command such as ``pejlemærker`` or ``om strategien``."""
        answer = answer_for_target(f"command:{intent.name}", intent.text)
        return [self.presenter.render(answer)]

    async def empty(self, turn: Turn, intent: Intent) -> list[Reply]:
        """A message with no text (only a mention, say)."""
        return [self.presenter.notice(self.content.messages.da.empty_text)]

    async def feedback(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Store 👍/👎 on an answer, one vote per user and answer (its target and question): a
        different vote replaces the earlier one, the same vote changes nothing. A 👎 also
        logs the question for the content owners and offers »Spørg en fagperson«.

        Clicked as ``Action.Execute`` the reply is the answer's card showing the vote (it
        replaces the card in place); as ``Action.Submit``, a short thank-you message.
        """
        try:
            submit = _FeedbackSubmit.model_validate(value)
        except ValidationError:
            return [self.presenter.notice(self.content.messages.da.invalid_submit)]
        if contains_cpr(submit.target):  # the card's own data, so never typed: a forged card
            return [self.presenter.notice(self.content.messages.da.cpr_message)]
        question = "" if contains_cpr(submit.question) else submit.question
        when = await self._vote(turn, submit.target, submit.helpful, question)
        offer = await self._offer(turn, question, submit.target) if not submit.helpful else []
        if turn.in_place:
            voted = self._voted(replace(turn, now=when), submit, question, offer)
            if voted is not None:
                return [voted]
        da = self.content.messages.da
        thanks = self.presenter.notice(
            da.feedback_thanks_up if submit.helpful else da.feedback_thanks_down
        )
        return [with_elements(thanks, offer)]

    async def _vote(self, turn: Turn, target: str, helpful: bool, question: str) -> datetime:
        """Record the user's vote on the answer ``target`` gave to ``question`` (see
        :meth:`feedback`); when it was cast. The question is kept as a digest only, to know
        the answer again."""
        stamp_ = turn.now.isoformat()
        asked = hashlib.sha256(question.encode("utf-8", "replace")).hexdigest()[:16]
        own = await self._own(turn.user_id)
        for key in own[FEEDBACK_TABLE]:
            earlier = await self.store.get(FEEDBACK_TABLE, key)
            if earlier is None or (earlier.get("target"), earlier.get("asked")) != (target, asked):
                continue
            if earlier.get("helpful") == helpful:  # the same vote again: a no-op
                try:
                    return datetime.fromisoformat(str(earlier.get("time")))
                except ValueError:
                    return turn.now
            logged = earlier.get("logged")
            if logged:  # the 👎 that logged the question is taken back
                await self.store.delete(QUESTION_LOG, str(logged))
            doc = {"target": target, "helpful": helpful, "time": stamp_, "asked": asked}
            if not helpful and question:
                doc["logged"] = await self._log(turn, question, "thumbs_down")
            await self.store.put(FEEDBACK_TABLE, key, doc)
            return turn.now
        key = uuid4().hex
        doc = {"target": target, "helpful": helpful, "time": stamp_, "asked": asked}
        if not helpful and question:
            doc["logged"] = await self._log(turn, question, "thumbs_down")
        await self.store.put(FEEDBACK_TABLE, key, doc)
        await self._authored(turn, FEEDBACK_TABLE, key)
        return turn.now

    def _voted(
        self, turn: Turn, submit: _FeedbackSubmit, question: str, offer: list[dict[str, Any]]
    ) -> Reply | None:
        """The answer's card with the vote: "Tak for din vurdering 👍 – Alex, 1. dec. kl.
        10.15" in place of "Hjalp svaret?". None if the card's target is no answer."""
        try:
            answer = answer_for_target(submit.target, question, submit.language)
            again = self.answerer.answer(question) if question else None
            if again is not None and again.target == submit.target:
                answer = replace(again, language=submit.language)  # hedge and buttons as before
            if answer.kind in ("fallback", "smalltalk", "own", "unknown", "help"):
                return None
            self.presenter.body(answer)  # a forged target fails here, not half-way
        except (KeyError, ValueError, AssertionError, AttributeError, StopIteration):
            return None
        da = self.content.messages.da
        text = self.content.messages.en if submit.language == "en" else da
        vote = da.vote_up if submit.helpful else da.vote_down
        first = turn.user_name.split()[0] if turn.user_name.split() else ""
        when = stamp(turn.now)
        line = (
            text.vote_line.format(vote=vote, name=plain(first), when=when)
            if first
            else text.vote_line_anonymous.format(vote=vote, when=when)
        )
        return self.presenter.voted(answer, line, offer)

    async def _log(self, turn: Turn, text: str, reason: str) -> str:
        """Log an unanswered question; its key."""
        key = uuid4().hex
        await self.store.put(
            QUESTION_LOG, key, {"text": text, "time": turn.now.isoformat(), "reason": reason}
        )
        await self._authored(turn, QUESTION_LOG, key)
        return key

    async def _authored(self, turn: Turn, table: str, key: str) -> None:
        """Note that ``key`` in ``table`` is the user's (for "mine data"), if Teams said who."""
        if not turn.user_id:
            return
        doc = await self.store.get(QUESTION_AUTHORS, turn.user_id) or {}
        keys = [*doc.get(table, ()), key]
        await self.store.put(QUESTION_AUTHORS, turn.user_id, {**doc, table: keys})

    async def _own(self, user_id: str) -> dict[str, list[str]]:
        """The keys of the user's stored questions and feedback, by table."""
        doc = await self.store.get(QUESTION_AUTHORS, user_id) if user_id else None
        found: dict[str, list[str]] = {}
        for table in (QUESTION_LOG, FEEDBACK_TABLE):
            stored = set(await self.store.keys(table))
            found[table] = [k for k in (doc or {}).get(table, ()) if k in stored]
        return found

    async def held(self, user_id: str) -> list[str]:
        """ "mine data": how many of the logged questions and 👍/👎 are the user's."""
        own = await self._own(user_id)
        questions, feedback = len(own[QUESTION_LOG]), len(own[FEEDBACK_TABLE])
        if not questions and not feedback:
            return []
        return [self.content.mydata.questions.format(questions=questions, feedback=feedback)]

    async def erase(self, user_id: str, keep: Keep) -> set[str]:
        """ "slet mine data": delete the user's logged questions and 👍/👎; returns the
        questions' texts (nothing of this is kept for a role)."""
        texts: set[str] = set()
        for table, keys in (await self._own(user_id)).items():
            for key in keys:
                doc = await self.store.get(table, key)
                if doc and doc.get("text"):
                    texts.add(str(doc["text"]))
                await self.store.delete(table, key)
        if user_id:
            await self.store.delete(QUESTION_AUTHORS, user_id)
        return texts


def with_elements(reply: Reply, elements: list[dict[str, Any]]) -> Reply:
    """``reply`` with ``elements`` added at the end of its card (a card is made for a plain
    message; without elements the reply is returned as it is)."""
    if not elements:
        return reply
    if reply.card is None:
        return replace(reply, card=card(elements, reply.text))
    return replace(reply, card={**reply.card, "body": [*reply.card["body"], *elements]})
