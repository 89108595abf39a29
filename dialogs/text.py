"""Danish text helpers every feature shares: the input gate, markup, folding æ/ø/å, words,
readable ids."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.privacy import contains_cpr

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,200}>")
_WORD = re.compile(r"[a-zæøå0-9]+")
_PLAIN = re.compile(r"[\x20-\x7eæøåÆØÅ\s]*")  # NFKC, NFD and NFC leave these as they are
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # Arabic-Indic, Devanagari … (NFKC keeps them)


def fold(text: str) -> str:
    """Fold Danish letters and their ASCII spellings to one form (``æ``→``a``, ``ø``→``o``)."""
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return text.replace("aa", "a").replace("ae", "a").replace("oe", "o")


def new_id(name: str, fallback: str) -> str:
    """A readable unique id from a name ("LMU Ørum" → ``lmu-orum-1a2b3c``).

    Never shaped like a CPR number: ids are stored, logged and sent in card data, and a name
    ending in a date ("LMU 010127") with a random tail of digits ("1234ab") would make one.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name.lower())).strip("-")[:40]
    if contains_cpr(slug):
        slug = ""
    while True:
        ident = f"{slug or fallback}-{uuid.uuid4().hex[:6]}"
        if not contains_cpr(ident):
            return ident


def strip_markup(text: str) -> str:
    """Remove Teams ``<at>…</at>`` mentions and any other markup tags."""
    return _TAG.sub(" ", _MENTION.sub(" ", text))


def clean(text: str) -> str:
    """Lower-case, strip markup and accents other than æøå, write every digit in ASCII, and
    collapse white space."""
    text = strip_markup(text)
    if _PLAIN.fullmatch(text):  # most messages: nothing to normalise, and 10× faster
        return " ".join(text.lower().split())
    return _normalised(text)


def _normalised(text: str) -> str:
    """:func:`clean` for any text: Unicode normalisation, marks removed, digits in ASCII."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFD", text)
        if unicodedata.category(ch) != "Mn" or ch == "\u030a"
    )
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The lower-case words of ``text`` (letters and digits, æøå kept)."""
    return _WORD.findall(clean(text))


def plural(count: int, one: str, many: str) -> str:
    """A number with its noun in the right form: ``1 møde``, ``2 møder``, ``0 møder`` (the
    words come from content, which holds both forms)."""
    return f"{count} {one if count == 1 else many}"


# --------------------------------------------------------------------------- the input gate

# Control characters (C0, DEL, C1) and the bidi embeddings, overrides and isolates that make
# text show in another order than it is stored ("Trojan source"). Marks (LRM, RLM, ALM) only
# nudge neutral characters and stay, as do zero-width characters (the CPR check sees
# through those).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNWANTED_LINES = re.compile(f"[{_CONTROL}{_BIDI}]")
_UNWANTED_LINE = re.compile(f"[{_CONTROL}{_BIDI}\t\n]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything the slow path would change (else only NFC is left to check).
_SUSPECT_LINES = re.compile(f"[{_CONTROL}{_BIDI}\\r\u2028\u2029\\x85\ud800-\udfff]")
_SUSPECT_LINE = re.compile(f"[{_CONTROL}{_BIDI}\\r\\n\\t\u2028\u2029\\x85\ud800-\udfff]")

MAX_DEPTH = 4  # nesting of a card value (a form field is a scalar; "value" → list → scalar)
MAX_ITEMS = 500  # scalars and containers in one card value


class InputRefused(ValueError):
    """A card value too deep or too big to look at: refused before anything reads it."""


@dataclass(frozen=True)
class Lines:
    """Field metadata of a form model (``Annotated[str, LINES]``): the text may hold lines,
    so new lines and tabs are kept by :func:`clean_input`."""


LINES = Lines()


def _well_formed(text: str) -> str:
    """Valid Unicode: a surrogate pair left as two halves is joined, a lone half is U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_input(text: str, *, lines: bool = True) -> str:
    """What a user or client sent, as the bot keeps it: valid Unicode (a lone surrogate is
    replaced by U+FFFD, never stored), NFC, no control characters and no bidi embeddings,
    overrides or isolates. With ``lines`` new lines (``\\r\\n``, ``\\r``, U+2028 … are
    ``\\n``) and tabs stay; without, each is a space. Everything else is kept as typed."""
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to do
    if not (_SUSPECT_LINES if lines else _SUSPECT_LINE).search(text):
        return (
            text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
        )
    text = _NEWLINES.sub("\n", _well_formed(text))
    if lines:
        text = _UNWANTED_LINES.sub("", text)
    else:
        text = _UNWANTED_LINE.sub(lambda m: " " if m[0] in "\t\n" else "", text)
    return unicodedata.normalize("NFC", text)


def clean_value(value: Any, *, lines: bool = True) -> Any:
    """A JSON value (a card's data) with every text in it, keys too, through
    :func:`clean_input`; :class:`InputRefused` when it nests deeper than :data:`MAX_DEPTH`
    or holds more than :data:`MAX_ITEMS` values, found without walking past the limits."""
    budget = [MAX_ITEMS]

    def walk(item: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            raise InputRefused("card value too deep or too big")
        if isinstance(item, str):
            return clean_input(item, lines=lines)
        if isinstance(item, Mapping):
            return {clean_input(str(k), lines=False): walk(v, depth + 1) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v, depth + 1) for v in item]
        if item is None or isinstance(item, (bool, int, float)):
            return item
        raise InputRefused(f"not a JSON value: {type(item).__name__}")

    return walk(value, 0)
