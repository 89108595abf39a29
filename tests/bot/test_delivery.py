"""Delivery: recipients resolved to stored conversations, refusals, admins, the CLI's variant."""

from __future__ import annotations

from bot.conversations import ConversationDirectory
from bot.delivery import OutboxDelivery, StoredOnlyDelivery
from bot.outbox import Outbox
from bot.storage import MemoryStore
from dialogs.replies import Reply
from scheduler.clock import ManualClock
from tests.bot import teams


class NeverSends:
    async def send(self, conversation_id: str, reply: Reply) -> str | None:
        raise AssertionError("the outbox is not started in these tests")


async def delivery(clock: ManualClock) -> tuple[OutboxDelivery, ConversationDirectory]:
    store = MemoryStore()
    conversations = ConversationDirectory(store)
    await conversations.remember(teams.message("hej"), clock.now())  # aad-user-1
    await conversations.remember(teams.message("hej", teams.CHANNEL, mention=True), clock.now())
    outbox = Outbox(store, NeverSends(), conversations=conversations, clock=clock)
    return OutboxDelivery(conversations, outbox, admins=["aad-user-1", "aad-nobody"]), conversations


async def queued(delivery: OutboxDelivery) -> dict[str, str]:
    docs = await delivery.outbox.store.all("outbox")
    return {key: doc["conversation_id"] for key, doc in docs.items()}


async def test_a_user_is_reached_in_their_personal_chat_and_a_channel_directly(
    clock: ManualClock,
) -> None:
    sender, _ = await delivery(clock)
    channel = teams.CHANNEL.id.split(";")[0]
    assert await sender.send("user:aad-user-1", Reply("hej"), "k1")
    assert await sender.send(f"channel:{channel}", Reply("hej"), "k2")
    assert not await sender.send("user:aad-unknown", Reply("hej"), "k3")
    assert not await sender.send("channel:19:unknown", Reply("hej"), "k4")
    assert await queued(sender) == {"k1": teams.PERSONAL.id, "k2": channel}


async def test_a_refused_conversation_is_reported_and_no_longer_used(
    clock: ManualClock,
) -> None:
    sender, conversations = await delivery(clock)
    channel = teams.CHANNEL.id.split(";")[0]
    assert await sender.refused(f"channel:{channel}") is None
    assert await sender.refused("user:aad-user-1") is None
    await conversations.deactivate(channel, 404, clock.now())
    await conversations.deactivate(teams.PERSONAL.id, 403, clock.now())
    assert await sender.refused(f"channel:{channel}") == 404
    assert await sender.refused("user:aad-user-1") == 403
    assert await sender.refused("user:aad-unknown") is None
    assert not await sender.reachable("aad-user-1")
    assert not await sender.send(f"channel:{channel}", Reply("hej"), "k")
    assert await queued(sender) == {}


async def test_admins_are_told_where_they_can_be_reached(clock: ManualClock) -> None:
    sender, _ = await delivery(clock)
    assert await sender.send_to_admins(Reply("data kept aside"), "quarantine") == 1
    assert await queued(sender) == {"quarantine:aad-user-1": teams.PERSONAL.id}


async def test_the_command_line_sees_reachability_like_the_bot_and_sends_nothing(
    clock: ManualClock,
) -> None:
    bot, conversations = await delivery(clock)
    offline = StoredOnlyDelivery(conversations, admins=["aad-user-1"])
    assert await offline.reachable("aad-user-1") is await bot.reachable("aad-user-1") is True
    assert await offline.reachable("aad-unknown") is False
    assert not await offline.send("user:aad-user-1", Reply("hej"), "k")
    assert await offline.send_to_admins(Reply("hej"), "k") == 0
    assert await queued(bot) == {}
