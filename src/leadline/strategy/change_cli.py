"""``leadline change [ideas]``: thin layer over strategy.change."""

from __future__ import annotations

from typing import Annotated

import typer

from leadline.context import App
from leadline.output import OutputFormat, emit, to_json
from leadline.strategy.change import change_report

change_app = typer.Typer(
    help="Change and transformation: Kotter stage, ADKAR barrier points, metrics, ideas.",
    invoke_without_command=True,
)
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]


@change_app.callback()
def change_command(ctx: typer.Context, *, fmt: Fmt = OutputFormat.table) -> None:
    """Initiatives with their Kotter step, each stakeholder group's latest ADKAR scores and
    barrier point, and the latest transformation metrics."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    data = change_report(app)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = []
    for i in data["initiatives"]:
        latest = i["latest_metrics"] or {}
        for group in i["adkar"] or [{}]:
            rows.append(
                {
                    "initiative": i["name"],
                    "kotter": f"{i['kotter_stage']}/8 {i['kotter_step']}",
                    "group": group.get("group"),
                    "ADKAR": "-".join(
                        str(group[e])
                        for e in ("awareness", "desire", "knowledge", "ability", "reinforcement")
                    )
                    if group
                    else None,
                    "barrier": group.get("barrier_point"),
                    "adoption": latest.get("adoption_rate"),
                    "satisfaction": latest.get("satisfaction"),
                    "efficiency": latest.get("process_efficiency"),
                    "ROI realised": latest.get("roi_realisation"),
                }
            )
    emit(rows, fmt, key="initiatives", title="Change initiatives")


@change_app.command("ideas")
def ideas_command(ctx: typer.Context, *, fmt: Fmt = OutputFormat.table) -> None:
    """The innovation pipeline: ideas by stage with budget and outcome."""
    app: App = ctx.obj
    data = change_report(app)
    if fmt is OutputFormat.json:
        print(to_json({"pipeline": data["pipeline"], "ideas": data["ideas"]}))
        return
    rows = [
        {k: d[k] for k in ("name", "stage", "owner", "budget", "currency", "outcome")}
        for d in data["ideas"]
    ]
    emit(rows, fmt, key="ideas", title="Innovation pipeline")
