"""Proactive messages: send a reply to a stored conversation outside a user's turn."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

from bot.activities import to_activity
from bot.conversations import ConversationDirectory
from bot.trust import is_loopback_url
from dialogs.replies import Reply


class NotLoopbackError(LookupError):
    """Local mode: the stored conversation's service URL is not on loopback; nothing is sent
    (a ``LookupError``, so the outbox gives the message up at once)."""


class Messenger:
    """Sends replies to conversations the bot has stored a reference for.

    Without an app id (local mode, nothing authenticated) it sends only to conversations
    whose service URL is on loopback.
    """

    def __init__(
        self, adapter: CloudAdapter, conversations: ConversationDirectory, app_id: str
    ) -> None:
        self.adapter = adapter
        self.conversations = conversations
        self.app_id = app_id

    async def send(self, conversation_id: str, reply: Reply) -> str | None:
        """Send ``reply``; returns the new message id.

        Raises ``LookupError`` for an unknown conversation (:class:`NotLoopbackError` for one
        off loopback in local mode), and the connector's error for a failed send. (Left to
        the adapter, that error would go to its ``on_turn_error``, which posts the apology
        into the conversation and hides the status from the caller.)
        """
        stored = await self.conversations.get(conversation_id)
        if stored is None:
            raise LookupError(f"no conversation {conversation_id!r}")
        if not self.app_id and not is_loopback_url(stored.reference.service_url):
            raise NotLoopbackError(f"local mode: {conversation_id!r} is not on loopback")
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
