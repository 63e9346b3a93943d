"""The board's reports over HTTP: the quarterly business review (``leadline report qbr``) as
its self-contained HTML page or PDF at ``/reports/qbr``, its content as JSON at
``/api/v1/reports/qbr``, and the scorecard KPIs as Prometheus gauges at ``/metrics``.

Thin layers over ``scorecard.qbr`` and ``scorecard.export``, through the report cache: the
QBR's data is computed once per quarter and data version, and the HTML, PDF and JSON are made
from that one document."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from leadline.context import App
from leadline.periods import Period, PeriodError, instant
from leadline.scorecard.export import metrics_text
from leadline.scorecard.qbr import html_document, pdf_document, qbr_data
from leadline.webkit.api import ERRORS, Reader
from leadline.webkit.cache import cached, cached_json
from leadline.webkit.deps import api_reader, leadline_app, page_reader
from leadline.webkit.params import ComparedQuarter
from leadline.webkit.responses import json_answer
from leadline.webkit.users import Principal

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["api"])
PageReader = Annotated[Principal, Depends(page_reader)]
# Prometheus scrapes with a bearer token: a 401 (not the login page) when it is missing.
Scraper = Annotated[Principal, Depends(api_reader)]
# The body is prometheus_client's ``generate_latest`` with its default (legacy-name) escaping,
# which is the 0.0.4 text format; ``CONTENT_TYPE_LATEST`` now announces version 1.0.0.
METRICS_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def quarter_label(text: str | None) -> str:
    """The asked quarter's label (``2026-q4`` → ``2026Q4``), this quarter when none is asked;
    a 400 naming the accepted form otherwise."""
    if text is None or not text.strip():
        return Period.current_quarter().label
    try:
        return Period.parse(text, ("quarter",)).label
    except ValueError:
        raise HTTPException(400, f"quarter must be YYYYQN, e.g. 2026Q4, not {text!r}") from None


def qbr_document(app: App, quarter: str) -> dict[str, Any]:
    """``qbr_data`` from the report cache (shared by the page, the PDF and the JSON); a quarter
    whose comparison falls before the years leadline reads (1970Q1) is the reader's 400."""
    try:
        data: dict[str, Any] = cached(app, "qbr", partial(qbr_data, app, quarter), quarter)
    except PeriodError as error:
        raise HTTPException(400, f"no QBR for {quarter}: {error}") from None
    return data


@router.get("/reports/qbr")
def qbr_page(
    request: Request,
    _who: PageReader,
    quarter: str | None = None,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    """The QBR of a quarter (default: this one) as ``leadline report qbr`` writes it."""
    app, label = leadline_app(request), quarter_label(quarter)
    if format == "pdf":
        pdf = cached(app, "qbr-pdf", lambda: pdf_document(qbr_document(app, label)), label)
        disposition = f'attachment; filename="qbr-{label}.pdf"'
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
        )
    html = cached(app, "qbr-html", lambda: html_document(qbr_document(app, label)), label)
    return HTMLResponse(html)


@api_router.get("/reports/qbr", responses=ERRORS)
def qbr_json(request: Request, *, _who: Reader, quarter: ComparedQuarter = None) -> Response:
    """Everything the QBR of a quarter shows (default: this quarter), as data."""
    app, label = leadline_app(request), quarter_label(quarter)
    return json_answer(request, cached_json(app, "qbr", partial(qbr_data, app, label), label))


@router.get("/metrics")
def metrics(
    request: Request,
    _who: Scraper,
    at: Annotated[
        str | None,
        Query(max_length=40, description="Judge at this instant (ISO-8601, UTC); default now."),
    ] = None,
) -> Response:
    """The KPIs of this quarter's scorecards (every scope kind) in the Prometheus text format
    (``at``: the quarter holding that instant, judged at it, for a reproducible scrape)."""
    app = leadline_app(request)
    try:
        moment = instant(at) if at else None
    except PeriodError as error:
        raise HTTPException(400, f"at: {error}") from None
    # The exposition's period: a new key each quarter.
    quarter = Period.current_quarter(moment.date() if moment else None).label
    body = cached(
        app, "metrics", partial(metrics_text, app, period=quarter, now=moment), quarter, moment
    )
    return Response(body, media_type=METRICS_CONTENT_TYPE)
