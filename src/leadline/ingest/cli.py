"""``leadline ingest <source> PATH...``, ``leadline batches``, ``leadline rejects`` and
``leadline templates``: thin layers over the runner and the registry."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

from leadline.context import App
from leadline.ingest.models import Batch, Reject
from leadline.ingest.registry import Source, sources
from leadline.ingest.runner import IngestReport, Outcome, exit_code_of, run_ingest
from leadline.output import OutputFormat, console, emit, err_console, to_json

ingest_app = typer.Typer(
    help="Land data from a source. Each source is a sub-command: leadline ingest SOURCE PATH...",
    no_args_is_help=True,
)
PROBLEMS_SHOWN = 20
STRICT_META = "leadline.ingest.strict"
STRICT_HELP = (
    "Exit 1 when rows landed with warnings too (as dbt's --warn-error); without it warnings "
    "are printed and recorded, and exit 0."
)


@ingest_app.callback(invoke_without_command=True)
def ingest_root(
    ctx: typer.Context,
    pending: Annotated[
        bool,
        typer.Option(
            "--pending", help="Normalise webhook deliveries still pending (stored, not parsed)."
        ),
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Without a source: ``--pending`` normalises webhook deliveries received by leadline serve,
    with the exit status of a file ingest: 1 when a delivery was rejected (``--strict``: or
    landed with a warning), else 0."""
    if ctx.invoked_subcommand is not None:
        # ``leadline ingest --strict SOURCE ...`` means the same as ``... SOURCE --strict``
        ctx.meta[STRICT_META] = strict
        return
    if not pending:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    from leadline.plugins import collected, manager

    app: App = ctx.obj
    total: dict[str, int] = {}
    warnings = 0
    for normalise in collected(manager().hook.leadline_pending_normalisers()):
        while True:
            result = normalise(app.settings, app.store)
            for status, count in result["statuses"].items():
                total[status] = total.get(status, 0) + count
            warnings += result.get("warnings", 0)
            if not result["remaining"]:
                break
    shown = ", ".join(f"{n} {s}" for s, n in sorted(total.items())) or "none"
    outcome: Outcome = "rejected" if total.get("rejected") else "warnings" if warnings else "clean"
    code = exit_code_of(outcome, strict)
    console.print(
        f"pending webhook deliveries normalised: {shown}; {warnings:,} warnings: exit {code}"
    )
    raise typer.Exit(code)


@contextmanager
def deferred_progress(delay: float = 1.0) -> Iterator[Progress]:
    """A Rich progress display that only appears if the work takes longer than ``delay``."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    timer = threading.Timer(delay, progress.start)
    timer.daemon = True
    timer.start()
    try:
        yield progress
    finally:
        timer.cancel()
        progress.stop()


def print_report(report: IngestReport, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        print(
            to_json(
                {
                    "source": report.source,
                    "exit_code": report.exit_code,
                    **report.totals(),
                    "outcome": report.outcome,
                    "strict": report.strict,
                    "summary": report.summary(),
                    "results": [
                        {
                            **{k: v for k, v in asdict(r).items() if k != "problems"},
                            "problems": [_problem_dict(p) for p in r.problems],
                        }
                        for r in report.results
                    ],
                }
            )
        )
        return
    rows = [
        {
            "file": r.file_name,
            "status": r.status,
            "batch": r.batch_id,
            "read": r.rows_read,
            "accepted": r.rows_accepted,
            "rejected": r.rows_rejected,
            "warnings": r.rows_warned,
        }
        for r in report.results
    ]
    emit(rows, fmt, key="results", title=f"ingest {report.source}")
    if fmt is not OutputFormat.table:
        # after CSV on stdout, the summary goes to stderr so the CSV stays parseable
        err_console.print(report.summary(), highlight=False, soft_wrap=True)
        return
    for result in report.results:
        if result.message and result.status != "failed":
            # soft wrap: a line naming a file keeps the path whole (the terminal wraps it)
            console.print(f"[dim]{result.file_name}: {result.message}[/dim]", soft_wrap=True)
    problems = [p for r in report.results for p in r.problems]
    for problem in problems[:PROBLEMS_SHOWN]:
        style = {"error": "red", "warning": "yellow"}.get(problem.severity, "cyan")
        console.print(
            f"[{style}]{problem.severity}[/{style}] {problem.describe()}",
            highlight=False,
            soft_wrap=True,
        )
    batches = [r.batch_id for r in report.results if r.problems and r.batch_id]
    if len(problems) > PROBLEMS_SHOWN or batches:
        more = f"{len(problems) - PROBLEMS_SHOWN} more; " if len(problems) > PROBLEMS_SHOWN else ""
        hint = " ".join(f"leadline rejects --batch {b}" for b in batches[:3])
        console.print(f"[dim]{more}every problem and the rejected rows: {hint}[/dim]")
    style = {0: "green", 1: "red"}.get(report.exit_code, "yellow")
    console.print(f"[{style}]{report.summary()}[/{style}]", highlight=False, soft_wrap=True)


def _problem_dict(problem: Any) -> dict[str, Any]:
    return {
        "file": problem.file,
        "row": problem.row,
        "field": problem.field,
        "value": problem.value_text,
        "reason": problem.reason,
        "severity": problem.severity,
    }


def _ingest_command(source: Source) -> Callable[..., None]:
    def command(ctx: typer.Context, **kwargs: Any) -> None:
        app: App = ctx.obj
        paths: list[Path] = kwargs.pop("paths")
        force: bool = kwargs.pop("force")
        strict: bool = kwargs.pop("strict") or bool(ctx.meta.get(STRICT_META))
        fmt: OutputFormat = kwargs.pop("fmt")
        with deferred_progress() as progress:
            report = run_ingest(
                source.name,
                paths,
                settings=app.settings,
                store=app.store,
                options=kwargs,
                force=force,
                progress=progress,
                strict=strict,
            )
        print_report(report, fmt)
        raise typer.Exit(report.exit_code)

    parameters = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
        inspect.Parameter(
            "paths",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                list[Path], typer.Argument(help="Input files.", show_default=False)
            ],
        ),
    ]
    for option in source.cli_options:
        parameters.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=option.default,
                annotation=Annotated[
                    option.type,
                    typer.Option("--" + option.name.replace("_", "-"), help=option.help),
                ],
            )
        )
    parameters += [
        inspect.Parameter(
            "force",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option(
                    "--force",
                    help="Re-ingest content that already landed; the "
                    "earlier batch's lake rows are replaced.",
                ),
            ],
        ),
        inspect.Parameter(
            "strict",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[bool, typer.Option("--strict", help=STRICT_HELP)],
        ),
        inspect.Parameter(
            "fmt",
            inspect.Parameter.KEYWORD_ONLY,
            default=OutputFormat.table,
            annotation=Annotated[OutputFormat, typer.Option("--format")],
        ),
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__doc__ = source.summary
    return command


def register_ingest_commands() -> None:
    for name, source in sources().items():
        ingest_app.command(name, help=source.summary)(_ingest_command(source))


def batches(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N batches.")] = 50,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """List what landed: one batch per ingested file, newest first."""
    app: App = ctx.obj
    query = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if source:
        query = query.where(Batch.source == source)
    with app.store.session() as session:
        rows = [
            {
                "id": b.id,
                "source": b.source,
                "file": b.file_name,
                "status": b.status,
                "read": b.rows_read,
                "accepted": b.rows_accepted,
                "rejected": b.rows_rejected,
                "warnings": b.rows_warned,
                "started_at": b.started_at,
                "finished_at": b.finished_at,
                "message": b.message,
            }
            for b in session.scalars(query)
        ]
    emit(rows, fmt, key="batches", title="ingest batches")


def rejects(
    ctx: typer.Context,
    batch: Annotated[int | None, typer.Option(help="Only this batch.")] = None,
    limit: Annotated[int, typer.Option(help="At most N rows.")] = 200,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Show rejected rows and warnings, with the raw record in JSON output."""
    app: App = ctx.obj
    query = select(Reject).order_by(Reject.id.desc()).limit(limit)
    if batch is not None:
        query = query.where(Reject.batch_id == batch).order_by(None).order_by(Reject.id)
    with app.store.session() as session:
        rows = [
            {
                "batch": r.batch_id,
                "file": r.file_name,
                "row": r.row,
                "field": r.field,
                "value": r.value,
                "reason": r.reason,
                "severity": r.severity,
                **({"record": r.record} if fmt is OutputFormat.json else {}),
            }
            for r in session.scalars(query)
        ]
    emit(rows, fmt, key="rejects", title="rejected rows and warnings")


def templates(
    directory: Annotated[Path, typer.Argument(help="Where to write the templates.")],
    overwrite: Annotated[bool, typer.Option(help="Replace existing files.")] = False,
) -> None:
    """Write a documented blank template for every source, to start from a file."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, source in sources().items():
        for template in source.templates():
            target = directory / template.file_name
            if target.exists() and not overwrite:
                console.print(
                    f"[yellow]kept[/yellow] {target} (exists; --overwrite replaces)",
                    soft_wrap=True,
                )
                continue
            target.write_text(template.text, encoding="utf-8")
            console.print(
                f"wrote {target}  [dim]leadline ingest {name} {target}[/dim]", soft_wrap=True
            )
