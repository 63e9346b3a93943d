"""``/api/v1/dora/cycle-time`` (``leadline dora cycle-time --format json``), registered by
``delivery/plugin.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadline.delivery.api import AsOf, GroupBy, OnlyKey, series_window
from leadline.delivery.cycle_report import cycle_document
from leadline.periods import Grain
from leadline.webkit.api import ERRORS, Reader
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Day
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/dora/cycle-time", responses=ERRORS)
def cycle_time_metrics(
    request: Request,
    *,
    _who: Reader,
    by: GroupBy = "team",
    period: Grain | None = None,
    since: Day | None = None,
    until: Day | None = None,
    at: AsOf = None,
    key: OnlyKey = None,
) -> Response:
    """Pull-request cycle time per group, broken down into coding, pickup, review and deploy
    (``leadline dora cycle-time --format json``)."""
    window = series_window(since, until, period)
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
