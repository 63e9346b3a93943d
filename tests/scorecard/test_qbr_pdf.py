"""The QBR PDF of the small demo as a reader sees it: every word (``pdftotext -bbox``) lies
inside the A4 page's printable area (the page size from the PDF, the margins the stylesheet's
``@page`` rule sets; only the page footer sits in the bottom margin), no number in scientific
notation, no KPI or group slug, every amount of money written one way (thousands separators,
two decimals, its currency). The PDF and a PNG of each page are saved under
test-output/qbr/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

import pytest

from leadline.context import App
from leadline.demo.run import DemoResult
from leadline.scorecard import qbr
from tests.conftest import OUTPUT
from tests.scorecard.conftest import NOW

MM = 72 / 25.4  # points per millimetre
TEMPLATE = Path(qbr.__file__).parent / "templates" / "qbr.html.j2"
SLACK = 0.5  # points: a glyph box may touch the margin's edge
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d+\b")
# an amount followed by a currency code: grouped by three, two decimals
MONEY = re.compile(r"(-?[\d,.]+)\s(USD|EUR|GBP)\b")
WELL_FORMED = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2}")
UNGROUPED = re.compile(r"(?<![\d,.\-])\d{5,}")  # 971919.63: five digits or more, no separator
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # at_risk, not_implemented


class Word(NamedTuple):
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def margins() -> tuple[float, float]:
    """(vertical, horizontal) margins in points from the stylesheet's ``@page`` rule."""
    found = re.search(r"@page\s*{[^}]*?margin:\s*([\d.]+)mm\s+([\d.]+)mm", TEMPLATE.read_text())
    assert found, "the QBR stylesheet sets its page margins as '<v>mm <h>mm'"
    return float(found[1]) * MM, float(found[2]) * MM


def words(pdf: Path) -> tuple[list[tuple[float, float]], list[Word]]:
    """Each page's size and every word with its box (``pdftotext -bbox``)."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    root = ET.fromstring(xhtml)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    sizes, found = [], []
    for number, page in enumerate(root.iterfind(".//h:page", ns), start=1):
        sizes.append((float(page.get("width", 0)), float(page.get("height", 0))))
        for w in page.iterfind("h:word", ns):
            box = (float(w.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax"))
            found.append(Word(number, w.text or "", *box))
    return sizes, found


def outside(sizes: list[tuple[float, float]], found: list[Word]) -> list[Word]:
    """The words outside their page's printable area (the footer may use the bottom
    margin, inside the page)."""
    vertical, horizontal = margins()
    bad = []
    for w in found:
        width, height = sizes[w.page - 1]
        left, right = horizontal - SLACK, width - horizontal + SLACK
        top, bottom = vertical - SLACK, height - vertical + SLACK
        footer = w.y0 >= bottom - SLACK and w.y1 <= height - 2 * MM
        if w.x0 < left or w.x1 > right or w.y0 < top or (w.y1 > bottom and not footer):
            bad.append(w)
    return bad


class Rendered(NamedTuple):
    pdf: Path
    text: str  # -layout: the page's lines as laid out
    raw: str  # the words in reading order, whitespace folded (a wrapped cell joins again)
    sizes: list[tuple[float, float]]
    words: list[Word]
    data: dict  # type: ignore[type-arg]


def render(app: App, quarter: str, out: Path) -> Rendered:
    data = qbr.qbr_data(app, quarter, now=NOW)
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / f"qbr-{quarter}.pdf"
    pdf.write_bytes(qbr.pdf_document(data))
    for old in out.glob(f"qbr-{quarter}-page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(pdf), str(out / f"qbr-{quarter}-page")], check=True
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    raw = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    sizes, found = words(pdf)
    return Rendered(pdf, text, " ".join(raw.split()), sizes, found, data)


@pytest.fixture(scope="module")
def current(demo: tuple[App, DemoResult]) -> Rendered:
    """2026Q4 at 25 November 2026: a quarter in progress."""
    return render(demo[0], "2026Q4", OUTPUT / "qbr")


def test_pages_are_a4_and_every_word_is_inside_the_printable_area(current: Rendered) -> None:
    assert current.sizes and all(
        (round(w / MM), round(h / MM)) == (210, 297) for w, h in current.sizes
    )
    assert len(current.words) > 500
    assert outside(current.sizes, current.words) == []
    assert sorted({p.name for p in current.pdf.parent.glob("qbr-2026Q4-page-*.png")}) == [
        f"qbr-2026Q4-page-{n}.png" for n in range(1, len(current.sizes) + 1)
    ]


def test_the_printable_area_check_can_fail(current: Rendered) -> None:
    """A word past the right margin, and one below the bottom margin away from the footer's
    band, are both reported; a footer word in the bottom margin is not."""
    width, height = current.sizes[0]
    vertical, horizontal = margins()
    cut = Word(1, "Managemen", width - horizontal - 20, 300, width - horizontal + 3, 310)
    low = Word(1, "row", 100, height - vertical + 2, 120, height - 2)
    footer = Word(1, "page", 500, height - vertical + 6, 520, height - vertical + 14)
    assert outside(current.sizes, [cut, low, footer]) == [cut, low]


def test_no_scientific_notation_slugs_or_snake_case(current: Rendered) -> None:
    text = current.text
    assert SCIENTIFIC.search(text) is None, SCIENTIFIC.search(text)
    assert SNAKE.search(text) is None, SNAKE.search(text)
    kpis = current.data["scorecard"]["scopes"][0]["kpis"]
    slugs = {k["kpi"] for k in kpis} | {k["kpi"].split(".", 1)[1] for k in kpis}
    slugs |= {k["group"] for k in kpis if "-" in k["group"]}
    assert {"customer-nps", "fraud-losses", "business-value"} <= slugs
    assert [
        s for s in sorted(slugs) if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)
    ] == []
    for title in ("Customer NPS", "Fraud losses", "Business value"):
        assert title in text


def test_money_is_written_one_way(current: Rendered) -> None:
    text = current.raw
    amounts = MONEY.findall(text)
    assert len(amounts) >= 12
    assert [a for a, _ in amounts if not WELL_FORMED.fullmatch(a)] == []
    assert UNGROUPED.search(text) is None, UNGROUPED.search(text)
    # hand-checked: the demo's fraud losses (350000 EUR) and the top team's October cost
    assert "350,000.00 EUR" in text
    top = current.data["costs"]["top"][0]
    assert f"{float(top['cost']):,.2f} USD" in text


def test_well_formed_money_check_can_fail() -> None:
    assert not WELL_FORMED.fullmatch("950570.07")
    assert not WELL_FORMED.fullmatch("2,923,302")
    assert WELL_FORMED.fullmatch("2,923,302.00")
    assert UNGROUPED.search("950570.07 USD") and not UNGROUPED.search("2026-11 1,234.00")
    assert SCIENTIFIC.search("3.5e+05 EUR")


def test_costs_highlight_the_last_complete_month(current: Rendered) -> None:
    """At 25 November the running month is November: the highlight is October, said so."""
    costs = current.data["costs"]
    assert costs["last_month"] == "2026-10" and costs["highlight_in_quarter"]
    assert costs["quarter_to_date"] and costs["quarter_months"] == ["2026-10", "2026-11"]
    months = {p["month"]: p for p in costs["monthly"]}
    assert months["2026-11"]["partial"] and not months["2026-10"]["partial"]
    assert costs["quarter_total"] == pytest.approx(
        months["2026-10"]["value"] + months["2026-11"]["value"], abs=0.01
    )
    text = " ".join(current.text.split())
    assert "Oct 2026, the last complete month" in text
    assert "Team (Oct 2026)" in text


def test_a_running_quarter_is_marked_provisional(current: Rendered) -> None:
    assert current.data["state"] == "in_progress"
    text = " ".join(current.text.split())
    assert "Quarterly business review 2026Q4 (provisional)" in text
    assert "Provisional, as of 2026-11-25 12:00:00 UTC" in text
    assert "Nov 2026 is a partial month" in text
    # the charts' months read as months, not run together
    assert "2026-072026-08" not in text


def test_a_future_quarter_says_so_and_judges_at_the_reports_instant(
    demo: tuple[App, DemoResult], tmp_path: Path
) -> None:
    """2027Q2 has not started on 25 November 2026: a banner says so, maturity is judged on
    the quarter holding the instant (2026Q4's OKRs, not 2027Q2's none), costs have no
    complete month of the quarter to show."""
    app, _ = demo
    future = render(app, "2027Q2", OUTPUT / "qbr")
    assert future.data["state"] == "not_started"
    text = " ".join(future.text.split())
    assert "2027Q2 has not started (it begins on 1 Apr 2027)" in text
    assert "as of 2026-11-25 12:00:00 UTC" in text
    assert outside(future.sizes, future.words) == []
    strategy = next(d for d in future.data["maturity"]["domains"] if d["domain"] == "strategy")
    now = next(
        d
        for d in qbr.qbr_data(app, "2026Q4", now=NOW)["maturity"]["domains"]
        if d["domain"] == "strategy"
    )
    assert strategy["level"] == now["level"]
    assert future.data["maturity"]["as_of"] == NOW.date()
    past = qbr.qbr_data(app, "2026Q3", now=NOW)
    assert past["state"] == "complete" and past["costs"]["last_month"] == "2026-09"
    html = qbr.html_document(past)
    assert "provisional" not in html.lower() and "has not started" not in html
    assert "Sep 2026, the last complete month:" in " ".join(html.split())


def test_a_quarter_without_a_complete_month_highlights_the_month_before(
    demo: tuple[App, DemoResult],
) -> None:
    """On 15 October 2026 no month of 2026Q4 is over: the top teams are September's, and
    the text says that none of the quarter is complete; the quarter's total is October so
    far."""
    app, _ = demo
    data = qbr.qbr_data(app, "2026Q4", now=dt.datetime(2026, 10, 15, 12))
    costs = data["costs"]
    assert costs["last_month"] == "2026-09" and not costs["highlight_in_quarter"]
    assert costs["quarter_months"] == ["2026-10"] and costs["quarter_to_date"]
    october = next(p for p in costs["monthly"] if p["month"] == "2026-10")
    assert october["partial"] and costs["quarter_total"] == pytest.approx(october["value"])
    text = " ".join(qbr.html_document(data).split())
    assert "Sep 2026, the last complete month (none of 2026Q4 is complete yet)" in text
    assert "Cost in 2026Q4 so far (Oct 2026, the last to 15 Oct 2026)" in text
