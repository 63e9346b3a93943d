"""The FinOps pillar's registered metrics: cost, allocation coverage and unit cost.

Each reads the window's calendar months (those started by the as-of instant), allocated once
per evaluation with ``finops.report.allocate_months`` (the computation behind ``leadline
finops showback``), effective cost. Periods longer than a month combine months by their
amounts, never by averaging ratios: coverage is weighted by each month's cost; unit cost is
the period's cost over the driver summed over its months. A month whose costs mix currencies
(no single currency can be chosen) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

from leadline.catalog.grouping import ORGANISATION, Scope, ScopeKind
from leadline.periods import Period, Window
from leadline.present.model import Column, Report
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, Values

COST_SCOPES: tuple[ScopeKind, ...] = (
    "service",
    "team",
    "value-stream",
    "business-unit",
    "organisation",
)
FINOPS = "FinOps Foundation framework (allocation, showback, unit economics); FOCUS 1.x"


def allocations(ev: Evaluation, months: Sequence[str]) -> dict[str, Any]:
    """month -> MonthAllocation for the months allocated together (the horizon's started
    months when they hold all of ``months``), once per evaluation; months that cannot be
    allocated (no rules, mixed currencies) are absent."""
    from leadline.finops.report import MonthAllocation

    found = _allocated(ev, months)
    return {m: a for m, a in found.items() if isinstance(a, MonthAllocation)}


def _allocated(ev: Evaluation, months: Sequence[str]) -> dict[str, Any]:
    """month -> MonthAllocation, or the FinOpsError saying why it cannot be allocated, for
    the started ones of ``months``."""
    from leadline.finops.report import FinOpsError, allocate_months

    started = [m for m in months if m <= ev.now.strftime("%Y-%m")]
    horizon = [m for m in ev.horizon if m <= ev.now.strftime("%Y-%m")]
    wanted = tuple(horizon) if set(started) <= set(horizon) else tuple(started)

    def compute() -> dict[str, Any]:
        if not wanted:
            return {}
        try:
            return dict(
                allocate_months(
                    ev.app, [Period.parse(m) for m in wanted], "effective", None, ev.engine
                )
            )
        except FinOpsError as error:  # e.g. a month in several currencies
            return dict.fromkeys(wanted, error)

    result: dict[str, Any] = ev.cached(("allocations", wanted), compute)
    return {m: result[m] for m in started if m in result}


def unavailable(ev: Evaluation, window: Window) -> str | None:
    """Why the window's cost has no value: its months have not started, a month cannot be
    allocated (costs in several currencies: that error's words), no cost lines, or months in
    different currencies. None when it has a value."""
    from leadline.finops.report import FinOpsError

    months = ev.months_started(window)
    if not months:
        return f"{window.label} has not started by {ev.now:%Y-%m-%d}"
    found = _allocated(ev, months)
    errors = [str(v) for v in found.values() if isinstance(v, FinOpsError)]
    if errors:
        return errors[0]
    if not any(a.lines for a in found.values()):
        return f"no cost lines in {', '.join(months)}"
    if len({a.currency for a in found.values() if a.lines}) > 1:
        return f"the months of {window.label} have costs in different currencies"
    return None


def _exact(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def currency(ev: Evaluation, window: Window) -> str | None:
    """The currency of the window's allocated months (None when none, or when they differ)."""
    found = {a.currency for a in allocations(ev, ev.months_started(window)).values()}
    return found.pop() if len(found) == 1 else None


def _cost_by(ev: Evaluation, kind: ScopeKind, window: Window) -> dict[str, Fraction]:
    from leadline.finops.budgets import actuals

    months = allocations(ev, ev.months_started(window))
    if len({a.currency for a in months.values()}) > 1:
        return {}  # never summed across currencies
    total: dict[str, Fraction] = {}
    for result in months.values():
        for key, amount in actuals(result, kind).items():
            total[key] = total.get(key, Fraction(0)) + amount
    return total


def cost(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    return [{k: float(_exact(v)) for k, v in _cost_by(ev, kind, w).items()} for w in windows]


def allocation_coverage(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    from leadline.finops.report import shape

    out: list[Values] = []
    for window in windows:
        weighted, total = Fraction(0), Fraction(0)
        for result in allocations(ev, ev.months_started(window)).values():
            data = shape(result, "team")
            amount = Fraction(Decimal(data["total"]))
            if amount > 0 and data["allocation_coverage"] is not None:
                weighted += amount * Fraction(repr(data["allocation_coverage"]))
                total += amount
        out.append({ORGANISATION: float(100 * weighted / total)} if total else {})
    return out


def unit_cost(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    """The window's cost over the driver's volume summed over the same months."""
    from leadline.finops.apportion import UNALLOCATED_KEY
    from leadline.finops.budgets import actuals
    from leadline.lake.engines import Lake

    driver = params["driver"]
    lake = Lake(ev.app.settings, ev.app.store, ev.engine)
    out: list[Values] = []
    for window in windows:
        spent: dict[str, Fraction] = {}
        volume: dict[str, Fraction] = {}
        for month, result in allocations(ev, ev.months_started(window)).items():
            volumes: dict[str, Fraction] = ev.cached(
                ("driver-volumes", driver, month),
                partial(_volumes, lake, driver, month),
            )
            for key, amount in actuals(result, kind).items():
                if key == UNALLOCATED_KEY or key not in volumes:
                    continue
                spent[key] = spent.get(key, Fraction(0)) + amount
                volume[key] = volume.get(key, Fraction(0)) + volumes[key]
        out.append({k: float(spent[k] / v) for k, v in volume.items() if v > 0})
    return out


def _volumes(lake: Any, driver: str, month: str) -> dict[str, Fraction]:
    from leadline.finops.unit_cost import driver_volumes

    return driver_volumes(lake, driver, Period.parse(month))


def explain_cost(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Report:
    """The allocated portions behind a scope's cost: month, rule, pool, team, service, tower."""
    from leadline.finops.apportion import UNALLOCATED_KEY
    from leadline.finops.report import group_key

    rows = []
    for month, result in sorted(allocations(ev, ev.months_started(window)).items()):
        key_of = group_key(scope.kind, result.catalog) if scope.kind != ORGANISATION else None
        for portion in result.allocation.portions:
            if portion.kind == "unallocated":
                key = UNALLOCATED_KEY
            else:
                key = ORGANISATION if key_of is None else key_of(portion)
            if scope.kind != ORGANISATION and key != scope.name:
                continue
            rows.append(
                {
                    "month": month,
                    "kind": portion.kind,
                    "team": portion.team,
                    "service": portion.service,
                    "tower": portion.tower,
                    "rule": portion.rule,
                    "pool": portion.pool,
                    "amount": _exact(portion.amount),
                    "currency": result.currency,
                }
            )
    columns = [
        Column("month", "Month"),
        Column("kind", "Allocation", "label"),
        Column("team", "Team", "name"),
        Column("service", "Service", "name"),
        Column("tower", "Tower", "name"),
        Column("rule", "Rule"),
        Column("pool", "Shared pool"),
        Column("amount", "Amount", "money", currency="@currency"),
        Column("currency", "Currency"),
    ]
    return Report("cost", f"Cost of {scope}", columns, rows)


def _currency_of(ev: Evaluation, window: Window) -> str | None:
    return currency(ev, window)


METRICS = (
    Metric(
        key="finops.cost",
        title="Cost",
        unit="money",
        direction="lower",
        scopes=COST_SCOPES,
        default_window="previous-month",
        anchor="showback",
        pillar="finops",
        description="Effective cost allocated to the scope over the window's months.",
        evaluate=cost,
        explain=explain_cost,
        currency_of=_currency_of,
        unavailable=unavailable,
        source=FINOPS,
    ),
    Metric(
        key="finops.allocation_coverage",
        title="Allocation coverage",
        unit="percent",
        direction="higher",
        scopes=("organisation",),
        default_window="previous-month",
        anchor="allocation-coverage",
        pillar="finops",
        description="Share of cost allocated directly (tags, accounts, rules) rather than "
        "shared or unallocated, weighted by each month's cost.",
        evaluate=allocation_coverage,
        explain=explain_cost,
        unavailable=unavailable,
        source=FINOPS,
    ),
    Metric(
        key="finops.unit_cost",
        title="Unit cost",
        unit="money",
        direction="lower",
        scopes=COST_SCOPES,
        default_window="quarter",
        anchor="unit-cost",
        pillar="finops",
        description="The window's cost over a business driver's volume summed over the same "
        "months (parameter driver, e.g. customers or transactions).",
        evaluate=unit_cost,
        explain=explain_cost,
        currency_of=_currency_of,
        unavailable=unavailable,
        params=("driver",),
        source=FINOPS,
    ),
)
