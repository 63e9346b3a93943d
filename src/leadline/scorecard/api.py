"""The scorecard's REST API: ``/api/v1/scorecard``, the balanced scorecard as JSON, CSV or
Parquet (``leadline scorecard --format json|csv|parquet``), registered by
``scorecard/plugin.py``."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.periods import PeriodError, instant
from leadline.scorecard import export
from leadline.scorecard.core import scorecard
from leadline.webkit.api import ERRORS, Reader, cached_answer
from leadline.webkit.cache import cached
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import ComparedInstantText, ComparedPeriod

router = APIRouter(prefix="/api/v1", tags=["api"])
CSV = "text/csv; charset=utf-8"
PARQUET = "application/vnd.apache.parquet"
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The scorecard: JSON, or a CSV or Parquet file (``format``).",
        "content": {
            "application/json": {},
            "text/csv": {"schema": {"type": "string"}},
            PARQUET: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/scorecard", responses={**ERRORS, **FILES})
def balanced_scorecard(
    request: Request,
    *,
    _who: Reader,
    by: Literal["organisation", "business-unit", "value-stream", "team"] = "organisation",
    period: ComparedPeriod = None,
    format: Annotated[
        Literal["json", "csv", "parquet"],
        Query(description="json, or csv/parquet: one row per scope and KPI"),
    ] = "json",
    at: Annotated[
        ComparedInstantText | None, Query(description="Judge at this instant; default now.")
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
