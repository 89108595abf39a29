"""What the end-to-end tests read off the bot's messages, and say to it, in the playground."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tools.playground import BotMessage, PlaygroundClient

from .conftest import REPO_ROOT, E2EStack

# A chair's committee form: LMU Test, meetings 12 and 26 January 2027, reminders 7 days before.
COMMITTEE_FORM = {
    "action": "committee_save",
    "committee": "",
    "name": "LMU Test",
    "kind": "LMU",
    "schedule": "12-01-2027 kl. 13 og 26-01-2027 kl. 13",
    "lead_days": "7",
    "remind_chair": "true",
}


def card(message: BotMessage) -> dict[str, Any]:
    """The message's one Adaptive Card (version 1.5)."""
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment["content"]
    assert content["version"] == "1.5"
    return content


def first_line(message: BotMessage) -> str:
    """The first line of the message text: what the answer answers."""
    assert message["text"], message
    return message["text"].split("\n")[0]


def card_texts(message: BotMessage) -> list[str]:
    """The text blocks of the card."""
    return [e["text"] for e in card(message)["body"] if e["type"] == "TextBlock"]


def title(message: BotMessage) -> str:
    """The heading of a form (sent as the card alone)."""
    return str(card(message)["body"][0]["text"])


def fallback(message: BotMessage) -> str:
    """The first card's fallback text ("" without a card)."""
    attachments = message["attachments"]
    return str(attachments[0]["content"]["fallbackText"]) if attachments else ""


def inputs(message: BotMessage) -> dict[str, Any]:
    """The card's input fields by id, with their current values."""
    return {e["id"]: e.get("value") for e in card(message)["body"] if "id" in e}


def submit_actions(message: BotMessage) -> list[dict[str, Any]]:
    """The card's buttons, in order."""
    return [
        action
        for element in card(message)["body"]
        if element["type"] == "ActionSet"
        for action in element["actions"]
    ]


def actions(message: BotMessage) -> dict[str, dict[str, Any]]:
    """The card's buttons by title."""
    return {action["title"]: action for action in submit_actions(message)}


def button(message: BotMessage, label: str) -> dict[str, Any]:
    """The card's button titled ``label``."""
    return actions(message)[label]


async def ask(playground: PlaygroundClient, conversation: str, text: str, **kw: Any) -> BotMessage:
    """Send ``text`` and wait for the one answer."""
    sent = await playground.send(conversation, text, **kw)
    [reply] = await playground.wait_for_messages(sent.conversation_id)
    return reply


def unanswered(stack: E2EStack) -> str:
    """What ``python -m bot questions`` lists for the stack's data."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "questions"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATA_DIR": str(stack.data_dir)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def card_conversation(message: BotMessage) -> str:
    """Where the message's card is, for a click on it. A proactive message with text and a
    card in a channel is two posts in the playground (it splits them), each its own thread."""
    for frame in reversed(message["frames"]):
        if frame.get("attachments") and frame.get("postConversationId"):
            return str(frame["postConversationId"])
    return message["conversation_id"]
