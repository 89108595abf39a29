"""Danish text helpers every feature shares: markup, folding æ/ø/å, words, readable ids."""

from __future__ import annotations

import re
import unicodedata
import uuid

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,200}>")
_WORD = re.compile(r"[a-zæøå0-9]+")


def fold(text: str) -> str:
    """Fold Danish letters and their ASCII spellings to one form (``æ``→``a``, ``ø``→``o``)."""
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return text.replace("aa", "a").replace("ae", "a").replace("oe", "o")


def new_id(name: str, fallback: str) -> str:
    """A readable unique id from a name ("LMU Ørum" → ``lmu-orum-1a2b3c``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name.lower())).strip("-")[:40]
    return f"{slug or fallback}-{uuid.uuid4().hex[:6]}"


def strip_markup(text: str) -> str:
    """Remove Teams ``<at>…</at>`` mentions and any other markup tags."""
    return _TAG.sub(" ", _MENTION.sub(" ", text))


def clean(text: str) -> str:
    """Lower-case, strip markup and accents other than æøå, and collapse white space."""
    text = unicodedata.normalize("NFKC", strip_markup(text)).lower()
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
