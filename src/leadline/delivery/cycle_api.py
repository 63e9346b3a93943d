"""``/api/v1/dora/cycle-time`` (``leadline dora cycle-time --format json``), registered by
``delivery/plugin.py``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from leadline.delivery.cycle_report import cycle_document
from leadline.periods import Grain, Window
from leadline.webkit.api import ERRORS, Reader, bad, bounded_series
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Day, Moment
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/dora/cycle-time", responses=ERRORS)
def cycle_time_metrics(
    request: Request,
    *,
    _who: Reader,
    by: Annotated[
        Literal["service", "team", "value-stream", "business-unit"],
        Query(description="Group by (as ``leadline dora cycle-time --by``)."),
    ] = "team",
    period: Grain | None = None,
    since: Day | None = None,
    until: Day | None = None,
    at: Annotated[
        Moment | None,
        Query(description="Judge the window with the facts known at this instant (default now)."),
    ] = None,
    key: Annotated[str | None, Query(description="Only this group (team, service...).")] = None,
) -> Response:
    """Pull-request cycle time per group, broken down into coding, pickup, review and deploy
    (``leadline dora cycle-time --format json``)."""
    try:
        window = Window.parse(
            since.isoformat() if since else None, until.isoformat() if until else None
        )
    except ValueError as error:
        raise bad(error) from None
    bounded_series(window, period)
    app = leadline_app(request)
    encoded = cached_json(
        app,
        "cycle-time",
        lambda: cycle_document(app, by=by, period=period, window=window, as_of=at),
        by,
        period,
        window.since,
        window.until,
        at,
    )
    if key is not None:
        doc = encoded.doc
        return json_answer(
            request, {**doc, "groups": [g for g in doc["groups"] if g["key"] == key]}
        )
    return json_answer(request, encoded)
