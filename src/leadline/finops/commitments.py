"""Commitment discounts (reservations, savings plans, committed-use discounts) from FOCUS's
commitment columns: coverage of eligible usage and utilisation of what was committed, per
month, team and commitment.

Definitions (docs/metrics.md, "Commitment coverage" and "Commitment utilisation"), after the
FinOps Foundation's KPIs (coverage: the share of eligible usage covered by commitment
discounts; utilisation: used commitment ÷ total commitment; waste: unused commitment cost)
expressed in FOCUS columns:

- a *covered* line is usage (ChargeCategory ``Usage``) with CommitmentDiscountStatus ``Used``;
  an *unused* line has status ``Unused`` (the commitment's idle part of a charge period);
- *eligible* usage: usage lines, not ``Unused``, not PricingCategory ``Dynamic`` (spot), of a
  (provider, ServiceCategory) some commitment discount touches that month (a line carries a
  CommitmentDiscountId there) — storage is not eligible for a compute savings plan;
- coverage weighs usage at its on-demand equivalent, ListCost (EffectiveCost where ListCost
  is absent), so a discounted hour and an on-demand hour count alike;
- utilisation = used ÷ (used + unused) in EffectiveCost: the amortised cost of a commitment in
  a period is split between the usage it covered and its unused part, so their sum is what was
  committed for the period.

Teams come from the allocation rules in force, resolved exactly as showback resolves them
(``finops.apportion.allocate``): a line allocated directly counts for its team; a line of a
shared pool for ``shared: POOL``; anything else for ``unallocated``. The heavy part (one pass
over the lines) is Ibis, identical on DuckDB and Spark; the small aggregate is resolved in
Python with exact fractions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
from ibis import _

from leadline.finops import allocation
from leadline.finops.apportion import UNALLOCATED_KEY, Inputs, Portion, allocate
from leadline.finops.rules import AllocationRules

MEASURES = ("eligible", "covered", "used", "unused")
SHARED_PREFIX = "shared: "


def measured(lines: ibis.Table) -> ibis.Table:
    """Each line with its month, its currency and the four measures (0 when they do not
    apply): ``eligible`` and ``covered`` at on-demand equivalent (ListCost, else
    EffectiveCost), ``used`` and ``unused`` in EffectiveCost."""
    base = lines.mutate(
        month=lines.charge_period_start.truncate("M"),
        _provider=lines.provider.fill_null(""),
        _category=lines.service_category.fill_null(""),
    )
    # one window, no self-join: does any line of the (month, currency, provider, category)
    # carry a commitment discount?
    place = ibis.window(group_by=["month", "billing_currency", "_provider", "_category"])
    joined = base.mutate(
        _touched=base.commitment_discount_id.notnull().cast("int8").max().over(place)
    )
    money = joined.effective_cost.type()
    zero = ibis.literal(0).cast(money)
    on_demand = joined.list_cost.cast(money).fill_null(joined.effective_cost)
    status = joined.commitment_discount_status
    used = (status == "Used").fill_null(False)
    unused = (status == "Unused").fill_null(False)
    usage = (joined.charge_category == "Usage").fill_null(False)
    spot = (joined.pricing_category == "Dynamic").fill_null(False)
    eligible = usage & ~unused & ~spot & (joined._touched == 1)
    return joined.mutate(
        eligible=ibis.ifelse(eligible, on_demand, zero),
        covered=ibis.ifelse(eligible & used, on_demand, zero),
        used=ibis.ifelse(used, joined.effective_cost, zero),
        unused=ibis.ifelse(unused, joined.effective_cost, zero),
    ).drop("_touched", "_provider", "_category")


def commitment_sums(lines: ibis.Table, rules: AllocationRules | None) -> ibis.Table:
    """The four measures per (month, currency, allocation rule [, tag target]) over the lines
    that have any of them; rule 0 (no rule matched) when there are no rules."""
    rows = measured(lines)
    if rules is None:
        rows = rows.mutate(rule=ibis.literal(0, "int32"))
    else:
        rows = allocation.with_rule(rows, rules, "rule")
    rows = rows.filter((rows.eligible != 0) | (rows.used != 0) | (rows.unused != 0))
    keys = ["month", "billing_currency", "rule", *(["target"] if "target" in rows.columns else [])]
    return rows.group_by(keys).aggregate(
        eligible=_.eligible.sum(),
        covered=_.covered.sum(),
        used=_.used.sum(),
        unused=_.unused.sum(),
        lines=_.count(),
    )


def by_commitment(lines: ibis.Table) -> ibis.Table:
    """Used and unused cost per (month, currency, commitment discount)."""
    rows = measured(lines)
    rows = rows.filter(
        rows.commitment_discount_id.notnull() & ((rows.used != 0) | (rows.unused != 0))
    )
    return rows.group_by(
        [
            "month",
            "billing_currency",
            "commitment_discount_id",
            "commitment_discount_name",
            "commitment_discount_type",
            "commitment_discount_category",
        ]
    ).aggregate(used=_.used.sum(), unused=_.unused.sum(), lines=_.count())


@dataclass(frozen=True)
class Figures:
    """A scope's exact measures; the ratios are None without a denominator."""

    eligible: Fraction = Fraction(0)
    covered: Fraction = Fraction(0)
    used: Fraction = Fraction(0)
    unused: Fraction = Fraction(0)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.eligible + other.eligible,
            self.covered + other.covered,
            self.used + other.used,
            self.unused + other.unused,
        )

    @property
    def coverage(self) -> Fraction | None:
        return self.covered / self.eligible if self.eligible > 0 else None

    @property
    def utilisation(self) -> Fraction | None:
        committed = self.used + self.unused
        return self.used / committed if committed > 0 else None


def scope_key(portion: Portion) -> str:
    """Where a measure's portion counts: its team (direct), its shared pool, or unallocated."""
    if portion.kind == "direct" and portion.team:
        return portion.team
    if portion.pool:
        return SHARED_PREFIX + portion.pool
    return UNALLOCATED_KEY


def resolve(
    rows: Iterable[Mapping[str, Any]],
    rules: AllocationRules | None,
    service_teams: Mapping[str, str | None],
    teams: set[str],
) -> dict[str, Figures]:
    """scope -> Figures for one month and currency's ``commitment_sums`` rows: each measure
    goes through the showback's allocation (same rules, same catalog resolution), then its
    portions are grouped by ``scope_key`` (a shared pool's split parts add back to the pool)."""
    rows = list(rows)
    out: dict[str, dict[str, Fraction]] = {}
    for measure in MEASURES:
        if rules is None:
            parts = {UNALLOCATED_KEY: sum((_exact(r[measure]) for r in rows), Fraction(0))}
        else:
            inputs = Inputs(rules, [("-", None)], service_teams, teams)
            sums = [{**r, "tower": 0, "cost": r[measure]} for r in rows]
            parts = {}
            for portion in allocate(sums, inputs).portions:
                key = scope_key(portion)
                parts[key] = parts.get(key, Fraction(0)) + portion.amount
        for key, amount in parts.items():
            out.setdefault(key, {})[measure] = out.get(key, {}).get(measure, Fraction(0)) + amount
    return {k: Figures(**{m: v.get(m, Fraction(0)) for m in MEASURES}) for k, v in out.items()}


def total(figures: Mapping[str, Figures]) -> Figures:
    return sum(figures.values(), Figures())


def _exact(value: Any) -> Fraction:
    return Fraction(Decimal(str(value))) if value is not None else Fraction(0)


def ratio(value: Fraction | None) -> float | None:
    """A ratio as the JSON documents carry it (0.25 is 25 %), 6 places."""
    return None if value is None else round(float(value), 6)


def commitments_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``by_commitment`` rows with exact amounts and utilisation, most unused first."""
    out = []
    for r in rows:
        figures = Figures(used=_exact(r["used"]), unused=_exact(r["unused"]))
        out.append(
            {
                "id": r["commitment_discount_id"],
                "name": r["commitment_discount_name"],
                "type": r["commitment_discount_type"],
                "category": r["commitment_discount_category"],
                "used": figures.used,
                "unused": figures.unused,
                "utilisation": figures.utilisation,
                "lines": int(r["lines"]),
            }
        )
    return sorted(out, key=lambda c: (-c["unused"], str(c["id"])))
