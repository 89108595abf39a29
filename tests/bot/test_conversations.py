"""The conversation directory: references by conversation, personal chats by user."""

from __future__ import annotations

from bot.conversations import PERSONAL_INDEX, TABLE, ConversationDirectory
from bot.storage import MemoryStore
from scheduler.clock import ManualClock
from tests.bot import teams


async def test_a_personal_chat_is_found_by_its_user_until_the_app_is_removed(
    clock: ManualClock,
) -> None:
    directory = ConversationDirectory(MemoryStore())
    await directory.remember(teams.message("hej"), clock.now())
    await directory.remember(
        teams.message("hej", teams.personal(2), sender=teams.user(2)), clock.now()
    )
    await directory.remember(teams.message("hej", teams.CHANNEL, mention=True), clock.now())
    found = await directory.personal_chat_of("aad-user-2")
    assert found is not None and found.conversation_id == "a:personal-2"
    assert await directory.personal_chat_of("aad-user-3") is None
    assert await directory.forget("a:personal-2")
    assert await directory.personal_chat_of("aad-user-2") is None
    assert await directory.store.keys(PERSONAL_INDEX) == ["aad-user-1"]


async def test_an_inactive_chat_is_not_a_way_to_reach_its_user(clock: ManualClock) -> None:
    directory = ConversationDirectory(MemoryStore())
    await directory.remember(teams.message("hej"), clock.now())
    doc = await directory.store.get(TABLE, "a:personal-1")
    assert doc is not None
    await directory.store.put(TABLE, "a:personal-1", {**doc, "active": False})
    assert await directory.personal_chat_of("aad-user-1") is None


async def test_chats_stored_before_the_index_are_indexed_at_start(clock: ManualClock) -> None:
    directory = ConversationDirectory(MemoryStore())
    await directory.remember(teams.message("hej"), clock.now())
    await directory.store.delete(PERSONAL_INDEX, "aad-user-1")  # as stored by an older version
    assert await directory.personal_chat_of("aad-user-1") is None
    assert await directory.build_index() == 1
    assert await directory.build_index() == 0
    found = await directory.personal_chat_of("aad-user-1")
    assert found is not None and found.conversation_id == "a:personal-1"
