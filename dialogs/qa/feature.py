"""The Q&A feature: answers, lists, help, and feedback on answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.storage import Store
from content.models import Content
from dialogs.intents import ASK, EMPTY, Intent
from dialogs.qa.answer import Answerer, answer_for_target
from dialogs.qa.present import FEEDBACK, Presenter
from dialogs.replies import Reply
from dialogs.router import Router, Turn
from status.privacy import contains_cpr

QUESTION_LOG = "question_log"
FEEDBACK_TABLE = "feedback"


class _FeedbackSubmit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action: Literal["feedback"]
    helpful: bool
    target: str = Field(min_length=1, max_length=100)
    question: str = Field("", max_length=1000)


class QAFeature:
    """Answers questions about the strategy and records what it could not answer."""

    def __init__(self, content: Content, store: Store) -> None:
        self.content = content
        self.store = store
        self.answerer = Answerer(content)
        self.presenter = Presenter(content, self.answerer)

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
        answer = self.answerer.answer(intent.text)
        if answer.kind == "fallback":
            await self._log(turn, intent.text, "fallback")
        return [self.presenter.render(answer)]

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
