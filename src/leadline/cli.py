"""The ``leadline`` command. Each pillar registers its own sub-command group here."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from leadline import __version__
from leadline.audit.cli import audit
from leadline.catalog.cli import catalog_app
from leadline.context import App
from leadline.delivery.cli import dora_command
from leadline.demo.cli import demo
from leadline.finops.cli import finops_app
from leadline.ingest.cli import batches, ingest_app, register_ingest_commands, rejects, templates
from leadline.lake.cli import lake_app
from leadline.maturity.cli import maturity_command
from leadline.output import console
from leadline.people.cli import devex_command, paved_road_command, skills_command
from leadline.reliability.cli import slo_app
from leadline.reliability.sla_report import sla_app
from leadline.reliability.xla import xla_app
from leadline.risk.cli import risk_app
from leadline.scorecard.cli import report_app, scorecard_command
from leadline.semantic.cli import metrics_app
from leadline.setup import init
from leadline.strategy.change_cli import change_app
from leadline.strategy.cli import okr_app
from leadline.strategy.plan_cli import plan_app
from leadline.strategy.portfolio_cli import strategy_app
from leadline.web.cli import serve, token_app, user_app

app = typer.Typer(
    name="leadline",
    help="leadline: run IT leadership on real data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"leadline {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", envvar="LEADLINE_HOME", help="Data directory (default ./leadline-data)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = App.from_options(home=home)
    ctx.call_on_close(ctx.obj.close)


app.command()(init)
app.command()(demo)
app.add_typer(ingest_app, name="ingest")
app.command()(batches)
app.command()(rejects)
app.command()(templates)
app.add_typer(catalog_app, name="catalog")
app.command("dora")(dora_command)
app.add_typer(slo_app, name="slo")
app.add_typer(sla_app, name="sla")
app.add_typer(xla_app, name="xla")
app.add_typer(finops_app, name="finops")
app.add_typer(risk_app, name="risk")
app.add_typer(lake_app, name="lake")
app.add_typer(metrics_app, name="metrics")
app.command()(audit)
app.add_typer(okr_app, name="okr")
app.add_typer(strategy_app, name="strategy")
app.add_typer(plan_app, name="plan")
app.add_typer(change_app, name="change")
app.command("devex")(devex_command)
app.command("paved-road")(paved_road_command)
app.command("skills")(skills_command)
app.command("scorecard")(scorecard_command)
app.command("maturity")(maturity_command)
app.add_typer(report_app, name="report")
app.command()(serve)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
register_ingest_commands()


def main() -> None:
    app()


import leadline.finops.cli_more  # noqa: E402, F401
