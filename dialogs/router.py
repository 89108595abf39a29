"""Routing: one table from intent names and card actions to handlers.

Each feature builds a :class:`Router` with its handlers; the app includes every feature's
router into one root router (as in aiogram). Text goes through the
:class:`~dialogs.intents.IntentParser` — the one place text becomes an intent — and a card
button of action ``ask`` is routed exactly as if its text had been typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dialogs.intents import Intent, IntentParser
from dialogs.replies import Reply

MAX_TEXT = 1000  # longer questions are refused with a message, not answered


@dataclass(frozen=True)
class Turn:
    """One incoming message, free of any SDK type."""

    text: str
    value: Mapping[str, Any] | None
    user_id: str
    conversation_id: str
    conversation_kind: str
    is_admin: bool
    now: datetime
    user_name: str = ""


IntentHandler = Callable[[Turn, Intent], Awaitable[list[Reply]]]
ActionHandler = Callable[[Turn, Mapping[str, Any]], Awaitable[list[Reply]]]


class Router:
    """Handlers for intents and card actions."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, IntentHandler] = {}
        self.actions: dict[str, ActionHandler] = {}

    def on_intent(self, intent: str, handler: IntentHandler) -> None:
        """Handle messages whose text is ``intent``."""
        self._add(self.intents, intent, handler)

    def on_action(self, action: str, handler: ActionHandler) -> None:
        """Handle card submits whose ``data.action`` is ``action``."""
        self._add(self.actions, action, handler)

    def include(self, other: Router) -> None:
        """Take over every handler of ``other``; a name handled twice is an error."""
        for name, handler in other.intents.items():
            self.on_intent(name, handler)
        for name, action in other.actions.items():
            self.on_action(name, action)

    def _add(self, table: dict[str, Any], name: str, handler: Any) -> None:
        if name in table:
            raise ValueError(f"{self.name}: {name!r} is handled twice")
        table[name] = handler


class _AskSubmit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class Dispatcher:
    """Turns a :class:`Turn` into replies using the root router."""

    def __init__(
        self,
        router: Router,
        parser: IntentParser,
        *,
        invalid_submit: Reply,
        too_long: Reply,
        ask_action: str = "ask",
    ) -> None:
        self.router = router
        self.parser = parser
        self.invalid_submit = invalid_submit
        self.too_long = too_long
        self.ask_action = ask_action

    async def dispatch(self, turn: Turn) -> tuple[str, list[Reply]]:
        """The name of what was handled (for logs) and the replies."""
        if turn.value is not None:
            return await self._submit(turn, turn.value)
        return await self._text(turn)

    async def _text(self, turn: Turn) -> tuple[str, list[Reply]]:
        if len(turn.text) > MAX_TEXT:
            return "too_long", [self.too_long]
        intent = self.parser.parse(turn.text)
        handler = self.router.intents.get(intent.name)
        if handler is None:
            raise LookupError(f"no handler for intent {intent.name!r}")
        return intent.name, await handler(turn, intent)

    async def _submit(self, turn: Turn, value: Mapping[str, Any]) -> tuple[str, list[Reply]]:
        action = value.get("action") if isinstance(value, Mapping) else None
        if action == self.ask_action:
            try:
                text = _AskSubmit.model_validate(value).text
            except ValidationError:
                return "invalid_submit", [self.invalid_submit]
            return await self._text(replace(turn, text=text, value=None))
        handler = self.router.actions.get(action) if isinstance(action, str) else None
        if handler is None:
            return "invalid_submit", [self.invalid_submit]
        return f"submit:{action}", await handler(turn, value)
