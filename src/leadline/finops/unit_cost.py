"""Unit cost (TBM unit cost; FinOps Foundation Unit Economics): a month's cost per unit of a
business driver, and per successful production deployment.

The cost of a scope is the showback's (``report.allocate_month`` grouped with
``report.group_key``; ``organisation`` = every cost line of the month in the currency). The
driver's volume for a scope is the sum of its ``business_drivers`` values dated in the month
(scope "" = organisation). Cost per deployment divides the scope's cost by its successful
production deployments that month, as ``leadline dora`` counts them (the registry's
``dora.deployments``, so FinOps does not import the delivery pillar); with no deployment facts
at all it is null, never 0, and so is any ratio whose divisor is missing or zero. Unit costs
divide the exact (unrounded) cost and are rounded half-to-even to 6 decimal places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, cast

from leadline.catalog.grouping import ScopeKind
from leadline.context import App
from leadline.finops.allocation import driver_totals
from leadline.finops.apportion import UNALLOCATED_KEY, minor_units, round_conserving
from leadline.finops.budgets import ORGANISATION, actuals
from leadline.finops.report import CostType, FinOpsError, allocate_month, parse_month
from leadline.lake.engines import Lake
from leadline.periods import Period
from leadline.semantic.evaluation import Evaluation

SCOPES = ("organisation", "team", "business-unit", "value-stream")
UNIT_PLACES = Decimal("0.000001")


def unit(cost: Fraction, volume: Fraction | None) -> str | None:
    """cost ÷ volume as a Decimal string of 6 places; null without a positive volume."""
    if volume is None or volume <= 0:
        return None
    exact = cost / volume
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return str(value.quantize(UNIT_PLACES, ROUND_HALF_EVEN))


def driver_volumes(lake: Lake, driver: str, month: Period) -> dict[str, Fraction]:
    rows = lake.execute(
        driver_totals(lake.table("business_drivers"), driver, month.start, month.end)
    ).to_pylist()
    return {
        r["scope"] or ORGANISATION: Fraction(Decimal(repr(r["value"])))
        for r in rows
        if r["value"] is not None
    }


def deployments(app: App, by: str, month: Period, engine: str | None) -> dict[str, int] | None:
    """Successful production deployments per scope in the month; None without any facts."""
    lake = Lake(app.settings, app.store, engine)
    if not lake.partitions("deployments"):
        return None
    kind = cast(ScopeKind, by)
    found = Evaluation(app, engine).values("dora.deployments", kind, [month.window])[0]
    return {key: int(count) for key, count in found.items() if count is not None}


def unit_cost(
    app: App,
    month: str,
    *,
    driver: str,
    by: str = ORGANISATION,
    cost_type: CostType = "effective",
    currency: str | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Cost, driver volume, cost per driver unit and cost per deployment per scope."""
    if by not in SCOPES:
        raise FinOpsError(f"--by must be one of {', '.join(SCOPES)}")
    the_month = parse_month(month)
    result = allocate_month(app, the_month, cost_type, currency, engine)
    costs = {k: v for k, v in actuals(result, by).items() if k != UNALLOCATED_KEY}
    lake = Lake(app.settings, app.store, engine)
    volumes = driver_volumes(lake, driver, the_month)
    shipped = deployments(app, by, the_month, engine)
    _, rounded = round_conserving(costs, minor_units(result.currency))
    groups = []
    for key in sorted(costs, key=lambda k: (-costs[k], k)):
        count = None if shipped is None else shipped.get(key, 0)
        groups.append(
            {
                "key": key,
                "cost": str(rounded[key]),
                "driver_value": float(volumes[key]) if key in volumes else None,
                "unit_cost": unit(costs[key], volumes.get(key)),
                "deployments": count,
                "cost_per_deployment": None if count is None else unit(costs[key], Fraction(count)),
            }
        )
    return {
        "month": the_month.label,
        "cost_type": cost_type,
        "currency": result.currency,
        "by": by,
        "driver": driver,
        "deployment_data": shipped is not None,
        "groups": groups,
        "warnings": result.allocation.warnings,
    }
