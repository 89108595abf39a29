"""Proactive messages: send a reply to a stored conversation outside a user's turn."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

from bot.activities import to_activity
from bot.conversations import ConversationDirectory
from dialogs.replies import Reply


class Messenger:
    """Sends replies to conversations the bot has stored a reference for."""

    def __init__(
        self, adapter: CloudAdapter, conversations: ConversationDirectory, app_id: str
    ) -> None:
        self.adapter = adapter
        self.conversations = conversations
        self.app_id = app_id

    async def send(self, conversation_id: str, reply: Reply) -> str | None:
        """Send ``reply``; returns the new message id.

        Raises ``LookupError`` for an unknown conversation, and the connector's error for a
        failed send. (Left to the adapter, that error would go to its ``on_turn_error``, which
        posts the apology into the conversation and hides the status from the caller.)
        """
        stored = await self.conversations.get(conversation_id)
        if stored is None:
            raise LookupError(f"no conversation {conversation_id!r}")
        sent: list[str | None] = []
        errors: list[Exception] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                response = await turn_context.send_activity(to_activity(reply))
            except Exception as exc:
                errors.append(exc)
                return
            sent.append(response.id if response else None)

        await self.adapter.continue_conversation(stored.reference, callback, self.app_id or None)
        if errors:
            raise errors[0]
        return sent[0] if sent else None
