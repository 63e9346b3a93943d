"""The scorecard's REST API: ``/api/v1/scorecard``, the balanced scorecard as JSON, CSV or
Parquet (``leadline scorecard --format json|csv|parquet``), registered by
``scorecard/plugin.py``."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.periods import PeriodError, instant
from leadline.scorecard import export
from leadline.scorecard.core import scorecard
from leadline.webkit.api import ERRORS, Reader, cached_answer
from leadline.webkit.cache import cached
from leadline.webkit.deps import leadline_app

router = APIRouter(prefix="/api/v1", tags=["api"])
CSV = "text/csv; charset=utf-8"
PARQUET = "application/vnd.apache.parquet"


@router.get("/scorecard", responses=ERRORS)
def balanced_scorecard(
    request: Request,
    *,
    _who: Reader,
    by: Literal["organisation", "business-unit", "value-stream", "team"] = "organisation",
    period: Annotated[
        str | None, Query(pattern=r"^\d{4}(Q[1-4]|-\d{2})$", description="YYYYQN or YYYY-MM")
    ] = None,
    format: Annotated[
        Literal["json", "csv", "parquet"],
        Query(description="json, or csv/parquet: one row per scope and KPI"),
    ] = "json",
    at: Annotated[
        str | None,
        Query(max_length=40, description="Judge at this instant (ISO-8601, UTC); default now."),
    ] = None,
) -> Response:
    """The balanced scorecard (``leadline scorecard --format json|csv|parquet``)."""
    app = leadline_app(request)
    try:
        moment = instant(at) if at else None
    except PeriodError as error:
        raise HTTPException(400, f"at: {error}") from None
    compute = partial(scorecard, app, by=by, period=period, now=moment)
    if format == "json":
        return cached_answer(request, "scorecard", compute, by, period, moment)
    try:
        document = cached(app, "scorecard", compute, by, period, moment)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    name = f"scorecard-{by}-{document['period']}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(export.csv_text(document), media_type=CSV, headers=headers)
    return Response(export.parquet_bytes(document), media_type=PARQUET, headers=headers)
