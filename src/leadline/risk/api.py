"""Risk's REST API: the register (and edits of a risk), compliance coverage and CSF profiles
(and scoring a subcategory), each the CLI's ``--format json``; registered by
``risk/plugin.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import Response
from pydantic import WithJsonSchema

from leadline.periods import utc_now
from leadline.risk.compliance import compliance_report
from leadline.risk.csf_edit import score_subcategory
from leadline.risk.edits import EditError, update_risk
from leadline.risk.profiles import STATUSES as CSF_STATUSES
from leadline.risk.profiles import TIERS, profile_report, profiles_summary
from leadline.risk.register import register_report
from leadline.risk.risks import STATUSES, TREATMENTS, Action
from leadline.webkit.api import ERRORS, Limit, Offset, Reader
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import DAY_SCHEMA, Day, Flag
from leadline.webkit.responses import json_answer, paginate

router = APIRouter(prefix="/api/v1", tags=["api"])
_TEXT: dict[str, Any] = {"type": "string"}
_NAMES: dict[str, Any] = {"type": "array", "items": _TEXT}
_LEVEL: dict[str, Any] = {"type": "integer", "minimum": 1}  # the top is the risk matrix's
_DATE: dict[str, Any] = {"anyOf": [DAY_SCHEMA, {"type": "null"}]}
# The fields ``update_risk`` takes (risks.EDITABLE); any other is refused (400), as are the rules
# of risks.check (a level above the matrix's scale, a closed risk without closed_on...).
_RISK_CHANGES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **dict.fromkeys(("title", "description", "owner", "category"), _TEXT),
        "status": {"enum": list(STATUSES)},
        **dict.fromkeys(("csf", "cobit", "services", "teams"), _NAMES),
        **dict.fromkeys(("likelihood", "impact", "residual_likelihood", "residual_impact"), _LEVEL),
        "treatment": {"enum": list(TREATMENTS)},
        "actions": {"type": "array", "items": Action.model_json_schema()},
        "review_every_days": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
        **dict.fromkeys(("identified_on", "last_reviewed_on", "closed_on"), _DATE),
    },
}
_TIER: dict[str, Any] = {
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": 4},
        {"enum": ["1", "2", "3", "4", *TIERS]},
    ]
}
# The fields ``score_subcategory`` takes (csf_edit.SCORED); any other is refused (400).
_CSF_SCORES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **{key: {"enum": list(CSF_STATUSES)} for key in ("current_status", "target_status")},
        **dict.fromkeys(("current_tier", "target_tier"), _TIER),
        "notes": {"anyOf": [_TEXT, {"type": "null"}]},
    },
}


def _integral(values: dict[str, Any]) -> dict[str, Any]:
    """JSON's ``4.0`` is the integer 4 (as JSON Schema reads it): a level or tier as such."""
    return {
        name: int(value) if isinstance(value, float) and value.is_integer() else value
        for name, value in values.items()
    }


@router.get("/risk/register", responses=ERRORS)
def risk_register(
    request: Request,
    *,
    _who: Reader,
    at: Day | None = None,
    owner: str | None = None,
    function: str | None = None,
    include_closed: Flag = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """The risk register (``leadline risk register --format json``); ``risks`` paginated."""
    app = leadline_app(request)
    day = at or dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        data = register_report(
            session,
            app.settings,
            day,
            include_closed=include_closed,
            owner=owner,
            function=function,
        )
    rows = data.pop("risks")
    return json_answer(request, paginate(request, "risks", rows, limit, offset, **data))


@router.patch("/risk/register/{key}", responses={**ERRORS, 404: {"description": "No such risk."}})
def risk_update(
    request: Request,
    *,
    key: str,
    who: Reader,
    changes: Annotated[
        dict[str, Any],
        WithJsonSchema(_RISK_CHANGES),
        Body(description="Fields to change, as in risks.csv."),
    ],
) -> Response:
    """Update a risk (editors of risk, admins); audited with the user as actor."""
    try:
        row = update_risk(leadline_app(request), who, key, _integral(changes))
    except EditError as error:
        raise HTTPException(error.status, error.message) from None
    return json_answer(request, row, etag=False)


@router.get("/risk/compliance", responses=ERRORS)
def risk_compliance(
    request: Request,
    *,
    _who: Reader,
    at: Day | None = None,
    by: Literal["business-unit", "team", "service", "control"] = "business-unit",
) -> Response:
    """Compliance coverage of controls in scope (``leadline risk compliance``)."""
    with leadline_app(request).store.session() as session:
        try:
            data = compliance_report(session, at or utc_now().date(), by)
        except (ValueError, KeyError) as error:
            raise HTTPException(400, str(error)) from None
    return json_answer(request, data)


@router.get("/risk/csf", responses=ERRORS)
def risk_csf(request: Request, *, _who: Reader, at: Day | None = None) -> Response:
    """CSF 2.0 profiles: assessed subcategories, gaps and mean tiers."""
    with leadline_app(request).store.session() as session:
        data = profiles_summary(session, at or utc_now().date())
    return json_answer(request, {"profiles": data, "count": len(data)})


@router.get("/risk/csf/{profile}", responses={**ERRORS, 404: {"description": "No profile."}})
def risk_csf_profile(
    request: Request, *, _who: Reader, profile: str, at: Day | None = None
) -> Response:
    """One profile's gap rows and heat map (``leadline risk csf --profile P``)."""
    with leadline_app(request).store.session() as session:
        data = profile_report(session, profile, at or utc_now().date())
    if not data.get("rows"):
        raise HTTPException(404, f"no assessments in profile {profile!r}")
    return json_answer(request, data)


@router.patch(
    "/risk/csf/{profile}/{subcategory}",
    responses={**ERRORS, 404: {"description": "No such profile row."}},
)
def risk_csf_score(
    request: Request,
    *,
    who: Reader,
    profile: str,
    subcategory: str,
    values: Annotated[
        dict[str, Any],
        WithJsonSchema(_CSF_SCORES),
        Body(description="current/target status and tier, notes"),
    ],
) -> Response:
    """Score one subcategory as assessed today (editors of risk, admins); audited."""
    try:
        app = leadline_app(request)
        row = score_subcategory(app, who, profile, subcategory, values=_integral(values))
    except EditError as error:
        raise HTTPException(error.status, error.message) from None
    return json_answer(request, row, etag=False)
