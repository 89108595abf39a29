"""The conversations the bot is in, with the references needed to message them proactively."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from dialogs.privacy import redact_cpr
from dialogs.store import Store
from dialogs.text import clean_input

TABLE = "conversations"
PERSONAL_INDEX = "personal_chats"  # user's Entra ID object id -> key of their personal chat


@dataclass(frozen=True)
class StoredConversation:
    """One conversation: personal chat, team channel or group chat."""

    conversation_id: str
    kind: str
    reference: ConversationReference
    user_aad_id: str | None
    tenant_id: str | None
    welcomed: bool
    active: bool = True  # False after Teams answered 403/404 to a proactive message


def conversation_key(activity: Activity) -> str:
    """The stored id of a conversation: a channel thread is kept as its channel, so a
    proactive message to it opens a new thread there."""
    conversation_id = str(activity.conversation.id)
    if conversation_kind(activity) == "channel":
        return conversation_id.split(";", 1)[0]
    return conversation_id


def conversation_kind(activity: Activity) -> str:
    """``personal``, ``channel`` or ``groupChat`` (``personal`` when Teams does not say)."""
    return str(getattr(activity.conversation, "conversation_type", None) or "personal")


class ConversationDirectory:
    """Keeps one reference per conversation in the store, refreshed on each activity."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Teams sends installationUpdate and conversationUpdate at once: read-check-write
        # of one conversation's record must not interleave.
        self._lock = asyncio.Lock()

    async def remember(self, activity: Activity, now: datetime) -> None:
        """Store or refresh the conversation of ``activity``; writes only when it changed."""
        if activity.conversation is None or not activity.conversation.id:
            return
        async with self._lock:
            await self._remember(activity, now)

    async def _remember(self, activity: Activity, now: datetime) -> None:
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference.pop("activityId", None)
        key = conversation_key(activity)
        reference["conversation"] = {**reference.get("conversation", {}), "id": key}
        for part in ("user", "bot", "conversation"):  # display names, which users choose
            account = reference.get(part)
            if isinstance(account, dict) and isinstance(account.get("name"), str):
                account["name"] = redact_cpr(clean_input(account["name"], lines=False))
        existing = await self.store.get(TABLE, key)
        doc: dict[str, Any] = {
            "kind": conversation_kind(activity),
            "reference": reference,
            "tenant_id": getattr(activity.conversation, "tenant_id", None),
            "user_aad_id": (
                getattr(activity.from_property, "aad_object_id", None)
                if conversation_kind(activity) == "personal"
                else None
            ),
            "welcomed": bool(existing and existing.get("welcomed")),
            "active": True,  # hearing from a conversation again reactivates it
        }
        if existing is None or {k: existing.get(k) for k in doc} != doc:
            await self.store.put(TABLE, key, {**doc, "updated": now.isoformat()})
        user = doc["user_aad_id"]
        if user and await self.store.get(PERSONAL_INDEX, user) != {"conversation": key}:
            await self.store.put(PERSONAL_INDEX, user, {"conversation": key})

    async def build_index(self) -> int:
        """Index personal chats by user, for data stored before the index existed."""
        indexed = set(await self.store.keys(PERSONAL_INDEX))
        missing = {
            stored.user_aad_id: {"conversation": stored.conversation_id}
            for stored in await self.all()
            if stored.kind == "personal" and stored.user_aad_id
            and stored.user_aad_id not in indexed
        }  # fmt: skip
        if missing:
            await self.store.put_many(PERSONAL_INDEX, missing)
        return len(missing)

    async def mark_welcomed(self, conversation_id: str) -> bool:
        """Record that the welcome was sent; False if it had been sent already."""
        async with self._lock:
            doc = await self.store.get(TABLE, conversation_id)
            if doc is None or doc.get("welcomed"):
                return False
            await self.store.put(TABLE, conversation_id, {**doc, "welcomed": True})
            return True

    async def deactivate(self, conversation_id: str, status: int, at: datetime) -> None:
        """Teams refused messages here (403/404): keep the conversation, marked inactive, so
        nothing more is sent until the user writes again."""
        async with self._lock:
            doc = await self.store.get(TABLE, conversation_id)
            if doc is not None:
                deactivated = {"status": status, "at": at.isoformat()}
                await self.store.put(
                    TABLE, conversation_id, {**doc, "active": False, "deactivated": deactivated}
                )

    async def is_inactive(self, conversation_id: str) -> bool | None:
        """True if deactivated, False if active, None if the conversation is not stored."""
        doc = await self.store.get(TABLE, conversation_id)
        return None if doc is None else doc.get("active") is False

    async def refusal(self, conversation_id: str) -> int | None:
        """The HTTP status with which Teams refused messages here, or None if it did not."""
        doc = await self.store.get(TABLE, conversation_id) if conversation_id else None
        if doc is None or doc.get("active") is not False:
            return None
        return int((doc.get("deactivated") or {}).get("status", 403))

    async def forget(self, conversation_id: str) -> bool:
        """Remove a conversation (the app was uninstalled there)."""
        stored = await self.get(conversation_id)
        user = stored.user_aad_id if stored is not None else None
        if user and await self.store.get(PERSONAL_INDEX, user) == {"conversation": conversation_id}:
            await self.store.delete(PERSONAL_INDEX, user)
        return await self.store.delete(TABLE, conversation_id)

    async def erase_user(self, user_aad_id: str, *, keep_chat: bool = False) -> set[str]:
        """ "slet mine data": forget the user's personal chat (unless ``keep_chat``) and their
        entry in the personal-chat index, and take them out of the references of channels and
        group chats (which keep whoever wrote last). Returns the ids and name removed."""
        traces: set[str] = set()
        async with self._lock:
            entry = await self.store.get(PERSONAL_INDEX, user_aad_id)
            for key, doc in (await self.store.all(TABLE)).items():
                user = doc.get("reference", {}).get("user") or {}
                personal = doc.get("user_aad_id") == user_aad_id or (
                    entry is not None and entry.get("conversation") == key
                )
                if not personal and user.get("aadObjectId") != user_aad_id:
                    continue
                traces.update(str(user[k]) for k in ("id", "name") if user.get(k))
                if personal and keep_chat:
                    continue
                if personal:
                    traces.add(key)
                    await self.store.delete(TABLE, key)
                else:
                    reference = {k: v for k, v in doc["reference"].items() if k != "user"}
                    await self.store.put(TABLE, key, {**doc, "reference": reference})
            if not keep_chat:
                await self.store.delete(PERSONAL_INDEX, user_aad_id)
        return traces

    async def personal_chat_key(self, user_aad_id: str) -> str | None:
        """The key of a user's personal chat, active or not, if the app was ever installed."""
        entry = await self.store.get(PERSONAL_INDEX, user_aad_id)
        return str(entry["conversation"]) if entry else None

    async def personal_chat_of(self, user_aad_id: str) -> StoredConversation | None:
        """The personal chat of a user (by Entra ID object id), if the app is installed and
        Teams has not refused messages there. One index lookup, whatever the number of chats."""
        entry = await self.store.get(PERSONAL_INDEX, user_aad_id)
        stored = await self.get(entry["conversation"]) if entry else None
        if stored is None or stored.kind != "personal" or stored.user_aad_id != user_aad_id:
            return None
        return stored if stored.active else None

    async def reachable(self, user_aad_id: str) -> bool:
        """True if the bot can write to the user: the app is installed in their personal chat
        and Teams has not refused messages there. The bot and the command line both ask this."""
        return await self.personal_chat_of(user_aad_id) is not None

    async def get(self, conversation_id: str) -> StoredConversation | None:
        """One stored conversation."""
        doc = await self.store.get(TABLE, conversation_id)
        return _parse(conversation_id, doc) if doc else None

    async def all(self) -> list[StoredConversation]:
        """Every stored conversation."""
        return [_parse(key, doc) for key, doc in (await self.store.all(TABLE)).items()]


def _parse(key: str, doc: dict[str, Any]) -> StoredConversation:
    return StoredConversation(
        conversation_id=key,
        kind=doc.get("kind", "personal"),
        reference=ConversationReference().deserialize(doc["reference"]),
        user_aad_id=doc.get("user_aad_id"),
        tenant_id=doc.get("tenant_id"),
        welcomed=bool(doc.get("welcomed")),
        active=doc.get("active") is not False,
    )
