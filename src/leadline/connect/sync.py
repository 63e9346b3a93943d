"""``leadline sync``: bring connections up to date, landing each pull through its ingest source.

For each pull a kind yields, the runner lands the pull's files as one batch (raw payload kept,
then normalised: the same path as ``leadline ingest SOURCE`` on files with those bytes) and,
inside the same store transaction, writes the cursors the pull advances (``ingest_unit``'s
``on_land``). A ``kill -9`` at any instant leaves either the batch and its cursors, or neither:
the next sync asks again from the old cursor and the store's idempotency (batch content hash,
delivery ids) lands nothing twice. A pull already landed before ("unchanged") moves its cursors
in a transaction of their own, which is safe because its facts are in.

A connection's run stops at its first failing pull (later pulls build on its cursor); other
connections still run. Each run is recorded in ``connection_runs``: status, batches, facts
landed, requests made and the error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.config import Settings
from leadline.connect.client import ApiClient, Clock, ConnectError
from leadline.connect.kinds.base import (
    ConnectionProblem,
    ConnectionSpec,
    Cursor,
    Kind,
    Pull,
    kind,
)
from leadline.connect.models import Connection, ConnectionRun, ConnectorCursor
from leadline.ingest.models import Batch
from leadline.ingest.registry import Unit, get_source
from leadline.ingest.runner import UnitResult, ingest_unit
from leadline.store import Store
from leadline.store.base import utcnow

log = logging.getLogger(__name__)

# progress(connection name, what happened, details): "request" (url), "landed" (pull label)
Progress = Callable[[str, str, dict[str, Any]], None]


@dataclass
class SyncResult:
    """What one connection's sync did."""

    name: str
    kind: str
    status: str = "running"  # ok | partial | failed
    batches: int = 0  # batches landed now (not counting unchanged pulls)
    facts_landed: int = 0  # rows those batches accepted
    unchanged: int = 0  # pulls whose content had landed already
    requests: int = 0
    not_modified: int = 0  # conditional requests answered 304
    waited_seconds: float = 0.0
    error: str | None = None
    run_id: int | None = None
    results: list[UnitResult] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{self.name} ({self.kind}): {self.status}",
            f"{self.batches} {'batch' if self.batches == 1 else 'batches'}",
            f"{self.facts_landed:,} facts landed",
            f"{self.requests:,} requests ({self.not_modified:,} not modified)",
        ]
        if self.unchanged:
            parts.append(f"{self.unchanged} already landed")
        text = ", ".join(parts)
        return f"{text}; error: {self.error}" if self.error else text


def spec_of(connection: Connection) -> ConnectionSpec:
    return ConnectionSpec(
        name=connection.name,
        kind=connection.kind,
        options=dict(connection.options or {}),
        token_env=connection.token_env,
        token_file=connection.token_file,
        schedule=connection.schedule,
    )


def load_cursors(session: Session, connection_id: int) -> dict[str, Cursor]:
    rows = session.scalars(
        select(ConnectorCursor).where(ConnectorCursor.connection_id == connection_id)
    )
    return {row.stream: dict(row.cursor or {}) for row in rows}


def write_cursors(session: Session, connection_id: int, updates: dict[str, Cursor]) -> None:
    """Upsert the cursors of a connection (in the caller's transaction)."""
    now = utcnow()
    for stream, cursor in sorted(updates.items()):
        row = session.scalar(
            select(ConnectorCursor).where(
                ConnectorCursor.connection_id == connection_id, ConnectorCursor.stream == stream
            )
        )
        if row is None:
            session.add(
                ConnectorCursor(
                    connection_id=connection_id, stream=stream, cursor=cursor, updated_at=now
                )
            )
        else:
            row.cursor, row.updated_at = dict(cursor), now


def sync_connection(
    name: str,
    *,
    settings: Settings,
    store: Store,
    since: dt.datetime | None = None,
    full: bool = False,
    trigger: str = "cli",
    time_box: float | None = None,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Sync one connection (see the module docstring); never raises for a vendor's failure:
    the result (and its ``connection_runs`` row) says what went wrong."""
    with store.session() as session:
        connection = session.scalar(select(Connection).where(Connection.name == name))
        if connection is None:
            raise KeyError(f"no connection named {name!r} (leadline connect list)")
        spec = spec_of(connection)
        connection_id = connection.id
        cursors = {} if full else load_cursors(session, connection_id)
        run = ConnectionRun(connection_id=connection_id, started_at=utcnow(), trigger=trigger)
        session.add(run)
        session.flush()
        run_id = run.id
    result = SyncResult(spec.name, spec.kind, run_id=run_id)
    client: ApiClient | None = None
    try:
        connector = _kind_of(spec.kind)
        client = connector.client(spec)
        if client is not None:
            _configure(client, spec.name, time_box, clock, progress)
        for pull in connector.pull(spec, cursors, client, since, full):
            if not _land(pull, connection_id, result, settings, store):
                break
            if progress is not None:
                progress(spec.name, "landed", {"label": pull.label, "facts": result.facts_landed})
    except (ConnectError, ConnectionProblem) as error:
        result.error = str(error)
    except Exception as error:  # a kind's bug must not stop the other connections
        log.exception("sync of connection %s failed", spec.name)
        result.error = f"{type(error).__name__}: {error}"
    finally:
        if client is not None:
            result.requests = client.stats.requests
            result.not_modified = client.stats.not_modified
            result.waited_seconds = client.stats.waited_seconds
            client.close()
    if result.error is None:
        result.status = "ok"
    else:
        result.status = "partial" if result.batches else "failed"
    _finish(store, run_id, result)
    return result


def _kind_of(name: str) -> Kind:
    """The connection's kind, or ConnectionProblem (an unknown kind, or one not a Kind)."""
    try:
        return kind(name)
    except (KeyError, TypeError) as error:
        raise ConnectionProblem(str(error.args[0]) if error.args else repr(error)) from None


def _configure(
    client: ApiClient,
    name: str,
    time_box: float | None,
    clock: Clock | None,
    progress: Progress | None,
) -> None:
    if clock is not None:
        client.clock = clock
    if time_box is not None:
        client.limit_time(time_box)
    if progress is not None:
        client.on_request = lambda url: progress(name, "request", {"url": url})


def _land(
    pull: Pull, connection_id: int, result: SyncResult, settings: Settings, store: Store
) -> bool:
    """Land one pull with its cursors; False when it failed (the run stops there)."""
    if not pull.files and not pull.paths:
        with store.session() as session:
            write_cursors(session, connection_id, pull.cursor_updates)
        return True

    def with_cursors(session: Session, _batch: Batch) -> None:
        write_cursors(session, connection_id, pull.cursor_updates)

    unit = get_source(pull.source).read(pull.paths) if pull.paths else Unit(list(pull.files))
    outcome = ingest_unit(
        pull.source,
        unit,
        settings=settings,
        store=store,
        options=pull.options,
        on_land=with_cursors,
    )
    result.results.append(outcome)
    if outcome.status == "failed":
        result.error = f"{pull.label or pull.source}: {outcome.message}"
        return False
    if outcome.status == "unchanged":
        result.unchanged += 1
        with store.session() as session:
            write_cursors(session, connection_id, pull.cursor_updates)
        return True
    result.batches += 1
    result.facts_landed += outcome.rows_accepted
    return True


def _finish(store: Store, run_id: int, result: SyncResult) -> None:
    with store.session() as session:
        run = session.get(ConnectionRun, run_id)
        if run is None:  # the connection was removed meanwhile
            return
        run.finished_at = utcnow()
        run.status = result.status
        run.batches = result.batches
        run.facts_landed = result.facts_landed
        run.requests = result.requests
        run.error = result.error


def sync_all(
    names: list[str] | None,
    *,
    settings: Settings,
    store: Store,
    since: dt.datetime | None = None,
    full: bool = False,
    progress: Progress | None = None,
    time_box: float | None = None,
) -> list[SyncResult]:
    """Sync the named connections (all enabled ones when none are named), one after another;
    a failing connection is reported and the others still run."""
    with store.session() as session:
        known = {c.name: c.enabled for c in session.scalars(select(Connection))}
    if names:
        missing = [n for n in names if n not in known]
        if missing:
            raise KeyError(f"no connection named {', '.join(map(repr, missing))}")
        chosen = list(names)
    else:
        chosen = sorted(n for n, enabled in known.items() if enabled)
    return [
        sync_connection(
            name,
            settings=settings,
            store=store,
            since=since,
            full=full,
            progress=progress,
            time_box=time_box,
        )
        for name in chosen
    ]
