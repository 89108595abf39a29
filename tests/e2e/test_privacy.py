"""Private data only in private chats, end to end in the Agents Playground.

Alex Wilber (the playground's current user) asks for »mine data« in the group chat and in a
team channel. The bot answers there only that it has sent the answer privately, and the answer
arrives in Alex's personal chat, sent proactively through the outbox. Before Alex has a
personal chat with the bot, it says how to open one and sends nothing.
"""

from __future__ import annotations

from tools.playground import PlaygroundClient

from .chat import fallback
from .conftest import E2EStack

SENT = "Jeg har sendt svaret til dig i vores personlige chat."


async def test_my_data_asked_in_a_group_chat_or_channel_is_answered_privately(
    chat: PlaygroundClient, own_stack: E2EStack
) -> None:
    personal, group, channel = (
        chat.cfg.personal_chat_id,
        chat.cfg.group_chat_id,
        chat.cfg.channel_id,
    )

    await chat.send(group, "mine data", mention_bot=True)
    [no_chat] = await chat.wait_for_messages(group)
    assert no_chat["text"].startswith(
        "Svaret indeholder data, som jeg kun viser i vores personlige"
    )
    assert "Jeg har ikke sendt noget." in no_chat["text"]
    await chat.sync()
    assert chat.pending(personal) == []

    await chat.send(personal, "hej")  # the personal chat is opened
    await chat.wait_for_messages(personal)

    for where in (group, channel):
        await chat.send(where, "mine data", mention_bot=True)
        [notice] = await chat.wait_for_messages(where)
        assert notice["text"] == SENT
        assert not notice["attachments"]
        [private] = await chat.wait_for_messages(personal)
        assert private["text"] == "Det gemmer Strategibot om dig"
        assert "En henvisning til din chat med mig" in fallback(private)
        await chat.sync()
        assert chat.pending(where) == []
