"""A reply as a Teams activity: a card's text is said once."""

from __future__ import annotations

from bot.activities import to_activity
from dialogs.cards import action_set, card, form, heading, paragraph, submit
from dialogs.replies import Reply


def test_a_text_the_card_does_not_show_goes_above_it() -> None:
    reply = Reply(text="2.3 Vores serviceniveau …", card=card([paragraph("Om pejlemærket")], "x"))
    activity = to_activity(reply)
    assert (activity.text, activity.summary) == ("2.3 Vores serviceniveau …", None)


def test_a_text_the_card_shows_is_only_the_notification() -> None:
    """A receipt or a reminder whose card opens with the text (however deep) says it once."""
    nested = {"type": "Container", "items": [heading("Tak – din status er gemt.")]}
    for body in ([heading("Tak – din status er gemt.")], [nested]):
        activity = to_activity(Reply(text="Tak – din status er gemt.", card=card(body, "x")))
        assert (activity.text, activity.summary) == (None, "Tak – din status er gemt.")


def test_a_form_goes_alone_with_its_title_as_the_notification() -> None:
    body = [{"type": "Input.Text", "id": "unit"}, action_set([submit("Tilmeld", {"action": "x"})])]
    reply = form("Tilmeld som leder", body)
    activity = to_activity(reply)
    assert (activity.text, activity.summary) == (None, "Tilmeld som leder")


def test_a_text_whose_paragraphs_the_card_shows_one_by_one_is_only_the_notification() -> None:
    """A reminder: "Påmindelse: LMU Nord" and the meeting line are each a block of the card."""
    text = "Påmindelse: LMU Nord\n\nMøde tirsdag 12. januar kl. 13.00"
    body = [heading("Påmindelse: LMU Nord"), paragraph("Møde tirsdag 12. januar kl. 13.00")]
    activity = to_activity(Reply(text=text, card=card(body, "x")))
    assert (activity.text, activity.summary) == (None, text)
    partly = card([heading("Påmindelse: LMU Nord"), paragraph("Noget andet")], "x")
    assert to_activity(Reply(text=text, card=partly)).text == text
