"""Proactive delivery: the one object the features send through (see ``dialogs.delivery``)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.conversations import ConversationDirectory
from bot.outbox import Outbox
from dialogs.erasure import Keep, mentions
from dialogs.replies import Reply
from dialogs.store import Doc


class StoredOnlyDelivery:
    """Answers who can be reached from the stored conversations, and sends nothing.

    The command line uses it: it sees reachability exactly as the bot does, and the running
    bot sends what becomes due.
    """

    def __init__(self, conversations: ConversationDirectory, admins: Iterable[str] = ()) -> None:
        self.conversations = conversations
        self.admins = tuple(admins)

    async def send(self, recipient: str, reply: Reply, key: str) -> bool:
        """Nothing is sent: the message stays pending for the bot."""
        return False

    async def reachable(self, user_id: str) -> bool:
        """True if the app is installed in the user's personal chat and Teams has not
        refused messages there."""
        return await self.conversations.reachable(user_id)

    async def refused(self, recipient: str) -> int | None:
        """The status Teams answered when it refused messages to ``recipient``, or None."""
        kind, _, ident = recipient.partition(":")
        if kind == "user":
            ident = await self.conversations.personal_chat_key(ident) or ""
        return await self.conversations.refusal(ident)

    async def send_to_admins(self, reply: Reply, key: str) -> int:
        """Queue ``reply`` in every admin's personal chat that can be reached."""
        sent = 0
        for admin in self.admins:
            sent += await self.send(f"user:{admin}", reply, f"{key}:{admin}")
        return sent


class OutboxDelivery(StoredOnlyDelivery):
    """Resolves a recipient to its stored conversation and queues in the durable outbox.

    Once queued, a message is delivered (or its failure recorded) even across a restart,
    within Teams' rate limits.
    """

    def __init__(
        self, conversations: ConversationDirectory, outbox: Outbox, admins: Iterable[str]
    ) -> None:
        super().__init__(conversations, admins)
        self.outbox = outbox

    async def send(self, recipient: str, reply: Reply, key: str) -> bool:
        """Queue ``reply`` once per ``key``; False if there is no active conversation."""
        kind, _, ident = recipient.partition(":")
        if kind == "user":
            chat = await self.conversations.personal_chat_of(ident)
            conversation_id = chat.conversation_id if chat is not None else None
        else:
            channel = await self.conversations.get(ident)
            conversation_id = ident if channel is not None and channel.active else None
        if conversation_id is None:
            return False
        await self.outbox.enqueue(conversation_id, reply, key=key)
        return True

    async def held(self, user_id: str) -> list[str]:
        """Nothing to list: "mine data" always names the personal chat."""
        return []

    async def erase(self, user_id: str, keep: Keep) -> set[str]:
        """ "slet mine data": every message in the outbox to the user's personal chat or
        naming them (queued or sent), except the reminders ``keep`` keeps; then the personal
        chat itself (unless ``keep.chat``) and the user in other conversations' references."""
        chats = {
            c.conversation_id
            for c in await self.conversations.all()
            if c.kind == "personal" and c.user_aad_id == user_id
        }
        indexed = await self.conversations.personal_chat_key(user_id)
        if indexed:
            chats.add(indexed)

        def drop(key: str, doc: Doc) -> bool:
            if keep.key(key):
                return False
            return (
                doc.get("conversation_id") in chats
                or mentions(key, user_id)
                or mentions(json.dumps(doc, ensure_ascii=False), user_id)
            )

        await self.outbox.forget(drop)
        return await self.conversations.erase_user(user_id, keep_chat=keep.chat)
