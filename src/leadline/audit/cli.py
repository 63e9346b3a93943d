"""``leadline audit``: the audit log, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from leadline.audit.log import entry_row, history
from leadline.context import App
from leadline.output import OutputFormat, emit


def audit(
    ctx: typer.Context,
    *,
    entity_type: Annotated[str | None, typer.Option("--entity", help="e.g. risk, okr")] = None,
    entity_id: Annotated[str | None, typer.Option("--id", help="One entity's id.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this user's writes.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv")
    ] = OutputFormat.table,
) -> None:
    """Who changed what, and when (newest first)."""
    app: App = ctx.obj
    with app.store.session() as session:
        rows = [
            entry_row(e)
            for e in history(
                session, entity_type=entity_type, entity_id=entity_id, actor=actor, limit=limit
            )
        ]
    if fmt is not OutputFormat.json:  # snapshots are for JSON; tables show what changed
        rows = [{k: v for k, v in r.items() if k not in ("before", "after")} for r in rows]
    emit(rows, fmt, key="entries", title="Audit log")
