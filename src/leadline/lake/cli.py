"""``leadline lake status|vacuum``: what the lake holds, and removal of crash leftovers."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import func, select

from leadline.context import App
from leadline.lake.models import LakeFile
from leadline.lake.writer import sweep_orphans
from leadline.locks import write_lock
from leadline.output import OutputFormat, console, emit

lake_app = typer.Typer(help="The Parquet lake of facts.", no_args_is_help=True)


@lake_app.command()
def status(
    ctx: typer.Context,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Fact tables with their partitions, files, rows and size."""
    app: App = ctx.obj
    query = (
        select(
            LakeFile.table_name,
            func.count(func.distinct(LakeFile.partition)),
            func.count(),
            func.sum(LakeFile.rows),
            func.sum(LakeFile.bytes),
            func.min(LakeFile.partition),
            func.max(LakeFile.partition),
        )
        .group_by(LakeFile.table_name)
        .order_by(LakeFile.table_name)
    )
    with app.store.session() as session:
        rows = [
            {
                "table": t,
                "partitions": p,
                "files": f,
                "rows": int(r or 0),
                "bytes": int(b or 0),
                "first_month": lo,
                "last_month": hi,
            }
            for t, p, f, r, b, lo, hi in session.execute(query)
        ]
    emit(rows, fmt, key="tables", title=f"lake {app.settings.lake_path}")


@lake_app.command()
def vacuum(
    ctx: typer.Context,
    grace: Annotated[
        float,
        typer.Option(help="Keep unlisted files younger than this many seconds (writes in flight)."),
    ] = 3600.0,
) -> None:
    """Delete Parquet files no commit lists (left by an interrupted ingest)."""
    app: App = ctx.obj
    with write_lock(app.settings.resolved_home), app.store.session() as session:
        removed = sweep_orphans(app.settings.lake_path, session, grace)
    console.print(f"removed {removed} orphaned files")
