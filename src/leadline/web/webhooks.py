"""``POST /webhooks/github|gitlab|pagerduty|jira|linear|opsgenie``: verify, store raw, commit,
then answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from leadline.config import Settings
from leadline.ingest.nesting import too_deep
from leadline.web import signatures
from leadline.web.intake import BadDelivery, prepare, store_batch
from leadline.webkit.deps import leadline_app

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _secret(value: SecretStr | None, source: str) -> str:
    if value is None or not value.get_secret_value():
        raise HTTPException(503, f"the {source} webhook has no secret configured")
    return value.get_secret_value()


def _verified(settings: Settings, source: str, request: Request, body: bytes) -> bool:
    headers = request.headers
    if source == "github":
        secret = _secret(settings.github_webhook_secret, source)
        return signatures.github_valid(secret, body, headers.get("x-hub-signature-256"))
    if source == "gitlab":
        token = _secret(settings.gitlab_webhook_token, source)
        return signatures.gitlab_valid(token, headers.get("x-gitlab-token"))
    if source == "jira":
        secret = _secret(settings.jira_webhook_secret, source)
        return signatures.jira_valid(secret, body, headers.get("x-hub-signature"))
    if source == "linear":
        secret = _secret(settings.linear_webhook_secret, source)
        return signatures.linear_valid(secret, body, headers.get("linear-signature"))
    if source == "opsgenie":
        token = _secret(settings.opsgenie_webhook_token, source)
        return signatures.gitlab_valid(token, headers.get("x-leadline-token"))
    secret = _secret(settings.pagerduty_webhook_secret, source)
    return signatures.pagerduty_valid(secret, body, headers.get("x-pagerduty-signature"))


async def _intake(source: str, request: Request) -> JSONResponse:
    app = leadline_app(request)
    body = await request.body()
    if not _verified(app.settings, source, request, body):
        raise HTTPException(401, "invalid or missing signature")
    # Before parsing: json.loads recurses per bracket, and a deep body would answer 500.
    deep = await run_in_threadpool(too_deep, body, app.settings.ingest.max_nesting_depth)
    if deep is not None:
        raise HTTPException(400, f"the body {deep}")
    try:
        item = prepare(source, request.headers, body)
    except BadDelivery as error:
        raise HTTPException(400, str(error)) from None
    writer = getattr(request.app.state, "intake_writer", None)
    if writer is not None:
        receipt = await asyncio.wrap_future(writer.submit(item))
    else:
        [receipt] = await run_in_threadpool(store_batch, app.store, [item])
    worker = getattr(request.app.state, "pending_worker", None)
    if receipt.status == "stored" and worker is not None:
        worker.notify()
    return JSONResponse(
        {"status": receipt.status, "delivery_id": receipt.delivery_id, "event": receipt.event_type},
        status_code=202 if receipt.status == "stored" else 200,
    )


@router.post("/github", summary="GitHub webhook (X-Hub-Signature-256)", include_in_schema=False)
async def github(request: Request) -> JSONResponse:
    return await _intake("github", request)


@router.post("/gitlab", summary="GitLab webhook (X-Gitlab-Token)", include_in_schema=False)
async def gitlab(request: Request) -> JSONResponse:
    return await _intake("gitlab", request)


@router.post("/pagerduty", summary="PagerDuty v3 webhook", include_in_schema=False)
async def pagerduty(request: Request) -> JSONResponse:
    return await _intake("pagerduty", request)


@router.post("/jira", summary="Jira Cloud webhook (X-Hub-Signature)", include_in_schema=False)
async def jira(request: Request) -> JSONResponse:
    return await _intake("jira", request)


@router.post("/linear", summary="Linear webhook (Linear-Signature)", include_in_schema=False)
async def linear(request: Request) -> JSONResponse:
    return await _intake("linear", request)


@router.post("/opsgenie", summary="Opsgenie webhook (X-Leadline-Token)", include_in_schema=False)
async def opsgenie(request: Request) -> JSONResponse:
    return await _intake("opsgenie", request)
