"""The placeholder contract of the bot's texts.

Code fills a text's ``{placeholders}`` with ``str.format``, so a typo in a YAML file
(``{nmae}``) would only surface as a KeyError when that message is sent. Instead, each text
field declares the names the code passes (``Annotated[str, Placeholders("name", "count")]``,
or :class:`Keys` for a mapping of texts by key), and :class:`CheckedTexts` checks every string
of a text model against its declaration when the file is loaded, so a wrong placeholder stops
start-up with the file and the field. A field with no declaration may contain no ``{...}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator

# Teams and the Playground read "<udvalg>" as markup and show nothing in its place.
_MARKUP_WORD = re.compile(r"<[a-zæøå]+>")


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` a format template uses; ValueError for a malformed template."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name is not None)


def _shown(names: Iterable[str]) -> str:
    """``{count, name}``, or ``none``."""
    listed = ", ".join(sorted(names))
    return f"{{{listed}}}" if listed else "none"


@dataclass(frozen=True, init=False)
class Placeholders:
    """Field metadata: the names the code fills into a text (each item, for a tuple of texts).

    Every name in ``names`` must be used; a name in ``optional`` is passed by the code too but
    a text may leave it out (say, only one of several questions uses ``{first}``).
    """

    names: frozenset[str]
    optional: frozenset[str]

    def __init__(self, *names: str, optional: Iterable[str] = ()) -> None:
        object.__setattr__(self, "names", frozenset(names))
        object.__setattr__(self, "optional", frozenset(optional))

    def problem(self, template: str) -> str | None:
        """Why ``template`` breaks this contract, or None if it keeps it."""
        try:
            used = placeholders(template)
        except ValueError as exc:
            return f"not a valid template ({exc})"
        if odd := sorted(name for name in used if not name.isidentifier()):
            return f"placeholders must be names, not {odd}"  # {}, {0}, {name.attr}, {name[0]}
        if markup := _MARKUP_WORD.search(template):
            return f"{markup[0]} is read as markup and not shown in Teams"
        if self.names <= used <= self.names | self.optional:
            return None
        if not self.names:
            allowed = f"may only be {_shown(self.optional)}" if self.optional else "must be none"
            return f"placeholders {allowed}, not {_shown(used)}"
        optional = f" and optionally {_shown(self.optional)}" if self.optional else ""
        return f"placeholders must be {_shown(self.names)}{optional}, not {_shown(used)}"


NO_PLACEHOLDERS = Placeholders()


@dataclass(frozen=True, init=False)
class Keys:
    """Field metadata for a mapping of texts by code: exactly these keys, each its own contract."""

    templates: Mapping[str, Placeholders]

    def __init__(self, **templates: Placeholders) -> None:
        object.__setattr__(self, "templates", templates)

    def problem(self, texts: Mapping[str, str]) -> str | None:
        """Why ``texts`` break this contract (a missing or unknown key, a wrong text), or None."""
        missing = self.templates.keys() - texts.keys()
        if missing:
            return f"missing keys {sorted(missing)}"
        unknown = texts.keys() - self.templates.keys()
        if unknown:
            return f"unknown keys {sorted(unknown)}"
        for key, template in texts.items():
            if problem := self.templates[key].problem(template):
                return f"{key}: {problem}"
        return None


def _problem(value: object, contract: Placeholders | Keys) -> str | None:
    """Why a field's value breaks its contract; nested models check themselves."""
    if isinstance(contract, Keys):
        if not isinstance(value, Mapping):
            return "Keys() declared on a field that is not a mapping"
        return contract.problem(value)
    if isinstance(value, str):
        return contract.problem(value)
    if isinstance(value, Mapping):
        items: Iterable[tuple[object, object]] = value.items()
    elif isinstance(value, (tuple, list)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(item, str) and (problem := contract.problem(item)):
            return f"{key}: {problem}"
    return None


class CheckedTexts(BaseModel):
    """Base of a model of user-facing texts: each field is checked against its declaration."""

    @field_validator("*", mode="after")
    @classmethod
    def _check_placeholders(cls, value: Any, info: ValidationInfo) -> Any:
        declared = [
            meta
            for meta in cls.model_fields[str(info.field_name)].metadata
            if isinstance(meta, (Placeholders, Keys))
        ]
        if problem := _problem(value, declared[0] if declared else NO_PLACEHOLDERS):
            raise ValueError(problem)
        return value
