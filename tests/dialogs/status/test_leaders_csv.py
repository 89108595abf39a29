"""The leaders CSV import: Excel encodings and separators, ids by shape, row errors."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.status.leaders_csv import RowError, parse_leaders_csv
from dialogs.status.models import Leader

GUID_1 = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
GUID_2 = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"


def excel(text: str, encoding: str = "utf-8-sig") -> bytes:
    """What Excel writes: CRLF line ends, in the given encoding (default UTF-8 with BOM)."""
    return text.replace("\n", "\r\n").encode(encoding)


def leader(unit: str, name: str = "", email: str = "", user_id: str = "") -> Leader:
    return Leader(user_id=user_id, name=name, email=email, unit=unit, source="import")


def test_excel_utf8_with_bom_semicolons_and_crlf() -> None:
    data = excel(
        "Navn;E-mail;Enhed\n"
        "Søren Ærø;soren.aro@norddjurs.dk;Bostøtte\n"
        f"Åse Øster;{GUID_1};Aktivitets- og samværstilbud\n"
    )
    assert data.startswith(codecs.BOM_UTF8) and b"\r\n" in data
    leaders, errors = parse_leaders_csv(data)
    assert errors == []
    assert leaders == [
        leader("Bostøtte", "Søren Ærø", email="soren.aro@norddjurs.dk"),
        leader("Aktivitets- og samværstilbud", "Åse Øster", user_id=GUID_1),
    ]
    assert leaders[0].key == "email:soren.aro@norddjurs.dk"
    assert leaders[1].key == GUID_1


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_1252_and_latin_1_from_excel(encoding: str) -> None:
    data = excel("navn;e-mail;enhed\nBjørn Æbelø;bjorn@norddjurs.dk;Rusmiddelbehandling på Ålen\n",
                 encoding)  # fmt: skip
    assert "ø".encode(encoding) in data
    [found], errors = parse_leaders_csv(data)
    assert errors == []
    assert (found.name, found.unit) == ("Bjørn Æbelø", "Rusmiddelbehandling på Ålen")


def test_windows_1252_only_characters() -> None:
    data = excel("navn;e-mail;enhed\nAnne – “Bo” Hansen;a@b.dk;Bostøtte €\n", "cp1252")
    [found], errors = parse_leaders_csv(data)
    assert errors == [] and found.name == "Anne – “Bo” Hansen" and found.unit == "Bostøtte €"


def test_utf16_unicode_text_with_tabs() -> None:
    data = "Navn\tE-mail\tEnhed\r\nBo Ørsted\tbo@norddjurs.dk\tMyndighed\r\n".encode("utf-16")
    [found], errors = parse_leaders_csv(data)
    assert errors == [] and (found.name, found.unit) == ("Bo Ørsted", "Myndighed")


def test_comma_file_with_english_headers_and_both_ids() -> None:
    data = (
        "name,email,aad_object_id,unit\n"
        f"Jens Hansen,jens@norddjurs.dk,{GUID_1},Botilbud\n"
        "Mette Madsen,mette@norddjurs.dk,,Socialpsykiatri\n"
        f"Ole Olsen,,{GUID_2.upper()},Myndighed\n"
    ).encode()
    leaders, errors = parse_leaders_csv(data)
    assert errors == []
    assert leaders == [
        leader("Botilbud", "Jens Hansen", email="jens@norddjurs.dk", user_id=GUID_1),
        leader("Socialpsykiatri", "Mette Madsen", email="mette@norddjurs.dk"),
        leader("Myndighed", "Ole Olsen", user_id=GUID_2),  # lower-cased, as Teams sends it
    ]


def test_quoted_fields_with_separators_quotes_and_line_breaks() -> None:
    data = excel(
        "navn;e-mail;enhed\n"
        '"Hansen; Jens";jens@norddjurs.dk;"Aktivitets- og samværstilbud; Grenaa"\n'
        '"Mette ""Mus"" Madsen";mette@norddjurs.dk;"Bo-\nstøtte"\n'
        "Ole;ole@norddjurs.dk;Myndighed\n"
    )
    leaders, errors = parse_leaders_csv(data)
    assert errors == []
    assert [(x.name, x.unit) for x in leaders] == [
        ("Hansen; Jens", "Aktivitets- og samværstilbud; Grenaa"),
        ('Mette "Mus" Madsen', "Bo- støtte"),
        ("Ole", "Myndighed"),
    ]


def test_quoted_comma_file() -> None:
    data = b'"name","email","unit"\n"Hansen, Jens","jens@norddjurs.dk","Botilbud, Vest"\n'
    [found], errors = parse_leaders_csv(data)
    assert errors == [] and (found.name, found.unit) == ("Hansen, Jens", "Botilbud, Vest")


def test_excel_sep_line() -> None:
    data = excel("sep=,\nnavn,e-mail,enhed\nBo,bo@norddjurs.dk,Botilbud\nx,,Botilbud\n")
    leaders, errors = parse_leaders_csv(data)
    assert [x.name for x in leaders] == ["Bo"]
    assert errors == [RowError(3, "missing_id")]  # the header is row 1, as Excel shows it


@pytest.mark.parametrize(
    "header",
    [
        "navn;e-mail;enhed", "Navn;E-mailadresse;Afdeling", "NAVN;MAIL;TILBUD",
        "name;email;unit", "Name;E-mail or AAD object id;Unit", "navn;id;enhed",
        "Name;Object ID;Department", "navn;Entra ID;enhed", " Navn ; E-mail ; Enhed ",
    ],
)  # fmt: skip
def test_header_names_in_danish_or_english(header: str) -> None:
    data = excel(f"{header}\nBo;{GUID_1};Botilbud\n")
    [found], errors = parse_leaders_csv(data)
    assert errors == [] and (found.name, found.user_id, found.unit) == ("Bo", GUID_1, "Botilbud")


def test_columns_in_any_order_and_unknown_columns_ignored() -> None:
    data = excel("Enhed;Telefon;E-mail;Navn\nBotilbud;12345678;bo@norddjurs.dk;Bo\n")
    [found], errors = parse_leaders_csv(data)
    assert errors == []
    assert found == leader("Botilbud", "Bo", email="bo@norddjurs.dk")


def test_an_id_is_read_by_its_shape_whatever_the_column() -> None:
    data = excel(f"navn;e-mail;aad_object_id;enhed\nBo;{GUID_1};bo@norddjurs.dk;Botilbud\n")
    [found], _ = parse_leaders_csv(data)
    assert (found.user_id, found.email) == (GUID_1, "bo@norddjurs.dk")
    data = excel(f"navn;id;enhed\nBo;{{{GUID_1.upper()}}};Botilbud\n")  # {GUID} as Windows writes
    [found], _ = parse_leaders_csv(data)
    assert found.user_id == GUID_1


def test_row_errors_with_row_numbers_and_codes() -> None:
    data = excel(
        "navn;e-mail;enhed\n"  # 1
        "Uden id;;Botilbud\n"  # 2 missing_id
        "Uden enhed;a@norddjurs.dk;\n"  # 3 missing_unit
        "Forkert;Jens Hansen;Botilbud\n"  # 4 invalid_id
        "\n"  # 5 blank: skipped
        ";;\n"  # 6 blank cells: skipped
        "God;god@norddjurs.dk;Botilbud\n"  # 7
        "Kort;k@norddjurs.dk\n"  # 8 too few cells: missing_unit
        "Halv;not-an-email@;Botilbud\n"  # 9 invalid_id
    )
    leaders, errors = parse_leaders_csv(data)
    assert [x.name for x in leaders] == ["God"]
    assert errors == [
        RowError(2, "missing_id"),
        RowError(3, "missing_unit"),
        RowError(4, "invalid_id", {"column": "e-mail"}),
        RowError(8, "missing_unit"),
        RowError(9, "invalid_id", {"column": "e-mail"}),
    ]


def test_two_different_ids_of_one_kind_in_a_row() -> None:
    data = excel(f"navn;id;aad_object_id;enhed\nBo;{GUID_1};{GUID_2};Botilbud\n"
                 f"Jo;{GUID_1};{GUID_1};Botilbud\n"
                 "Al;a@norddjurs.dk;b@norddjurs.dk;Botilbud\n")  # fmt: skip
    leaders, errors = parse_leaders_csv(data)
    assert [x.name for x in leaders] == ["Jo"]
    assert errors == [RowError(2, "conflicting_ids"), RowError(4, "conflicting_ids")]


def test_too_long_values() -> None:
    data = excel(f"navn;e-mail;enhed\n{'N' * 201};a@norddjurs.dk;Botilbud\n"
                 f"Bo;b@norddjurs.dk;{'U' * 121}\n"
                 f"Al;{'x' * 320}@norddjurs.dk;Botilbud\n"
                 f"Ok;c@norddjurs.dk;{'U' * 120}\n")  # fmt: skip
    leaders, errors = parse_leaders_csv(data)
    assert [x.name for x in leaders] == ["Ok"]
    assert errors == [
        RowError(2, "too_long", {"column": "name", "limit": 200}),
        RowError(3, "too_long", {"column": "unit", "limit": 120}),
        RowError(4, "too_long", {"column": "email", "limit": 320}),
    ]


def test_duplicates_keep_the_last_and_are_reported() -> None:
    data = excel(
        "navn;e-mail;aad_object_id;enhed\n"
        "Bo;bo@norddjurs.dk;;Botilbud\n"  # 2: replaced by 4 (same e-mail)
        f"Jo;;{GUID_1};Myndighed\n"  # 3: replaced by 5 (same id)
        "Bo Ny;BO@Norddjurs.dk;;Bostøtte\n"  # 4
        f"Jo Ny;jo@norddjurs.dk;{GUID_1};Socialpsykiatri\n"  # 5
        "Al;al@norddjurs.dk;;Botilbud\n"  # 6
    )
    leaders, errors = parse_leaders_csv(data)
    assert [(x.name, x.unit) for x in leaders] == [
        ("Bo Ny", "Bostøtte"), ("Jo Ny", "Socialpsykiatri"), ("Al", "Botilbud")
    ]  # fmt: skip
    assert errors == [
        RowError(2, "duplicate", {"kept_row": 4}),
        RowError(3, "duplicate", {"kept_row": 5}),
    ]


def test_a_row_matching_two_earlier_rows_replaces_both() -> None:
    data = excel(f"navn;e-mail;aad_object_id;enhed\nA;a@norddjurs.dk;;X\nB;;{GUID_1};Y\n"
                 f"C;a@norddjurs.dk;{GUID_1};Z\n")  # fmt: skip
    leaders, errors = parse_leaders_csv(data)
    assert [x.name for x in leaders] == ["C"]
    assert errors == [RowError(2, "duplicate", {"kept_row": 4}),
                      RowError(3, "duplicate", {"kept_row": 4})]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", RowError(1, "empty_file")),
        (codecs.BOM_UTF8 + b"\r\n\r\n", RowError(1, "empty_file")),
        (b"navn;enhed\nBo;Botilbud\n", RowError(1, "missing_columns", {"missing": "id"})),
        (b"navn;e-mail\nBo;b@x.dk\n", RowError(1, "missing_columns", {"missing": "unit"})),
        (b"foo;bar\n1;2\n", RowError(1, "missing_columns", {"missing": "id,unit"})),
        (b"\nnavn;e-mail\n", RowError(2, "missing_columns", {"missing": "unit"})),
    ],
)
def test_files_without_usable_header(data: bytes, error: RowError) -> None:
    assert parse_leaders_csv(data) == ([], [error])


def test_white_space_is_tidied() -> None:
    data = excel("navn;e-mail;enhed\n  Bo   Bøgh ; bo@norddjurs.dk ;  Bo  støtte \n")
    [found], _ = parse_leaders_csv(data)
    assert (found.name, found.email, found.unit) == ("Bo Bøgh", "bo@norddjurs.dk", "Bo støtte")


def test_decomposed_letters_are_composed() -> None:
    data = "navn;e-mail;enhed\nA\u030ase;a@norddjurs.dk;Bo\u0308rn\n".encode()
    [found], _ = parse_leaders_csv(data)
    assert (found.name, found.unit) == ("Åse", "Börn")


# No character that Windows-1252 writes as a byte 0x80–0xBF: after a letter like "Å" such a
# byte makes valid UTF-8 ("Å€" reads as "ŀ"), and a valid UTF-8 file is read as UTF-8.
_CELL = st.text(alphabet="abcæøåÆØÅ ;,\"'-é", min_size=1, max_size=20).filter(str.strip)


@given(st.lists(st.tuples(_CELL, _CELL), min_size=1, max_size=8),
       st.sampled_from([";", ","]), st.sampled_from(["utf-8-sig", "utf-8", "cp1252"]))  # fmt: skip
def test_any_written_file_reads_back(
    rows: list[tuple[str, str]], delimiter: str, encoding: str
) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["Navn", "E-mail", "Enhed"])
    for n, (name, unit) in enumerate(rows):
        writer.writerow([name, f"leder{n}@norddjurs.dk", unit])
    leaders, errors = parse_leaders_csv(out.getvalue().encode(encoding))
    assert errors == []
    assert [(x.name, x.email, x.unit) for x in leaders] == [
        (" ".join(name.split()), f"leder{n}@norddjurs.dk", " ".join(unit.split()))
        for n, (name, unit) in enumerate(rows)
    ]
    assert all(x.source == "import" for x in leaders)
