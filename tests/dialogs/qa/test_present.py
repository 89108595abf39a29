"""How an answer reads (``dialogs/qa/present.py``)."""

from __future__ import annotations

from content import Content
from dialogs.qa.answer import Answer, Answerer
from dialogs.qa.present import Presenter


def test_a_hedged_pejlemaerke_names_it_once(content: Content, answerer: Answerer) -> None:
    reply = Presenter(content, answerer).render(Answer("pejlemaerke", "4", hedged=True))
    assert reply.text is not None
    lead, heading = reply.text.split("\n\n")[:2]
    assert lead == "Jeg tror, du spørger om pejlemærke 4:"
    assert heading.startswith("Pejlemærke 4: Helhed og fremtidssikring")


def test_a_hedged_maalsaetning_names_its_number(content: Content, answerer: Answerer) -> None:
    reply = Presenter(content, answerer).render(Answer("maalsaetning", "3.2", hedged=True))
    assert (reply.text or "").startswith("Jeg tror, du spørger om målsætning 3.2:")
