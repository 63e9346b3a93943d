"""``leadline finops commitments``: commitment coverage and utilisation of a month by team, or
the unused cost of each commitment discount (``--list``); registered on ``finops_app``."""

from __future__ import annotations

from typing import Annotated

import typer

from leadline.context import App
from leadline.finops.cli import Currency, Engine, Fmt, MonthOpt, _fail, _warn, finops_app
from leadline.finops.commitment_report import (
    commitments_report,
    commitments_table,
    coverage_table,
)
from leadline.finops.report import FinOpsError
from leadline.output import OutputFormat, show, to_json


@finops_app.command("commitments")
def commitments_command(
    ctx: typer.Context,
    *,
    month: MonthOpt,
    listing: Annotated[
        bool,
        typer.Option("--list", help="One row per commitment discount (used, unused cost)."),
    ] = False,
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Commitment coverage (eligible usage covered by reservations and savings plans) and
    utilisation (used / committed, unused cost) of a month, by team or by commitment."""
    app: App = ctx.obj
    try:
        data = commitments_report(app, month, currency=currency, engine=engine)
    except FinOpsError as error:
        _fail(error)
        return
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    show(commitments_table(data) if listing else coverage_table(data), fmt)
    _warn(data)
