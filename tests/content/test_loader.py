from __future__ import annotations

import re
from pathlib import Path

import pytest

from content import Content, ContentError, load_content
from tests.content.files import edit

# Spellings from the PDF extraction that must never reach a user.
GARBLED = re.compile(
    r"\b(faelles|felles|malsaetning\w*|pejlemaerke\w*|forst|omrade\w*|@konomi\w*|pa)\b", re.I
)


def test_the_strategy_has_four_pejlemaerker_and_fourteen_maalsaetninger(content: Content) -> None:
    strategy = content.strategy
    assert [p.name for p in strategy.pejlemaerker] == [
        "Borgeren først",
        "Fundamentet på plads",
        "Mest muligt i eget liv",
        "Helhed og fremtidssikring",
    ]
    ids = [m.id for m in strategy.maalsaetninger]
    per_pejlemaerke = ((1, 4), (2, 4), (3, 3), (4, 3))
    assert ids == [f"{p}.{n}" for p, count in per_pejlemaerke for n in range(1, count + 1)]
    assert strategy.maalsaetning("2.3") is not None
    assert strategy.maalsaetning("2.3").text == (  # type: ignore[union-attr]
        "Vores serviceniveau er tydeligt, realistisk og kendt af borgere og samarbejdspartnere"
    )


def _texts(value: object, path: str = "") -> list[tuple[str, str]]:
    """Every user-facing string in the content (ids and cross-references left out)."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            if key not in {"id", "intent", "related"}
            and not (key == "term" and ".noegleord." in f"{path}.")
            for found in _texts(item, f"{path}.{key}")
        ]
    if isinstance(value, (list, tuple)):
        return [found for i, item in enumerate(value) for found in _texts(item, f"{path}.{i}")]
    return []


def test_no_garbled_danish_in_any_user_facing_text(content: Content) -> None:
    # The examples are what users type ("maalsaetning 2.3"); the bot never shows them.
    texts = _texts(content.model_dump(mode="json", exclude={"examples"}))
    assert len(texts) > 500
    for path, text in texts:
        assert not GARBLED.search(text), f"{path}: {text}"


def test_no_angle_bracket_placeholders_that_teams_would_drop(content: Content) -> None:
    """Teams and the Playground read "<udvalg>" as markup and show nothing in its place."""
    for path, text in _texts(content.model_dump(mode="json", exclude={"examples"})):
        assert not re.search(r"<[a-zæøå]+>", text), f"{path}: {text}"


def test_a_broken_field_names_file_and_field(data: Path) -> None:
    edit(data / "strategy.yaml", '  - id: "2.3"', '  - id: "twothree"')
    with pytest.raises(ContentError, match=r"strategy\.yaml: field maalsaetninger\.6\.id"):
        load_content(data)


def test_a_missing_message_names_the_field(data: Path) -> None:
    messages = data / "messages.yaml"
    lines = [
        line
        for line in messages.read_text(encoding="utf-8").splitlines()
        if not line.strip().startswith("fallback_hint:")
    ]
    messages.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContentError, match=r"messages\.yaml: field da\.fallback_hint"):
        load_content(data)


def test_not_yaml_is_reported_with_the_file(data: Path) -> None:
    (data / "glossary.yaml").write_text("terms: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match=r"glossary\.yaml: not valid YAML"):
        load_content(data)


def test_a_noegleord_pointing_at_an_unknown_term_is_refused(data: Path) -> None:
    edit(data / "strategy.yaml", "term: olfa,", "term: no-such-term,")
    with pytest.raises(ContentError, match="unknown glossary term no-such-term"):
        load_content(data)


def test_an_example_with_an_unknown_answer_names_its_file_and_question(data: Path) -> None:
    (data / "examples" / "new.yaml").write_text(
        '- q: "hvad er målsætning 2.9"\n  expect: maalsaetning:2.9\n  category: number\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"examples/new\.yaml: 'hvad er målsætning 2\.9'"):
        load_content(data)


def test_examples_are_read_from_every_file_with_their_source(content: Content) -> None:
    sources = {e.source for e in content.examples}
    assert {"dev", "a", "g"} <= sources
    lists = [e for e in content.examples if len(e.expect) > 1]
    assert lists and all(isinstance(e.expect, tuple) for e in lists)
