"""Texts of the half-year report (``content/data/report.yaml``).

Every template's ``{placeholders}`` are checked against what the code fills in, so a typo in
the YAML stops start-up instead of breaking a report.
"""

from __future__ import annotations

from string import Formatter
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TrendText(_Strict):
    """How one trend is shown: a word and an arrow."""

    label: str
    arrow: str


class TrendTexts(_Strict):
    """The trend against the previous round, and "no trend"."""

    better: TrendText
    same: TrendText
    worse: TrendText
    none: TrendText


class ColumnTexts(_Strict):
    """Column headings of the tables and the CSV export."""

    pejlemaerke: str
    maalsaetning: str
    unit: str
    status: str
    comment: str
    next_step: str
    late: str
    response: str
    mean: str
    trend: str
    meetings: str
    leader: str
    total: str


# The placeholders each template must use, exactly; templates not listed have none.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "title": frozenset({"round"}),
    "deadline": frozenset({"date"}),
    "period": frozenset({"start", "end"}),
    "answered": frozenset({"answered", "recipients", "percent"}),
    "late": frozenset({"count"}),
    "withdrawn": frozenset({"count"}),
    "compared_with": frozenset({"round"}),
    "pejlemaerke": frozenset({"number", "name"}),
    "next_step": frozenset({"text"}),
    "response": frozenset({"answered", "recipients", "percent"}),
    "meetings": frozenset({"count"}),
    "mean": frozenset({"value", "previous"}),
    "more_comments": frozenset({"count"}),
    "more_leaders": frozenset({"count"}),
    "page": frozenset({"page", "pages"}),
    "own_round": frozenset({"round", "deadline"}),
}


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` a format template uses."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name is not None)


class ReportTexts(_Strict):
    """Headings and labels of the report in every format."""

    title: str
    deadline: str
    period: str
    answered: str
    late: str
    withdrawn: str
    compared_with: str
    no_previous: str
    overview: str
    heatmap: str
    heatmap_note: str
    distribution: str
    pejlemaerke: str
    comments: str
    no_comments: str
    missing: str
    missing_none: str
    unreachable: str
    unreachable_none: str
    unknown_unit: str
    unknown_leader: str
    no_answer: str
    next_step: str
    late_mark: str
    late_yes: str
    late_no: str
    response: str
    meetings: str
    mean: str
    no_value: str
    more_comments: str
    more_leaders: str
    page: str
    chart_count: str
    footer: str
    trend: TrendTexts
    columns: ColumnTexts
    own_title: str
    own_none: str
    own_round: str
    own_late: str

    @model_validator(mode="after")
    def _check_placeholders(self) -> Self:
        for name, value in self:
            if not isinstance(value, str):
                continue
            try:
                used = placeholders(value)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from exc
            expected = PLACEHOLDERS.get(name, frozenset())
            if used != expected:
                want = ", ".join(sorted(expected)) or "none"
                raise ValueError(f"{name}: placeholders must be {{{want}}}, not {sorted(used)}")
        return self
