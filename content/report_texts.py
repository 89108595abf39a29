"""Texts of the half-year report (``content/data/report.yaml``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ReportTexts(BaseModel):
    """Headings and labels of the report in every format."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
