"""Daily cost anomalies per service, as Ibis window functions (DuckDB and Spark alike).

Method (documented in docs/finops.md): the daily cost of each (billing currency, ServiceName)
series — day = the UTC date of ``charge_period_start``, cost = EffectiveCost or BilledCost — is
laid on a zero-filled grid of days from the series' first day with lines (a day without lines
costs 0). A day is anomalous when it has at least ``min_history`` (7) prior days in the series,
and its cost exceeds the mean of the previous ``window_days`` (14) days by more than ``sigmas``
(3) sample standard deviations of those days AND by more than ``min_delta`` (10 currency units):
the statistical test finds the unusual, the absolute floor keeps pennies from paging anyone.

Monthly postings (salaries, licences, a provider's monthly charges, all dated the 1st) would
all be "anomalies" against a daily baseline of zeros. So a series with cost in at least two
calendar months of the look-back (``window_months`` (6) months before ``since``'s month up to
``until``) and in none on more than ``monthly_max_days`` (2: a posting and its correction)
days has a **monthly cadence** and is judged month against month instead: the month's total
against the mean and sample deviation of the previous ``window_months`` months (zero-filled
from its first month), with at least ``min_history_months`` (3) of them, by the same
``sigmas`` and ``min_delta``; it is reported on the month's first posting day when that day
is in ``[since, until)``.
Sources: FinOps Foundation, Anomaly Management capability; the trailing-window z-score rule.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
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
from leadline.periods import instant

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
    window_months: int = 6
    min_history_months: int = 3
    monthly_max_days: int = 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "baseline": f"trailing {self.window_days}-day mean and sample standard deviation",
            "window_days": self.window_days,
            "sigmas": self.sigmas,
            "min_delta": self.min_delta,
            "min_history_days": self.min_history,
            "monthly_baseline": f"trailing {self.window_months}-month mean and sample "
            f"standard deviation, for series with cost on at most {self.monthly_max_days} "
            "days of every month",
            "window_months": self.window_months,
            "min_history_months": self.min_history_months,
            "monthly_max_days": self.monthly_max_days,
        }

    def lookback(self, since: dt.datetime) -> dt.datetime:
        """The first day the cadence and the monthly baseline read: the start of the month
        ``window_months`` months before ``since``'s."""
        month = since.year * 12 + since.month - 1 - self.window_months
        return dt.datetime(month // 12, month % 12 + 1, 1)


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


def monthly_series(
    lines: ibis.Table,
    since: dt.datetime,
    until: dt.datetime,
    cost_type: str = "effective",
    method: Method | None = None,
) -> ibis.Table:
    """The (currency, service) series of monthly cadence: in the look-back up to ``until``,
    cost in at least two calendar months and in none on more than ``monthly_max_days`` days."""
    method = method or Method()
    daily = daily_costs(lines, method.lookback(since), until, cost_type)
    daily = daily.filter(daily.cost != 0)
    keys = ["billing_currency", "service"]
    per_month = daily.group_by([*keys, daily.day.truncate("M").name("month")]).aggregate(
        days=_.count()
    )
    busiest = per_month.group_by(keys).aggregate(
        busiest=per_month.days.max(), months=per_month.count()
    )
    monthly = (busiest.busiest <= method.monthly_max_days) & (busiest.months >= 2)
    return busiest.filter(monthly).select(*keys)


def anomaly_scores(
    lines: ibis.Table,
    since: dt.datetime,
    until: dt.datetime,
    cost_type: str = "effective",
    method: Method | None = None,
) -> ibis.Table:
    """Each day of ``[since, until)`` per series of daily cadence: cost, baseline mean and
    deviation over the previous days, the threshold and whether the day is anomalous."""
    method = method or Method()
    history = since - DAY * method.window_days
    daily = daily_costs(lines, history, until, cost_type)
    daily = daily.anti_join(
        monthly_series(lines, since, until, cost_type, method), ["billing_currency", "service"]
    )
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


def monthly_totals(
    lines: ibis.Table,
    since: dt.datetime,
    until: dt.datetime,
    cost_type: str = "effective",
    method: Method | None = None,
) -> ibis.Table:
    """Per monthly-cadence series and month of the look-back: the month's cost and its first
    day with cost (where an anomaly is reported)."""
    method = method or Method()
    keys = ["billing_currency", "service"]
    daily = daily_costs(lines, method.lookback(since), until, cost_type)
    daily = daily.semi_join(monthly_series(lines, since, until, cost_type, method), keys)
    posted = daily.filter(daily.cost != 0)
    first = posted.group_by([*keys, posted.day.truncate("M").name("month")]).aggregate(
        first_day=posted.day.min()
    )
    totals = daily.group_by([*keys, daily.day.truncate("M").name("month")]).aggregate(
        cost=daily.cost.sum()
    )
    return totals.left_join(first, [*keys, "month"]).select(
        totals.billing_currency, totals.service, totals.month, totals.cost, first.first_day
    )


def _months_between(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    out, month = [], first.year * 12 + first.month - 1
    while (found := dt.datetime(month // 12, month % 12 + 1, 1)) <= last:
        out.append(found)
        month += 1
    return out


def monthly_scores(
    totals: Iterable[dict[str, Any]], since: dt.datetime, until: dt.datetime, method: Method
) -> list[dict[str, Any]]:
    """Each month of each monthly series whose first posting day is in ``[since, until)``,
    scored against the previous ``window_months`` months (months without cost count as 0, from
    the series' first month): mean, sample deviation, threshold, whether anomalous."""
    series: dict[tuple[str, str], dict[dt.datetime, dict[str, Any]]] = {}
    for row in totals:
        month = row["month"].replace(tzinfo=None)
        series.setdefault((row["billing_currency"], row["service"]), {})[month] = row
    out = []
    for (currency, service), months in sorted(series.items()):
        grid = _months_between(min(months), max(months))
        values = [float(months[m]["cost"]) if m in months else 0.0 for m in grid]
        for index, month in enumerate(grid):
            day = months.get(month, {}).get("first_day")
            if day is None or not since <= day.replace(tzinfo=None) < until:
                continue
            prior = values[max(0, index - method.window_months) : index]
            mean = statistics.fmean(prior) if prior else None
            std = statistics.stdev(prior) if len(prior) > 1 else None
            threshold = None if mean is None or std is None else mean + method.sigmas * std
            value = values[index]
            out.append(
                {
                    "billing_currency": currency,
                    "service": service,
                    "day": day.replace(tzinfo=None),
                    "month": month,
                    "cost": months[month]["cost"],
                    "prior_months": len(prior),
                    "baseline_mean": mean,
                    "baseline_std": std,
                    "threshold": threshold,
                    "anomalous": len(prior) >= method.min_history_months
                    and threshold is not None
                    and mean is not None
                    and value > threshold
                    and value - mean > method.min_delta,
                }
            )
    return out


def money_text(value: Decimal, currency: str) -> str:
    """An exact amount with at least the currency's minor-unit places, no trailing zeros."""
    places = minor_units(currency)
    exact = value.normalize()
    if -exact.as_tuple().exponent < places:  # type: ignore[operator]
        exact = exact.quantize(Decimal(1).scaleb(-places))
    return f"{exact:f}"


def _day(text: str) -> dt.datetime:
    """The first instant of a day within the years every window keeps: a PeriodError (a
    ValueError) otherwise (issue 16: 0001-01-01 overflowed the 30-day look-back)."""
    return dt.datetime.combine(instant(text[:10]).date(), dt.time())


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
    lines = lake.table("cost_lines")
    scores = anomaly_scores(lines, start, end, cost_type, method)
    rows = lake.execute(scores.filter(scores.anomalous)).to_pylist()
    series = lake.execute(
        scores.select("billing_currency", "service").distinct().aggregate(n=_.count())
    ).to_pylist()
    monthly = monthly_scores(
        lake.execute(monthly_totals(lines, start, end, cost_type, method)).to_pylist(),
        start,
        end,
        method,
    )
    found = [{**r, "cadence": "daily"} for r in rows]
    found += [{**r, "cadence": "monthly"} for r in monthly if r["anomalous"]]
    found.sort(key=lambda r: (r["day"], r["service"], r["billing_currency"]))
    return {
        "since": start.date().isoformat(),
        "until": end.date().isoformat(),
        "cost_type": cost_type,
        "method": method.as_dict(),
        "series": (int(series[0]["n"]) if series else 0)
        + len({(r["billing_currency"], r["service"]) for r in monthly}),
        "anomalies": [_anomaly(r) for r in found],
    }


def _anomaly(row: dict[str, Any]) -> dict[str, Any]:
    """One anomalous day (daily cadence) or month (monthly cadence, on its posting day)."""
    monthly = row["cadence"] == "monthly"
    return {
        "day": row["day"].date().isoformat(),
        "service": row["service"],
        "currency": row["billing_currency"],
        "cadence": row["cadence"],
        "cost": money_text(row["cost"], row["billing_currency"]),
        "baseline_mean": round(row["baseline_mean"], 6),
        "baseline_std": round(row["baseline_std"], 6),
        "threshold": round(row["threshold"], 6),
        "excess": round(float(row["cost"]) - row["baseline_mean"], 6),
        "prior_days": None if monthly else row["prior_days"],
        "prior_months": row["prior_months"] if monthly else None,
    }
