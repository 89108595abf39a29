"""CPR numbers are found in free text; dates, phone numbers, amounts and case numbers are not."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.privacy import birth_year, contains_cpr, find_cpr


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
        "sag 2023-0101901234",
        "010190123456",  # a 12-digit number
        "0101901234567890",  # a longer run
        "10101901234",  # 11 digits
        "010190-12345",  # five digits after the dash
        "010190-123",  # three digits after the dash
        "1234-0101901234",  # a bank account (reg. nr. and account number)
        "12.010190-1234",
        "010190-1234.56",
        "010190-1234-5678",
        "010190--1234",  # two separators
        "010190 - 1234",
        "01 01 90 1234",
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
