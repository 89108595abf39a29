"""Where the strategy's official wording uses a word."""

from __future__ import annotations

from content import Content
from dialogs.qa.placement import Placements


def test_a_word_in_one_pejlemaerkes_text_belongs_to_it(content: Content) -> None:
    placement = Placements(content.strategy).of("psykologisk tryghed")
    assert [p.number for p in placement.pejlemaerker] == [4]
    assert placement.pejlemaerke == 4


def test_a_word_used_under_several_pejlemaerker_belongs_to_none(content: Content) -> None:
    placement = Placements(content.strategy).of("borgeren")
    assert len({m.pejlemaerke for m in placement.maalsaetninger}) > 1
    assert placement.pejlemaerke is None


def test_a_word_the_strategy_never_uses_is_placed_nowhere(content: Content) -> None:
    placement = Placements(content.strategy).of("kage")
    assert (placement.maalsaetninger, placement.noegleord, placement.pejlemaerker) == ((), (), ())
    assert placement.pejlemaerke is None
