"""Budgets (``budgets-csv``) and ``leadline finops budget``: budget against actual, with a
simple, documented forecast.

Actual cost per scope is the showback's: ``report.allocate_month`` then ``apportion.group`` with
``report.group_key`` (an ``organisation`` budget is compared with the whole month's cost in the
currency). The forecast of the month is its run-rate while the month is in progress (its end is
after the latest ``charge_period_start`` in the data): actual so far ÷ elapsed days × days in the
month, the elapsed days counting the month's first day up to and including the latest day with
data; a finished month's forecast is its actual; a month with no data yet has no forecast. The
next month's forecast is the mean of the actuals of the last three complete months that have
cost (fewer when the data is younger). Status: ``over`` when actual > budget, ``at risk`` when
the forecast > budget, else ``on track`` (``no budget`` without one).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.context import App
from leadline.finops.apportion import UNALLOCATED_KEY, group, minor_units, round_conserving
from leadline.finops.csv_rows import parse_rows, row_problem
from leadline.finops.currencies import ISO_4217
from leadline.finops.models import Budget
from leadline.finops.report import (
    CostType,
    FinOpsError,
    MonthAllocation,
    allocate_month,
    group_key,
    parse_month,
)
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.lake.engines import Lake
from leadline.periods import Period

SCOPE_KINDS = ("team", "business-unit", "value-stream", "tower", "organisation")
ORGANISATION = "organisation"
NEXT_MONTH_BASIS = 3

BUDGETS_CSV = CsvFormat(
    "budgets",
    "Monthly budgets per scope (leadline ingest budgets-csv FILE); a row with the same "
    "scope_kind, scope, month and currency as a stored budget replaces its amount.",
    (
        Column("month", description="Calendar month, YYYY-MM", example="2026-03"),
        Column("scope_kind", description="What the budget covers", choices=SCOPE_KINDS),
        Column(
            "scope",
            required=False,
            description="Team, business unit, value stream or TBM tower name; "
            "blank for the organisation",
            example="payments",
        ),
        Column("amount", "decimal", description="Budget (>= 0)", example="25000.00"),
        Column("currency", description="ISO 4217 currency code", example="EUR"),
    ),
)


def _check(file: str, row: dict[str, Any]) -> list[Problem]:
    row["scope_kind"] = row["scope_kind"].lower()
    row["scope"] = (row.get("scope") or "").strip()
    out = []
    try:
        parse_month(row["month"])
    except FinOpsError:
        out.append(row_problem(file, row, "month", "must be a month as YYYY-MM"))
    if row["currency"] not in ISO_4217:
        out.append(row_problem(file, row, "currency", "must be an ISO 4217 currency code"))
    if row["amount"] < 0:
        out.append(row_problem(file, row, "amount", "must not be negative"))
    if row["scope_kind"] == ORGANISATION:
        row["scope"] = ""
    elif not row["scope"]:
        out.append(row_problem(file, row, "scope", f"is required for a {row['scope_kind']}"))
    return out


def _key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["scope_kind"], row["scope"], row["month"], row["currency"])


@register
class BudgetsSource(Source):
    name = "budgets-csv"
    summary = "FinOps monthly budgets per team, business unit, value stream, tower or organisation"
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("budgets.csv", BUDGETS_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return parse_rows(
            unit,
            ctx,
            BUDGETS_CSV,
            check=_check,
            key=_key,
            key_field="scope",
            key_text="scope_kind, scope, month and currency",
            key_columns=("scope_kind", "scope", "month", "currency"),
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        for row in parsed.records:
            upsert_budget(ctx.session, row, ctx.batch.id)
        return []


def upsert_budget(session: Session, row: dict[str, Any], batch_id: int | None) -> Budget:
    """Insert the budget, or replace the amount of the stored one with the same key."""
    found = session.scalar(
        select(Budget).where(
            Budget.scope_kind == row["scope_kind"],
            Budget.scope == row["scope"],
            Budget.month == row["month"],
            Budget.currency == row["currency"],
        )
    )
    if found is None:
        found = Budget(
            scope_kind=row["scope_kind"],
            scope=row["scope"],
            month=row["month"],
            currency=row["currency"],
        )
        session.add(found)
    found.amount, found.batch_id = row["amount"], batch_id
    session.flush()
    return found


# --- the report ------------------------------------------------------------------------------


def latest_charge(lake: Lake, currency: str | None) -> dt.datetime | None:
    """The latest ``charge_period_start`` in the data (of one currency): how far data reaches."""
    lines = lake.table("cost_lines")
    if currency is not None:
        lines = lines.filter(lines.billing_currency == currency)
    value = lake.execute(lines.aggregate(latest=lines.charge_period_start.max())).to_pylist()
    latest = value[0]["latest"] if value else None
    if isinstance(latest, dt.datetime) and latest.tzinfo is not None:
        latest = latest.astimezone(dt.UTC).replace(tzinfo=None)
    return latest if isinstance(latest, dt.datetime) else None


def elapsed_days(month: Period, latest: dt.datetime | None) -> int | None:
    """Days of the month covered by data: None before any data, all days once it is over."""
    days = (month.end - month.start).days
    if latest is None or latest < month.start:
        return None
    return min((latest.date() - month.start.date()).days + 1, days)


def actuals(result: MonthAllocation, by: str) -> dict[str, Fraction]:
    """Exact cost per scope (``organisation``: the whole month)."""
    if by == ORGANISATION:
        return {ORGANISATION: result.allocation.total}
    return group(result.allocation, group_key(by, result.catalog))


def next_month_basis(following: Period, latest: dt.datetime | None) -> list[Period]:
    """Complete months before ``following``, newest first (at most 24 months back); a month is
    complete once the data reaches its last day."""
    out: list[Period] = []
    candidate = following.previous()
    for _ in range(24):
        if elapsed_days(candidate, latest) == (candidate.end - candidate.start).days:
            out.append(candidate)
        candidate = candidate.previous()
    return out


def _money(value: Fraction, places: int) -> Decimal:
    unit = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(unit, ROUND_HALF_EVEN)


def _status(actual: Fraction, budget: Fraction | None, forecast: Fraction | None) -> str:
    if budget is None:
        return "no budget"
    if actual > budget:
        return "over"
    if forecast is not None and forecast > budget:
        return "at risk"
    return "on track"


def budgets_of(app: App, month: str, scope_kind: str, currency: str | None) -> list[Budget]:
    with app.store.session() as session:
        query = select(Budget).where(Budget.month == month, Budget.scope_kind == scope_kind)
        if currency is not None:
            query = query.where(Budget.currency == currency)
        return list(session.scalars(query))


def budget_report(
    app: App,
    month: str,
    *,
    by: str = "team",
    cost_type: CostType = "effective",
    currency: str | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Budget, actual, variance, share used, forecast and status per scope of one month."""
    if by not in SCOPE_KINDS:
        raise FinOpsError(f"--by must be one of {', '.join(SCOPE_KINDS)}")
    the_month = parse_month(month)
    result = allocate_month(app, the_month, cost_type, currency, engine)
    budgets = budgets_of(app, the_month.label, by, None)
    if currency is None and result.lines == 0 and len({b.currency for b in budgets}) == 1:
        currency = budgets[0].currency
        result = allocate_month(app, the_month, cost_type, currency, engine)
    chosen = result.currency
    places = minor_units(chosen)
    lake = Lake(app.settings, app.store, engine)
    latest = latest_charge(lake, chosen)
    elapsed = elapsed_days(the_month, latest)
    days = (the_month.end - the_month.start).days
    exact = actuals(result, by)
    used_basis = _basis(
        app,
        the_month.following(),
        latest,
        by=by,
        cost_type=cost_type,
        currency=chosen,
        engine=engine,
    )
    by_scope = {
        (ORGANISATION if by == ORGANISATION else b.scope): b.amount
        for b in budgets
        if b.currency == chosen
    }
    keys = sorted(set(exact) | set(by_scope), key=lambda k: (k == UNALLOCATED_KEY, k))
    full = {k: exact.get(k, Fraction(0)) for k in keys}
    _, rounded = round_conserving(full, places)
    rows = []
    for key in keys:
        actual = full[key]
        amount = by_scope.get(key)
        budget = None if amount is None else Fraction(amount)
        forecast = None if elapsed is None else actual * days / elapsed
        mean = _mean([b.get(key, Fraction(0)) for _, b in used_basis])
        rows.append(
            {
                "key": key,
                "budget": _text(budget, places),
                "actual": str(rounded[key]),
                "variance": _text(None if budget is None else budget - actual, places),
                "used": None if not budget else round(float(actual / budget), 6),
                "forecast": _text(forecast, places),
                "status": _status(actual, budget, forecast),
                "next_month_forecast": _text(mean, places),
            }
        )
    return {
        "month": the_month.label,
        "cost_type": cost_type,
        "currency": chosen,
        "by": by,
        "data_until": None if latest is None else latest.date().isoformat(),
        "days_in_month": days,
        "elapsed_days": elapsed,
        "in_progress": elapsed is not None and elapsed < days,
        "next_month": the_month.following().label,
        "next_month_basis": [label for label, _ in used_basis],
        "groups": rows,
        "warnings": result.allocation.warnings,
    }


def _basis(
    app: App,
    following: Period,
    latest: dt.datetime | None,
    *,
    by: str,
    cost_type: CostType,
    currency: str,
    engine: str | None,
) -> list[tuple[str, dict[str, Fraction]]]:
    """Actuals of the (at most three) newest complete months with cost before ``following``."""
    out = []
    for month in next_month_basis(following, latest):
        exact = actuals(allocate_month(app, month, cost_type, currency, engine), by)
        if any(v != 0 for v in exact.values()):
            out.append((month.label, exact))
        if len(out) == NEXT_MONTH_BASIS:
            break
    return out


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def _text(value: Fraction | None, places: int) -> str | None:
    return None if value is None else str(_money(value, places))
