"""The free-text status command: målsætning, status word, comment and next step, or a code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import Content
from content.models import Status, StatusLabel, StatusTexts
from dialogs.status.models import MAX_COMMENT
from dialogs.status.parse import ParsedStatus, StatusParseError, parse_status_text

IDS = ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "4.1",
       "4.2", "4.3")  # fmt: skip


@pytest.fixture(scope="module")
def texts(content: Content) -> StatusTexts:
    return content.status


def parse(text: str, texts: StatusTexts) -> ParsedStatus | StatusParseError:
    return parse_status_text(text, texts, IDS)


def ok(text: str, texts: StatusTexts) -> ParsedStatus:
    result = parse(text, texts)
    assert isinstance(result, ParsedStatus), result
    return result


@pytest.mark.parametrize(
    ("text", "goal", "status", "comment"),
    [
        ("status 2.3 gul: vi har beskrevet serviceniveauet for bostøtte", "2.3", Status.PARTLY,
         "vi har beskrevet serviceniveauet for bostøtte"),
        ("status 2.3 grøn", "2.3", Status.ON_TRACK, ""),
        ("status 2.3 gult: i gang", "2.3", Status.PARTLY, "i gang"),
        ("Status 1.1 på sporet - vi er godt i gang", "1.1", Status.ON_TRACK, "vi er godt i gang"),
        ("status mål 4.2 rød: mangler tid", "4.2", Status.NOT_STARTED, "mangler tid"),
        ("status 2.3: gul, vi venter på svar", "2.3", Status.PARTLY, "vi venter på svar"),
        ("status 3.1 ikke relevant", "3.1", Status.NOT_RELEVANT, ""),
        ("2.3 gul: uden kommandoord", "2.3", Status.PARTLY, "uden kommandoord"),
        ("status målsætning 2,3 grøn", "2.3", Status.ON_TRACK, ""),
        ("status maalsaetning 2.3 groen", "2.3", Status.ON_TRACK, ""),
        ("status for 1.2 delvis – halvvejs", "1.2", Status.PARTLY, "halvvejs"),
        ("status mål nr. 1.3 rød", "1.3", Status.NOT_STARTED, ""),
        ("status goal 4.1 on track: fine", "4.1", Status.ON_TRACK, "fine"),
        ("status 2.3 er ikke i gang", "2.3", Status.NOT_STARTED, ""),
        ("status 2.3 = gul", "2.3", Status.PARTLY, ""),
        ("status 2.3 ikke startet endnu", "2.3", Status.NOT_STARTED, "endnu"),
        ("status 2.3 gul vi er i gang", "2.3", Status.PARTLY, "vi er i gang"),
        ("status 2.3 gul-vi er i gang", "2.3", Status.PARTLY, "vi er i gang"),
        ("status gul 2.3: status før målsætning", "2.3", Status.PARTLY, "status før målsætning"),
        ("status 2.3 🟡 halvvejs", "2.3", Status.PARTLY, "halvvejs"),
        ("status 2.3 n/a", "2.3", Status.NOT_RELEVANT, ""),
        ("status: 2.3 gul", "2.3", Status.PARTLY, ""),
        ("status 2.3 gul: tid: 3 timer - ikke mere", "2.3", Status.PARTLY,
         "tid: 3 timer - ikke mere"),
        ("status 2.3 gul: vi har 2.4 med", "2.3", Status.PARTLY, "vi har 2.4 med"),
        ("status 2.3 gul. Vi er i gang.", "2.3", Status.PARTLY, "Vi er i gang."),
        ("status 2.3 gul:: to koloner", "2.3", Status.PARTLY, "to koloner"),
    ],
)  # fmt: skip
def test_phrasings(text: str, goal: str, status: Status, comment: str, texts: StatusTexts) -> None:
    assert ok(text, texts) == ParsedStatus(goal, status, comment, "")


def test_every_alias_label_and_emoji_names_its_status(texts: StatusTexts) -> None:
    checked = 0
    for status, label in texts.statuses.items():
        for word in (label.label, label.emoji, *label.aliases):
            for spelling in (word, word.upper(), word.capitalize()):
                parsed = ok(f"status 2.3 {spelling}: kommentar", texts)
                assert (parsed.status, parsed.comment) == (status, "kommentar"), spelling
                checked += 1
    assert checked >= 3 * 20


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("GRØN", Status.ON_TRACK), ("Grøn", Status.ON_TRACK), ("groen", Status.ON_TRACK),
        ("gron", Status.ON_TRACK), ("RØD", Status.NOT_STARTED), ("roed", Status.NOT_STARTED),
        ("På Sporet", Status.ON_TRACK), ("pa sporet", Status.ON_TRACK),
        ("IKKE RELEVANT", Status.NOT_RELEVANT), ("Ikke I Gang", Status.NOT_STARTED),
        ("Delvist", Status.PARTLY),
    ],
)  # fmt: skip
def test_case_and_danish_letters_are_folded(word: str, status: Status, texts: StatusTexts) -> None:
    assert ok(f"STATUS 2.3 {word}", texts).status == status


def test_decomposed_danish_letters_are_read(texts: StatusTexts) -> None:
    decomposed = "status 2.3 p\u0061\u030a sporet: b\u00f8rn og \u0061\u030a"
    parsed = ok(decomposed, texts)
    assert parsed.status == Status.ON_TRACK
    assert parsed.comment == "børn og å"


def test_the_longest_status_phrase_wins(texts: StatusTexts) -> None:
    # "sporet" alone is an alias of on track; "ikke" starts three phrases.
    assert ok("status 2.3 på sporet nu", texts).comment == "nu"
    assert ok("status 2.3 ikke relevant for os", texts) == ParsedStatus(
        "2.3", Status.NOT_RELEVANT, "for os"
    )
    assert ok("status 2.3 sporet", texts).status == Status.ON_TRACK


def test_extra_spaces_and_line_breaks_are_collapsed(texts: StatusTexts) -> None:
    parsed = ok("  status   2.3\tgul :   vi   er\n i  gang  ", texts)
    assert parsed == ParsedStatus("2.3", Status.PARTLY, "vi er i gang", "")


@pytest.mark.parametrize(
    ("text", "comment", "next_step"),
    [
        ("status 2.3 gul: vi er i gang. Næste skridt: møde i maj", "vi er i gang.", "møde i maj"),
        ("status 2.3 gul: i gang næste skridt: møde", "i gang", "møde"),
        ("status 2.3 gul: i gang, NÆSTE SKRIDT: møde", "i gang", "møde"),
        ("status 2.3 gul: i gang; naeste skridt - møde", "i gang", "møde"),
        ("status 2.3 gul: i gang – naste skridt:møde", "i gang", "møde"),
        ("status 2.3 gul næste skridt: kun næste skridt", "", "kun næste skridt"),
        ("status 2.3 gul: i gang. Next step: a meeting", "i gang.", "a meeting"),
        ("status 2.3 gul: vi tager næste skridt i maj", "vi tager næste skridt i maj", ""),
        ("status 2.3 gul: a næste skridt: b næste skridt: c", "a", "b næste skridt: c"),
        ("status 2.3 gul: i gang næste skridt:", "i gang", ""),
    ],
)
def test_next_step_is_split_off(
    text: str, comment: str, next_step: str, texts: StatusTexts
) -> None:
    parsed = ok(text, texts)
    assert (parsed.comment, parsed.next_step) == (comment, next_step)


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "empty", {}),
        ("   ", "empty", {}),
        ("status", "empty", {}),
        ("Status  ", "empty", {}),
        ("status gul", "missing_goal", {}),
        ("status gul: vi er i gang", "missing_goal", {}),
        ("status 2023 gul", "missing_goal", {}),
        ("status 2.3.4 gul", "missing_goal", {}),
        ("status 1.234.567 gul", "missing_goal", {}),
        ("status 5.2 gul", "unknown_goal", {"id": "5.2"}),
        ("status 5.2", "unknown_goal", {"id": "5.2"}),
        ("status 12.3 grøn", "unknown_goal", {"id": "12.3"}),
        ("status 2.0 grøn", "unknown_goal", {"id": "2.0"}),
        ("status 2.3", "missing_status", {"id": "2.3"}),
        ("status 2.3: vi er i gang", "missing_status", {"id": "2.3"}),
        ("status 2.3 grønne", "missing_status", {"id": "2.3"}),
        ("status 2.3 vi er gule", "missing_status", {"id": "2.3"}),
        ("status 2.3 og 2.4 grøn", "missing_status", {"id": "2.3"}),
    ],
)
def test_errors_say_which_part_is_wrong(
    text: str, code: str, params: dict[str, object], texts: StatusTexts
) -> None:
    result = parse(text, texts)
    assert isinstance(result, StatusParseError)
    assert (result.code, dict(result.params)) == (code, params)


def test_every_error_code_has_a_message_whose_fields_are_given(texts: StatusTexts) -> None:
    samples = ["", "status gul", "status 5.2 gul", "status 2.3", "status 2.3 gul " + "x" * 501]
    for text in samples:
        result = parse(text, texts)
        assert isinstance(result, StatusParseError)
        texts.parse_errors[result.code].format(**result.params)


def test_a_comment_of_the_limit_is_kept_and_one_more_is_refused(texts: StatusTexts) -> None:
    assert ok("status 2.3 gul: " + "x" * MAX_COMMENT, texts).comment == "x" * MAX_COMMENT
    result = parse("status 2.3 gul: " + "x" * (MAX_COMMENT + 1), texts)
    assert result == StatusParseError(
        "comment_too_long", {"length": MAX_COMMENT + 1, "limit": MAX_COMMENT, "field": "comment"}
    )


def test_a_too_long_next_step_is_refused(texts: StatusTexts) -> None:
    result = parse("status 2.3 gul: kort. Næste skridt: " + "y" * 600, texts)
    assert result == StatusParseError(
        "comment_too_long", {"length": 600, "limit": MAX_COMMENT, "field": "next_step"}
    )


def test_length_is_counted_after_collapsing_spaces(texts: StatusTexts) -> None:
    comment = " ".join(["ord"] * 125)  # 499 characters
    parsed = ok("status 2.3 gul: " + comment.replace(" ", "     "), texts)
    assert parsed.comment == comment


def test_the_strategy_ids_decide_what_is_known(texts: StatusTexts) -> None:
    assert parse_status_text("status 5.2 gul", texts, ["5.2"]) == ParsedStatus("5.2", Status.PARTLY)
    assert parse_status_text("status 2.3 gul", texts, ["5.2"]) == StatusParseError(
        "unknown_goal", {"id": "2.3"}
    )


def test_status_words_come_from_the_texts(content: Content) -> None:
    statuses = {
        Status.ON_TRACK: StatusLabel(label="Fint", emoji="✅", aliases=("super godt",)),
        Status.PARTLY: StatusLabel(label="Halvt", emoji="➖"),
    }
    texts = content.status.model_copy(update={"statuses": statuses})
    assert parse_status_text("status 2.3 super godt", texts, IDS) == ParsedStatus(
        "2.3", Status.ON_TRACK
    )
    assert parse_status_text("status 2.3 ✅ ja", texts, IDS) == ParsedStatus(
        "2.3", Status.ON_TRACK, "ja"
    )
    assert parse_status_text("status 2.3 halvt", texts, IDS) == ParsedStatus("2.3", Status.PARTLY)
    assert parse_status_text("status 2.3 grøn", texts, IDS) == StatusParseError(
        "missing_status", {"id": "2.3"}
    )


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåÆØÅ0123456789 ,.!?()'", max_size=80)


@given(
    st.sampled_from(IDS),
    st.sampled_from([":", " -", " –", ",", ""]),
    st.from_regex(r"[a-zæøå][a-zæøå ]{0,20}", fullmatch=True),
    _WORDS,
)
def test_goal_status_and_comment_round_trip(
    texts: StatusTexts, goal: str, sep: str, first: str, rest: str
) -> None:
    label = texts.statuses[Status.PARTLY]
    comment = first + rest
    result = parse_status_text(f"status {goal} {label.aliases[0]}{sep} {comment}", texts, IDS)
    assert isinstance(result, ParsedStatus)
    assert result.maalsaetning == goal
    assert result.status == Status.PARTLY
    assert result.comment == " ".join(comment.split()).rstrip(" ,")
    assert result.next_step == ""


@given(st.text(max_size=200))
def test_any_text_gives_a_result_or_a_code(texts: StatusTexts, text: str) -> None:
    result = parse_status_text(text, texts, IDS)
    if isinstance(result, ParsedStatus):
        assert result.maalsaetning in IDS
        assert len(result.comment) <= MAX_COMMENT and len(result.next_step) <= MAX_COMMENT
    else:
        assert result.code in {"empty", "missing_goal", "unknown_goal", "missing_status"}


@pytest.mark.parametrize("short_first", [True, False])
def test_a_longer_phrase_beats_its_own_first_word(content: Content, short_first: bool) -> None:
    short = (Status.NOT_STARTED, StatusLabel(label="Ikke", emoji="🔴"))
    long = (Status.NOT_RELEVANT, StatusLabel(label="Ikke relevant", emoji="⚪"))
    statuses = dict([short, long] if short_first else [long, short])
    texts = content.status.model_copy(update={"statuses": statuses})
    assert parse_status_text("status 2.3 ikke relevant her", texts, IDS) == ParsedStatus(
        "2.3", Status.NOT_RELEVANT, "her"
    )
    assert parse_status_text("status 2.3 ikke her", texts, IDS) == ParsedStatus(
        "2.3", Status.NOT_STARTED, "her"
    )
