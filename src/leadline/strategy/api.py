"""Strategy's REST API: OKRs, the 90-day plan, strategy on a page and the change portfolio
(each the CLI's ``--format json``), registered by ``strategy/plugin.py``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from leadline.strategy.change import change_report
from leadline.strategy.okrs import okr_report
from leadline.strategy.page import strategy_page
from leadline.strategy.plan import plan_report
from leadline.webkit.api import ERRORS, Reader, bad, cached_answer
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Quarter
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/okrs", responses=ERRORS)
def okrs(
    request: Request,
    *,
    _who: Reader,
    quarter: Quarter = None,
) -> Response:
    """Objectives with scored key results (``leadline okr --format json``)."""
    try:
        app = leadline_app(request)
        data = cached_json(app, "okrs", lambda: okr_report(app, quarter=quarter), quarter)
    except ValueError as error:
        raise bad(error) from None
    return json_answer(request, data)


@router.get("/plan", responses={**ERRORS, 404: {"description": "No plan yet."}})
def plan(request: Request, *, _who: Reader, name: str | None = None) -> Response:
    """The 90-day plan (``leadline plan --format json``)."""
    try:
        app = leadline_app(request)
        data = cached_json(app, "plan", lambda: plan_report(app, name=name), name)
    except ValueError as error:
        raise HTTPException(404, str(error)) from None
    return json_answer(request, data)


@router.get("/strategy", responses=ERRORS)
def strategy(request: Request, *, _who: Reader, quarter: Quarter = None) -> Response:
    """Strategy on a page with its OKRs (``leadline strategy``)."""
    app = leadline_app(request)
    return cached_answer(request, "strategy", lambda: strategy_page(app, quarter=quarter), quarter)


@router.get("/strategy/change", responses=ERRORS)
def change(request: Request, *, _who: Reader) -> Response:
    """Change initiatives (Kotter, ADKAR) and the innovation pipeline (``leadline change``)."""
    app = leadline_app(request)
    return cached_answer(request, "change", lambda: change_report(app))
