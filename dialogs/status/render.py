"""The report as Markdown, CSV (for Danish Excel) and one self-contained HTML file.

All wording comes from ``content/data/report.yaml`` (:class:`ReportTexts`) and the status
labels from ``content/data/status.yaml`` (:class:`StatusTexts`); user text is escaped for
the format it goes into. The HTML embeds its charts as PNG data URLs and refers to nothing
outside itself, so it can be mailed, archived or printed (A4) as it is.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from content.models import Content, Status, StatusTexts
from content.report_texts import ReportTexts, TrendText
from dialogs.privacy import redact_cpr
from dialogs.status.report import (
    STATUSES,
    Entry,
    MaalsaetningReport,
    PejlemaerkeReport,
    Recipient,
    Report,
    Trend,
)
from dialogs.text import clean_input, plural
from scheduler.calendar import format_date

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Format = Literal["csv", "html", "md"]

# Chart and table colours per status; white is "no answer".
COLOURS: dict[Status, str] = {
    Status.ON_TRACK: "#2e7d32",
    Status.PARTLY: "#f2c200",
    Status.NOT_STARTED: "#c62828",
    Status.NOT_RELEVANT: "#9e9e9e",
}
NO_ANSWER = "#ffffff"
BOM = "\ufeff"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what Excel would run as a formula
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#~])")


# --------------------------------------------------------------------------- shared wording


def percent(rate: float) -> str:
    """A rate as a whole percentage: ``0.8`` → ``"80"``."""
    return str(round(rate * 100))


def decimal(value: Fraction | None, texts: ReportTexts) -> str:
    """A mean score with a Danish decimal comma (``"1,5"``), or the no-value mark."""
    return texts.no_value if value is None else f"{float(value):.1f}".replace(".", ",")


def trend_text(trend: Trend | None, texts: ReportTexts) -> TrendText:
    """The arrow and word of a trend (or of no trend)."""
    return getattr(texts.trend, trend or "none")  # type: ignore[no-any-return]


def mean_text(mean: Fraction | None, previous: Fraction | None, texts: ReportTexts) -> str:
    """``"1,5 (forrige runde: 1,2)"``."""
    return texts.mean.format(value=decimal(mean, texts), previous=decimal(previous, texts))


def unit_name(unit: str, texts: ReportTexts) -> str:
    """A unit, or "unknown unit" for a reply without one."""
    return unit or texts.unknown_unit


def leader_name(recipient: Recipient, texts: ReportTexts) -> str:
    """A recipient as "name (unit)", falling back on the e-mail address (a CPR number in a
    name stored before names were redacted is not shown)."""
    who = redact_cpr(recipient.name) or recipient.email or texts.unknown_leader
    return f"{who} ({recipient.unit})" if recipient.unit else who


def answered_text(report: Report, texts: ReportTexts) -> str:
    """``"1 af 2 ledere har svaret (50 %)."``, or that no leader is in the round (then there
    is no rate to give)."""
    if not report.recipients:
        return texts.no_recipients
    return texts.answered.format(
        answered=report.answered,
        recipients=plural(report.recipients, texts.leader_one, texts.leader_many),
        percent=percent(report.response_rate),
    )


def people_sections(
    report: Report, texts: ReportTexts
) -> list[tuple[str, Sequence[Recipient], str]]:
    """The lists of leaders who have not answered and who cannot be reached, each as (title,
    people, what to say when empty); none for a round without leaders, where "everyone has
    answered" would not be true."""
    if not report.recipients:
        return []
    return [
        (texts.missing, report.missing, texts.missing_none),
        (texts.unreachable, report.unreachable, texts.unreachable_none),
    ]


def summary_lines(report: Report, texts: ReportTexts) -> list[str]:
    """The report's opening lines: deadline, response, late and withdrawn, comparison."""
    lines = [
        texts.deadline.format(date=format_date(report.deadline, with_year=True)),
        answered_text(report, texts),
    ]
    if report.late:
        lines.append(texts.late.format(count=report.late))
    if report.withdrawn:
        lines.append(texts.withdrawn.format(count=report.withdrawn))
    lines.append(
        texts.compared_with.format(round=report.previous_round)
        if report.previous_round
        else texts.no_previous
    )
    start, end = report.half_year
    lines.append(
        texts.period.format(
            start=format_date(start, with_year=True), end=format_date(end, with_year=True)
        )
    )
    return lines


def response_text(goal: MaalsaetningReport, texts: ReportTexts) -> str:
    """``"12 af 15 har svaret (80 %)"`` for one målsætning ("–" when no one was asked)."""
    if not goal.recipients:
        return texts.no_value
    return texts.response.format(
        answered=goal.answered, recipients=goal.recipients, percent=percent(goal.response_rate)
    )


def pejlemaerke_title(pejlemaerke: PejlemaerkeReport, texts: ReportTexts) -> str:
    """``"Pejlemærke 1: Borgeren først"``."""
    return texts.pejlemaerke.format(number=pejlemaerke.number, name=pejlemaerke.name)


# --------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """User text safe inside a Markdown line or table cell: one line, special characters
    escaped with a backslash, ``&`` as an entity (and, for text stored before the input gate,
    no control or bidi-override characters)."""
    text = clean_input(text, lines=False)
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()).replace("&", "&amp;"))


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def to_markdown(report: Report, texts: ReportTexts, status_texts: StatusTexts) -> str:
    """The report as GitHub-flavoured Markdown (tables and lists), every comment included."""
    c = texts.columns
    badge = {s: f"{status_texts.statuses[s].emoji} {status_texts.label(s)}" for s in STATUSES}
    out = [f"# {_md(texts.title.format(round=report.round_name))}", ""]
    out += [f"{_md(line)}  " for line in summary_lines(report, texts)]
    out += ["", f"## {_md(texts.overview)}", ""]
    header = [c.maalsaetning, *badge.values(), c.response, c.mean, c.trend, c.meetings]
    out += [_md_row(header), _md_row(["---", *(["---:"] * (len(header) - 1))])]
    for p in report.pejlemaerker:
        t = trend_text(p.trend, texts)
        out.append(
            _md_row(
                [
                    f"**{_md(pejlemaerke_title(p, texts))}**",
                    *(f"**{p.counts[s]}**" for s in STATUSES),
                    "",
                    decimal(p.mean, texts),
                    f"{t.arrow} {t.label}",
                    "",
                ]
            )
        )
        for m in p.maalsaetninger:
            t = trend_text(m.trend, texts)
            out.append(
                _md_row(
                    [
                        f"{m.id} {_md(m.text)}",
                        *(str(m.counts[s]) for s in STATUSES),
                        f"{m.answered}/{m.recipients} ({percent(m.response_rate)} %)",
                        mean_text(m.mean, m.previous_mean, texts),
                        f"{t.arrow} {t.label}",
                        str(m.meetings),
                    ]
                )
            )
    heat = report.heatmap
    if heat.units:
        out += ["", f"## {_md(texts.heatmap)}", "", _md(texts.heatmap_note), ""]
        out.append(_md_row([c.maalsaetning, *(_md(unit_name(u, texts)) for u in heat.units)]))
        out.append(_md_row(["---", *([":---:"] * len(heat.units))]))
        for ident, row in zip(heat.maalsaetninger, heat.cells, strict=True):
            marks = (status_texts.statuses[s].emoji if s else "" for s in row)
            out.append(_md_row([ident, *marks]))
    for p in report.pejlemaerker:
        out += ["", f"## {_md(pejlemaerke_title(p, texts))}"]
        for m in p.maalsaetninger:
            t = trend_text(m.trend, texts)
            counts = " · ".join(f"{badge[s]}: {m.counts[s]}" for s in STATUSES)
            out += ["", f"### {m.id} {_md(m.text)}", ""]
            out += [
                f"{counts}  ",
                f"{_md(response_text(m, texts))} · {c.trend}: {t.arrow} {t.label}  ",
                _md(texts.meetings.format(count=m.meetings)),
                "",
            ]
            comments = m.comments
            if not comments:
                out.append(f"_{_md(texts.no_comments)}_")
                continue
            out += [f"**{_md(texts.comments)}**", ""]
            for e in comments:
                late = f" · _{_md(texts.late_mark)}_" if e.late else ""
                line = f"- **{_md(unit_name(e.unit, texts))}** · {badge[e.status]}{late}"
                if e.comment:
                    line += f": {_md(e.comment)}"
                out.append(line)
                if e.next_step:
                    out.append(f"  {_md(texts.next_step.format(text=e.next_step))}")
    for title, people, none in people_sections(report, texts):
        out += _md_people(title, people, none, texts)
    out += ["", "---", "", _md(texts.footer), ""]
    return "\n".join(out)


def _md_people(title: str, people: Sequence[Recipient], none: str, texts: ReportTexts) -> list[str]:
    lines = ["", f"## {_md(title)}", ""]
    if not people:
        return [*lines, _md(none)]
    return lines + [f"- {_md(leader_name(r, texts))}" for r in people]


# --------------------------------------------------------------------------- CSV


def _cell(text: str) -> str:
    """A cell Excel shows as text: one starting like a formula gets a leading apostrophe (and
    text stored before the input gate loses control and bidi-override characters)."""
    text = clean_input(text)
    return f"'{text}" if text.startswith(_FORMULA) else text


def csv_rows(report: Report, texts: ReportTexts, status_texts: StatusTexts) -> Iterator[list[str]]:
    """The header and one row per answer."""
    c = texts.columns
    yes, no = texts.late_yes, texts.late_no
    labels = {s: status_texts.label(s) for s in STATUSES}
    yield [c.pejlemaerke, c.maalsaetning, c.unit, c.status, c.comment, c.next_step, c.late]
    for p in report.pejlemaerker:
        pejlemaerke = f"{p.number}. {p.name}"
        for m in p.maalsaetninger:
            goal = f"{m.id} {m.text}"
            found = m.answers  # the rows without making an Entry per answer
            for answer, unit, late in zip(found.answers, found.units, found.late, strict=True):
                yield [
                    pejlemaerke,
                    goal,
                    _cell(unit_name(unit, texts)),
                    labels[answer.status],
                    _cell(answer.comment),
                    _cell(answer.next_step),
                    yes if late else no,
                ]


def to_csv(report: Report, texts: ReportTexts, status_texts: StatusTexts) -> bytes:
    """Every answer as CSV for Danish Excel: UTF-8 with BOM, ``;`` between cells, CRLF."""
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_rows(report, texts, status_texts))
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- charts


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    # Labels are unit names and titles people typed: "$\\foo$" is text, not a formula.
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _legend(figure: Figure, labels: dict[str, str], columns: int) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=colour, edgecolor="#888888", label=label)
        for colour, label in labels.items()
    ]
    figure.legend(
        handles=handles, loc="lower center", ncol=columns, frameon=False, fontsize=9,
        bbox_to_anchor=(0.5, -0.02),
    )  # fmt: skip


def heatmap_png(report: Report, texts: ReportTexts, status_texts: StatusTexts) -> bytes:
    """The heatmap målsætning × unit as PNG (green, yellow, red, grey; white = no answer)."""
    from matplotlib.colors import ListedColormap

    heat = report.heatmap
    rows, columns = len(heat.maalsaetninger), len(heat.units)
    codes = [[0 if s is None else STATUSES.index(s) + 1 for s in row] for row in heat.cells]
    figure = _figure(min(3.0 + 0.6 * columns, 22.0), 1.8 + 0.4 * rows)
    ax = figure.add_subplot()
    colours = ListedColormap([NO_ANSWER, *(COLOURS[s] for s in STATUSES)])
    ax.pcolormesh(codes, cmap=colours, vmin=-0.5, vmax=4.5, edgecolors="#d0d0d0", linewidth=0.8)
    ax.set_xlim(0, columns)
    ax.set_ylim(rows, 0)
    ax.set_yticks([i + 0.5 for i in range(rows)], list(heat.maalsaetninger), fontsize=9)
    ax.set_xticks(
        [i + 0.5 for i in range(columns)],
        [_short(unit_name(u, texts)) for u in heat.units],
        rotation=55,
        ha="right",
        fontsize=9,
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    labels = {COLOURS[s]: status_texts.label(s) for s in STATUSES}
    _legend(figure, {**labels, NO_ANSWER: texts.no_answer}, 5)
    figure.subplots_adjust(bottom=0.3 if columns else 0.2)
    return _png(figure)


def distribution_png(
    pejlemaerke: PejlemaerkeReport, texts: ReportTexts, status_texts: StatusTexts
) -> bytes:
    """One pejlemærke's distribution as stacked bars, one bar per målsætning, as PNG."""
    goals = pejlemaerke.maalsaetninger
    figure = _figure(7.5, 1.5 + 0.45 * len(goals))
    ax = figure.add_subplot()
    names = [m.id for m in goals]
    left = [0] * len(goals)
    for status in STATUSES:
        values = [m.counts[status] for m in goals]
        bars = ax.barh(
            names, values, left=left, color=COLOURS[status], edgecolor="white", height=0.65,
            label=status_texts.label(status),
        )  # fmt: skip
        dark = status in (Status.ON_TRACK, Status.NOT_STARTED)
        ax.bar_label(
            bars, labels=[str(v) if v else "" for v in values], label_type="center",
            fontsize=8, color="white" if dark else "black",
        )  # fmt: skip
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel(texts.chart_count, fontsize=9)
    ax.set_title(pejlemaerke_title(pejlemaerke, texts), fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=4, frameon=False, fontsize=9)
    return _png(figure)


def data_url(png: bytes) -> str:
    """A PNG as a ``data:`` URL for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --------------------------------------------------------------------------- HTML

CSS = """
:root { color-scheme: light; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: #1b1b1b; margin: 2em auto;
  max-width: 1100px; padding: 0 1em; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.7em; color: #0f5c6e; margin-bottom: 0.3em; }
h2 { font-size: 1.3em; color: #0f5c6e; border-bottom: 2px solid #0f5c6e; padding-bottom: 2px;
  margin-top: 1.6em; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; break-after: avoid; page-break-after: avoid; }
.summary p { margin: 0.15em 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d0d0; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef4f6; }
td.n { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.pm td { background: #f6f6f6; font-weight: 600; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.dot { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%;
  vertical-align: -0.05em; margin-right: 0.3em; border: 1px solid #888; }
.better { color: #2e7d32; } .worse { color: #c62828; } .same { color: #555; }
.trend { white-space: nowrap; }
.late { color: #c62828; font-style: italic; }
.note, footer { color: #555; font-size: 0.9em; }
.facts > span { margin-right: 1.2em; }
table.comments td:nth-child(1) { width: 17%; } table.comments td:nth-child(2) { width: 13%; }
table.comments td:nth-child(3) { width: 36%; } table.comments td:nth-child(5) { width: 8%; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4; margin: 15mm }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  .chart { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _e(text: object) -> str:
    """Text escaped for HTML (and valid Unicode without control or bidi-override characters,
    for text stored before the input gate)."""
    return html.escape(clean_input(str(text)), quote=True)


def _dot(status: Status, status_texts: StatusTexts) -> str:
    return (
        f'<span class="dot" style="background:{COLOURS[status]}" '
        f'title="{_e(status_texts.label(status))}"></span>'
    )


def _status(status: Status, status_texts: StatusTexts) -> str:
    return f"{_dot(status, status_texts)}{_e(status_texts.label(status))}"


def _trend_html(trend: Trend | None, texts: ReportTexts) -> str:
    t = trend_text(trend, texts)
    return f'<span class="trend {trend or "none"}">{_e(t.arrow)} {_e(t.label)}</span>'


def _img(png: bytes, alt: str) -> str:
    return f'<div class="chart"><img src="{data_url(png)}" alt="{_e(alt)}"></div>'


def _overview(report: Report, texts: ReportTexts, status_texts: StatusTexts) -> list[str]:
    c = texts.columns
    head = "".join(f"<th>{_status(s, status_texts)}</th>" for s in STATUSES)
    out = [
        "<table><thead><tr>",
        f"<th>{_e(c.maalsaetning)}</th>{head}<th>{_e(c.response)}</th><th>{_e(c.mean)}</th>"
        f"<th>{_e(c.trend)}</th><th>{_e(c.meetings)}</th>",
        "</tr></thead><tbody>",
    ]
    for p in report.pejlemaerker:
        counts = "".join(f'<td class="n">{p.counts[s]}</td>' for s in STATUSES)
        out.append(
            f'<tr class="pm"><td>{_e(pejlemaerke_title(p, texts))}</td>{counts}<td></td>'
            f'<td class="n">{_e(decimal(p.mean, texts))}</td>'
            f"<td>{_trend_html(p.trend, texts)}</td><td></td></tr>"
        )
        for m in p.maalsaetninger:
            counts = "".join(f'<td class="n">{m.counts[s]}</td>' for s in STATUSES)
            out.append(
                f"<tr><td>{_e(m.id)} {_e(m.text)}</td>{counts}"
                f'<td class="n">{m.answered}/{m.recipients} ({percent(m.response_rate)} %)</td>'
                f'<td class="n">{_e(mean_text(m.mean, m.previous_mean, texts))}</td>'
                f'<td>{_trend_html(m.trend, texts)}</td><td class="n">{m.meetings}</td></tr>'
            )
    out.append("</tbody></table>")
    return out


def _comments(entries: Sequence[Entry], texts: ReportTexts, status_texts: StatusTexts) -> str:
    c = texts.columns
    if not entries:
        return f'<p class="note">{_e(texts.no_comments)}</p>'
    late = f'<span class="late">{_e(texts.late_mark)}</span>'
    rows = "".join(
        f"<tr><td>{_e(unit_name(e.unit, texts))}</td><td>{_status(e.status, status_texts)}</td>"
        f"<td>{_e(e.comment)}</td><td>{_e(e.next_step)}</td>"
        f"<td>{late if e.late else ''}</td></tr>"
        for e in entries
    )
    return (
        f'<table class="comments"><thead><tr><th>{_e(c.unit)}</th>'
        f"<th>{_e(c.status)}</th>"
        f"<th>{_e(c.comment)}</th><th>{_e(c.next_step)}</th><th>{_e(c.late)}</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _people(title: str, people: Sequence[Recipient], none: str, texts: ReportTexts) -> list[str]:
    out = [f"<h2>{_e(title)}</h2>"]
    if not people:
        return [*out, f"<p>{_e(none)}</p>"]
    items = "".join(f"<li>{_e(leader_name(r, texts))}</li>" for r in people)
    return [*out, f"<ul>{items}</ul>"]


def to_html(report: Report, texts: ReportTexts, status_texts: StatusTexts) -> str:
    """The report as one self-contained HTML page with embedded charts, ready to print."""
    title = texts.title.format(round=report.round_name)
    out = [
        "<!DOCTYPE html>",
        '<html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        '<div class="summary">',
        *(f"<p>{_e(line)}</p>" for line in summary_lines(report, texts)),
        "</div>",
        f"<h2>{_e(texts.overview)}</h2>",
        *_overview(report, texts, status_texts),
    ]
    if report.heatmap.units:
        out += [
            f"<h2>{_e(texts.heatmap)}</h2>",
            f'<p class="note">{_e(texts.heatmap_note)}</p>',
            _img(heatmap_png(report, texts, status_texts), texts.heatmap),
        ]
    out.append(f"<h2>{_e(texts.distribution)}</h2>")
    for p in report.pejlemaerker:
        out.append(_img(distribution_png(p, texts, status_texts), pejlemaerke_title(p, texts)))
    for p in report.pejlemaerker:
        out.append(f"<h2>{_e(pejlemaerke_title(p, texts))}</h2>")
        for m in p.maalsaetninger:
            counts = "".join(
                f"<span>{_status(s, status_texts)}: {m.counts[s]}</span>" for s in STATUSES
            )
            out += [
                f"<h3>{_e(m.id)} {_e(m.text)}</h3>",
                f'<p class="facts">{counts}</p>',
                f'<p class="facts"><span>{_e(response_text(m, texts))}</span>'
                f"<span>{_e(texts.columns.trend)}: {_trend_html(m.trend, texts)}</span>"
                f"<span>{_e(texts.meetings.format(count=m.meetings))}</span></p>",
                _comments(m.comments, texts, status_texts),
            ]
    for title, people, none in people_sections(report, texts):
        out += _people(title, people, none, texts)
    out += [f"<footer><p>{_e(texts.footer)}</p></footer>", "</body></html>", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- entry point


def render(report: Report, format: Format, content: Content) -> bytes:
    """The report in one format, as the bytes of a file (``.csv``, ``.html``, ``.md``);
    ``content`` gives the report texts and the status labels."""
    texts, status_texts = content.report, content.status
    if format == "csv":
        return to_csv(report, texts, status_texts)
    if format == "html":
        return to_html(report, texts, status_texts).encode("utf-8")
    if format == "md":
        return to_markdown(report, texts, status_texts).encode("utf-8")
    raise ValueError(f"unknown format {format!r}")


__all__ = [
    "COLOURS",
    "Format",
    "csv_rows",
    "data_url",
    "decimal",
    "distribution_png",
    "heatmap_png",
    "leader_name",
    "mean_text",
    "pejlemaerke_title",
    "percent",
    "render",
    "response_text",
    "summary_lines",
    "to_csv",
    "to_html",
    "to_markdown",
    "trend_text",
    "unit_name",
]
