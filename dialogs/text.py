"""Danish text helpers every feature shares: markup, folding æ/ø/å, words, readable ids."""

from __future__ import annotations

import re
import unicodedata
import uuid

from dialogs.privacy import contains_cpr

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,200}>")
_WORD = re.compile(r"[a-zæøå0-9]+")
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
    text = unicodedata.normalize("NFKC", strip_markup(text)).lower()
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
