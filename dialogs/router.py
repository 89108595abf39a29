"""Routing: one table from intent names and card actions to handlers.

Each feature builds a :class:`Router` with its handlers; the app includes every feature's
router into one root router (as in aiogram). Text goes through the
:class:`~dialogs.intents.IntentParser` — the one place text becomes an intent — and a card
button of action ``ask`` is routed exactly as if its text had been typed.

Identity: a turn is *identified* when Teams told who wrote it (the Entra ID object id,
``Turn.user_id``). A handler reaches unidentified turns only if it was added with
``open=True`` (answering questions); every other handler — roles, anything stored about the
user — gets only identified turns, and the dispatcher answers the rest with a short refusal.

Input: every turn passes one gate here before any handler sees it (:meth:`Dispatcher.dispatch`).
Text, the display name and card values are cleaned (:func:`~dialogs.text.clean_input`: valid
Unicode, NFC, no control or bidi-override characters). A card action names its form, a
pydantic model: only the form's fields reach the handler, each of its declared type (a list or
an object where a text belongs is refused, never stored), and a value nested too deep or too
big is refused before anything walks it. A user sending more turns than :class:`TurnLimiter`
allows gets one short answer and nothing runs.

Privacy: a route added with ``private=True`` shows personal data (one's own data, status
cards, rounds with names, reports with comments), so its replies are shown only in the user's
personal chat. Asked in a channel or group chat, the :class:`Dispatcher` sends them there
through the :class:`~dialogs.delivery.Delivery` and says so where it was asked (or, when the
bot has no personal chat with the user yet, says how to open one and runs nothing). A private
intent may name a ``public`` handler whose replies (aggregates: never names or comments) are
shown in the channel or group chat besides. This is the one place that decides where replies
are shown; handlers of private routes see ``conversation_kind == "personal"``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dialogs.delivery import Delivery
from dialogs.intents import Intent, IntentParser
from dialogs.privacy import redact_cpr
from dialogs.replies import Reply
from dialogs.text import LINES, InputRefused, Lines, clean_input, clean_value

MAX_TEXT = 1000  # longer questions are refused with a message, not answered
PERSONAL = "personal"  # the conversation kind of a personal (1:1) chat with the bot


@dataclass(frozen=True)
class Turn:
    """One incoming message, free of any SDK type.

    ``user_id`` is the sender's Entra ID object id from a Teams activity, or ``""`` when the
    activity had none (then :attr:`identified` is False, and only open handlers run).
    ``in_place`` is True for a card's ``Action.Execute``: the first reply with a card replaces
    the card that was clicked (a handler may answer differently than to ``Action.Submit``,
    whose replies are new messages).
    """

    text: str
    value: Mapping[str, Any] | None
    user_id: str
    conversation_id: str
    conversation_kind: str
    is_admin: bool
    now: datetime
    user_name: str = ""
    in_place: bool = False

    @property
    def identified(self) -> bool:
        """True if Teams said who wrote: roles and stored data need it."""
        return bool(self.user_id)


IntentHandler = Callable[[Turn, Intent], Awaitable[list[Reply]]]
ActionHandler = Callable[[Turn, Mapping[str, Any]], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Form:
    """What a card action accepts: the ``model`` its fields are checked against, and the
    text answered when they do not pass (None: the dispatcher's ``invalid_submit``)."""

    model: type[BaseModel]
    invalid: str | None = None

    def multiline(self) -> frozenset[str]:
        """The fields marked ``Annotated[str, LINES]``: new lines and tabs are kept there."""
        return frozenset(
            name
            for name, info in self.model.model_fields.items()
            if any(isinstance(meta, Lines) for meta in info.metadata)
        )


class Router:
    """Handlers for intents and card actions."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, IntentHandler] = {}
        self.actions: dict[str, ActionHandler] = {}
        self.open_intents: set[str] = set()  # also for turns without an identity
        self.open_actions: set[str] = set()
        # Shown only in the personal chat; an intent's public handler answers elsewhere.
        self.private_intents: dict[str, IntentHandler | None] = {}
        self.private_actions: set[str] = set()
        self.forms: dict[str, Form] = {}  # the form each card action accepts

    def on_intent(
        self,
        intent: str,
        handler: IntentHandler,
        *,
        open: bool = False,
        private: bool = False,
        public: IntentHandler | None = None,
    ) -> None:
        """Handle messages whose text is ``intent``; with ``open`` also from a sender Teams
        did not identify (only for what needs no role and stores nothing about the user).
        With ``private`` the replies are shown only in the personal chat; ``public`` answers
        in a channel or group chat besides."""
        if public is not None and not private:
            raise ValueError(f"{self.name}: {intent!r} has a public handler but is not private")
        self._add(self.intents, intent, handler)
        if open:
            self.open_intents.add(intent)
        if private:
            self.private_intents[intent] = public

    def on_action(
        self,
        action: str,
        handler: ActionHandler,
        *,
        form: type[BaseModel] | Form | None = None,
        open: bool = False,
        private: bool = False,
    ) -> None:
        """Handle card submits whose ``data.action`` is ``action``; ``open`` and ``private``
        as for intents. ``form`` is the model the submit's fields must pass (or a
        :class:`Form` with the text answered when they do not): the handler gets only its
        fields, as given and of their declared types. Every action of the app has one
        (``tests/dialogs/test_text.py``); without, the handler gets every field, cleaned."""
        self._add(self.actions, action, handler)
        if form is not None:
            self.forms[action] = form if isinstance(form, Form) else Form(form)
        if open:
            self.open_actions.add(action)
        if private:
            self.private_actions.add(action)

    def include(self, other: Router) -> None:
        """Take over every handler of ``other``; a name handled twice is an error."""
        for name, handler in other.intents.items():
            self.on_intent(
                name,
                handler,
                open=name in other.open_intents,
                private=name in other.private_intents,
                public=other.private_intents.get(name),
            )
        for name, action in other.actions.items():
            self.on_action(
                name,
                action,
                form=other.forms.get(name),
                open=name in other.open_actions,
                private=name in other.private_actions,
            )

    def _add(self, table: dict[str, Any], name: str, handler: Any) -> None:
        if name in table:
            raise ValueError(f"{self.name}: {name!r} is handled twice")
        table[name] = handler


class _AskSubmit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: Annotated[str, LINES] = Field(min_length=1, max_length=MAX_TEXT)


def form_fields(value: Mapping[str, Any], form: Form) -> dict[str, Any]:
    """The fields of a card submit that ``form`` declares, cleaned and checked against its
    model; unknown fields are dropped. Raises :class:`InputRefused` for a value nested too
    deep or too big, and pydantic's ``ValidationError`` for a field of the wrong type."""
    fields = form.model.model_fields
    lines = form.multiline()
    given = {
        name: clean_value(item, lines=name in lines)
        for name, item in value.items()
        if isinstance(name, str) and name in fields
    }
    model = form.model.model_validate(given)
    return model.model_dump(include=set(given))


_ASK = Form(_AskSubmit)


class TurnLimiter:
    """A token bucket per user: ``rate`` turns a second on average, ``burst`` at once.

    Pure apart from ``clock`` (seconds, monotonic), so a test gives its own. A bucket that
    would be full again is forgotten once there are many, so memory stays bounded.
    """

    MAX_BUCKETS = 10_000

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float, bool]] = {}  # tokens, when, told

    def allow(self, key: str) -> bool | None:
        """True if the user may take a turn now; False the first time they may not (tell
        them), None while they go on (say nothing more)."""
        now = self.clock()
        tokens, then, told = self._buckets.get(key, (self.burst, now, False))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens >= 1:
            self._remember(key, (tokens - 1, now, False), now)
            return True
        self._remember(key, (tokens, now, True), now)
        return None if told else False

    def _remember(self, key: str, bucket: tuple[float, float, bool], now: float) -> None:
        self._buckets[key] = bucket
        if len(self._buckets) > self.MAX_BUCKETS:
            full = self.burst / self.rate
            self._buckets = {k: b for k, b in self._buckets.items() if now - b[1] < full}


@dataclass(frozen=True)
class PrivateChat:
    """Where a private route's replies go from a channel or group chat, and what is said there:
    ``sent`` when they went to the personal chat, ``no_chat`` (how to open one) when the bot
    has no personal chat with the user yet."""

    delivery: Delivery
    sent: Reply
    no_chat: Reply


Run = Callable[[Turn], Awaitable[list[Reply]]]


class Dispatcher:
    """Turns a :class:`Turn` into replies using the root router.

    ``unidentified`` answers a turn without an identity that asks for a handler which is not
    open (by default ``invalid_submit``); that handler never runs. ``private`` sends the
    replies of private routes asked outside the personal chat; without it such a route shows
    nothing there (only its public handler's replies).
    """

    def __init__(
        self,
        router: Router,
        parser: IntentParser,
        *,
        invalid_submit: Reply,
        too_long: Reply,
        unidentified: Reply | None = None,
        ask_action: str = "ask",
        private: PrivateChat | None = None,
        limiter: TurnLimiter | None = None,
        too_fast: Reply | None = None,
    ) -> None:
        self.router = router
        self.parser = parser
        self.invalid_submit = invalid_submit
        self.too_long = too_long
        self.unidentified = unidentified or invalid_submit
        self.ask_action = ask_action
        self.private = private
        self.limiter = limiter
        self.too_fast = too_fast or invalid_submit

    async def dispatch(self, turn: Turn) -> tuple[str, list[Reply]]:
        """The name of what was handled (for logs) and the replies.

        The one gate for what users and clients send: the turn rate per user, then the text,
        the display name and the card's data are cleaned (see the module's docstring)."""
        if self.limiter is not None:
            allowed = self.limiter.allow(turn.user_id or f"conversation:{turn.conversation_id}")
            if not allowed:
                return "too_fast", [] if allowed is None else [self.too_fast]
        # A display name is the user's choice in Teams, not typed here: kept, minus any CPR.
        name = redact_cpr(clean_input(turn.user_name, lines=False))
        turn = replace(turn, text=clean_input(turn.text), user_name=name)
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
        if not turn.identified and intent.name not in self.router.open_intents:
            return "unidentified", [self.unidentified]
        if intent.name in self.router.private_intents and turn.conversation_kind != PERSONAL:
            public = self.router.private_intents[intent.name]
            return intent.name, await self._privately(
                turn,
                lambda t: handler(t, intent),
                None if public is None else (lambda t: public(t, intent)),
            )
        return intent.name, await handler(turn, intent)

    async def _submit(self, turn: Turn, value: Mapping[str, Any]) -> tuple[str, list[Reply]]:
        action = value.get("action") if isinstance(value, Mapping) else None
        if isinstance(action, str):
            action = clean_input(action, lines=False)
        if action == self.ask_action:
            try:
                text = _AskSubmit.model_validate(form_fields(value, _ASK)).text
            except (ValidationError, InputRefused):
                return "invalid_submit", [self.invalid_submit]
            return await self._text(replace(turn, text=text, value=None))
        handler = self.router.actions.get(action) if isinstance(action, str) else None
        if handler is None or not isinstance(action, str):
            return "invalid_submit", [self.invalid_submit]
        if not turn.identified and action not in self.router.open_actions:
            return "unidentified", [self.unidentified]
        form = self.router.forms.get(action)
        try:
            if form is None:
                fields = {**clean_value(dict(value)), "action": action}
            else:
                fields = {**form_fields(value, form), "action": action}
        except (ValidationError, InputRefused):
            refused = self.invalid_submit
            if form is not None and form.invalid is not None:
                refused = Reply(form.invalid)
            return f"submit:{action}", [refused]
        turn = replace(turn, value=fields)
        if action in self.router.private_actions and turn.conversation_kind != PERSONAL:
            return f"submit:{action}", await self._privately(turn, lambda t: handler(t, fields))
        return f"submit:{action}", await handler(turn, fields)

    async def _privately(self, turn: Turn, run: Run, public: Run | None = None) -> list[Reply]:
        """A private route outside the personal chat: its replies go to the personal chat,
        and only ``public``'s replies and a notice are shown here. Nothing runs when the bot
        cannot write to the user's personal chat."""
        shown = await public(turn) if public is not None else []
        if self.private is None:
            return shown
        delivery, recipient = self.private.delivery, f"user:{turn.user_id}"
        if not await delivery.reachable(turn.user_id):
            return [*shown, self.private.no_chat]
        replies = await run(replace(turn, conversation_kind=PERSONAL))
        sent = 0
        for reply in replies:
            # A random key: the outbox keeps it after sending, so it must not name the user.
            sent += await delivery.send(recipient, reply, f"private:{uuid.uuid4().hex}")
        if not replies:
            return shown
        return [*shown, self.private.sent] if sent else [*shown, self.private.no_chat]
