"""Load and validate the content files; errors name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, RootModel, ValidationError

from content.models import (
    Content,
    Conversation,
    Example,
    ExpertTexts,
    Facts,
    Glossary,
    Intents,
    Messages,
    MyDataTexts,
    ReminderTexts,
    StatusTexts,
    Strategy,
)
from content.report_texts import ReportTexts

DATA_DIR = Path(__file__).parent / "data"
EXAMPLES = "examples"  # a folder of labelled questions, one YAML list per set
# libyaml's safe loader where PyYAML was built with it (about ten times faster), else Python's.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FILES: dict[str, type[BaseModel]] = {
    "strategy.yaml": Strategy,
    "facts.yaml": Facts,
    "glossary.yaml": Glossary,
    "messages.yaml": Messages,
    "intents.yaml": Intents,
    "conversation.yaml": Conversation,
    "reminders.yaml": ReminderTexts,
    "status.yaml": StatusTexts,
    "report.yaml": ReportTexts,
    "mydata.yaml": MyDataTexts,
    "experts.yaml": ExpertTexts,
}


class ContentError(Exception):
    """A content file is missing, not YAML, or does not match its model."""


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _load_file(path: Path, model: type[BaseModel]) -> Any:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except OSError as exc:
        raise ContentError(f"{path.name}: cannot read file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML ({exc})") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContentError(
            f"{path.name}: field {_location(first['loc'])}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
        ) from exc


_LOADED: dict[Path, tuple[tuple[tuple[int, int], ...], Content]] = {}


def load_content(data_dir: Path = DATA_DIR) -> Content:
    """Read every content file in ``data_dir`` and return the validated :class:`Content`.

    The result is immutable, so it is kept per directory while no file's size or time
    changes: tests and the command line load it many times."""
    try:
        paths = [data_dir / n for n in _FILES] + _example_files(data_dir)
        stamp = tuple((s.st_mtime_ns, s.st_size) for s in (p.stat() for p in paths))
    except OSError:
        stamp = ()
    cached = _LOADED.get(data_dir)
    if stamp and cached is not None and cached[0] == stamp:
        return cached[1]
    content = _load(data_dir)
    if stamp:
        _LOADED[data_dir] = (stamp, content)
    return content


def _load(data_dir: Path) -> Content:
    loaded = {name: _load_file(data_dir / name, model) for name, model in _FILES.items()}
    try:
        return Content(
            strategy=loaded["strategy.yaml"],
            facts=loaded["facts.yaml"].facts,
            terms=loaded["glossary.yaml"].terms,
            messages=loaded["messages.yaml"],
            commands=loaded["intents.yaml"].commands,
            conversation=loaded["conversation.yaml"],
            reminders=loaded["reminders.yaml"],
            status=loaded["status.yaml"],
            report=loaded["report.yaml"],
            mydata=loaded["mydata.yaml"],
            experts=loaded["experts.yaml"],
            examples=_load_examples(data_dir),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContentError(f"content cross-check: {first['msg']}") from exc


def _example_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / EXAMPLES).glob("*.yaml"))


def _load_examples(data_dir: Path) -> tuple[Example, ...]:
    """Every labelled question in ``examples/*.yaml``; the file's name is its source."""
    examples: list[Example] = []
    for path in _example_files(data_dir):
        items = _load_file(path, _ExampleFile).root
        examples.extend(Example(source=path.stem, **item) for item in items)
    return tuple(examples)


class _ExampleFile(RootModel[list[dict[str, Any]]]):
    """An examples file: a YAML list of ``q``/``expect``/``category`` (``context``) items."""
