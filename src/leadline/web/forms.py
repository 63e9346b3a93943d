"""Edit forms where people own the data: a risk, an OKR check-in, a 90-day plan item. Each
POST checks the CSRF token and the role (editor of the pillar, or admin), then calls the
pillar's own core function, which writes the audit entry with the user as actor."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leadline.risk.csf_edit import SCORED, score_subcategory
from leadline.risk.edits import EditError, update_risk
from leadline.risk.profiles import STATUSES as CSF_STATUSES
from leadline.risk.profiles import profile_report
from leadline.risk.risks import get_risk
from leadline.strategy.okrs import OkrError, checkin
from leadline.strategy.plan import STATUSES, PlanError, plan_report, update
from leadline.webkit.deps import check_csrf, leadline_app, page_reader, require_editor
from leadline.webkit.pages import render
from leadline.webkit.users import Principal

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(page_reader)]
RISK_FIELDS = (
    "owner",
    "status",
    "likelihood",
    "impact",
    "residual_likelihood",
    "residual_impact",
    "treatment",
    "last_reviewed_on",
)
INTEGERS = {"likelihood", "impact", "residual_likelihood", "residual_impact"}
MAX_DIGITS = 9  # a risk score is 1-5 (or a matrix of a few more); longer is refused


def _form(
    request: Request, title: str, action: str, fields: list[dict[str, Any]], error: str | None
) -> Response:
    context = {"title": title, "action": action, "fields": fields, "error": error}
    return render(request, "form.html", context, status_code=400 if error else 200)


def _risk_fields(values: dict[str, Any]) -> list[dict[str, Any]]:
    choices = {
        "status": ["open", "closed"],
        "treatment": ["mitigate", "accept", "transfer", "avoid"],
    }
    out = []
    for name in RISK_FIELDS:
        kind = "number" if name in INTEGERS else "date" if name.endswith("_on") else "text"
        value = values.get(name)
        out.append(
            {
                "name": name,
                "label": name.replace("_", " ").capitalize(),
                "type": kind,
                "value": "" if value is None else str(value),
                "choices": choices.get(name),
            }
        )
    return out


@router.get("/risk/{key}/edit")
def risk_form(request: Request, key: str, who: Reader) -> Response:
    require_editor(who, "risk")
    with leadline_app(request).store.session() as session:
        risk = get_risk(session, key)
        if risk is None:
            raise HTTPException(404, f"no risk {key!r}")
        values = {name: getattr(risk, name) for name in RISK_FIELDS}
    return _form(request, f"Edit risk {key}", f"/risk/{key}/edit", _risk_fields(values), None)


@router.post("/risk/{key}/edit")
async def risk_save(request: Request, key: str, who: Reader) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    require_editor(who, "risk")
    values: dict[str, Any] = {}
    too_long = []
    for name in RISK_FIELDS:
        raw = str(form.get(name, "")).strip()
        if name in INTEGERS and raw.lstrip("-").isdigit() and len(raw) > MAX_DIGITS:
            too_long.append(name)  # int() of thousands of digits raises (or takes long)
            values[name] = None
        elif name in INTEGERS:
            values[name] = int(raw) if raw.lstrip("-").isdigit() else raw or None
        else:
            values[name] = raw or None
    try:
        if too_long:
            names = ", ".join(too_long)
            raise EditError(400, f"{names}: must be a whole number of at most {MAX_DIGITS} digits")
        await run_in_threadpool(update_risk, leadline_app(request), who, key, values)
    except EditError as error:
        if error.status != 400:
            raise HTTPException(error.status, error.message) from None
        fields = _risk_fields(values)
        return _form(request, f"Edit risk {key}", f"/risk/{key}/edit", fields, error.message)
    return RedirectResponse("/risk", status_code=303)


def _checkin_fields(value: str = "", confidence: str = "", note: str = "") -> list[dict[str, Any]]:
    return [
        {"name": "value", "label": "Value", "type": "number", "value": value, "step": "any"},
        {
            "name": "confidence",
            "label": "Confidence (0 to 1, optional)",
            "type": "number",
            "value": confidence,
            "step": "0.05",
        },
        {"name": "note", "label": "Note", "type": "text", "value": note},
    ]


@router.get("/okr/{name:path}/checkin")
def checkin_form(request: Request, name: str, who: Reader) -> Response:
    require_editor(who, "strategy")
    return _form(request, f"Check in {name}", f"/okr/{name}/checkin", _checkin_fields(), None)


@router.post("/okr/{name:path}/checkin")
def checkin_save(
    request: Request,
    *,
    name: str,
    who: Reader,
    value: Annotated[str, Form()],
    confidence: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    require_editor(who, "strategy")
    try:
        checkin(
            leadline_app(request),
            name,
            value=float(value),
            confidence=float(confidence) if confidence.strip() else None,
            actor=who.name,
            note=note or None,
            via=who.via,
        )
    except (OkrError, ValueError) as error:
        fields = _checkin_fields(value, confidence, note)
        return _form(request, f"Check in {name}", f"/okr/{name}/checkin", fields, str(error))
    return RedirectResponse("/strategy", status_code=303)


def _plan_fields(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": "status",
            "label": "Status",
            "type": "text",
            "value": item.get("status") or "",
            "choices": list(STATUSES),
        },
        {"name": "owner", "label": "Owner", "type": "text", "value": item.get("owner") or ""},
        {
            "name": "evidence",
            "label": "Evidence",
            "type": "text",
            "value": item.get("evidence") or "",
        },
    ]


@router.get("/plan/{key}/edit")
def plan_form(request: Request, key: str, who: Reader) -> Response:
    require_editor(who, "strategy")
    try:
        items = plan_report(leadline_app(request))["items"]
    except PlanError as error:
        raise HTTPException(404, str(error)) from None
    found = [i for i in items if i["key"] == key]
    if not found:
        raise HTTPException(404, f"no plan item {key!r}")
    title = f"Plan item {key}: {found[0]['title']}"
    return _form(request, title, f"/plan/{key}/edit", _plan_fields(found[0]), None)


@router.post("/plan/{key}/edit")
def plan_save(
    request: Request,
    *,
    key: str,
    who: Reader,
    status: Annotated[str, Form()],
    owner: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    require_editor(who, "strategy")
    try:
        update(
            leadline_app(request),
            key,
            actor=who.name,
            status=status,
            owner=owner or None,
            evidence=evidence or None,
            via=who.via,
        )
    except PlanError as error:
        item = {"status": status, "owner": owner, "evidence": evidence}
        return _form(
            request, f"Plan item {key}", f"/plan/{key}/edit", _plan_fields(item), str(error)
        )
    return RedirectResponse("/strategy", status_code=303)


def _csf_fields(values: dict[str, Any]) -> list[dict[str, Any]]:
    tiers = ["1", "2", "3", "4"]
    out = []
    for name in SCORED:
        field: dict[str, Any] = {
            "name": name,
            "label": name.replace("_", " ").capitalize(),
            "type": "text",
            "value": "" if values.get(name) is None else str(values[name]),
        }
        if name.endswith("_status"):
            field["choices"] = list(CSF_STATUSES)
        elif name.endswith("_tier"):
            field["choices"] = tiers
        out.append(field)
    return out


@router.get("/risk/csf/{profile}/{subcategory}/edit")
def csf_form(request: Request, profile: str, subcategory: str, who: Reader) -> Response:
    require_editor(who, "risk")
    with leadline_app(request).store.session() as session:
        rows = profile_report(session, profile, dt.datetime.now(dt.UTC).date())["rows"]
    found = [r for r in rows if r["subcategory"] == subcategory.upper()]
    if not found:
        raise HTTPException(404, f"profile {profile!r} has no assessment of {subcategory}")
    title = f"Score {subcategory.upper()} in {profile}: {found[0]['summary']}"
    action = f"/risk/csf/{profile}/{subcategory}/edit"
    return _form(request, title, action, _csf_fields(found[0]), None)


@router.post("/risk/csf/{profile}/{subcategory}/edit")
async def csf_save(request: Request, profile: str, subcategory: str, who: Reader) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    require_editor(who, "risk")
    values = {name: str(form.get(name, "")).strip() for name in SCORED}
    try:
        await run_in_threadpool(
            score_subcategory, leadline_app(request), who, profile, subcategory, values=values
        )
    except EditError as error:
        if error.status != 400:
            raise HTTPException(error.status, error.message) from None
        action = f"/risk/csf/{profile}/{subcategory}/edit"
        return _form(request, f"Score {subcategory}", action, _csf_fields(values), error.message)
    return RedirectResponse(f"/risk/csf/{profile}", status_code=303)
