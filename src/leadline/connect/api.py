"""The connectors' REST API: each connection's state (``GET /api/v1/connectors``) and, for
admins, a run started now (``POST /api/v1/connectors/{name}/run``, audited). Registered by
``connect/plugin.py``; the keys are documented in docs/connectors.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response

from leadline.connect.schedule import Scheduler, request_run
from leadline.connect.status import connections_status
from leadline.webkit.api import ERRORS, Admin, Limit, Offset
from leadline.webkit.deps import leadline_app
from leadline.webkit.responses import json_answer, paginate

router = APIRouter(prefix="/api/v1", tags=["api"])
Name = Annotated[str, Path(min_length=1, max_length=128, description="The connection's name.")]

CONNECTORS_DOC = """Every connection (admins only), by name, paginated. Each row:

- `name`, `kind` (github, gitlab, pagerduty, opsgenie, jira, prometheus, focus),
  `schedule` (five-field cron, UTC; null: synced only by `leadline sync`), `enabled`;
- `status`: `ok`, `partial` (some streams landed, one failed), `failed`, `running`,
  `interrupted` (marked running for over two hours: the process was stopped), `never_run`,
  `disabled`;
- the newest run: `last_run_started`, `last_run_finished`, `last_run_trigger` (cli,
  schedule, api), `facts_landed` (rows its batches accepted), `requests` (HTTP requests
  made), `error` (its error text, else null);
- `failures_in_a_row`, `backing_off` (true when the next run waits longer than the schedule
  because of those failures), `next_run` (null when not scheduled or running now).

With an ETag: a poller sending `If-None-Match` gets 304 until something changes."""


@router.get("/connectors", responses=ERRORS, description=CONNECTORS_DOC)
def connectors(
    request: Request, *, _who: Admin, limit: Limit = 100, offset: Offset = 0
) -> Response:
    """Each connection's last run, facts landed, requests, error and next run."""
    rows = connections_status(leadline_app(request).store)
    return json_answer(request, paginate(request, "connections", rows, limit, offset))


@router.post(
    "/connectors/{name}/run",
    status_code=202,
    responses={
        **ERRORS,
        404: {"description": "No such connection."},
        409: {"description": "It is running already, or every sync worker is busy."},
        503: {"description": "This server runs no connection scheduler."},
    },
)
def run_connector(request: Request, name: Name, who: Admin) -> dict[str, Any]:
    """Start a sync of one connection now, in the background (admins only; audited): 202.
    409 when it is running already or every sync worker is busy."""
    answer = request_run(
        leadline_app(request).store, scheduler(request), name, actor=who.name, via=who.via
    )
    if answer == "missing":
        raise HTTPException(404, f"no connection {name!r}")
    if answer == "running":
        raise HTTPException(409, f"connection {name!r} is running already")
    if answer == "busy":
        raise HTTPException(409, "every sync worker is busy; try again in a minute")
    return {"name": name, "started": True}


def scheduler(request: Request) -> Scheduler:
    """The app's connection scheduler (the ``connect`` service; its loop runs under serve)."""
    found = getattr(request.app.state, "services", {}).get("connect")
    if not isinstance(found, Scheduler):
        raise HTTPException(503, "this server runs no connection scheduler")
    return found
