"""Bindable developer-experience metrics: ``devex.<dimension>``, a team's (or the
organisation's) mean answer over the key result's quarter; None when suppressed."""

from __future__ import annotations

from leadline.people.metrics import ORGANISATION
from leadline.people.report import devex
from leadline.people.schemas import DIMENSIONS
from leadline.strategy.bindings import Evaluate, Evaluator, Period, Scope, bindable
from leadline.strategy.quarters import quarter_of


def _mean(dimension: str) -> Evaluate:
    def evaluate(ev: Evaluator, scope: Scope, period: Period) -> float | None:
        quarter = quarter_of(period.since.date())
        report = ev.cached(
            ("devex", quarter), lambda: devex(ev.app, quarter=quarter, engine=ev.engine)
        )
        rows = report["organisation"] if scope.kind == "organisation" else report["teams"]
        wanted = ORGANISATION if scope.kind == "organisation" else scope.name
        for row in rows:
            if row["team"] == wanted and row["dimension"] == dimension:
                value = row["mean"]
                return None if value is None else float(value)
        return None

    return evaluate


for _dimension in DIMENSIONS:
    bindable(
        f"devex.{_dimension}",
        unit="score 1-5",
        better="higher",
        scopes=("team", "organisation"),
        description=f"Mean {_dimension.replace('_', ' ')} answer of the quarter's survey "
        "(none when under 5 respondents).",
    )(_mean(_dimension))
