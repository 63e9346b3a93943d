"""Each connection's state for people: its last run, what it landed and cost, its error,
and when it runs next. One computation behind ``GET /api/v1/connectors`` and the admin
Connections page (and the scheduler's own :func:`schedule.due_at`, so the next run shown is
the one the scheduler keeps)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from leadline.connect.models import Connection, ConnectionRun
from leadline.connect.schedule import (
    STALE_AFTER,
    Backoff,
    cron_next,
    due_at,
    failures_in_a_row,
    recent_runs,
)
from leadline.store import Store
from leadline.store.base import utcnow

# What ``status`` says, from the newest run (or the connection's settings when none).
STATUSES = ("ok", "partial", "failed", "running", "interrupted", "never_run", "disabled")


def _status(connection: Connection, last: ConnectionRun | None, now: dt.datetime) -> str:
    if not connection.enabled:
        return "disabled"
    if last is None:
        return "never_run"
    if last.status == "running" and last.finished_at is None:
        return "running" if now - last.started_at < STALE_AFTER else "interrupted"
    return last.status if last.status in STATUSES else "failed"


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def connection_status(
    connection: Connection,
    runs: list[ConnectionRun],
    *,
    now: dt.datetime,
    backoff: Backoff,
) -> dict[str, Any]:
    """One connection's row (``runs``: its recent runs, newest first). ``backing_off``: the
    next run is later than the schedule's next slot because the last runs failed."""
    last = runs[0] if runs else None
    failures = failures_in_a_row(runs)
    following = due_at(connection, last, failures, backoff, now)
    backing_off = False
    if following is not None and failures and last is not None:
        ended = last.finished_at or last.started_at
        backing_off = following > cron_next(connection.schedule or "", ended)
    return {
        "name": connection.name,
        "kind": connection.kind,
        "schedule": connection.schedule,
        "enabled": connection.enabled,
        "status": _status(connection, last, now),
        "last_run_started": _iso(last.started_at if last else None),
        "last_run_finished": _iso(last.finished_at if last else None),
        "last_run_trigger": last.trigger if last else None,
        "facts_landed": last.facts_landed if last else None,
        "requests": last.requests if last else None,
        "error": last.error if last else None,
        "failures_in_a_row": failures,
        "backing_off": backing_off,
        "next_run": _iso(following),
    }


def connections_status(
    store: Store, *, now: dt.datetime | None = None, backoff: Backoff | None = None
) -> list[dict[str, Any]]:
    """Every connection's row, by name."""
    now = now or utcnow()
    backoff = backoff or Backoff()
    with store.session() as session:
        return [
            connection_status(
                connection, recent_runs(session, connection.id), now=now, backoff=backoff
            )
            for connection in session.scalars(select(Connection).order_by(Connection.name))
        ]
