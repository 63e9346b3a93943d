"""The QBR page (``/qbr``, in the nav): every quarter with a quarterly business review to
read, newest first, each with its HTML report and its PDF (``/reports/qbr``), and whether the
quarter is complete, still running (its figures provisional) or not started yet.

The quarters are this one and the four before it (a year of reviews), and any other quarter
that has OKRs (a planned quarter shows as not started)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import select

from leadline.context import App
from leadline.periods import Period, PeriodError, utc_now
from leadline.present.model import Column, Report
from leadline.scorecard.qbr import state_of
from leadline.strategy.models import Objective
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page, Table

YEAR = 4  # previous quarters listed besides the current one
STATES = {
    "complete": "Complete",
    "in_progress": "In progress: provisional",
    "not_started": "Not started",
}
COLUMNS = [
    Column("quarter", "Quarter", "name"),
    Column("starts_on", "Starts", "date"),
    Column("ends_on", "Ends", "date"),
    Column("state", "State"),
    Column("objectives", "Objectives", "count"),
    Column("html", "Report", shown=False),
    Column("pdf", "PDF", shown=False),
]


def quarters(app: App, now: dt.datetime) -> list[Period]:
    """This quarter, the ``YEAR`` before it and every quarter with OKRs, newest first."""
    current = Period.current_quarter(now.date())
    found = {current.label: current}
    period = current
    for _ in range(YEAR):
        period = period.previous()
        found[period.label] = period
    with app.store.session() as session:
        labels = set(session.scalars(select(Objective.quarter).distinct()))
    for label in labels - set(found):
        try:
            found[label] = Period.parse(label, ("quarter",))
        except PeriodError:
            continue  # not a quarter: the OKR ingest reports it, the index leaves it out
    return sorted(found.values(), key=lambda p: p.start, reverse=True)


def qbr_links(label: str) -> tuple[str, str]:
    """The HTML report's and the PDF's address of quarter ``label``."""
    html = "/reports/qbr?" + urlencode({"quarter": label})
    return html, "/reports/qbr?" + urlencode({"quarter": label, "format": "pdf"})


def qbr_index(app: App, _filters: Filters, _scope: Scope, now: dt.datetime | None = None) -> Page:
    """The page's data: one row per quarter, the links to each report (HTML and PDF)."""
    at = now or utc_now()
    with app.store.session() as session:
        counts: dict[str, int] = {}
        for label in session.scalars(select(Objective.quarter)):
            counts[label] = counts.get(label, 0) + 1
    rows = []
    page = Page("Quarterly business reviews", period="none")
    for period in quarters(app, at):
        html, pdf = qbr_links(period.label)
        state = STATES[state_of(period, at)]
        rows.append(
            {
                "quarter": period.label,
                "starts_on": period.start.date(),
                "ends_on": period.last_day,
                "state": state,
                "objectives": counts.get(period.label, 0),
                "html": html,
                "pdf": pdf,
            }
        )
        page.links.append((html, f"QBR {period.label} ({state.lower()})"))
        page.links.append((pdf, f"QBR {period.label} as PDF"))
    page.notes.append(
        "A quarterly business review covers the whole organisation: the filters do not "
        "change it. A review of a running quarter is provisional (its figures are the quarter "
        "so far); one of a quarter not started shows the facts of today."
    )
    report = Report("qbr", "Quarterly business reviews", list(COLUMNS), rows)
    page.tables.append(
        Table("qbr", report, "Quarters", key="quarter", link="/reports/qbr?quarter={key}")
    )
    return page
