"""»Spørg en fagperson« in the chat: its commands, its card actions, what the Q&A asks of it
(:class:`~dialogs.qa.supplements.ExpertHelp`) and what "slet mine data" asks of it
(:class:`~dialogs.erasure.Eraser`).

* ``@Strategibot tilknyt fagpersoner`` (admins, in a channel) connects the experts' channel.
* ``supplerende svar`` (admins) lists the supplementary answers, each with »Træk tilbage«.
* The asker's »Send til fagpersonerne« is private: its receipt is shown in the personal chat.
* »Besvar«, »Luk« and »Udgiv som supplerende svar« are ``Action.Execute`` in the experts'
  channel: the card becomes its new state in place (``Action.Submit`` posts it instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from content.models import Content
from dialogs.erasure import Keep
from dialogs.experts.cards import ANSWER, ASK, CLOSE, PUBLISH, WITHDRAW
from dialogs.experts.models import MAX_NOTE, MAX_QUESTION
from dialogs.experts.service import ExpertService
from dialogs.intents import Intent
from dialogs.replies import Reply
from dialogs.router import Form, Router, Turn
from dialogs.text import LINES

CONNECT = "experts_connect"
SUPPLEMENTS = "experts_supplements"


class _Ask(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    note: Annotated[str, LINES] = Field("", max_length=MAX_NOTE)
    attempted: str = Field("fallback", max_length=100)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=1, max_length=64)
    answer: Annotated[str, LINES] = ""
    publish: StrictBool | str = "false"


class _QuestionRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=1, max_length=64)


class _SupplementRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    supplement: str = Field(min_length=1, max_length=64)


class ExpertsFeature:
    """The routes of »Spørg en fagperson«, over :class:`ExpertService`."""

    def __init__(self, content: Content, service: ExpertService) -> None:
        self.content = content
        self.t = content.experts
        self.service = service

    def router(self) -> Router:
        """The routes of this feature."""
        router = Router("experts")
        router.on_intent(CONNECT, self.connect)
        router.on_intent(SUPPLEMENTS, self.supplements)
        router.on_action(ASK, self.ask, form=_Ask, private=True)
        router.on_action(ANSWER, self.answer, form=Form(_Answer, self.t.unknown_question))
        router.on_action(CLOSE, self.close, form=Form(_QuestionRef, self.t.unknown_question))
        router.on_action(PUBLISH, self.publish, form=Form(_QuestionRef, self.t.unknown_question))
        router.on_action(WITHDRAW, self.withdraw, form=_SupplementRef)
        return router

    # -- commands ---------------------------------------------------------------------------

    async def connect(self, turn: Turn, intent: Intent) -> list[Reply]:
        """``@Strategibot tilknyt fagpersoner`` in a channel."""
        return [Reply(await self.service.connect(turn))]

    async def supplements(self, turn: Turn, intent: Intent) -> list[Reply]:
        """``supplerende svar``: the admins' list."""
        return [await self.service.list_supplements(turn)]

    # -- card actions -----------------------------------------------------------------------

    async def ask(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """»Send til fagpersonerne«: forward the question with the optional note."""
        text = await self.service.forward(
            turn,
            str(value.get("question", "")),
            str(value.get("note", "")),
            str(value.get("attempted", "fallback")),
        )
        return [Reply(text)]

    async def answer(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """»Send svar« on the experts' card."""
        publish = str(value.get("publish", "false")).lower() == "true"
        outcome = await self.service.answer(
            turn, str(value["question"]), str(value.get("answer", "")), publish
        )
        return outcome.replies()

    async def close(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """»Luk« on the experts' card."""
        return (await self.service.close(turn, str(value["question"]))).replies()

    async def publish(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """»Udgiv som supplerende svar« on an answered question's card."""
        return (await self.service.publish(turn, str(value["question"]))).replies()

    async def withdraw(self, turn: Turn, value: Mapping[str, Any]) -> list[Reply]:
        """»Træk tilbage« on the admins' list: in place, the list without it; as a submit,
        what was withdrawn."""
        outcome = await self.service.withdraw(turn, str(value["supplement"]))
        if turn.in_place or not outcome.notice:
            return outcome.replies()
        return [Reply(outcome.notice)]

    # -- what the Q&A asks (dialogs.qa.supplements.ExpertHelp) -------------------------------

    async def supplement(self, question: str, now: datetime) -> Reply | None:
        """A supplementary answer to a question like ``question``."""
        return await self.service.supplement_for(question)

    async def offer(self, turn: Turn, question: str, attempted: str) -> list[dict[str, Any]]:
        """»Spørg en fagperson« under an answer, when an experts' channel is connected and
        Teams said who asked."""
        if not turn.identified or not await self.service.connected():
            return []
        return self.service.cards.offer(question, attempted)

    # -- what "slet mine data" asks (dialogs.erasure.Eraser) ---------------------------------

    async def held(self, user_id: str) -> list[str]:
        """Lines for "mine data"."""
        return await self.service.held(user_id)

    async def erase(self, user_id: str, keep: Keep) -> set[str]:
        """Delete what is kept about the user here (see :meth:`ExpertService.erase`)."""
        return await self.service.erase(user_id, keep)
