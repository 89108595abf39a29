"""A reply as a Teams activity: the one conversion, for turn replies and proactive messages."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ActionTypes, Activity, CardAction, SuggestedActions

from dialogs.cards import is_form
from dialogs.replies import Reply

MAX_SUGGESTIONS = 3


def to_activity(reply: Reply) -> Activity:
    """A Teams message for ``reply``: the card as an attachment, the plain text as ``text``,
    and up to :data:`MAX_SUGGESTIONS` suggested actions (``imBack``: a click sends the text).

    A form (a card with inputs) goes alone, its text as the notification ``summary``.
    """
    if reply.card is None:
        activity = MessageFactory.text(reply.text)
    else:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(reply.card))
        if is_form(reply.card):
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
