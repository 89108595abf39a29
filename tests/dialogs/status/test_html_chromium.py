"""The HTML report in a real browser: headless Chromium draws it and prints it to PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from content import Content
from dialogs.status.render import to_html
from tools.sample_report import A4, chromium, chromium_args, sample

GREEN, RED = (46, 125, 50), (198, 40, 40)  # the on-track and not-started colours


def _close(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))


@pytest.fixture(scope="module")
def browser() -> str:
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed: install the Debian package `chromium`")
    return executable


@pytest.fixture(scope="module")
def page(content: Content, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    html_file = folder / "report.html"
    report = sample(content).report(content)
    html_file.write_text(to_html(report, content.report, content.status), encoding="utf-8")
    return html_file


def _run(browser: str, profile: Path, *args: str) -> None:
    subprocess.run(
        [*chromium_args(browser, profile), *args],
        check=True,
        capture_output=True,
        timeout=180,
    )


def test_chromium_draws_the_report(browser: str, page: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    _run(
        browser,
        tmp_path / "profile",
        f"--screenshot={png}",
        f"--window-size={A4[0]},{A4[1]}",
        page.as_uri(),
    )
    assert png.exists()
    with Image.open(png) as shot:
        image = shot.convert("RGB")
    assert image.size == A4
    raw = image.tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    ink = sum(1 for p in pixels if p != (255, 255, 255))
    assert ink > len(pixels) * 0.05  # text, tables and the heatmap, not a blank page
    assert len(set(pixels)) > 50  # anti-aliased text and several chart colours
    assert sum(1 for p in pixels if _close(p, GREEN)) > 2000  # heatmap cells
    assert sum(1 for p in pixels if _close(p, RED)) > 1000


def test_chromium_prints_the_report_to_pdf(browser: str, page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    _run(browser, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
         page.as_uri())  # fmt: skip
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 20_000  # text plus five embedded charts
    pages = re.search(rb"/Type /Pages.*?/Count (\d+)|/Count (\d+).*?/Type /Pages", data, re.S)
    assert pages is not None and int(pages.group(1) or pages.group(2)) >= 2
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
