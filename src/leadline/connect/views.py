"""The admins' Connections page (``/admin/connections``): each connection's status in words
and colour, its last run, facts landed, requests, error and next run, times as people say
them ("12 minutes ago"), schedules in words ("Every hour"); and a "Run now" button (a form
post, CSRF-checked, audited). Its rows are ``connect.status``'s, the same as the API's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import humanize
from cron_descriptor import Options, get_description
from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from leadline.connect.api import scheduler
from leadline.connect.schedule import request_run
from leadline.connect.status import connections_status
from leadline.present.formats import ABSENT
from leadline.present.model import humanise
from leadline.store.base import utcnow
from leadline.webkit.deps import check_csrf, leadline_app, page_admin
from leadline.webkit.pages import render
from leadline.webkit.users import Principal

router = APIRouter(include_in_schema=False)
PATH = "/admin/connections"
Admin = Annotated[Principal, Depends(page_admin)]

KIND_TITLES = {
    "github": "GitHub",
    "gitlab": "GitLab",
    "pagerduty": "PagerDuty",
    "opsgenie": "Opsgenie",
    "jira": "Jira",
    "prometheus": "Prometheus",
    "focus": "FOCUS cost exports",
}
# status -> (RAG colour, symbol, words): never colour alone
STATUS_WORDS: dict[str, tuple[str, str, str]] = {
    "ok": ("green", "✔", "OK"),
    "partial": ("amber", "▲", "Partly synced"),
    "failed": ("red", "✖", "Failing"),
    "running": ("grey", "↻", "Running"),
    "interrupted": ("amber", "▲", "Interrupted"),
    "never_run": ("grey", "○", "Never run"),
    "disabled": ("grey", "○", "Disabled"),
}
TRIGGERS = {
    "schedule": "on schedule",
    "cli": "by leadline sync",
    "api": "through the API",
    "web": "from this page",
}
NOTICES = {
    "started": "A sync of {name} has started; reload this page to see how it ends.",
    "running": "{name} is running already.",
    "busy": "Every sync worker is busy; try {name} again in a minute.",
}
ERROR_PREVIEW = 90  # characters of an error shown in the table; the whole text below it


@dataclass(frozen=True)
class Moment:
    """A time as people say it ("12 minutes ago") and exactly (UTC)."""

    iso: str
    relative: str  # starts a cell: "A month from now"
    exact: str

    @property
    def inline(self) -> str:
        """Within a sentence: "next attempt a month from now"."""
        return self.relative[:1].lower() + self.relative[1:]


def moment(text: str | None, now: dt.datetime, *, due: bool = False) -> Moment | None:
    """``due``: a next run, which once past is "Due now" (the scheduler starts it at its
    next look, within 30 seconds, unless every worker is busy)."""
    if text is None:
        return None
    at = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    relative = "Due now" if due and at <= now else humanize.naturaltime(at, when=now)
    relative = relative[:1].upper() + relative[1:]  # it starts a cell: "A month from now"
    return Moment(text, relative, at.strftime("%Y-%m-%d %H:%M UTC"))


def schedule_words(cron: str | None) -> str:
    """``0 * * * *`` as "Every hour (UTC)"; no schedule as "Only by leadline sync"."""
    if not cron:
        return "Only by leadline sync"
    options = Options()
    options.use_24hour_time_format = True
    try:
        return f"{get_description(cron, options)} (UTC)"
    except Exception:  # cron-descriptor raises its own types for what croniter accepts
        return cron


def preview(error: str | None) -> str:
    if not error:
        return ABSENT
    first = error.strip().splitlines()[0] if error.strip() else ABSENT
    return first if len(first) <= ERROR_PREVIEW else first[: ERROR_PREVIEW - 1] + "…"


def count(value: int | None, status: str) -> str:
    """A run's count with thousands separators; a dash before the run has ended (a sync
    records what it landed and cost when it ends)."""
    return ABSENT if value is None or status == "running" else f"{value:,}"


def view_row(row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A status row (``connect.status``) as the page shows it."""
    colour, symbol, words = STATUS_WORDS.get(row["status"], ("red", "✖", "Failing"))
    error = row["error"]
    return {
        **row,
        "kind_title": KIND_TITLES.get(row["kind"], humanise(row["kind"])),
        "colour": colour,
        "badge": f"{symbol} {words}",
        "schedule_words": schedule_words(row["schedule"]),
        "last": moment(row["last_run_started"], now),
        "trigger_words": TRIGGERS.get(row["last_run_trigger"] or "", row["last_run_trigger"]),
        "next": moment(row["next_run"], now, due=True),
        "facts": count(row["facts_landed"], row["status"]),
        "request_count": count(row["requests"], row["status"]),
        "error_preview": preview(error),
        "error_whole": bool(error) and preview(error) != error.strip(),
        "anchor": "error-" + "".join(c if c.isalnum() else "-" for c in row["name"]),
    }


def no_next_run(row: dict[str, Any]) -> str:
    """Why a connection has no next run, in words."""
    if not row["enabled"]:
        return "Disabled"
    if not row["schedule"]:
        return "Not scheduled"
    if row["status"] == "running":
        return "After this run"
    return ABSENT


def summary(rows: list[dict[str, Any]]) -> str:
    """``3 connections: 1 failing, 2 OK.``: the most alarming statuses first."""
    order = ("failed", "partial", "interrupted", "running", "ok", "never_run", "disabled")
    counts = {status: sum(r["status"] == status for r in rows) for status in order}
    parts = [
        f"{count} {STATUS_WORDS[status][2] if status == 'ok' else STATUS_WORDS[status][2].lower()}"
        for status, count in counts.items()
        if count
    ]
    noun = "connection" if len(rows) == 1 else "connections"
    return f"{len(rows)} {noun}: {', '.join(parts)}."


@router.get(PATH)
def connections_page(
    request: Request, _who: Admin, notice: str | None = None, name: str | None = None
) -> Response:
    """Every connection, by name (admins only)."""
    now = utcnow()
    rows = connections_status(leadline_app(request).store, now=now)
    known = {row["name"] for row in rows}
    message = None
    if notice in NOTICES and name in known:
        message = NOTICES[notice].format(name=name)
    context = {
        "rows": [view_row(row, now) for row in rows],
        "summary": summary(rows) if rows else None,
        "no_next_run": no_next_run,
        "notice": message,
        "failing": [view_row(r, now) for r in rows if r["error"]],
    }
    return render(request, "connections.html", context)


@router.post(PATH + "/{name}/run")
def run_now(
    request: Request,
    who: Admin,
    name: Annotated[str, Path(min_length=1, max_length=128)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Start a sync of ``name`` now (audited), then back to the page with a notice."""
    check_csrf(request, csrf)
    answer = request_run(
        leadline_app(request).store, scheduler(request), name, actor=who.name, via="web"
    )
    if answer == "missing":
        raise HTTPException(404, f"no connection {name!r}")
    return RedirectResponse(f"{PATH}?{urlencode({'notice': answer, 'name': name})}", 303)
