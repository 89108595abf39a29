"""The administrator's CSV import of leaders: name, e-mail or AAD object id, unit.

Files come from Excel as often as not: UTF-8 with or without a byte order mark, Windows-1252
or Latin-1 (a file that is valid UTF-8 is read as UTF-8), or UTF-16 ("Unicode text");
separated by ``;``, ``,`` or tabs, possibly with Excel's ``sep=;`` first line. Header names
may be Danish or English. A value in any id column is read by its shape: a GUID is the AAD
object id, one with ``@`` the e-mail.

Row numbers count the header as row 1, as Excel shows them. Errors are codes with
parameters, never prose:

``empty_file``
    no header (row 1).
``missing_columns``
    the header lacks an id or a unit column (row 1); ``missing``: ``"id"``, ``"unit"`` or
    ``"id,unit"``.
``missing_id``
    a row with neither an AAD object id nor an e-mail.
``invalid_id``
    an id value that is neither a GUID nor an e-mail address; ``column``: its header.
``conflicting_ids``
    two different AAD object ids, or two different e-mails, in one row.
``missing_unit``
    a row without a unit.
``too_long``
    ``column``: ``"name"``, ``"email"`` or ``"unit"``; ``limit``: the maximum length.
``duplicate``
    an earlier row with the same AAD object id or e-mail as a later one; the later row is
    kept; ``kept_row``: its number.
``cpr``
    a name, e-mail or unit that contains a CPR number (:mod:`dialogs.privacy`); the row is
    left out and nothing of it is kept; ``column``: its header.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dialogs.privacy import contains_cpr
from dialogs.status.models import Leader
from dialogs.text import fold

MAX_NAME = 200
MAX_EMAIL = 320
MAX_UNIT = 120

_GUID = re.compile(
    r"^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$", re.IGNORECASE
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _header_key(text: str) -> str:
    """A header name folded and stripped of everything but letters and digits."""
    return _NON_ALNUM.sub("", fold(text.strip().lower()))


def _headers(*names: str) -> frozenset[str]:
    return frozenset(_header_key(n) for n in names)


_NAME = _headers(
    "navn", "name", "fulde navn", "fuldt navn", "full name", "display name", "visningsnavn",
    "leder", "ledernavn", "leders navn",
)  # fmt: skip
_IDS = _headers(
    "e-mail", "email", "mail", "e-mailadresse", "mailadresse", "e-post", "upn",
    "user principal name", "brugernavn",
    "aad_object_id", "aad object id", "object id", "objectid", "aad id", "aad", "entra id",
    "entra object id", "objekt-id", "aad-objekt-id", "aad objekt-id", "entra objekt-id",
    "user_id", "user id", "bruger-id",
    "id", "e-mail eller aad object id", "email or aad object id", "e-mail eller id",
    "email or id", "e-mail eller aad id", "email or aad id", "identitet", "identity",
)  # fmt: skip
_UNIT = _headers(
    "enhed", "unit", "afdeling", "tilbud", "department", "enhed/tilbud", "tilbud/afdeling",
    "enhed/afdeling", "organisation", "organization",
)  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """Why a row (or the whole file, row 1) was not imported: a code and its parameters."""

    row: int
    code: str
    params: Mapping[str, str | int] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class _Columns:
    name: int | None
    ids: tuple[tuple[int, str], ...]  # (index, header as written)
    unit: int | None
    name_header: str = ""  # as written, for errors
    unit_header: str = ""


def parse_leaders_csv(data: bytes) -> tuple[list[Leader], list[RowError]]:
    """The leaders of a CSV file (``source="import"``) and the rows that were left out."""
    lines = _decode(data).splitlines(keepends=True)
    if lines and _sep_line(lines[0]) is not None:
        delimiter = _sep_line(lines[0]) or ","
        lines = lines[1:]
    else:
        delimiter = _delimiter(next((x for x in lines if x.strip()), ""))
    rows = list(csv.reader(io.StringIO("".join(lines), newline=""), delimiter=delimiter))
    start = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if start is None:
        return [], [RowError(1, "empty_file")]
    columns = _columns(rows[start])
    missing = [n for n, ok in (("id", columns.ids), ("unit", columns.unit is not None)) if not ok]
    if missing:
        return [], [RowError(start + 1, "missing_columns", {"missing": ",".join(missing)})]
    errors: list[RowError] = []
    kept: dict[int, Leader] = {}  # row number → leader
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(c.strip() for c in row):
            continue
        leader = _leader(number, row, columns, errors)
        if leader is None:
            continue
        for earlier, other in list(kept.items()):
            same_id = leader.user_id and leader.user_id == other.user_id
            same_email = leader.email and leader.email.lower() == other.email.lower()
            if same_id or same_email:
                del kept[earlier]
                errors.append(RowError(earlier, "duplicate", {"kept_row": number}))
        kept[number] = leader
    errors.sort(key=lambda e: e.row)
    return list(kept.values()), errors


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sep_line(line: str) -> str | None:
    """The delimiter of Excel's ``sep=;`` line, "" for an unusable one, None if no such line."""
    text = line.strip().strip('"')
    if not text.lower().startswith("sep="):
        return None
    value = text[4:]
    return value if len(value) == 1 else ""


def _delimiter(header: str) -> str:
    counts = {d: _outside_quotes(header).count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _outside_quotes(line: str) -> str:
    return re.sub(r'"[^"]*"', "", line)


def _columns(header: Sequence[str]) -> _Columns:
    name: int | None = None
    unit: int | None = None
    headers: dict[int, str] = {}
    ids: list[tuple[int, str]] = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        headers[index] = cell.strip()
        if key in _NAME and name is None:
            name = index
        elif key in _UNIT and unit is None:
            unit = index
        elif key in _IDS:
            ids.append((index, cell.strip()))
    return _Columns(
        name,
        tuple(ids),
        unit,
        headers[name] if name is not None else "",
        headers[unit] if unit is not None else "",
    )


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return " ".join(unicodedata.normalize("NFC", row[index]).split())


def _leader(
    number: int, row: Sequence[str], columns: _Columns, errors: list[RowError]
) -> Leader | None:
    guids: set[str] = set()
    emails: dict[str, str] = {}  # lower-case → as written
    for index, header in columns.ids:
        value = _cell(row, index)
        if not value:
            continue
        guid = _GUID.match(value)
        if guid:
            guids.add(guid.group(1).lower())
        elif contains_cpr(value):
            errors.append(RowError(number, "cpr", {"column": header}))
            return None
        elif _EMAIL.match(value):
            emails.setdefault(value.lower(), value)
        else:
            errors.append(RowError(number, "invalid_id", {"column": header}))
            return None
    if len(guids) > 1 or len(emails) > 1:
        errors.append(RowError(number, "conflicting_ids"))
        return None
    if not guids and not emails:
        errors.append(RowError(number, "missing_id"))
        return None
    unit = _cell(row, columns.unit)
    if not unit:
        errors.append(RowError(number, "missing_unit"))
        return None
    name = _cell(row, columns.name)
    for header, value in ((columns.unit_header, unit), (columns.name_header, name)):
        if contains_cpr(value):
            errors.append(RowError(number, "cpr", {"column": header}))
            return None
    email = next(iter(emails.values()), "")
    for column, value, limit in (
        ("name", name, MAX_NAME), ("email", email, MAX_EMAIL), ("unit", unit, MAX_UNIT)
    ):  # fmt: skip
        if len(value) > limit:
            errors.append(RowError(number, "too_long", {"column": column, "limit": limit}))
            return None
    user_id = next(iter(guids), "")
    return Leader(user_id=user_id, name=name, email=email, unit=unit, source="import")
