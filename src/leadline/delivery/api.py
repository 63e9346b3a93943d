"""Delivery's REST API: ``/api/v1/dora`` (``leadline dora --format json``), registered by
``delivery/plugin.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from leadline.delivery.levels import NEWEST, Benchmark, rebenchmark
from leadline.delivery.report import dora
from leadline.periods import Grain, Window
from leadline.webkit.api import ERRORS, Reader, bad, bounded_series
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Day, Moment
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])

# The parameters every grouped delivery route (DORA, cycle time) takes, as the CLI's options.
GroupBy = Annotated[
    Literal["service", "team", "value-stream", "business-unit"],
    Query(description="Group by (as ``leadline dora --by``; the catalog's grouping)."),
]
AsOf = Annotated[
    Moment | None,
    Query(description="Judge the window with the facts known at this instant (default now)."),
]
OnlyKey = Annotated[str | None, Query(description="Only this group (team, service...).")]


def series_window(since: dt.date | None, until: dt.date | None, period: Grain | None) -> Window:
    """The window of ``since``/``until`` (a 400 when it is not one), its series bounded."""
    try:
        window = Window.parse(
            since.isoformat() if since else None, until.isoformat() if until else None
        )
    except ValueError as error:
        raise bad(error) from None
    bounded_series(window, period)
    return window


@router.get("/dora", responses=ERRORS)
def dora_metrics(
    request: Request,
    *,
    _who: Reader,
    by: GroupBy = "team",
    period: Grain | None = None,
    since: Day | None = None,
    until: Day | None = None,
    at: AsOf = None,
    key: OnlyKey = None,
    benchmark: Annotated[
        Benchmark,
        Query(description="The DORA report rating the keys (as ``leadline dora --benchmark``)."),
    ] = NEWEST,
    incident_attribution: Annotated[
        Literal["window", "latest"] | None,
        Query(
            description="How an incident without a deployment id finds its deployment: "
            "'window' or 'latest' (Apache DevLake's rule); default: the settings'."
        ),
    ] = None,
) -> Response:
    """DORA four keys per group (``leadline dora --format json``)."""
    window = series_window(since, until, period)
    app = leadline_app(request)
    encoded = cached_json(
        app,
        "dora",
        lambda: dora(
            app,
            by=by,
            period=period,
            window=window,
            as_of=at,
            incident_attribution=incident_attribution,
        ),
        by,
        period,
        window.since,
        window.until,
        at,
        incident_attribution,
    )
    if key is not None or benchmark != NEWEST:
        doc = rebenchmark(encoded.doc, benchmark) if benchmark != NEWEST else encoded.doc
        groups = [g for g in doc["groups"] if key is None or g["key"] == key]
        return json_answer(request, {**doc, "groups": groups})
    return json_answer(request, encoded)
