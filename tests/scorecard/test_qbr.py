"""The QBR on the small demo: HTML is self-contained (inline CSS and SVG, no external
reference) and carries every section; the PDF's pages render to non-blank images (pdftoppm)
and its text (pdftotext) holds the headings and key numbers; the CLI writes both."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.demo.run import DemoResult
from leadline.scorecard import qbr
from leadline.scorecard.core import scorecard
from tests.scorecard.conftest import NOW

HEADINGS = (
    "Executive summary",
    "Scorecard",
    "Trends",
    "OKR scores",
    "Top risks",
    "SLO and cost highlights",
    "90-day plan",
    "Maturity",
)
# Anything a browser or WeasyPrint would fetch: scripts, stylesheets, images, fonts, imports.
EXTERNAL = re.compile(
    r"<script|<link|<iframe|@import|url\(\s*['\"]?(?!data:)|(?:src|href)\s*=\s*['\"](?!data:|#)",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def data(demo: tuple[App, DemoResult]) -> dict:  # type: ignore[type-arg]
    app, _ = demo
    return qbr.qbr_data(app, "2026Q4", now=NOW)


def test_qbr_data_sections(data: dict) -> None:  # type: ignore[type-arg]
    assert (data["quarter"], data["previous_quarter"]) == ("2026Q4", "2026Q3")
    kpis = {k["kpi"]: k for k in data["scorecard"]["scopes"][0]["kpis"]}
    assert (
        kpis["outcome.customer-nps"]["value"] == 34
        and kpis["outcome.customer-nps"]["status"] == "amber"
    )
    assert kpis["dora.deployment_frequency"]["value"] is not None
    assert [t["kpi"] for t in data["trends"]][:2] == [
        "dora.deployment_frequency",
        "dora.lead_time_p50",
    ]
    assert [p["month"] for p in data["trends"][0]["points"]] == [
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    assert len(data["objectives"]) == 4 and len(data["risks"]["top"]) == 5
    assert data["costs"] is not None and data["costs"]["top"]
    assert data["plan"] is not None and data["plan"]["total"] == 14
    assert len(data["maturity"]["domains"]) == 6
    assert data["summary"][0].endswith("in 2026Q4.")


def test_html_is_self_contained_and_complete(data: dict) -> None:  # type: ignore[type-arg]
    html = qbr.html_document(data)
    assert EXTERNAL.search(html) is None, EXTERNAL.search(html)
    assert "<style>" in html and html.count("<svg") >= 4
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in html
    assert "Northwind Group" in html and "Quarterly business review 2026Q4" in html
    assert "Customer NPS" in html and "34" in html


def test_the_external_reference_check_can_fail() -> None:
    for bad in (
        '<img src="http://x/a.png">',
        "<link rel=stylesheet href='a.css'>",
        "body { background: url(https://x/y.png) }",
        "<script>1</script>",
    ):
        assert EXTERNAL.search(bad)
    assert EXTERNAL.search('<img src="data:image/png;base64,AAAA">') is None


def test_pdf_pages_render_and_text_holds_headings_and_numbers(
    demo: tuple[App, DemoResult],
    data: dict,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    pdf = tmp_path / "qbr.pdf"
    pdf.write_bytes(qbr.pdf_document(data))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert 2 <= len(pages) <= 12
    for page in pages:
        low, high = Image.open(page).convert("L").getextrema()
        assert low < 128 and high > 200, f"{page.name} looks blank"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for heading in HEADINGS:
        assert heading in text
    assert "Northwind Group" in text
    kpis = {k["kpi"]: k for k in data["scorecard"]["scopes"][0]["kpis"]}
    compliance = kpis["risk.compliance_coverage"]["value"]
    assert f"{compliance:,.3g}" in text  # e.g. 62.1
    assert data["risks"]["top"][0]["risk_id"] in text
    assert f"page 1 of {len(pages)}" in text


def test_cli_writes_html_and_rejects_bad_arguments(
    demo: tuple[App, DemoResult], tmp_path: Path
) -> None:
    app, _ = demo
    home = str(app.settings.resolved_home)
    runner = CliRunner()
    out = tmp_path / "q.html"
    result = runner.invoke(
        cli, ["--home", home, "report", "qbr", "--quarter", "2026Q3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Quarterly business review 2026Q3" in out.read_text(encoding="utf-8")
    assert "provisional" not in result.output  # a complete quarter needs no warning
    future = runner.invoke(
        cli, ["--home", home, "report", "qbr", "--quarter", "2999q4", "--out", str(out)]
    )
    assert future.exit_code == 0, future.output
    assert "2999Q4 has not started (it begins on 2999-10-01)" in " ".join(future.output.split())
    assert "2999Q4 has not started" in out.read_text(encoding="utf-8")
    bad_quarter = runner.invoke(
        cli, ["--home", home, "report", "qbr", "--quarter", "2026-11", "--out", str(out)]
    )
    assert bad_quarter.exit_code == 2 and "YYYYQN" in bad_quarter.output
    bad_suffix = runner.invoke(
        cli,
        ["--home", home, "report", "qbr", "--quarter", "2026Q4", "--out", str(tmp_path / "q.docx")],
    )
    assert bad_suffix.exit_code == 2


def test_trend_points_agree_with_monthly_scorecards(
    demo: tuple[App, DemoResult],
    data: dict,  # type: ignore[type-arg]
) -> None:
    """A chart's monthly deployment frequency (one dora call with monthly buckets) equals the
    scorecard of that month; lead time too."""
    app, _ = demo
    october = scorecard(app, by="organisation", period="2026-10", now=NOW)
    kpis = {k["kpi"]: k["value"] for k in october["scopes"][0]["kpis"]}
    for trend in data["trends"][:2]:
        point = next(p for p in trend["points"] if p["month"] == "2026-10")
        assert point["value"] == pytest.approx(kpis[trend["kpi"]], abs=1e-6)  # rounded to 6 places
