"""The Teams activity handler: thin, it only translates between Teams and the dispatcher."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ChannelAccount

from bot.activities import to_activity
from bot.conversations import ConversationDirectory, conversation_key, conversation_kind
from bot.trust import TenantBoundary, teams_user_id
from dialogs.replies import Reply
from dialogs.router import Dispatcher, Turn
from scheduler.clock import Clock

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

    An activity from a tenant outside ``boundary`` gets ``other_tenant`` (messages only) and
    nothing about it is stored. A conversation is remembered only from an activity in which
    Teams identified the sender (``aadObjectId``); others can ask questions, nothing more.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        conversations: ConversationDirectory,
        clock: Clock,
        welcome: Callable[[], Reply],
        is_admin: Callable[[str], bool],
        *,
        boundary: TenantBoundary,
        other_tenant: Reply,
    ) -> None:
        super().__init__()
        self.dispatcher = dispatcher
        self.conversations = conversations
        self.clock = clock
        self.welcome = welcome
        self.is_admin = is_admin
        self.boundary = boundary
        self.other_tenant = other_tenant

    async def on_turn(self, turn_context: TurnContext) -> None:
        started = time.perf_counter()
        activity = turn_context.activity
        if not self.boundary.admits(activity):
            # Before anything is stored: not even the conversation reference.
            turn_context.turn_state["intent"] = "other_tenant"
            if activity.type == "message":
                await turn_context.send_activity(to_activity(self.other_tenant))
        else:
            removed = activity.type == "installationUpdate" and activity.action in (
                "remove",
                "remove-upgrade",
            )
            if not removed and teams_user_id(activity):
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
        if await self.conversations.mark_welcomed(conversation_key(turn_context.activity)):
            await turn_context.send_activity(to_activity(self.welcome()))
