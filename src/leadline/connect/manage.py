"""Adding, listing and removing connections: checked against their kind, audited, and never
holding a secret (only the name of the variable or file that holds it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import record
from leadline.audit.log import snapshot
from leadline.connect.kinds.base import kind
from leadline.connect.models import Connection, ConnectionRun
from leadline.store.base import utcnow

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConnectionRefused(ValueError):
    """A connection cannot be added or removed as asked (the message says why)."""


def add_connection(
    session: Session,
    kind_name: str,
    name: str,
    options: Mapping[str, Any],
    *,
    token_env: str | None,
    token_file: str | None,
    schedule: str | None,
    actor: str,
    via: str = "cli",
) -> Connection:
    """Store a new connection after checking its name, kind, options, secret reference and
    cron schedule; audited as ``create connection``."""
    if not NAME.match(name):
        raise ConnectionRefused(
            f"connection name {name!r}: use letters, digits, '.', '_' or '-' (at most 128)"
        )
    try:
        connector = kind(kind_name)
    except KeyError as error:
        raise ConnectionRefused(str(error.args[0])) from None
    problems = connector.check(options)
    if token_env and not ENV_NAME.match(token_env):
        problems.append(f"--token-env {token_env!r} is not an environment variable name")
    if token_env and token_file:
        problems.append("give --token-env or --token-file, not both")
    if connector.needs_token and not (token_env or token_file):
        problems.append(
            f"a {kind_name} connection needs --token-env VARIABLE or --token-file PATH "
            "(the token itself is never stored)"
        )
    if schedule:
        from leadline.connect.schedule import check_schedule

        try:
            schedule = check_schedule(schedule)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ConnectionRefused("; ".join(problems))
    if session.scalar(select(Connection.id).where(Connection.name == name)) is not None:
        raise ConnectionRefused(f"a connection named {name!r} exists (connect remove it first)")
    now = utcnow()
    connection = Connection(
        name=name,
        kind=kind_name,
        options={k: v for k, v in options.items() if v not in (None, "", [], False)},
        token_env=token_env,
        token_file=token_file,
        schedule=schedule,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(connection)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity_type="connection",
        entity_id=name,
        after=snapshot(connection),
        via=via,
    )
    return connection


def remove_connection(session: Session, name: str, *, actor: str, via: str = "cli") -> None:
    """Delete a connection with its runs and cursors (facts it landed stay); audited."""
    connection = session.scalar(select(Connection).where(Connection.name == name))
    if connection is None:
        raise ConnectionRefused(f"no connection named {name!r}")
    before = snapshot(connection)
    session.delete(connection)
    record(
        session,
        actor=actor,
        action="delete",
        entity_type="connection",
        entity_id=name,
        before=before,
        via=via,
    )


def connection_rows(session: Session) -> list[dict[str, Any]]:
    """Every connection with its target, secret reference (never the secret) and last run."""
    rows = []
    for connection in session.scalars(select(Connection).order_by(Connection.name)):
        last = session.scalar(
            select(ConnectionRun)
            .where(ConnectionRun.connection_id == connection.id)
            .order_by(ConnectionRun.started_at.desc(), ConnectionRun.id.desc())
            .limit(1)
        )
        rows.append(
            {
                "name": connection.name,
                "kind": connection.kind,
                "options": dict(connection.options or {}),
                "secret": (
                    f"env {connection.token_env}"
                    if connection.token_env
                    else f"file {connection.token_file}"
                    if connection.token_file
                    else None
                ),
                "schedule": connection.schedule,
                "last_run": last.started_at if last else None,
                "status": last.status if last else "never run",
                "facts_landed": last.facts_landed if last else None,
                "requests": last.requests if last else None,
                "error": last.error if last else None,
            }
        )
    return rows
