"""``/metrics/{key}/explain``: the page every tile links to, the facts behind one value of a
registered metric (``leadline metrics explain`` for people), with the CSV of the same rows."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.catalog.grouping import Scope
from leadline.periods import PeriodError, instant
from leadline.present.render import cells
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import explain, window_of
from leadline.semantic.registry import MetricError
from leadline.webkit.deps import leadline_app, page_reader
from leadline.webkit.pages import render
from leadline.webkit.users import Principal

router = APIRouter(include_in_schema=False)
PageReader = Annotated[Principal, Depends(page_reader)]
Text = Annotated[str | None, Query(max_length=300)]


@router.get("/metrics/{key}/explain")
def explain_page(
    request: Request,
    key: str,
    _who: PageReader,
    *,
    scope: Text = None,
    since: Text = None,
    until: Text = None,
    at: Text = None,
) -> Response:
    """The rows behind one value, titled, formatted and downloadable."""
    try:
        metric = registry.get(key)
    except MetricError as error:
        raise HTTPException(404, str(error)) from None
    app = leadline_app(request)
    try:
        ev = Evaluation(app, None, instant(at)) if at else Evaluation(app)
        chosen = Scope.parse(scope or "organisation")
        window = window_of(ev, metric, since, until, None)
        report = explain(ev, metric.key, chosen, window)
    except (MetricError, PeriodError, ValueError) as error:
        raise HTTPException(400, str(error)) from None
    title = app_title(ev, chosen)
    query = {
        k: v
        for k, v in {"scope": str(chosen), "since": since, "until": until, "at": at}.items()
        if v
    }
    context = {
        "heading": f"{metric.title} — {title}",
        "metric": metric,
        "report": report,
        "rows": cells(report),
        "display": report.meta["display"],
        "window": report.window,
        "as_of": report.meta["as_of"],
        "docs": metric.definition,
        "csv_href": f"/api/v1/metrics/{metric.key}/explain?{urlencode({**query, 'format': 'csv'})}",
    }
    return render(request, "metric.html", context)


def app_title(ev: Evaluation, scope: Scope) -> str:
    """A scope as people name it: its catalog title and kind."""
    if scope.kind == "organisation":
        return "the organisation"
    kind = scope.kind.replace("-", " ")
    return f"{kind} {ev.grouping.title(scope.kind, scope.name)}"
