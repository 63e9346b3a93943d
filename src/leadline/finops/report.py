"""``leadline finops showback|chargeback``: a month's cost by team, business unit, value
stream, service or TBM tower, with an ``unallocated`` group so the groups always add up to the
total, which equals the input.

The JSON keys are the contract of DESIGN.md §4: ``{"month", "cost_type", "currency", "total",
"groups": [{"key", "cost", "share"}]}`` with money as strings of exact decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, cast

from leadline.catalog import grouping as org
from leadline.catalog.grouping import Grouping
from leadline.context import App
from leadline.finops import allocation
from leadline.finops.apportion import (
    UNALLOCATED_KEY,
    Allocation,
    Inputs,
    Portion,
    allocate,
    group,
    minor_units,
    round_conserving,
)
from leadline.finops.labour import mark_labour, spread_labour
from leadline.finops.rules import DEFAULT_RULES_NOTE, AllocationRules, default_rules
from leadline.finops.rules_source import active_rules
from leadline.lake.engines import Lake
from leadline.periods import Period, PeriodError

GroupBy = Literal["team", "business-unit", "value-stream", "service", "tower"]
CostType = Literal["effective", "billed"]
GROUPS: tuple[str, ...] = ("team", "business-unit", "value-stream", "service", "tower")
TAG_PREFIX = "tag:"  # --by tag:KEY groups by a tag's value (real or virtual)
NONE = org.NO_GROUP


class FinOpsError(ValueError):
    """A report that cannot be made as asked (no rules, mixed currencies, bad month)."""


def parse_month(text: str) -> Period:
    """The calendar month ``YYYY-MM`` names; a FinOpsError naming the option otherwise."""
    try:
        return Period.parse(text, ("month",))
    except PeriodError:
        raise FinOpsError(f"--month must be YYYY-MM, not {text!r}") from None


@dataclass
class Catalog:
    """What allocation and grouping need from the catalog: the one organisational grouping
    (``catalog.grouping``), which also gives each service's owning team and the known teams."""

    grouping: Grouping

    @classmethod
    def load(cls, app: App) -> Catalog:
        return cls(Grouping.of(app))

    @property
    def service_teams(self) -> dict[str, str | None]:
        return {name: place.team for name, place in self.grouping.services.items()}

    @property
    def teams(self) -> set[str]:
        return set(self.grouping.teams)

    def key(self, portion: Portion, by: org.GroupBy) -> str:
        """The group of a portion at a catalog level: a portion of a service's cost is
        grouped by the service's place, one allocated to a team only (a shared pool's split)
        by the team's place."""
        if portion.service is not None:
            return self.grouping.service_key(portion.service, by)
        return self.grouping.team_key(portion.team or "", by)


@dataclass
class MonthAllocation:
    """A month's allocation in one currency, before grouping."""

    month: Period
    cost_type: str
    currency: str
    allocation: Allocation
    rules: AllocationRules
    catalog: Catalog
    lines: int
    default_rules: bool = False  # no rules ingested: the default rule is in force
    dimension: str | None = None  # the tag key portions carry values of (``--by tag:KEY``)


def _rules(app: App) -> tuple[AllocationRules, bool]:
    """The rules in force, and whether they are the default (none ingested yet)."""
    with app.store.session() as session:
        rules = active_rules(session)
    return (default_rules(), True) if rules is None else (rules, False)


def tag_dimension(by: str) -> str | None:
    """The tag key of ``--by tag:KEY`` (None for the catalog and tower groupings)."""
    if not by.startswith(TAG_PREFIX):
        return None
    key = by.removeprefix(TAG_PREFIX).strip()
    if not key:
        raise FinOpsError("--by tag:KEY needs a tag key, e.g. tag:env")
    return key


def _currency(lake: Lake, lines: Any, asked: str | None) -> str | None:
    """``_choose_currency`` over the currencies present in ``lines`` (read only if needed)."""
    if asked is not None:
        return asked
    return _choose_currency(lake.execute(allocation.currencies(lines)).to_pylist(), None)


def allocate_month(
    app: App,
    month: Period,
    cost_type: CostType = "effective",
    currency: str | None = None,
    engine: str | None = None,
    *,
    dimension: str | None = None,
) -> MonthAllocation:
    """Allocate one month's cost lines (one currency) with the rules in force; with
    ``dimension`` (a tag key) each portion carries the tag's value too."""
    found = allocate_months(app, [month], cost_type, currency, engine, dimension=dimension)
    result = found[month.label]
    if isinstance(result, FinOpsError):
        raise result
    return result


def allocate_months(
    app: App,
    months: Sequence[Period],
    cost_type: CostType = "effective",
    currency: str | None = None,
    engine: str | None = None,
    *,
    dimension: str | None = None,
) -> dict[str, MonthAllocation | FinOpsError]:
    """Allocate several months with one pass over their cost lines (one query for the sums,
    one per business driver), each month exactly as ``allocate_month`` would: a month whose
    currency cannot be chosen gets its FinOpsError instead of an allocation. Reports that
    span months (scorecard, QBR, budgets) use it to avoid a query per month."""
    rules, default = _rules(app)
    lake = Lake(app.settings, app.store, engine)
    catalog = Catalog.load(app)
    if not months:
        return {}
    start, end = min(m.start for m in months), max(m.end for m in months)
    lines = allocation.month_lines(lake.table("cost_lines"), start, end)
    sums = allocation.allocation_sums(lines, rules, cost_type, by_month=True, dimension=dimension)
    rows = lake.execute(sums)
    by_month: dict[str, list[dict[str, Any]]] = {}
    for row in rows.to_pylist():
        by_month.setdefault(row["month"].strftime("%Y-%m"), []).append(row)
    drivers = _driver_months(lake, rules, start, end)
    out: dict[str, MonthAllocation | FinOpsError] = {}
    for month in months:
        found = by_month.get(month.label, [])
        try:
            chosen = _choose_currency(found, currency)
        except FinOpsError as error:
            out[month.label] = error
            continue
        if chosen is None:
            empty = Allocation()
            out[month.label] = MonthAllocation(
                month, cost_type, currency or "USD", empty, rules, catalog, 0, default, dimension
            )
            continue
        sums = allocation.fold_towers(
            [r for r in found if r["billing_currency"] == chosen], rules.towers
        )
        inputs = Inputs(
            rules,
            mark_labour(allocation.tower_names(rules.towers)),
            catalog.service_teams,
            catalog.teams,
            {name: values.get(month.label, {}) for name, values in drivers.items()},
        )
        count = sum(int(r["lines"]) for r in sums)
        out[month.label] = MonthAllocation(
            month,
            cost_type,
            chosen,
            spread_labour(allocate(sums, inputs), rules.labour, catalog.teams),
            rules,
            catalog,
            count,
            default_rules=default,
            dimension=dimension,
        )
    return out


def _choose_currency(rows: list[dict[str, Any]], asked: str | None) -> str | None:
    """The asked currency, else the only one the month's lines have (None without lines)."""
    if asked is not None:
        return asked
    present = sorted({r["billing_currency"] for r in rows})
    if len(present) > 1:
        raise FinOpsError(
            f"the month has costs in {len(present)} currencies ({', '.join(present)}); "
            "they are never summed together: choose one with --currency"
        )
    return present[0] if present else None


def _driver_months(
    lake: Lake, rules: AllocationRules, start: dt.datetime, end: dt.datetime
) -> dict[str, dict[str, dict[str, Decimal]]]:
    """driver -> month -> scope -> total, for the drivers the shared pools split by."""
    out: dict[str, dict[str, dict[str, Decimal]]] = {}
    for pool in rules.shared:
        if pool.driver is None or pool.driver in out:
            continue
        expr = allocation.driver_totals(
            lake.table("business_drivers"), pool.driver, start, end, by_month=True
        )
        months: dict[str, dict[str, Decimal]] = {}
        for r in lake.execute(expr).to_pylist():
            scopes = months.setdefault(r["month"].strftime("%Y-%m"), {})
            scopes[r["scope"]] = Decimal(repr(r["value"]))
        out[pool.driver] = months
    return out


def check_by(by: str) -> None:
    """A FinOpsError unless ``by`` is one of GROUPS or ``tag:KEY``."""
    if by not in GROUPS and tag_dimension(by) is None:
        raise FinOpsError(f"--by must be one of {', '.join(GROUPS)} or tag:KEY")


def group_key(by: str, catalog: Catalog) -> Callable[[Portion], str]:
    """The group of an allocated portion (``unallocated`` portions never reach it)."""
    if by in ("team", "business-unit", "value-stream"):
        level = cast(org.GroupBy, by)
        return lambda p: catalog.key(p, level)
    if by == "service":
        return lambda p: p.service or (f"team:{p.team}" if p.team else NONE)
    if by == "tower":
        return lambda p: p.tower
    if tag_dimension(by) is not None:
        return lambda p: NONE if p.dimension is None else p.dimension
    raise FinOpsError(f"--by must be one of {', '.join(GROUPS)} or tag:KEY")


def _share(part: Fraction, total: Fraction) -> float | None:
    return None if total == 0 else round(float(part / total), 6)


def showback(
    app: App,
    month: str,
    *,
    by: str = "team",
    cost_type: CostType = "effective",
    currency: str | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """The showback of a month as JSON-ready data (money as exact decimal strings)."""
    check_by(by)  # refuse a bad --by before any query
    parsed = parse_month(month)
    result = allocate_month(app, parsed, cost_type, currency, engine, dimension=tag_dimension(by))
    return shape(result, by)


def shape(result: MonthAllocation, by: str) -> dict[str, Any]:
    exact = group(result.allocation, group_key(by, result.catalog))
    total_exact = result.allocation.total
    total, rounded = round_conserving(exact, minor_units(result.currency))
    keys = sorted((k for k in exact if k != UNALLOCATED_KEY), key=lambda k: (-exact[k], k))
    groups = [
        {"key": k, "cost": str(rounded[k]), "share": _share(exact[k], total_exact)}
        for k in [*keys, UNALLOCATED_KEY]
    ]
    direct = result.allocation.direct
    return {
        "month": result.month.label,
        "cost_type": result.cost_type,
        "currency": result.currency,
        "by": by,
        "total": str(total),
        "groups": groups,
        "lines": result.lines,
        "allocation_coverage": _share(direct, total_exact),
        "warnings": result.allocation.warnings,
        **rule_notes(result),
    }


def rule_notes(result: MonthAllocation) -> dict[str, Any]:
    """``default_rule`` (true while no rules are ingested) and ``notes`` saying so."""
    return {
        "default_rule": result.default_rules,
        "notes": [DEFAULT_RULES_NOTE] if result.default_rules else [],
    }


def chargeback(
    app: App,
    month: str,
    *,
    cost_type: CostType = "effective",
    currency: str | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Chargeback statements per business unit: each team's cost per tower, the tower's rate
    (a multiplier from the rules' ``rates``) and the amount charged. Charged amounts are
    rounded like showback (largest remainder), per statement."""
    result = allocate_month(app, parse_month(month), cost_type, currency, engine)
    return shape_chargeback(result)


def shape_chargeback(result: MonthAllocation) -> dict[str, Any]:
    places = minor_units(result.currency)
    rates = result.rules.rates
    lines: dict[str, dict[tuple[str, str], Fraction]] = {}
    for p in result.allocation.portions:
        if p.kind == "unallocated":
            continue
        unit = result.catalog.key(p, "business-unit")
        key = (p.team or NONE, p.tower)
        bucket = lines.setdefault(unit, {})
        bucket[key] = bucket.get(key, Fraction(0)) + p.amount
    statements = []
    for unit in sorted(lines):
        cost = lines[unit]
        charged = {k: v * Fraction(str(rates.for_tower(k[1]))) for k, v in cost.items()}
        cost_total, cost_rounded = round_conserving({_k(k): v for k, v in cost.items()}, places)
        charged_total, charged_rounded = round_conserving(
            {_k(k): v for k, v in charged.items()}, places
        )
        statements.append(
            {
                "business_unit": unit,
                "cost": str(cost_total),
                "charged": str(charged_total),
                "lines": [
                    {
                        "team": team,
                        "tower": tower,
                        "cost": str(cost_rounded[_k((team, tower))]),
                        "rate": rates.for_tower(tower),
                        "charged": str(charged_rounded[_k((team, tower))]),
                    }
                    for team, tower in sorted(cost, key=lambda k: (-cost[k], k))
                ],
            }
        )
    unallocated = sum(
        (p.amount for p in result.allocation.portions if p.kind == "unallocated"), Fraction(0)
    )
    total, parts = round_conserving(
        {"allocated": result.allocation.total - unallocated, "unallocated": unallocated}, places
    )
    return {
        "month": result.month.label,
        "cost_type": result.cost_type,
        "currency": result.currency,
        "total": str(total),
        "allocated": str(parts["allocated"]),
        "unallocated": str(parts["unallocated"]),
        "statements": statements,
        "warnings": result.allocation.warnings,
        **rule_notes(result),
    }


def _k(key: tuple[str, str]) -> str:
    return f"{key[0]}\x1f{key[1]}"


def line_detail(
    app: App,
    month: str,
    *,
    cost_type: CostType = "effective",
    currency: str | None = None,
    rule: str | None = None,
    unallocated: bool = False,
    limit: int | None = 1000,
    engine: str | None = None,
) -> dict[str, Any]:
    """A month's cost lines with the rule that allocated each and its tower (the audit trail
    of showback: why a line went where it went). ``rule`` keeps one rule's lines,
    ``unallocated`` the lines no rule matched."""
    parsed = parse_month(month)
    rules, _default = _rules(app)
    lake = Lake(app.settings, app.store, engine)
    lines = allocation.month_lines(lake.table("cost_lines"), parsed.start, parsed.end)
    chosen = _currency(lake, lines, currency)
    if chosen is not None:
        lines = lines.filter(lines.billing_currency == chosen)
    detail = allocation.allocated_lines(lines, rules, cost_type)
    if rule is not None:
        if rule not in {r.name for r in rules.rules}:
            raise FinOpsError(f"no rule named {rule!r} in the rules in force")
        detail = detail.filter(detail.rule == rule)
    if unallocated:
        detail = detail.filter(detail.rule.isnull())
    total = int(lake.execute(detail.count().name("n").as_table()).column("n")[0].as_py())
    detail = detail.order_by(["file", "line"])
    if limit is not None:
        detail = detail.limit(limit)
    rows = lake.execute(detail).to_pylist()
    for row in rows:
        row["cost"] = str(row["cost"]) if row["cost"] is not None else None
    return {
        "month": parsed.label,
        "cost_type": cost_type,
        "currency": chosen,
        "count": total,
        "lines": rows,
    }
