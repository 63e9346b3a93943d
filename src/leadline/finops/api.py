"""FinOps' REST API: showback and chargeback of a month (each the CLI's ``--format json``),
registered by ``finops/plugin.py``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.finops.report import chargeback, showback
from leadline.web.api import ERRORS, Reader, bad
from leadline.web.cache import cached_json
from leadline.web.deps import leadline_app
from leadline.web.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/finops/showback", responses=ERRORS)
def finops_showback(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    by: Literal["team", "business-unit", "tower", "value-stream", "service"] = "team",
    cost: Literal["effective", "billed"] = "effective",
) -> Response:
    """Showback of a month (``leadline finops showback --format json``)."""
    try:
        app = leadline_app(request)
        data = cached_json(
            app, "showback", lambda: showback(app, month, by=by, cost_type=cost), month, by, cost
        )
    except ValueError as error:
        raise bad(error) from None
    return json_answer(request, data)


@router.get("/finops/chargeback", responses=ERRORS)
def finops_chargeback(
    request: Request,
    *,
    _who: Reader,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    cost: Literal["effective", "billed"] = "effective",
) -> Response:
    """Chargeback statements per business unit (``leadline finops chargeback``)."""
    try:
        data = chargeback(leadline_app(request), month, cost_type=cost)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    return json_answer(request, data)
