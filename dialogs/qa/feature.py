"""The Q&A feature: answers, lists, help, small talk, follow-ups, the asker's own meetings and
rounds, and feedback on answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.models import Content
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
        router.on_intent(ASK, self.ask)
        router.on_intent(EMPTY, self.empty)
        for command in ("help", "list_pejlemaerker", "list_maalsaetninger", "about"):
            router.on_intent(command, self.command)
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
        """The asker's next meeting or open round, or how reminders and rounds work."""
        if answer.key == "meeting":
            found = (
                await self.meetings.next_meeting_of(turn.user_id, turn.now)
                if self.meetings
                else None
            )
            return self.presenter.next_meeting(found)
        round_ = await self.rounds.open_round_of(turn.user_id, turn.now) if self.rounds else None
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
        stamp = turn.now.isoformat()
        await self.store.put(
            FEEDBACK_TABLE,
            uuid4().hex,
            {"target": submit.target, "helpful": submit.helpful, "time": stamp},
        )
        if not submit.helpful and submit.question and not contains_cpr(submit.question):
            await self._log(turn, submit.question, "thumbs_down")
        da = self.content.messages.da
        return [
            self.presenter.notice(
                da.feedback_thanks_up if submit.helpful else da.feedback_thanks_down
            )
        ]

    async def _log(self, turn: Turn, text: str, reason: str) -> None:
        await self.store.put(
            QUESTION_LOG,
            uuid4().hex,
            {"text": text, "time": turn.now.isoformat(), "reason": reason},
        )
