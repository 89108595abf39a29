"""CPR numbers are found in free text, however they are typed or disguised; dates, phone
numbers, amounts, times and longer digit runs are not. Display names are redacted, and
exceptions are logged without their message."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from dialogs.privacy import (
    MIXED,
    REDACTED,
    birth_year,
    contains_cpr,
    field_with_cpr,
    find_cpr,
    normalise,
    redact_cpr,
    withheld,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010190-1234", "010190-1234"),
        ("0101901234", "0101901234"),
        ("010190 1234", "010190 1234"),
        ("010190–1234", "010190–1234"),  # en dash, as some keyboards write it
        ("010190\u00a01234", "010190\u00a01234"),  # no-break space
        ("Borgeren 010190-1234 har ringet", "010190-1234"),
        ("cpr:0101901234.", "0101901234"),
        ("(010190-1234)", "010190-1234"),
        ("»311299-0000«", "311299-0000"),
        ("nr. 010190-1234, tak", "010190-1234"),
        ("ring 12 34 56 78 om 010190-1234", "010190-1234"),
        # A separator ends a number: what follows it may be a CPR number (banks have used
        # them as account numbers), and any run of separators counts as one.
        ("1234-0101901234", "0101901234"),
        ("sag 2023-0101901234", "0101901234"),
        ("12.010190-1234", "010190-1234"),
        ("010190-1234.56", "010190-1234"),
        ("010190-1234-5678", "010190-1234"),
        ("010190--1234", "010190--1234"),
        ("010190 - 1234", "010190 - 1234"),
        ("01 01 90 1234", "01 01 90 1234"),
    ],
)
def test_cpr_numbers_are_found(text: str, expected: str) -> None:
    assert find_cpr(text) == expected
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "vi er godt i gang",
        "320190-1234",  # day 32
        "000190-1234",  # day 0
        "011390-1234",  # month 13
        "010090-1234",  # month 0
        "310490-1234",  # 31 April
        "300290-1234",  # 30 February
        "290290-1234",  # 29 February 1990
        "290200-1234",  # 29 February 1900 (7th digit 1): 1900 was no leap year
        "290297-5234",  # 29 February 1897 (7th digit 5, yy > 57)
    ],
)
def test_invalid_dates_are_not_cpr_numbers(text: str) -> None:
    assert find_cpr(text) is None
    assert not contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "290296-1234",  # 1996
        "290200-4234",  # 2000 (7th digit 4, yy ≤ 36)
        "290200-9234",  # 2000 (7th digit 9)
        "290204-5234",  # 2004 (7th digit 5, yy ≤ 57)
        "290256-8234",  # 2056 (7th digit 8)
        "290296-6234",  # 1896 (7th digit 6, yy > 57)
        "290248-4234",  # 1948 (7th digit 4, yy > 36)
    ],
)
def test_29_february_only_in_leap_years_of_the_century_from_the_7th_digit(text: str) -> None:
    assert find_cpr(text) == text


def test_a_leap_day_depends_on_the_century() -> None:
    assert find_cpr("290200-1234") is None  # 1900
    assert find_cpr("290200-4234") == "290200-4234"  # 2000
    assert find_cpr("290260-4234") == "290260-4234"  # 1960
    assert find_cpr("290256-5234") == "290256-5234"  # 2056
    assert find_cpr("290258-5234") is None  # 1858


@pytest.mark.parametrize(
    ("yy", "seventh", "year"),
    [
        (90, 0, 1990), (5, 3, 1905), (36, 4, 2036), (37, 4, 1937), (36, 9, 2036),
        (37, 9, 1937), (57, 5, 2057), (58, 5, 1858), (0, 8, 2000), (99, 7, 1899),
    ],
)  # fmt: skip
def test_birth_year_follows_the_cpr_rules(yy: int, seventh: int, year: int) -> None:
    assert birth_year(yy, seventh) == year


def test_birth_year_rejects_out_of_range_digits() -> None:
    with pytest.raises(ValueError):
        birth_year(100, 0)
    with pytest.raises(ValueError):
        birth_year(1, 10)


@pytest.mark.parametrize(
    "text",
    [
        "01-01-2024",  # a date
        "1.1.2024",
        "2024-01-01",
        "20240101",
        "mødet 010124 kl. 10",  # six digits alone
        "+45 12345678",  # phone numbers
        "+45 1234 5678",
        "12 34 56 78",
        "+4501019012",  # glued to the country code
        "004501019012",
        "1.234.567",  # amounts
        "1.234.567 kr.",
        "kr. 1.010.190,12",
        "2023-123456",  # case numbers
        "010190123456",  # a 12-digit number
        "0101901234567890",  # a longer run
        "10101901234",  # 11 digits
        "010190-12345",  # five digits after the dash
        "010190-123",  # three digits after the dash
        "12340101901234",  # a bank account glued to its reg. nr.
        "010190-12 34",  # the last four digits are one group
    ],
)
def test_other_numbers_are_not_cpr_numbers(text: str) -> None:
    assert find_cpr(text) is None


def test_the_first_valid_number_of_several_is_returned() -> None:
    text = "sag 320190-1234 og 020290-4321 samt 030390-1111"
    assert find_cpr(text) == "020290-4321"
    assert find_cpr("1234567890 og 0101901234") == "0101901234"  # 12/34 is no date


def test_a_number_next_to_letters_is_still_found() -> None:
    assert find_cpr("CPR0101901234") == "0101901234"
    assert find_cpr("0101901234abc") == "0101901234"


# -- properties ----------------------------------------------------------------------------

_SEVENTH_FOR = {
    range(1858, 1900): (5, 6, 7, 8),
    range(1900, 1937): (0, 1, 2, 3),
    range(1937, 2000): (0, 1, 2, 3, 4, 9),
    range(2000, 2037): (4, 5, 6, 7, 8, 9),
    range(2037, 2058): (5, 6, 7, 8),
}


def _sevenths(year: int) -> tuple[int, ...]:
    return next(digits for years, digits in _SEVENTH_FOR.items() if year in years)


@st.composite
def _cpr(draw: st.DrawFn) -> tuple[date, str]:
    born = draw(st.dates(min_value=date(1858, 1, 1), max_value=date(2057, 12, 31)))
    seventh = draw(st.sampled_from(_sevenths(born.year)))
    rest = draw(st.integers(0, 999))
    sep = draw(st.sampled_from(["", "-", " ", "–"]))
    return born, f"{born:%d%m}{born.year % 100:02d}{sep}{seventh}{rest:03d}"


@given(_cpr(), st.sampled_from(["", "Borger ", "(", "se: "]), st.sampled_from(["", " i dag", "."]))
def test_every_valid_date_is_found(cpr: tuple[date, str], before: str, after: str) -> None:
    born, number = cpr
    assert birth_year(born.year % 100, int(number[-4])) == born.year
    assert find_cpr(before + number + after) == number


@given(st.integers(1, 31), st.integers(1, 12), st.integers(0, 99), st.integers(0, 9999))
def test_a_ten_digit_run_is_a_cpr_number_exactly_when_its_date_exists(
    day: int, month: int, yy: int, tail: int
) -> None:
    number = f"{day:02d}{month:02d}{yy:02d}{tail:04d}"
    try:
        date(birth_year(yy, tail // 1000), month, day)
        exists = True
    except ValueError:
        exists = False
    assert contains_cpr(f"tekst {number} tekst") is exists


@given(st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda s: len(s) != 10))
def test_digit_runs_of_other_lengths_are_never_found(digits: str) -> None:
    assert find_cpr(f"nummer {digits} her") is None


@given(st.text(alphabet="0123456789 .-/:+kr", max_size=40))
def test_a_found_number_is_always_ten_digits_of_the_text(text: str) -> None:
    found = find_cpr(text)
    if found is not None:
        assert found in text
        assert sum(ch.isdigit() for ch in found) == 10


# -- shapes that get through a plain pattern -------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "text",
    [
        "０１０１９０１２３４",  # full-width digits
        "010190-1234".translate(_FULL_WIDTH),  # full-width hyphen too
        "０１０１９０-1234",  # mixed
        "٠١٠١٩٠١٢٣٤",  # Arabic-Indic digits
        "٠١٠١٩٠–١٢٣٤",
        "۰۱۰۱۹۰۱۲۳۴",  # extended Arabic-Indic (Persian)
        "०१०१९०१२३४",  # Devanagari
        "𝟎𝟏𝟎𝟏𝟗𝟎𝟏𝟐𝟑𝟒",  # mathematical bold
        "⁰¹⁰¹⁹⁰¹²³⁴",  # superscript
        "".join(f"{d}\ufe0f\u20e3" for d in "0101901234"),  # keycaps: combining marks
        "01.01.90-1234",  # dotted dates
        "01.01.90 1234",
        "01/01/90-1234",
        "01-01-90-1234",
        "010190/1234",
        "010190_1234",
        "010190\u22121234",  # minus sign
        "010190\u20151234",  # horizontal bar
        "010190\ufe631234",  # small hyphen-minus
        "01．01．90－1234",  # full-width full stop and hyphen
        "010190\n1234",
        "010190\t1234",
        "010190\u30001234",  # ideographic space
        "010190\u202f1234",  # narrow no-break space
        "0101\u200b901234",  # zero-width space
        "0\u200b1\u200b0\u200b1\u200b9\u200b0\u200b1\u200b2\u200b3\u200b4",
        "0101\u2060901234",  # word joiner
        "010190\u00ad1234",  # soft hyphen
        "\u200f010190-1234\u200e",  # right-to-left and left-to-right marks
        "\u202e010190-1234\u202c",  # an override and its end
        "0101\ufeff901234",  # byte order mark
        "+0101901234",  # a "+" prefix
        "+010190-1234",
        "010190-1234,020290-1234",  # lists
        "010190-1234;020290-1234",
        "borgerne 010190-1234 og 020290-1234",
    ],
)
def test_disguised_cpr_numbers_are_found(text: str) -> None:
    found = find_cpr(text)
    assert found is not None
    assert found in text
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "320190-1234",  # no 32nd
        "32.01.90-1234",
        "＋45 12 34 56 78",
        "+45 12 34 56 78",  # phone numbers
        "+45 12345678",
        "12345678",
        "tlf. 86 12 34 56",
        "ring 24 12345678",  # a number, then a phone number
        "kl. 13 12345678",
        "kl. 13 01.01.1990",  # a time, then a date
        "01-01.90-1234",  # a date with two kinds of separator
        "12.345.678",  # 8-digit amounts
        "kr. 12.345.678,00",
        "12 345 678 kr.",
        "01.01.1990",  # dates alone
        "01.01.90",
        "2027-01-05",
        "den 5/1-2027",
        "12340101901234",  # account numbers glued in longer digit runs
        "0101901234567890",
        "kl. 13.30",  # times
        "kl. 13.30-14.30",
        "01.01.90 kl. 12.34",
        "01.01.90 12:34",
        "٣٢٠١٩٠١٢٣٤",  # impossible date in other digits
    ],
)
def test_near_misses_pass(text: str) -> None:
    assert find_cpr(text) is None


def test_every_number_of_a_list_is_found() -> None:
    text = "010190-1234,020290-1234; ０３０３９０１２３４"
    assert redact_cpr(text) == f"{REDACTED},{REDACTED}; {REDACTED}"


def test_normalising_maps_digits_drops_invisibles_and_merges_separators() -> None:
    text, spans = normalise("０1\u200b. –٢x")
    assert text == f"01{MIXED}2x"  # a run of mixed separators
    assert normalise("1 \u00a0\t2.3‐−4")[0] == "1 2.3-4"  # a run of one kind: that kind
    assert spans == [(0, 1), (1, 2), (3, 6), (6, 7), (7, 8)]


def test_a_display_name_is_redacted_not_refused() -> None:
    assert redact_cpr("Mette Hansen") == "Mette Hansen"
    assert redact_cpr("Mette 010190-1234 Hansen") == f"Mette {REDACTED} Hansen"
    assert redact_cpr("Mette ０１０１９０１２３４") == f"Mette {REDACTED}"
    assert redact_cpr("Bo 0101\u200b901234", "*") == "Bo *"
    assert not contains_cpr(redact_cpr("a 010190-1234 b 020290 1234 c"))


def test_the_field_with_a_cpr_number_is_named() -> None:
    fields = [("Navn", "LMU Ørum"), ("Møder", "tirsdag 01.01.90-1234"), ("Kommentar", "x")]
    assert field_with_cpr(fields) == "Møder"
    assert field_with_cpr([("Navn", "LMU 12345678")]) is None


@given(_cpr(), st.sampled_from(["-", " ", ".", "/", "_", "–", "\u2212", " - ", "\u00ad"]))
def test_every_separator_between_the_groups_is_one_separator(
    cpr: tuple[date, str], sep: str
) -> None:
    digits = "".join(ch for ch in cpr[1] if ch.isdigit())
    text = sep.join([digits[:2], digits[2:4], digits[4:6], digits[6:]])
    assert find_cpr(f"se {text} her") == text


@given(_cpr(), st.sampled_from([_FULL_WIDTH, _ARABIC_INDIC]))
def test_every_valid_date_is_found_in_other_digits(
    cpr: tuple[date, str], table: dict[int, str]
) -> None:
    number = cpr[1].translate(table)
    assert find_cpr(f"Borger {number}.") == number


@given(_cpr(), st.text(max_size=20), st.text(max_size=20))
def test_a_redacted_text_has_no_cpr_number_left(
    cpr: tuple[date, str], before: str, after: str
) -> None:
    assert not contains_cpr(redact_cpr(f"{before} {cpr[1]} {after}"))


# -- logging without the input ---------------------------------------------------------------


class _Form(BaseModel):
    unit: str = Field(max_length=5)


def test_an_exception_is_logged_without_its_message(caplog: pytest.LogCaptureFixture) -> None:
    cpr = "-".join(["010190", "1234"])  # not in this file's source, which a traceback shows
    try:
        try:
            _Form.model_validate({"unit": f"Borger {cpr}"})
        except ValidationError as exc:
            raise RuntimeError(f"while saving {cpr}") from exc
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            logging.getLogger("test").error("turn failed", exc_info=withheld(exc))
    [record] = caplog.records
    assert record.getMessage() == "turn failed"
    assert "010190" not in caplog.text
    assert "builtins.RuntimeError (message withheld)" in caplog.text
    assert "ValidationError [('unit', 'string_too_long')] (message withheld)" in caplog.text
    assert "test_an_exception_is_logged_without_its_message" in caplog.text  # the traceback
