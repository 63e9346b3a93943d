"""Daily cost anomalies per service, as Ibis window functions (DuckDB and Spark alike).

Method (documented in docs/finops.md): the daily cost of each (billing currency, ServiceName)
series — day = the UTC date of ``charge_period_start``, cost = EffectiveCost or BilledCost — is
laid on a zero-filled grid of days from the series' first day with lines (a day without lines
costs 0). A day is anomalous when it has at least ``min_history`` (7) prior days in the series,
and its cost exceeds the mean of the previous ``window_days`` (14) days by more than ``sigmas``
(3) sample standard deviations of those days AND by more than ``min_delta`` (10 currency units):
the statistical test finds the unusual, the absolute floor keeps pennies from paging anyone.
Sources: FinOps Foundation, Anomaly Management capability; the trailing-window z-score rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
from ibis import _

from leadline.context import App
from leadline.finops.allocation import COST_TYPES
from leadline.finops.apportion import minor_units
from leadline.finops.budgets import latest_charge
from leadline.lake.engines import Lake

NO_SERVICE = "(none)"
DEFAULT_DAYS = 30
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Method:
    """The anomaly rule's parameters."""

    window_days: int = 14
    sigmas: float = 3.0
    min_delta: float = 10.0
    min_history: int = 7

    def as_dict(self) -> dict[str, Any]:
        return {
            "baseline": f"trailing {self.window_days}-day mean and sample standard deviation",
            "window_days": self.window_days,
            "sigmas": self.sigmas,
            "min_delta": self.min_delta,
            "min_history_days": self.min_history,
        }


def _stamp(value: dt.datetime) -> ibis.TimestampValue:
    return ibis.literal(value, "timestamp(6)")


def daily_costs(
    lines: ibis.Table, since: dt.datetime, until: dt.datetime, cost_type: str = "effective"
) -> ibis.Table:
    """Cost per (currency, service, day) of the lines charged in ``[since, until)``."""
    rows = lines.filter(
        lines.charge_period_start >= _stamp(since), lines.charge_period_start < _stamp(until)
    )
    keyed = rows.mutate(
        service=rows.service_name.fill_null(NO_SERVICE),
        day=rows.charge_period_start.truncate("D"),
        cost=rows[COST_TYPES[cost_type]],
    )
    return keyed.group_by(["billing_currency", "service", "day"]).aggregate(cost=_.cost.sum())


def day_grid(
    lines: ibis.Table, daily: ibis.Table, since: dt.datetime, until: dt.datetime
) -> ibis.Table:
    """Every day up to (excluding) ``until`` of each series with cost in ``daily``, from the
    series' first day with lines ever, but no earlier than ``since`` (older days cannot reach
    a window)."""
    keys = ["billing_currency", "service"]
    early = lines.filter(lines.charge_period_start < _stamp(until))
    early = early.mutate(service=early.service_name.fill_null(NO_SERVICE))
    first = early.group_by(keys).aggregate(first=early.charge_period_start.min().truncate("D"))
    present = daily.select(*keys).distinct()
    first = first.semi_join(present, keys)
    start = ibis.greatest(first.first, _stamp(since))
    days = ibis.range(start, _stamp(until), ibis.interval(days=1))
    return first.mutate(day=days).unnest("day").drop("first")


def anomaly_scores(
    lines: ibis.Table,
    since: dt.datetime,
    until: dt.datetime,
    cost_type: str = "effective",
    method: Method | None = None,
) -> ibis.Table:
    """Each day of ``[since, until)`` per series: cost, baseline mean and deviation over the
    previous days, the threshold and whether the day is anomalous."""
    method = method or Method()
    history = since - DAY * method.window_days
    daily = daily_costs(lines, history, until, cost_type)
    grid = day_grid(lines, daily, history, until)
    keys = ["billing_currency", "service", "day"]
    filled = grid.left_join(daily, keys).select(
        grid.billing_currency, grid.service, grid.day, cost=daily.cost.fill_null(0)
    )
    value = filled.cost.cast("float64")
    window = ibis.window(
        group_by=["billing_currency", "service"], order_by="day", rows=(-method.window_days, -1)
    )
    scored = filled.mutate(
        prior_days=value.count().over(window),
        baseline_mean=value.mean().over(window),
        baseline_std=value.std(how="sample").over(window),
        value=value,
    )
    threshold = scored.baseline_mean + scored.baseline_std * method.sigmas
    anomalous = (
        (scored.prior_days >= method.min_history)
        & (scored.value > threshold)
        & (scored.value - scored.baseline_mean > method.min_delta)
    ).fill_null(False)
    out = scored.mutate(threshold=threshold, anomalous=anomalous).drop("value")
    return out.filter(out.day >= _stamp(since))


def money_text(value: Decimal, currency: str) -> str:
    """An exact amount with at least the currency's minor-unit places, no trailing zeros."""
    places = minor_units(currency)
    exact = value.normalize()
    if -exact.as_tuple().exponent < places:  # type: ignore[operator]
        exact = exact.quantize(Decimal(1).scaleb(-places))
    return f"{exact:f}"


def _day(text: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())


def anomalies(
    app: App,
    *,
    since: str | None = None,
    until: str | None = None,
    cost_type: str = "effective",
    min_delta: float = 10.0,
    engine: str | None = None,
) -> dict[str, Any]:
    """Anomalous days in ``[since, until)`` (default: the 30 days up to the latest data)."""
    lake = Lake(app.settings, app.store, engine)
    if until is None:
        latest = latest_charge(lake, None)
        end = _day(latest.isoformat()) + DAY if latest else _day(dt.date.today().isoformat())
    else:
        end = _day(until)
    start = _day(since) if since else end - DAY * DEFAULT_DAYS
    if start >= end:
        raise ValueError(f"--since ({start.date()}) must be before --until ({end.date()})")
    method = Method(min_delta=min_delta)
    scores = anomaly_scores(lake.table("cost_lines"), start, end, cost_type, method)
    rows = lake.execute(scores.filter(scores.anomalous).order_by(["day", "service"])).to_pylist()
    series = lake.execute(
        scores.select("billing_currency", "service").distinct().aggregate(n=_.count())
    ).to_pylist()
    return {
        "since": start.date().isoformat(),
        "until": end.date().isoformat(),
        "cost_type": cost_type,
        "method": method.as_dict(),
        "series": int(series[0]["n"]) if series else 0,
        "anomalies": [
            {
                "day": r["day"].date().isoformat(),
                "service": r["service"],
                "currency": r["billing_currency"],
                "cost": money_text(r["cost"], r["billing_currency"]),
                "baseline_mean": round(r["baseline_mean"], 6),
                "baseline_std": round(r["baseline_std"], 6),
                "threshold": round(r["threshold"], 6),
                "excess": round(float(r["cost"]) - r["baseline_mean"], 6),
                "prior_days": r["prior_days"],
            }
            for r in rows
        ],
    }
