"""The e2e harness itself, against Microsoft's echo bot sample (bench/echo_bot.py).

Round trips through the real Microsoft 365 Agents Playground: personal chat, a channel
@mention (the bot gets the text verbatim, ``<at>Strategibot</at>`` included: the
playground names the bot as ``.m365agentsplayground.yml`` does), and the harness's
turn tracking.
"""

from __future__ import annotations

import sys

import pytest

from tools.playground import PlaygroundClient

from .conftest import REPO_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bot_command() -> list[str]:
    """Run this module against the echo bot instead of the real bot."""
    return [sys.executable, str(REPO_ROOT / "bench" / "echo_bot.py")]


async def test_personal_chat_round_trip(playground: PlaygroundClient) -> None:
    chat = playground.cfg.personal_chat_id

    sent = await playground.send(chat, "hej")

    [reply] = await playground.wait_for_messages(chat)
    assert reply["text"] == "Echo: hej"
    assert reply["from_id"] == playground.cfg.bot_id
    assert reply["conversation_id"] == chat
    assert await playground.wait_for_turn(sent) < 300


async def test_channel_mention_round_trip(playground: PlaygroundClient) -> None:
    channel = playground.cfg.channel_id

    sent = await playground.send(channel, "hej kanal", mention_bot=True)

    [reply] = await playground.wait_for_messages(channel)
    # The playground forwards the text as typed, mention tag included.
    assert reply["text"] == "Echo: <at>Strategibot</at> hej kanal"
    # A root message in a channel opens a thread; the bot answers in it.
    assert reply["conversation_id"] == sent.conversation_id
    assert sent.conversation_id.startswith(f"{channel};messageid=")


async def test_channel_message_without_mention_does_not_reach_bot(
    playground: PlaygroundClient,
) -> None:
    sent = await playground.send(playground.cfg.channel_id, "ingen mention")

    assert not sent.forwarded
    # A later, mentioned message is answered first: nothing came for the unmentioned one.
    await playground.send(playground.cfg.channel_id, "med mention", mention_bot=True)
    [reply] = await playground.wait_for_messages(playground.cfg.channel_id)
    assert reply["text"] == "Echo: <at>Strategibot</at> med mention"


async def test_group_chat_message_from_another_user(playground: PlaygroundClient) -> None:
    group = playground.cfg.group_chat_id

    sent = await playground.send(group, "hej gruppe", user="user-id-2", mention_bot=True)

    [reply] = await playground.wait_for_messages(group)
    assert reply["text"] == "Echo: <at>Strategibot</at> hej gruppe"
    assert await playground.wait_for_turn(sent) < 300


async def test_install_triggers_welcome(playground: PlaygroundClient) -> None:
    chat = playground.cfg.personal_chat_id

    for activity in await playground.install(chat):
        await playground.wait_for_turn(activity)

    # The sample greets every added member but itself; in a personal chat that is the user.
    [welcome] = await playground.wait_for_messages(chat)
    assert welcome["text"] == "Hello and welcome!"
