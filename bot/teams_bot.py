"""The Teams activity handler: thin, it only translates between Teams and the dispatcher.

Messages and card submits go to the dispatcher; so does a card's ``Action.Execute``
(``adaptiveCard/action``), whose first reply with a card replaces the card in place. The
search message extension's queries go to the search (see ``bot/invoke.py`` for the invoke
responses, and why they are built and written here rather than by botbuilder).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.activities import to_activity
from bot.conversations import ConversationDirectory, conversation_key, conversation_kind
from bot.invoke import (
    COMPOSE_EXTENSION,
    EXECUTE,
    QUERY,
    SELECT_ITEM,
    card_response,
    execute_data,
    message_response,
    query_text,
    search_response,
    selected_target,
)
from bot.trust import TenantBoundary, teams_user_id
from dialogs.replies import Preview, Reply
from dialogs.router import Dispatcher, Turn
from scheduler.clock import Clock

SEARCH_LIMIT = 10  # results of the message extension per query
Search = Callable[[str, int], list[Preview]]


def _no_search(query: str, limit: int) -> list[Preview]:
    return []


log = logging.getLogger("strategibot.turn")


def mentions_bot(activity: Activity) -> bool:
    """True if the message @mentions the bot (needed in channels and group chats)."""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        if getattr(entity, "type", None) != "mention":
            continue
        mentioned = getattr(entity, "mentioned", None)
        if mentioned is None and hasattr(entity, "additional_properties"):
            mentioned = (entity.additional_properties or {}).get("mentioned")
        mentioned_id = (
            mentioned.get("id") if isinstance(mentioned, dict) else getattr(mentioned, "id", None)
        )
        if mentioned_id == bot_id:
            return True
    return False


class StrategiBot(TeamsActivityHandler):  # type: ignore[misc]
    """Welcomes, remembers conversations and hands messages to the dispatcher.

    ``welcome`` gives the welcome for a conversation kind (``personal``, ``channel``,
    ``groupChat``).

    An activity from a tenant outside ``boundary`` gets ``other_tenant`` (a message, or an
    invoke's answer) and nothing about it is stored. A conversation is remembered only from
    an activity in which Teams identified the sender (``aadObjectId``), and never from a
    message extension's invoke (it may come from any chat, where the bot is no member);
    others can ask questions, nothing more. ``search`` answers the message extension.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        conversations: ConversationDirectory,
        clock: Clock,
        welcome: Callable[[str], Reply],
        is_admin: Callable[[str], bool],
        *,
        boundary: TenantBoundary,
        other_tenant: Reply,
        search: Search = _no_search,
    ) -> None:
        super().__init__()
        self.dispatcher = dispatcher
        self.conversations = conversations
        self.clock = clock
        self.welcome = welcome
        self.is_admin = is_admin
        self.boundary = boundary
        self.other_tenant = other_tenant
        self.search = search

    async def on_turn(self, turn_context: TurnContext) -> None:
        started = time.perf_counter()
        activity = turn_context.activity
        if not self.boundary.admits(activity):
            # Before anything is stored: not even the conversation reference.
            turn_context.turn_state["intent"] = "other_tenant"
            if activity.type == "message":
                await turn_context.send_activity(to_activity(self.other_tenant))
            elif activity.type == ActivityTypes.invoke:
                name = str(activity.name or "")
                body = (
                    search_response([])
                    if name.startswith(COMPOSE_EXTENSION)
                    else message_response(self.other_tenant.text)
                )
                await _answer_invoke(turn_context, body)
        else:
            removed = activity.type == "installationUpdate" and activity.action in (
                "remove",
                "remove-upgrade",
            )
            extension = activity.type == ActivityTypes.invoke and str(
                activity.name or ""
            ).startswith(COMPOSE_EXTENSION)
            if not removed and not extension and teams_user_id(activity):
                await self.conversations.remember(activity, self.clock.now())
            await super().on_turn(turn_context)
        fields = {
            "type": activity.type,
            "conversation": conversation_kind(activity),
            "intent": turn_context.turn_state.get("intent", "-"),
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        # One line per turn; never the message text or who sent it.
        log.info(
            "turn %s", " ".join(f"{k}={v}" for k, v in fields.items()), extra={"fields": fields}
        )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        kind = conversation_kind(activity)
        if activity.value is None and kind != "personal" and not mentions_bot(activity):
            turn_context.turn_state["intent"] = "not_mentioned"
            return
        if activity.value is None and activity.attachments and not (activity.text or "").strip():
            # A card the user inserted (from the message extension, say): nothing to answer.
            turn_context.turn_state["intent"] = "card_inserted"
            return
        user = activity.from_property
        user_id = teams_user_id(activity)  # never from.id: anybody can choose that
        turn = Turn(
            text=activity.text or "",
            value=activity.value
            if isinstance(activity.value, dict)
            else ({} if activity.value is not None else None),
            user_id=user_id,
            conversation_id=activity.conversation.id,
            conversation_kind=kind,
            is_admin=bool(user_id) and self.is_admin(user_id),
            now=self.clock.now(),
            user_name=str((user.name or "") if user else ""),
        )
        intent, replies = await self.dispatcher.dispatch(turn)
        turn_context.turn_state["intent"] = intent
        for reply in replies:
            await turn_context.send_activity(to_activity(reply))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Every invoke: the message extension's search and selection, a card's
        ``Action.Execute``; anything else gets 200 with an empty body. The body is returned
        as a plain dict, never serialised again (see ``bot/invoke.py``)."""
        activity = turn_context.activity
        name = str(activity.name or "")
        body: dict[str, Any]
        if name == QUERY:
            turn_context.turn_state["intent"] = "search"
            text = query_text(activity.value)
            body = search_response(self.search(text, SEARCH_LIMIT) if text is not None else [])
        elif name == SELECT_ITEM:
            turn_context.turn_state["intent"] = "search_select"
            target = selected_target(activity.value)
            chosen = [p for p in self.search(target or "", 50) if p.target == target]
            body = search_response(chosen[:1])
        elif name == EXECUTE:
            body = await self._execute(turn_context)
        elif name.startswith(COMPOSE_EXTENSION):
            turn_context.turn_state["intent"] = "invoke:extension"  # never the name: any text
            body = search_response([])
        else:
            turn_context.turn_state["intent"] = "invoke"
            body = {}
        return InvokeResponse(status=200, body=body)

    async def _execute(self, turn_context: TurnContext) -> dict[str, Any]:
        """``Action.Execute``: the card's data goes to the dispatcher as a submit would, and
        the first reply with a card replaces the clicked card; other replies are sent as
        messages. Without a card, the first reply's text is shown on the card."""
        activity = turn_context.activity
        user = activity.from_property
        user_id = teams_user_id(activity)
        turn = Turn(
            text="",
            value=execute_data(activity.value) or {},
            user_id=user_id,
            conversation_id=activity.conversation.id,
            conversation_kind=conversation_kind(activity),
            is_admin=bool(user_id) and self.is_admin(user_id),
            now=self.clock.now(),
            user_name=str((user.name or "") if user else ""),
            in_place=True,
        )
        intent, replies = await self.dispatcher.dispatch(turn)
        turn_context.turn_state["intent"] = f"execute:{intent}"
        if not replies:
            return message_response("")
        first, *rest = replies
        for reply in rest:
            await turn_context.send_activity(to_activity(reply))
        if first.card is not None:
            return card_response(first.card)
        return message_response(first.text)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome_once(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self.conversations.forget(conversation_key(turn_context.activity))

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Welcome when the bot itself joins; other membership changes need no action.

        (The Teams base class would look up every added member over the network first.)
        """
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added: list[ChannelAccount] = activity.members_added or []
        if any(member.id == bot_id for member in added):
            await self._welcome_once(turn_context)

    async def _welcome_once(self, turn_context: TurnContext) -> None:
        """The welcome for the kind of conversation (one post in a channel or group chat),
        once per conversation although Teams sends two activities on install."""
        activity = turn_context.activity
        if await self.conversations.mark_welcomed(conversation_key(activity)):
            welcome = self.welcome(conversation_kind(activity))
            await turn_context.send_activity(to_activity(welcome))


async def _answer_invoke(turn_context: TurnContext, body: dict[str, Any]) -> None:
    """Answer the turn's invoke with ``body`` (200), as ``on_invoke_activity`` would."""
    response = InvokeResponse(status=200, body=body)
    await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))
