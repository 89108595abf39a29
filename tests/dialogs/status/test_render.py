"""The report as CSV (Danish Excel), Markdown and one self-contained HTML file."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import datetime

import pytest
from PIL import Image

from content import Content
from content.models import Status
from dialogs.status.models import Answer, StatusReply
from dialogs.status.render import render, to_csv, to_html, to_markdown
from dialogs.status.report import Report, build_report
from tests.conftest import TZ
from tests.dialogs.status.test_report_card import big_report
from tools.sample_report import sample

TRICKY = 'Plan; "vigtig" <script>alert(1)</script>\nlinje 2 | æøå ÆØÅ'
FORMULA = "=HYPERLINK(1)"


@pytest.fixture(scope="module")
def report(content: Content) -> Report:
    """The README's sample round, plus one reply with text that tries to break each format."""
    data = sample(content)
    at = datetime(2027, 5, 30, 9, tzinfo=TZ)
    tricky = StatusReply(
        round_id=data.round.id,
        user_id="aad-tricky",
        unit="Særlige <tilbud>",
        answers=(
            Answer(maalsaetning="4.3", status=Status.PARTLY, comment=TRICKY, next_step=FORMULA),
        ),
        first_at=at,
        updated_at=at,
    )
    return build_report(
        content.strategy,
        data.round,
        [*data.replies, tricky],
        data.leaders,
        data.meetings,
        data.previous,
        data.reachable,
    )


# --------------------------------------------------------------------------- CSV


def test_csv_is_for_danish_excel(report: Report, content: Content) -> None:
    data = to_csv(report, content.report, content.status)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.startswith("Pejlemærke;Målsætning;Enhed;Status;Kommentar;Næste skridt;For sent\r\n")
    assert text.endswith("\r\n")
    outside_quotes = re.sub(r'"(?:[^"]|"")*"', "", text)
    assert "\n" not in outside_quotes.replace("\r\n", "")


def test_csv_parses_back_with_every_answer_and_tricky_text_intact(
    report: Report, content: Content
) -> None:
    text = to_csv(report, content.report, content.status).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(header) == 7
    assert len(rows) == sum(m.total for m in report.maalsaetninger) == 9 * 14 + 1
    assert all(len(row) == 7 for row in rows)
    [tricky] = [row for row in rows if row[2] == "Særlige <tilbud>"]
    assert tricky == [
        "4. Helhed og fremtidssikring",
        "4.3 " + content.strategy.maalsaetning("4.3").text,  # type: ignore[union-attr]
        "Særlige <tilbud>",
        "Delvist",
        TRICKY,
        "'" + FORMULA,  # Excel would run it as a formula
        "nej",
    ]
    late = [row for row in rows if row[6] == "ja"]
    assert len(late) == 14 and {row[2] for row in late} == {"Bostøtte"}
    assert rows[0][0] == "1. Borgeren først"
    assert "Borgerne er med til husmøderne hver måned." in {row[4] for row in rows}


# --------------------------------------------------------------------------- Markdown


def test_markdown(report: Report, content: Content) -> None:
    md = to_markdown(report, content.report, content.status)
    assert md.startswith("# Status på strategien for Socialområdet – Forår 2027\n")
    assert "9 af 12 ledere har svaret (75 %)." in md
    assert "1 svar er trukket tilbage og indgår ikke." in md
    assert "1 svar kom efter svarfristen." in md
    assert "Udviklingen er sammenlignet med runden Efterår 2026." in md
    assert "## Pejlemærke 2: Fundamentet på plads" in md
    assert "| 2.3 Vores serviceniveau er tydeligt" in md
    assert "- **Rusmiddelbehandling** · 🔴 Ikke i gang: Serviceniveauet er ikke kendt" in md
    assert "  Næste skridt: Møde med sagsbehandlerne i juni." in md
    assert "· _for sent_" in md
    # User text cannot break a table or inject HTML.
    assert r"\<script\>alert(1)\</script\>" in md and "<script>" not in md
    assert r"linje 2 \| æøå ÆØÅ" in md
    assert (
        "## Mangler at svare\n\n- Leder K (Aktivitets- og samværstilbud)\n"
        "- Leder L (Beskyttet beskæftigelse)\n- Leder J (Botilbud)\n\n"
        "## Ikke nået (appen er ikke installeret)\n\n"
        "- Leder K (Aktivitets- og samværstilbud)\n- Leder L (Beskyttet beskæftigelse)\n"
    ) in md
    heat = md.split("## Status pr. målsætning og enhed")[1].split("##")[0]
    table = [line for line in heat.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + 14
    assert {line.count(" | ") for line in table} == {len(report.heatmap.units)}


def test_markdown_without_previous_round_or_missing_leaders(content: Content) -> None:
    data = sample(content)
    everyone = data.round.model_copy(update={"recipients": data.round.recipients[:9]})
    report = build_report(
        content.strategy, everyone, data.replies, data.leaders, (), None, data.reachable
    )
    md = to_markdown(report, content.report, content.status)
    assert "Der er ingen tidligere runde at sammenligne med." in md
    assert "## Mangler at svare\n\nAlle har svaret." in md
    assert "– ingen sammenligning" in md


# --------------------------------------------------------------------------- HTML


@pytest.fixture(scope="module")
def page(report: Report, content: Content) -> str:
    """The report as HTML, drawn once (its charts take a while)."""
    return to_html(report, content.report, content.status)


def test_html_is_one_self_contained_file(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="da">' in page and '<meta charset="utf-8">' in page
    for reference in ("http://", "https://", 'src="//', "href=", "@import", "url(", "<link"):
        assert reference not in page
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1 + 4  # the heatmap and one chart per pejlemærke
    assert all(src.startswith("data:") for src in re.findall(r'src="([^"]*)"', page))
    for encoded in images:
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as chart:
            assert chart.format == "PNG" and chart.width > 300 and chart.height > 100


def test_html_escapes_user_text(page: str) -> None:
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Særlige &lt;tilbud&gt;" in page
    assert "&quot;vigtig&quot;" in page


def test_html_has_the_figures_and_prints_on_a4(page: str) -> None:
    assert "@page { size: A4; margin: 15mm }" in page
    assert "break-inside: avoid" in page and "max-width: 100%" in page
    assert "<title>Status på strategien for Socialområdet – Forår 2027</title>" in page
    assert "9 af 12 ledere har svaret (75 %)." in page
    assert "↓ dårligere" in page and "↑ bedre" in page
    assert "LMU-møder i halvåret, der har drøftet målsætningen: 2" in page
    assert "Borgerne er med til husmøderne hver måned." in page
    unreachable = page.split("Ikke nået (appen er ikke installeret)</h2>")[1]
    assert unreachable.startswith(
        "\n<ul><li>Leder K (Aktivitets- og samværstilbud)</li>"
        "<li>Leder L (Beskyttet beskæftigelse)</li></ul>"
    )


def test_render_picks_the_format(report: Report, content: Content) -> None:
    assert render(report, "csv", content) == to_csv(report, content.report, content.status)
    md = render(report, "md", content).decode("utf-8")
    assert md == to_markdown(report, content.report, content.status)
    assert render(report, "html", content).startswith(b"<!DOCTYPE html>")
    with pytest.raises(ValueError, match="unknown format"):
        render(report, "pdf", content)  # type: ignore[arg-type]


def test_chart_labels_are_text_not_formulas(content: Content) -> None:
    """A unit called "$\\foo$" once broke the HTML export: matplotlib read it as mathtext."""
    data = sample(content)
    at = datetime(2027, 5, 30, 9, tzinfo=TZ)
    formula = StatusReply(
        round_id=data.round.id,
        user_id="aad-formula",
        unit="$\\foo$ og $x^{2$",
        answers=(Answer(maalsaetning="1.1", status=Status.ON_TRACK, comment="$\\frac{1}{0}$"),),
        first_at=at,
        updated_at=at,
    )
    report = build_report(
        content.strategy,
        data.round.model_copy(update={"name": "Runde $\\alpha$"}),
        [*data.replies, formula],
        data.leaders,
        data.meetings,
        data.previous,
        data.reachable,
    )
    page = to_html(report, content.report, content.status)
    assert "$\\foo$ og $x^{2$" in page and page.count("data:image/png;base64,") >= 1


def test_a_round_without_leaders_says_so_in_every_format(content: Content) -> None:
    """Not "0 af 0 ledere har svaret" beside "Alle har svaret": no leader was asked."""
    empty = big_report(content, leaders=0)
    md = to_markdown(empty, content.report, content.status)
    page = to_html(empty, content.report, content.status)
    for text in (md, page):
        assert "Ingen ledere er med i runden, så der er ingen svar endnu." in text
        assert "af 0" not in text and "Alle har svaret." not in text
    one = big_report(content, leaders=1)
    assert "1 af 1 leder har svaret (100 %)." in to_markdown(one, content.report, content.status)
