"""``/api/v1/metrics``: the metric registry over HTTP, the same JSON as ``leadline metrics
list|show|explain --format json`` (the same query functions answer both)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.catalog.grouping import Scope
from leadline.periods import Grain, PeriodError, instant
from leadline.present.render import document, to_csv
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import catalogue, explain, show, window_of
from leadline.semantic.registry import MetricError
from leadline.webkit.api import ERRORS, Reader, bounded_series
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import InstantText
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No metric with this key."}}
CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows, as JSON or a CSV file (``format``).",
        "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
    }
}
By = Literal["service", "team", "value-stream", "business-unit", "organisation"]
Instant = InstantText | None
Params = Annotated[
    list[str] | None,
    Query(max_length=200, description="Metric parameters NAME=VALUE (e.g. driver=customers)."),
]


def _params(given: list[str] | None) -> dict[str, str]:
    out = {}
    for item in given or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise HTTPException(400, f"param takes NAME=VALUE, not {item!r}")
        out[name.strip()] = value.strip()
    return out


def _metric(key: str) -> registry.Metric:
    try:
        return registry.get(key)
    except MetricError as error:
        raise HTTPException(404, str(error)) from None


def _evaluation(request: Request, at: str | None) -> Evaluation:
    app = leadline_app(request)
    try:
        return Evaluation(app, None, instant(at)) if at else Evaluation(app)
    except PeriodError as error:
        raise HTTPException(400, f"at: {error}") from None


@router.get("/metrics", responses=ERRORS)
def list_metrics(request: Request, *, _who: Reader) -> Response:
    """Every registered metric (``leadline metrics list --format json``)."""
    rows = catalogue().rows
    return json_answer(request, {"metrics": rows, "count": len(rows)})


@router.get("/metrics/{key}", responses={**ERRORS, **NOT_FOUND})
def show_metric(
    request: Request,
    key: str,
    *,
    _who: Reader,
    by: By = "organisation",
    period: Grain | None = None,
    since: Instant = None,
    until: Instant = None,
    at: Instant = None,
    param: Params = None,
) -> Response:
    """A metric for every scope of a kind over a window (``leadline metrics show``)."""
    metric = _metric(key)
    ev = _evaluation(request, at)
    params = _params(param)
    try:
        window = window_of(ev, metric, since, until, None)
        metric.check(by, params)
    except (MetricError, PeriodError, ValueError) as error:
        raise HTTPException(400, str(error)) from None
    bounded_series(window, period)
    app = leadline_app(request)
    encoded = cached_json(
        app,
        "metric",
        lambda: show(ev, metric.key, by=by, window=window, grain=period, params=params),
        metric.key,
        by,
        period,
        window,
        at,
        tuple(sorted(params.items())),
    )
    return json_answer(request, encoded)


@router.get("/metrics/{key}/explain", responses={**ERRORS, **NOT_FOUND, **CSV})
def explain_metric(
    request: Request,
    key: str,
    *,
    _who: Reader,
    scope: Annotated[
        str, Query(max_length=300, description="KIND:NAME (team:payments) or organisation.")
    ] = "organisation",
    period: Annotated[
        Grain | None, Query(description="The current period to date (without since/until).")
    ] = None,
    since: Instant = None,
    until: Instant = None,
    at: Instant = None,
    param: Params = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The rows behind one value (``leadline metrics explain``), as JSON or CSV."""
    metric = _metric(key)
    ev = _evaluation(request, at)
    try:
        window = window_of(ev, metric, since, until, period)
        report = explain(ev, metric.key, Scope.parse(scope), window, _params(param))
    except (MetricError, PeriodError, ValueError) as error:
        raise HTTPException(400, str(error)) from None
    if format == "csv":
        name = f"{metric.key}-{scope.replace(':', '-')}.csv"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(to_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
    return json_answer(request, document(report))
