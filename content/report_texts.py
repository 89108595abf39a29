"""Texts of the half-year report (``content/data/report.yaml``).

Each template declares the ``{placeholders}`` the code fills in (see :mod:`content.templates`),
so a typo in the YAML stops start-up instead of breaking a report.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict

from content.templates import CheckedTexts, Placeholders


class _Strict(CheckedTexts):
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


class ReportTexts(_Strict):
    """Headings and labels of the report in every format."""

    title: Annotated[str, Placeholders("round")]
    deadline: Annotated[str, Placeholders("date")]
    period: Annotated[str, Placeholders("start", "end")]
    answered: Annotated[str, Placeholders("answered", "recipients", "percent")]
    no_recipients: str
    leader_one: str
    leader_many: str
    late: Annotated[str, Placeholders("count")]
    withdrawn: Annotated[str, Placeholders("count")]
    compared_with: Annotated[str, Placeholders("round")]
    no_previous: str
    overview: str
    heatmap: str
    heatmap_note: str
    distribution: str
    pejlemaerke: Annotated[str, Placeholders("number", "name")]
    comments: str
    no_comments: str
    missing: str
    missing_none: str
    unreachable: str
    unreachable_none: str
    unknown_unit: str
    unknown_leader: str
    no_answer: str
    next_step: Annotated[str, Placeholders("text")]
    late_mark: str
    late_yes: str
    late_no: str
    response: Annotated[str, Placeholders("answered", "recipients", "percent")]
    meetings: Annotated[str, Placeholders("count")]
    mean: Annotated[str, Placeholders("value", "previous")]
    no_value: str
    more_comments: Annotated[str, Placeholders("more")]
    more_leaders: Annotated[str, Placeholders("more")]
    more_one: str
    more_many: str
    summary_response: str
    summary_distribution: str
    show_names: str
    details_hint: str
    page: Annotated[str, Placeholders("page", "pages")]
    chart_count: str
    footer: str
    trend: TrendTexts
    columns: ColumnTexts
    own_title: str
    own_none: str
    own_round: Annotated[str, Placeholders("round", "deadline")]
    own_late: str
