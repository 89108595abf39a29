"""A reply as a Teams activity: the one conversion, for turn replies and proactive messages.

The rule for a reply with a card: its text is said once. Teams shows a message's text above
its card, so the text is sent as ``text`` only when the card does not say it already (an
answer's lead line, say, with the details in the card). A form, and a card that shows the
text itself (as its heading or a line of its own), get the text as the ``summary`` only:
what a notification and a client without cards show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ActionTypes, Activity, CardAction, SuggestedActions

from dialogs.cards import is_form
from dialogs.replies import CardJson, Reply

MAX_SUGGESTIONS = 3


def _text_blocks(node: Any) -> Iterator[str]:
    """Every ``TextBlock`` text of a card, however deep (containers, columns, shown cards)."""
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _text_blocks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _text_blocks(item)


def card_says(card: CardJson, text: str) -> bool:
    """True if the card's text blocks say ``text``: the whole of it in one block, or each of
    its paragraphs (split at blank lines) in a block of its own (a reminder's heading and
    meeting line, say), so showing it beside the card would say it twice."""
    wanted = text.strip()
    if not wanted:
        return False
    blocks = {block.strip() for block in _text_blocks(card)}
    paragraphs = [part.strip() for part in wanted.split("\n\n") if part.strip()]
    return wanted in blocks or all(part in blocks for part in paragraphs)


def to_activity(reply: Reply) -> Activity:
    """A Teams message for ``reply``: the card as an attachment, its text once (see the
    module's rule), and up to :data:`MAX_SUGGESTIONS` suggested actions (``imBack``: a click
    sends the text)."""
    if reply.card is None:
        activity = MessageFactory.text(reply.text)
    else:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(reply.card))
        if is_form(reply.card) or card_says(reply.card, reply.text):
            activity.summary = reply.text
        else:
            activity.text = reply.text
    if reply.suggestions:
        activity.suggested_actions = SuggestedActions(
            actions=[
                CardAction(type=ActionTypes.im_back, title=text, value=text)
                for text in reply.suggestions[:MAX_SUGGESTIONS]
            ]
        )
    return activity
