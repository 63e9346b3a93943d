"""``leadline finops commitments``: a month's commitment coverage and utilisation for the
organisation, per team and per commitment discount (the computation of
``finops/commitments.py`` over the lake, with the allocation rules in force)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from leadline.context import App
from leadline.finops import allocation
from leadline.finops.apportion import UNALLOCATED_KEY, minor_units
from leadline.finops.commitments import (
    SHARED_PREFIX,
    Figures,
    by_commitment,
    commitment_sums,
    commitments_rows,
    ratio,
    resolve,
    total,
)
from leadline.finops.report import Catalog, FinOpsError, parse_month
from leadline.finops.rules import DEFAULT_RULES_NOTE, default_rules
from leadline.finops.rules_source import active_rules
from leadline.lake.engines import Lake
from leadline.periods import Period
from leadline.present.model import Column, Report


@dataclass
class MonthCommitments:
    """One month in one currency: Figures per scope (team, ``shared: POOL``, unallocated)
    and the month's commitment discounts."""

    month: str
    currency: str
    scopes: dict[str, Figures] = field(default_factory=dict)
    commitments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def organisation(self) -> Figures:
        return total(self.scopes)


def month_commitments(
    app: App, months: Sequence[Period], engine: str | None = None
) -> dict[str, dict[str, MonthCommitments]]:
    """month -> currency -> MonthCommitments for ``months`` (two queries in all); months
    without commitment-related lines are absent."""
    if not months:
        return {}
    with app.store.session() as session:
        rules = active_rules(session) or default_rules()  # as showback: tag team names a team
    lake = Lake(app.settings, app.store, engine)
    catalog = Catalog.load(app)
    start, end = min(m.start for m in months), max(m.end for m in months)
    lines = allocation.month_lines(lake.table("cost_lines"), start, end)
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in lake.execute(commitment_sums(lines, rules)).to_pylist():
        grouped.setdefault((_label(row["month"]), row["billing_currency"]), []).append(row)
    out: dict[str, dict[str, MonthCommitments]] = {}
    for (month, currency), rows in grouped.items():
        scopes = resolve(rows, rules, catalog.service_teams, catalog.teams)
        out.setdefault(month, {})[currency] = MonthCommitments(month, currency, scopes)
    listed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in lake.execute(by_commitment(lines)).to_pylist():
        listed.setdefault((_label(row["month"]), row["billing_currency"]), []).append(row)
    for (month, currency), rows in listed.items():
        slot = out.setdefault(month, {}).setdefault(currency, MonthCommitments(month, currency))
        slot.commitments = commitments_rows(rows)
    wanted = {m.label for m in months}
    return {m: v for m, v in out.items() if m in wanted}


def _label(month: dt.datetime | dt.date) -> str:
    return month.strftime("%Y-%m")


def _money(value: Fraction, currency: str) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    unit = Decimal(1).scaleb(-minor_units(currency))
    return str(exact.quantize(unit, rounding=ROUND_HALF_EVEN))


def figures_json(figures: Figures, currency: str) -> dict[str, Any]:
    return {
        "eligible": _money(figures.eligible, currency),
        "covered": _money(figures.covered, currency),
        "coverage": ratio(figures.coverage),
        "used": _money(figures.used, currency),
        "unused": _money(figures.unused, currency),
        "utilisation": ratio(figures.utilisation),
    }


def _order(key: str) -> tuple[int, str]:
    if key == UNALLOCATED_KEY:
        return 2, key
    return (1 if key.startswith(SHARED_PREFIX) else 0), key


def commitments_report(
    app: App, month: str, *, currency: str | None = None, engine: str | None = None
) -> dict[str, Any]:
    """The month's JSON document: organisation, groups (teams, shared pools, unallocated
    last) and commitments (most unused cost first), money as exact decimal strings rounded
    half-even to the currency's minor unit, ratios as fractions (0.25 = 25 %)."""
    period = parse_month(month)
    found = month_commitments(app, [period], engine).get(period.label, {})
    if currency is None and len(found) > 1:
        raise FinOpsError(
            f"the month has commitment costs in {len(found)} currencies "
            f"({', '.join(sorted(found))}); they are never summed together: choose one with "
            "--currency"
        )
    chosen = currency or next(iter(found), None)
    data = found.get(chosen) if chosen else None
    warnings = [] if data else [f"no commitment discount lines in {period.label}"]
    with app.store.session() as session:
        notes = [] if active_rules(session) is not None else [DEFAULT_RULES_NOTE]
    data = data or MonthCommitments(period.label, chosen or "USD")
    unit = data.currency
    return {
        "month": period.label,
        "currency": unit if chosen else None,
        "basis": {
            "coverage": "ListCost (on-demand equivalent; EffectiveCost where absent)",
            "utilisation": "EffectiveCost (amortised)",
        },
        "organisation": figures_json(data.organisation, unit),
        "groups": [
            {"key": key, **figures_json(data.scopes[key], unit)}
            for key in sorted(data.scopes, key=_order)
        ],
        "commitments": [
            {
                **{k: c[k] for k in ("id", "name", "type", "category", "lines")},
                "used": _money(c["used"], unit),
                "unused": _money(c["unused"], unit),
                "utilisation": ratio(c["utilisation"]),
            }
            for c in data.commitments
        ],
        "warnings": warnings,
        "notes": notes,
    }


def window_figures(
    found: Mapping[str, Mapping[str, MonthCommitments]], months: Sequence[str]
) -> dict[str, Figures] | None:
    """Figures per scope summed over ``months`` (amounts, never averaged ratios); None when
    a month has several currencies or the months' currencies differ."""
    currencies = {c for m in months for c in found.get(m, {})}
    if len(currencies) > 1:
        return None
    out: dict[str, Figures] = {}
    for month in months:
        for data in found.get(month, {}).values():
            for key, figures in data.scopes.items():
                out[key] = out.get(key, Figures()) + figures
    return out


def _row(key: str, data: Mapping[str, Any]) -> dict[str, Any]:
    money = ("eligible", "covered", "used", "unused")
    return {
        "key": key,
        **{k: Decimal(str(data[k])) for k in money},
        "coverage": data["coverage"],
        "utilisation": data["utilisation"],
    }


def coverage_table(document: Mapping[str, Any]) -> Report:
    """``finops commitments``'s scope rows: teams, shared pools, unallocated, then the
    organisation. CSV columns: key, eligible, covered, coverage, used, unused, utilisation
    (money as exact decimals, ratios as fractions: 0.25 is 25 %)."""
    currency = document.get("currency")
    rows = [_row(g["key"], g) for g in document["groups"]]
    rows.append(_row("organisation", document["organisation"]))
    return Report(
        "commitment_coverage",
        "Commitment coverage and utilisation by team",
        [
            Column("key", "Team", "name"),
            Column("eligible", "Eligible usage (on-demand)", "money", currency),
            Column("covered", "Covered", "money", currency),
            Column("coverage", "Coverage", "ratio"),
            Column("used", "Commitment used", "money", currency),
            Column("unused", "Unused", "money", currency),
            Column("utilisation", "Utilisation", "ratio"),
        ],
        rows,
        window=f"{document['month']}",
        notes=[*(document.get("notes") or []), *(document.get("warnings") or [])],
        meta={"currency": currency},
    )


def commitments_table(document: Mapping[str, Any]) -> Report:
    """``finops commitments --list``'s rows: each commitment discount's used and unused
    cost and utilisation, most unused first. CSV columns: id, name, type, category, used,
    unused, utilisation."""
    currency = document.get("currency")
    rows = [
        {
            **{k: c[k] for k in ("id", "name", "type", "category")},
            "used": Decimal(c["used"]),
            "unused": Decimal(c["unused"]),
            "utilisation": c["utilisation"],
        }
        for c in document["commitments"]
    ]
    return Report(
        "commitments",
        "Unused cost by commitment",
        [
            Column("id", "Commitment", "name"),
            Column("name", "Name"),
            Column("type", "Type"),
            Column("category", "Category", "label"),
            Column("used", "Used", "money", currency),
            Column("unused", "Unused", "money", currency),
            Column("utilisation", "Utilisation", "ratio"),
        ],
        rows,
        window=f"{document['month']}",
        meta={"currency": currency},
    )
