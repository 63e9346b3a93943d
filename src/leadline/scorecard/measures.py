"""What each scorecard measure reads: the pillars' public report functions, never a metric
re-implemented here. A measure returns ``{scope: value}`` for the scopes that have data in the
period (a scope without data is absent, and shows grey).

DORA keys are null (not 0 deployments) for a period that ends before the first month holding
deployment facts: tracking had not started. Periods longer than a month combine monthly
results by their counts, never by averaging ratios: SLOs/SLAs/XLAs met = met ÷ judged over all
months; allocation coverage is weighted by each month's total cost; unit cost = the period's
cost ÷ the driver summed over its months. The months are allocated once,
together (``finops.report.allocate_months``), for both FinOps measures.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

from leadline.context import App
from leadline.delivery.metrics import Period as Bucket
from leadline.delivery.report import NO_GROUP, Window, dora_series, iso, service_groups
from leadline.finops.apportion import UNALLOCATED_KEY
from leadline.finops.budgets import ORGANISATION, actuals
from leadline.finops.report import FinOpsError, Month, MonthAllocation, allocate_months, shape
from leadline.finops.unit_cost import driver_volumes
from leadline.lake.engines import Lake
from leadline.reliability import report as reliability
from leadline.reliability.agreement_models import SLA, XLA
from leadline.reliability.agreements import load_agreements
from leadline.reliability.service_level_report import ReportMonth
from leadline.reliability.sla_report import sla_status
from leadline.reliability.xla import xla_status
from leadline.risk.compliance import UNASSIGNED, compliance_report
from leadline.scorecard.definitions import KpiDefinition, ScopeKind
from leadline.scorecard.periods import Period

Values = dict[str, float]


@dataclass
class Gather:
    """The app, the instant the scorecard is judged at, and a cache shared by the measures
    (one ``dora`` call serves the four keys; one SLO report serves every period)."""

    app: App
    engine: str | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    # The months the caller will ask about (a scorecard: its period and the previous one), so
    # month-partitioned reports read those months once.
    horizon: tuple[str, ...] = ()
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    # Measures may run on threads (DuckDB releases the GIL): one lock per key, so a result is
    # computed once while other threads wait for it.
    _locks: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.cache:
                self.cache[key] = compute()
            return self.cache[key]

    def scope_of(self, by: ScopeKind) -> dict[str, str]:
        """service -> its scope (services outside any scope are left out)."""
        pairs = self.cached(("groups", by), lambda: service_groups(self.app, by))
        return {s: k for s, k in pairs if k != NO_GROUP}

    def months(self, period: Period) -> list[str]:
        """The period's months that have started by ``now``."""
        return [m for m in period.months if m <= self.now.strftime("%Y-%m")]


def _dora_groups(g: Gather, period: Period, by: ScopeKind) -> dict[str, dict[str, Any]]:
    """The four keys per scope over the period (to ``now`` for the current one). Periods of
    the horizon come from one series by quarter (or month) over the whole horizon: one query
    for the period and the one before, each period's figures as known at ``now`` (an October
    incident caused by a September deployment counts against September)."""
    if period.start >= g.now:
        return {}
    months = Lake(g.app.settings, g.app.store, g.engine).partitions("deployments")
    if not months or months[0] > period.months[-1]:  # before tracking began: no data
        return {}
    inside = set(period.months) <= set(g.horizon)
    first = Period.parse(g.horizon[0] if inside else period.months[0])
    last = Period.parse(g.horizon[-1] if inside else period.months[-1])
    window = Window(first.start, min(last.end, max(g.now, first.start)))
    unit: Bucket = "quarter" if period.is_quarter else "month"
    periods: tuple[Bucket, ...] = (unit, "month") if by == "organisation" else (unit,)
    series = dora_buckets(g, by, window, periods)[unit]
    start = iso(period.start)
    return {
        key: bucket
        for key, buckets in series.items()
        if key != NO_GROUP
        for bucket in buckets
        if bucket["bucket"] == start
    }


def dora_buckets(
    g: Gather, by: ScopeKind, window: Window, periods: tuple[Bucket, ...]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``delivery.report.dora_series`` once per scorecard: the organisation's quarters (the
    scorecard) and months (the QBR's trend charts) come from one query."""
    result: dict[str, dict[str, list[dict[str, Any]]]] = g.cached(
        ("dora-series", by, window, periods),
        lambda: dora_series(g.app, by=by, periods=periods, window=window, engine=g.engine),
    )
    return result


def _dora(pick: Callable[[dict[str, Any]], float | None]) -> Callable[..., Values]:
    def measure(g: Gather, d: KpiDefinition, period: Period, by: ScopeKind) -> Values:
        out = {}
        for key, group in _dora_groups(g, period, by).items():
            value = pick(group)
            if value is not None:
                out[key] = float(value)
        return out

    return measure


def _percent(rate: float | None) -> float | None:
    return None if rate is None else 100.0 * rate


def slo_kpi(g: Gather, by: ScopeKind, months: list[str]) -> dict[str, Any]:
    """``reliability.report.kpi`` for (at least) these months: the horizon's when it holds
    them, so every caller of one scorecard shares one read of the samples."""
    chosen = g.horizon if set(months) <= set(g.horizon) else tuple(months)
    data: dict[str, Any] = g.cached(
        ("slo-kpi", by, chosen),
        lambda: reliability.kpi(g.app, by=by, engine=g.engine, months=list(chosen)),
    )
    return data


def slos_met(g: Gather, d: KpiDefinition, period: Period, by: ScopeKind) -> Values:
    data = slo_kpi(g, by, period.months)
    out = {}
    for group in data["groups"]:
        cells = [m for m in group["months"] if period.contains_month(m["month"])]
        judged = sum(m["slos"] for m in cells)
        if group["key"] != NO_GROUP and judged:
            out[group["key"]] = 100.0 * sum(m["met"] for m in cells) / judged
    return out


def compliance_coverage(g: Gather, d: KpiDefinition, period: Period, by: ScopeKind) -> Values:
    if by == "value-stream" or period.start > g.now:
        return {}
    at = min(period.last_day, g.now.date())
    with g.app.store.session() as session:
        data = compliance_report(session, at, by="business-unit" if by == "organisation" else by)
    if by == "organisation":
        return {} if data["coverage"] is None else {ORGANISATION: 100.0 * data["coverage"]}
    return {
        x["key"]: 100.0 * x["coverage"]
        for x in data["groups"]
        if x["key"] != UNASSIGNED and x["coverage"] is not None
    }


def _monthly(g: Gather, status_of: Callable[..., dict[str, Any]], month: str) -> dict[str, Any]:
    as_of = min(g.now, Period.parse(month).end)
    return status_of(g.app, month=ReportMonth.parse(month, as_of), by="service", engine=g.engine)


def _agreements_met(status_of: Callable[..., dict[str, Any]], kind: str) -> Callable[..., Values]:
    """Share of (service, agreement, month) verdicts that are ``met`` among met or breached;
    no report is run when no agreement of the kind exists."""

    def has_agreements(g: Gather) -> bool:
        with g.app.store.session() as session:
            return bool(load_agreements(session, kind))

    def measure(g: Gather, d: KpiDefinition, period: Period, by: ScopeKind) -> Values:
        if not g.cached(("agreements", kind), partial(has_agreements, g)):
            return {}
        scope_of = g.scope_of(by)
        met: dict[str, int] = {}
        judged: dict[str, int] = {}
        for month in g.months(period):
            data = g.cached((status_of.__name__, month), partial(_monthly, g, status_of, month))
            for group in data["groups"]:
                scope = scope_of.get(group["key"])
                if scope is None or group["status"] not in ("met", "breached"):
                    continue
                judged[scope] = judged.get(scope, 0) + 1
                met[scope] = met.get(scope, 0) + (group["status"] == "met")
        return {k: 100.0 * met[k] / n for k, n in judged.items()}

    return measure


def allocation(g: Gather, month: str) -> MonthAllocation | None:
    """The month's allocation (effective cost), None without rules or when the month's
    currency cannot be chosen. The horizon's started months are allocated together, once
    per scorecard (``finops.report.allocate_months``: one pass over their cost lines)."""
    started = g.now.strftime("%Y-%m")
    together = tuple(m for m in g.horizon if m <= started)
    wanted = together if month in together else (month,)

    def compute() -> dict[str, MonthAllocation | FinOpsError]:
        try:
            return allocate_months(
                g.app, [Month.parse(m) for m in wanted], "effective", None, g.engine
            )
        except FinOpsError:  # no allocation rules
            return {}

    results: dict[str, MonthAllocation | FinOpsError] = g.cached(("allocations", wanted), compute)
    result = results.get(month)
    return result if isinstance(result, MonthAllocation) else None


def allocation_coverage(g: Gather, d: KpiDefinition, period: Period, by: ScopeKind) -> Values:
    weighted, total = Fraction(0), Fraction(0)
    for month in g.months(period):
        result = allocation(g, month)
        if result is None:
            continue
        data = shape(result, "team")
        cost = Fraction(Decimal(data["total"]))
        if cost > 0 and data["allocation_coverage"] is not None:
            weighted += cost * Fraction(repr(data["allocation_coverage"]))
            total += cost
    return {ORGANISATION: float(100 * weighted / total)} if total else {}


def unit_costs(g: Gather, d: KpiDefinition, period: Period, by: ScopeKind) -> Values:
    """The period's cost (``finops.budgets.actuals``, as ``leadline finops unit-cost``) over
    the driver volume summed over its months (``finops.unit_cost.driver_volumes``)."""
    driver = d.params.get("driver", "")
    lake = Lake(g.app.settings, g.app.store, g.engine)
    cost: dict[str, Fraction] = {}
    volume: dict[str, Fraction] = {}
    for month in g.months(period):
        result = allocation(g, month)
        if result is None:
            continue
        volumes = driver_volumes(lake, driver, Month.parse(month))
        for key, amount in actuals(result, by).items():
            if key == UNALLOCATED_KEY or key not in volumes:
                continue
            cost[key] = cost.get(key, Fraction(0)) + amount
            volume[key] = volume.get(key, Fraction(0)) + volumes[key]
    return {k: float(cost[k] / v) for k, v in volume.items() if v > 0}


DORA_PICKS: dict[str, Callable[[dict[str, Any]], float | None]] = {
    "dora.deployment_frequency": lambda x: x["deployment_frequency_per_day"],
    "dora.lead_time_p50": lambda x: x["lead_time_hours"]["p50"],
    "dora.change_failure_rate": lambda x: _percent(x["change_failure_rate"]),
    "dora.time_to_restore_p50": lambda x: x["time_to_restore_hours"]["p50"],
}


def dora_months(g: Gather, months: list[str]) -> dict[str, dict[str, Any]]:
    """The organisation's four keys per month (the monthly series the scorecard's quarters
    are read with, when the windows agree), months before tracking began left out."""

    def compute() -> dict[str, dict[str, Any]]:
        tracked = Lake(g.app.settings, g.app.store, g.engine).partitions("deployments")
        started = [m for m in months if tracked and m >= tracked[0]]
        if not started:
            return {}
        since = Period.parse(started[0]).start
        window = Window(since, min(Period.parse(started[-1]).end, max(g.now, since)))
        series = dora_buckets(g, "organisation", window, ("quarter", "month"))["month"]
        buckets = series.get(ORGANISATION, [])
        return {b["bucket"][:7]: b for b in buckets if b["bucket"][:7] in started}

    result: dict[str, dict[str, Any]] = g.cached(("dora-months", tuple(months)), compute)
    return result


Measure = Callable[[Gather, KpiDefinition, Period, ScopeKind], Values]
MEASURES: dict[str, Measure] = {
    **{key: _dora(pick) for key, pick in DORA_PICKS.items()},
    "reliability.slos_met": slos_met,
    "risk.compliance_coverage": compliance_coverage,
    "service.sla_met": _agreements_met(sla_status, SLA),
    "service.xla_met": _agreements_met(xla_status, XLA),
    "finops.allocation_coverage": allocation_coverage,
    "finops.unit_cost": unit_costs,
}
