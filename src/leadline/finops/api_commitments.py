"""``GET /api/v1/finops/commitments?month=``: the month's commitment coverage and
utilisation (``leadline finops commitments --format json``), registered by
``finops/plugin.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadline.finops.commitment_report import commitments_report
from leadline.webkit.api import ERRORS, Reader, bad
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Month
from leadline.webkit.responses import json_answer

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/finops/commitments", responses=ERRORS)
def finops_commitments(
    request: Request, *, _who: Reader, month: Month, currency: str | None = None
) -> Response:
    """Commitment coverage and utilisation by team and by commitment discount."""
    try:
        app = leadline_app(request)
        data = cached_json(
            app,
            "commitments",
            lambda: commitments_report(app, month, currency=currency),
            month,
            currency or "",
        )
    except ValueError as error:
        raise bad(error) from None
    return json_answer(request, data)
