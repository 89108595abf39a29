"""The Q&A feature: answers, lists, help, small talk, follow-ups, the asker's own meetings and
rounds, and feedback on answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.models import Content
from dialogs.erasure import Keep
from dialogs.intents import ASK, EMPTY, Intent
from dialogs.privacy import contains_cpr
from dialogs.qa.answer import REMEMBERED, Answer, Answerer, answer_for_target
from dialogs.qa.followup import RecentTargets
from dialogs.qa.own_work import MeetingLookup, RoundLookup
from dialogs.qa.present import FEEDBACK, Presenter
from dialogs.replies import Reply
from dialogs.router import Router, Turn
from dialogs.store import Store

QUESTION_LOG = "question_log"
FEEDBACK_TABLE = "feedback"
# User id -> the keys of their entries in the two tables above, so "mine data" can count them
# and "slet mine data" delete them; the entries themselves (what content owners see) name no one.
QUESTION_AUTHORS = "question_authors"


class _FeedbackSubmit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action: Literal["feedback"]
    helpful: bool
    target: str = Field(min_length=1, max_length=100)
    question: str = Field("", max_length=1000)


class QAFeature:
    """Answers questions about the strategy and records what it could not answer.

    ``meetings`` and ``rounds`` answer questions about the asker's own work; without them
    such a question gets the general explanation of reminders and status rounds.
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

    def router(self) -> Router:
        """The routes of this feature."""
        router = Router("qa")
        # Questions need no identity; feedback is a submit that stores, so it does.
        router.on_intent(ASK, self.ask, open=True)
        router.on_intent(EMPTY, self.empty, open=True)
        for command in ("help", "list_pejlemaerker", "list_maalsaetninger", "about"):
            router.on_intent(command, self.command, open=True)
        router.on_action(FEEDBACK, self.feedback)
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
        if answer.kind == "fallback":
            await self._log(turn, intent.text, "fallback")
        if answer.kind == "own":
            return [await self._own_work(turn, answer)]
        return [self.presenter.render(answer)]

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
        """Answer a command such as ``hjælp`` or ``pejlemærker``."""
        answer = answer_for_target(f"command:{intent.name}", intent.text)
        return [self.presenter.render(answer)]

    async def empty(self, turn: Turn, intent: Intent) -> list[Reply]:
        """A message with no text (only a mention, say)."""
        return [self.presenter.notice(self.content.messages.da.empty_text)]

    async def feedback(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """Store 👍/👎 on an answer; a 👎 also logs the question for the content owners."""
        try:
            submit = _FeedbackSubmit.model_validate(value)
        except ValidationError:
            return [self.presenter.notice(self.content.messages.da.invalid_submit)]
        if contains_cpr(submit.target):  # the card's own data, so never typed: a forged card
            return [self.presenter.notice(self.content.messages.da.cpr_message)]
        stamp = turn.now.isoformat()
        key = uuid4().hex
        await self.store.put(
            FEEDBACK_TABLE, key, {"target": submit.target, "helpful": submit.helpful, "time": stamp}
        )
        await self._authored(turn, FEEDBACK_TABLE, key)
        if not submit.helpful and submit.question and not contains_cpr(submit.question):
            await self._log(turn, submit.question, "thumbs_down")
        da = self.content.messages.da
        return [
            self.presenter.notice(
                da.feedback_thanks_up if submit.helpful else da.feedback_thanks_down
            )
        ]

    async def _log(self, turn: Turn, text: str, reason: str) -> None:
        key = uuid4().hex
        await self.store.put(
            QUESTION_LOG, key, {"text": text, "time": turn.now.isoformat(), "reason": reason}
        )
        await self._authored(turn, QUESTION_LOG, key)

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
