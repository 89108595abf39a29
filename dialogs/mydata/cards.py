"""The card of "slet mine data": what will be deleted, a box to tick, and the button."""

from __future__ import annotations

from collections.abc import Sequence

from content.models import MyDataTexts
from dialogs.cards import action_set, bullets, form, paragraph, submit
from dialogs.replies import Reply

# The action's name is the one the status feature's cards used first; submits of cards sent
# before this card moved here still arrive under it.
DELETE_DATA = "delete_my_data"


def delete_confirm(t: MyDataTexts, lines: Sequence[str]) -> Reply:
    """The confirmation form. Teams refuses to submit it until the box is ticked, and says
    ``delete_unticked`` – what to do, not the box's label again."""
    toggle = {
        "type": "Input.Toggle", "id": "confirm", "title": t.delete_toggle,
        "valueOn": "true", "valueOff": "false", "value": "false",
        "isRequired": True, "errorMessage": t.delete_unticked,
    }  # fmt: skip
    body = [
        paragraph(t.delete_intro),
        bullets(lines),
        toggle,
        action_set([submit(t.delete_button, {"action": DELETE_DATA})]),
    ]
    return form(t.delete_title, body, "\n".join([t.delete_title, *lines]))
