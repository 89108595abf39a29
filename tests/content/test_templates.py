"""The placeholder contract: a wrong ``{placeholder}`` in any text file stops start-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from content import ContentError, load_content
from content.templates import Keys, Placeholders
from tests.content.files import edit


def test_the_shipped_content_keeps_every_contract() -> None:
    content = load_content()
    assert content.reminders.schedule_errors
    assert content.status.parse_errors


# (file, text in it, the text with a misspelt or unexpected placeholder, what the error names)
MISSPELT = [
    pytest.param(
        "messages.yaml",
        "spørger om {subject}:",
        "spørger om {subjekt}:",
        r"field da\.hedge_lead: .*\{subject\}, not \{subjekt\}",
        id="messages",
    ),
    pytest.param(
        "conversation.yaml",
        '"Selv tak! Spørg',
        '"Selv tak, {name}! Spørg',
        r"field smalltalk\.1\.reply: .*none, not \{name\}",
        id="conversation",
    ),
    pytest.param(
        "reminders.yaml",
        "Udvalget »{name}« er slettet.",
        "Udvalget »{nmae}« er slettet.",
        r"field deleted: .*\{name\}, not \{nmae\}",
        id="reminders",
    ),
    pytest.param(
        "reminders.yaml",
        "ugedagen »{word}«",
        "ugedagen »{wrod}«",
        r"field schedule_errors: .*unknown_weekday: .*word\}, not \{suggestion, wrod\}",
        id="reminders-schedule_errors",
    ),
    pytest.param(
        "status.yaml",
        "Tak – du er tilmeldt som leder for »{unit}«.",
        "Tak – du er tilmeldt som leder for »{enhed}«.",
        r"field registered: .*\{unit\}, not \{enhed\}",
        id="status",
    ),
    pytest.param(
        "status.yaml",
        "Målsætning {id} findes ikke",
        "Målsætning {ident} findes ikke",
        r"field parse_errors: .*unknown_goal: .*\{id\}, not \{ident\}",
        id="status-parse_errors",
    ),
    pytest.param(
        "mydata.yaml",
        "tilmeldt som leder for »{unit}« (navn",
        "tilmeldt som leder for »{units}« (navn",
        r"field leader: .*\{name, unit\}, not \{name, units\}",
        id="mydata",
    ),
    pytest.param(
        "report.yaml",
        "Socialområdet – {round}",
        "Socialområdet – {runde}",
        r"field title: .*\{round\}, not \{runde\}",
        id="report",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "names"), MISSPELT)
def test_a_misspelt_placeholder_names_file_and_key(
    data: Path, file: str, old: str, new: str, names: str
) -> None:
    edit(data / file, old, new)
    with pytest.raises(ContentError, match=rf"^{re.escape(file)}: {names}"):
        load_content(data)


# Other ways a text breaks its contract, all in reminders.yaml.
BROKEN = [
    pytest.param(
        "  no_date: ",
        "  no_dato: ",
        r"field schedule_errors: .*missing keys \['no_date'\]",
        id="a missing code",
    ),
    pytest.param(
        'error_name: "Skriv et navn',
        'error_name: "{name}: Skriv et navn',
        r"field error_name: .*placeholders must be none, not \{name\}",
        id="a placeholder where none is declared",
    ),
    pytest.param(
        "»{name}« er slettet",
        "»{name« er slettet",
        r"field deleted: .*not a valid template",
        id="an unbalanced brace",
    ),
    pytest.param(
        "»{name}« er slettet",
        "»{name}« {} er slettet",
        r"field deleted: .*placeholders must be names, not \[''\]",
        id="a positional placeholder",
    ),
    pytest.param(
        "Skriv et navn til udvalget.",
        "Skriv <navn> til udvalget.",
        r"field error_name: .*<navn> is read as markup",
        id="markup Teams would swallow",
    ),
    pytest.param(
        "som understøtter målsætning {first}?",
        "som understøtter målsætning {forst}?",
        r"field questions: .*0: placeholders may only be \{first\}, not \{forst\}",
        id="a name outside the optional ones",
    ),
]


@pytest.mark.parametrize(("old", "new", "names"), BROKEN)
def test_a_broken_template_is_refused(data: Path, old: str, new: str, names: str) -> None:
    edit(data / "reminders.yaml", old, new)
    with pytest.raises(ContentError, match=rf"^reminders\.yaml: {names}"):
        load_content(data)


def test_an_unknown_code_is_refused(data: Path) -> None:
    edit(data / "status.yaml", "  empty_file: ", '  no_such_code: "x"\n  empty_file: ')
    with pytest.raises(
        ContentError, match=r"field import_errors: .*unknown keys \['no_such_code'\]"
    ):
        load_content(data)


WANT = "placeholders must be {length, limit} and optionally {field}"


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{length} tegn, højst {limit}", None),  # the optional name left out
        ("{field}: {length} tegn, højst {limit}", None),
        ("{length!r} {limit}", None),  # a conversion fills the same names
        ("{length} tegn", f"{WANT}, not {{length}}"),
        ("{length} {limit} {felt}", f"{WANT}, not {{felt, length, limit}}"),
    ],
)
def test_required_and_optional_placeholders(template: str, problem: str | None) -> None:
    assert Placeholders("length", "limit", optional=["field"]).problem(template) == problem


def test_keys_need_exactly_the_declared_codes() -> None:
    keys = Keys(empty=Placeholders(), unknown=Placeholders("id"))
    assert keys.problem({"empty": "Tom.", "unknown": "{id} findes ikke."}) is None
    assert keys.problem({"empty": "Tom."}) == "missing keys ['unknown']"
    assert keys.problem({"empty": "Tom.", "unknown": "{id}", "x": ""}) == "unknown keys ['x']"
    assert keys.problem({"empty": "{id}", "unknown": "{id}"}) == (
        "empty: placeholders must be none, not {id}"
    )


def test_suggestions_are_offered_in_one_phrasing() -> None:
    """ "Mente du måske" everywhere, never "Måske mente du" beside it."""
    data = Path(__file__).resolve().parents[2] / "content" / "data"
    texts = {path.name: path.read_text(encoding="utf-8") for path in data.glob("*.yaml")}
    assert any("Mente du måske" in text for text in texts.values())
    assert not [name for name, text in texts.items() if re.search("måske mente du", text, re.I)]
