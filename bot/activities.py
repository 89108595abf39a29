"""A reply as a Teams activity: the one conversion, for turn replies and proactive messages."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from dialogs.cards import is_form
from dialogs.replies import Reply


def to_activity(reply: Reply) -> Activity:
    """A Teams message for ``reply``: the card as an attachment, the plain text as ``text``.

    A form (a card with inputs) goes alone, its text as the notification ``summary``.
    """
    if reply.card is None:
        return MessageFactory.text(reply.text)
    activity = MessageFactory.attachment(CardFactory.adaptive_card(reply.card))
    if is_form(reply.card):
        activity.summary = reply.text
    else:
        activity.text = reply.text
    return activity
