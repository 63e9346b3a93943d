"""``leadline connect add|list|remove`` and ``leadline sync`` (docs/connectors.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from leadline.audit import actor_name
from leadline.connect.kinds.base import KindOption, all_kinds, kind
from leadline.connect.manage import (
    ConnectionRefused,
    add_connection,
    connection_rows,
    remove_connection,
)
from leadline.connect.sync import SyncResult, sync_all
from leadline.context import App
from leadline.output import OutputFormat, console, err_console, print_table, to_json

ERROR_EXIT = 2
connect_app = typer.Typer(
    help="Connections to the tools teams use, pulled by `leadline sync` (docs/connectors.md).",
    no_args_is_help=True,
)


def _kinds_help() -> str:
    lines = []
    for name, connector in all_kinds().items():
        flags = ", ".join(_flag(o) for o in connector.options)
        lines.append(f"{name}: {connector.summary}. Options: {flags or 'none'}.")
    return "\n\n".join(lines)


def _flag(option: KindOption) -> str:
    text = f"--{option.name}" + ("" if option.flag else " VALUE")
    return text + (" (repeatable)" if option.multiple else "")


def parse_kind_options(kind_name: str, args: list[str]) -> dict[str, Any]:
    """``--org acme --repo a/b --repo c/d --flag`` as the kind's options; unknown ones refused."""
    connector = kind(kind_name)
    known = {o.name: o for o in connector.options}
    found: dict[str, Any] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("--"):
            raise ConnectionRefused(f"unexpected argument {arg!r}")
        key, _, inline = arg[2:].partition("=")
        if key == "token":
            raise ConnectionRefused(
                "a token is never given on the command line or stored: name the environment "
                "variable (--token-env) or file (--token-file) that holds it"
            )
        option = known.get(key)
        if option is None:
            names = ", ".join(_flag(o) for o in connector.options) or "none"
            raise ConnectionRefused(f"{kind_name} has no option --{key}; its options: {names}")
        if option.flag:
            found[key] = True
            index += 1
            continue
        if inline:
            value = inline
            index += 1
        elif index + 1 < len(args):
            value = args[index + 1]
            index += 2
        else:
            raise ConnectionRefused(f"--{key} needs a value")
        if option.multiple:
            found.setdefault(key, []).append(value)
        else:
            found[key] = value
    return found


@connect_app.command(
    "add",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def add_command(
    ctx: typer.Context,
    kind_name: Annotated[str, typer.Argument(metavar="KIND", help="github, gitlab, jira...")],
    name: Annotated[str, typer.Argument(help="A name for the connection (e.g. acme).")],
    *,
    token_env: Annotated[
        str | None,
        typer.Option("--token-env", help="Environment variable holding the token (read at sync)."),
    ] = None,
    token_file: Annotated[
        str | None, typer.Option("--token-file", help="File holding the token (read at sync).")
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option("--schedule", help="Cron expression for `leadline serve` (e.g. '0 * * * *')."),
    ] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Acting user (default: LEADLINE_ACTOR, OS user).")
    ] = None,
) -> None:
    """Add a connection of KIND named NAME; the kind's own options follow (``--org acme``,
    ``--base-url URL``...; ``leadline connect kinds`` lists them). Only the reference to the
    token is stored, never the token."""
    app: App = ctx.obj
    try:
        options = parse_kind_options(kind_name, list(ctx.args))
        with app.store.session() as session:
            connection = add_connection(
                session,
                kind_name,
                name,
                options,
                token_env=token_env,
                token_file=token_file,
                schedule=schedule,
                actor=actor_name(as_),
            )
            summary = f"added {connection.kind} connection {connection.name!r}"
    except (ConnectionRefused, KeyError) as error:
        err_console.print(f"[red]error:[/red] {error.args[0]}")
        raise typer.Exit(ERROR_EXIT) from None
    console.print(f"{summary}; run `leadline sync {name}` to pull it")


@connect_app.command("kinds")
def kinds_command() -> None:
    """The kinds of connection, their options and the least token scopes each needs."""
    for name, connector in all_kinds().items():
        console.print(f"[bold]{name}[/bold]: {connector.summary}")
        for option in connector.options:
            console.print(f"  {_flag(option)}: {option.help}")
        console.print(f"  token: {connector.scopes_doc}\n")


@connect_app.command("list")
def list_command(
    ctx: typer.Context,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table or json")
    ] = OutputFormat.table,
) -> None:
    """Every connection: kind, target, where its token comes from, schedule and last run."""
    app: App = ctx.obj
    with app.store.session() as session:
        rows = connection_rows(session)
    if fmt is OutputFormat.json:
        print(to_json(rows))
        return
    if not rows:
        console.print("no connections (leadline connect add KIND NAME ...)", style="dim")
        return
    table = Table(title="Connections")
    for column in ("Name", "Kind", "Target", "Token from", "Schedule", "Last run", "Status"):
        table.add_column(column)
    table.add_column("Facts landed", justify="right")
    table.add_column("Requests", justify="right")
    for row in rows:
        table.add_row(
            row["name"],
            row["kind"],
            _target(row["options"]),
            row["secret"] or "-",
            row["schedule"] or "-",
            row["last_run"].strftime("%Y-%m-%d %H:%M UTC") if row["last_run"] else "never",
            str(row["status"]) + (f": {row['error']}" if row["error"] else ""),
            f"{row['facts_landed']:,}" if row["facts_landed"] is not None else "-",
            f"{row['requests']:,}" if row["requests"] is not None else "-",
        )
    print_table(table)


def _target(options: dict[str, Any]) -> str:
    parts = []
    for key, value in options.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key} {shown}")
    return "; ".join(parts) or "-"


@connect_app.command("remove")
def remove_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The connection to remove.")],
    as_: Annotated[
        str | None, typer.Option("--as", help="Acting user (default: LEADLINE_ACTOR, OS user).")
    ] = None,
) -> None:
    """Remove a connection, its runs and cursors; the facts it landed stay."""
    app: App = ctx.obj
    try:
        with app.store.session() as session:
            remove_connection(session, name, actor=actor_name(as_))
    except ConnectionRefused as error:
        err_console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(ERROR_EXIT) from None
    console.print(f"removed connection {name!r}")


def sync_command(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(metavar="[NAME]...", help="Connections (default: all).")
    ] = None,
    *,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Read again from this date (ISO), whatever the cursors say."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the cursors: read the whole history again.")
    ] = False,
    time_box: Annotated[
        float | None,
        typer.Option("--time-box", help="Stop each connection after this many seconds."),
    ] = None,
) -> None:
    """Pull what changed since each connection's cursors and land it through the same sources
    as files; exit 1 when a connection failed (the others still ran)."""
    app: App = ctx.obj
    try:
        start = _since(since)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--since") from None
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    tasks: dict[str, Any] = {}
    counts: dict[str, int] = {}
    with Progress(*columns, console=err_console, transient=False) as progress:

        def report(name: str, event: str, info: dict[str, Any]) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=None)
            counts[name] = counts.get(name, 0) + (event == "request")
            what = info.get("label") or info.get("url") or ""
            text = f"{name}: {counts[name]:,} requests, {what}"
            progress.update(tasks[name], description=text)

        try:
            results = sync_all(
                names or None,
                settings=app.settings,
                store=app.store,
                since=start,
                full=full,
                progress=report,
                time_box=time_box,
            )
        except KeyError as error:
            err_console.print(f"[red]error:[/red] {error.args[0]}")
            raise typer.Exit(ERROR_EXIT) from None
        for result in results:
            if result.name in tasks:
                progress.update(tasks[result.name], description=_line(result))
    for result in results:
        console.print(_line(result), highlight=False, soft_wrap=True)
    if not results:
        console.print("no connections to sync (leadline connect add KIND NAME ...)", style="dim")
    if any(r.status != "ok" for r in results):
        raise typer.Exit(1)


def _line(result: SyncResult) -> str:
    mark = {"ok": "OK", "partial": "PARTIAL", "failed": "FAILED"}.get(result.status, "?")
    return f"{mark} {result.summary()}"


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
