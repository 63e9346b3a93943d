"""The demo's business outcome metrics for the scorecard: organisation-level revenue, NPS and
IT cost as a share of revenue for the current and previous quarters, and monthly digital
adoption per business unit, written as ``outcomes.csv`` and ingested by ``outcomes-csv``."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from leadline.demo.generator import OrganisationBuilder
from leadline.periods import Period
from leadline.scorecard.ingest import OUTCOMES_CSV

COLUMNS = [c.name for c in OUTCOMES_CSV.columns]


def outcome_rows(org: OrganisationBuilder, as_of: dt.date, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed * 7919 + 9)
    current = Period.current_quarter(as_of)
    quarters = [current.previous(), current]
    rows = []
    for step, quarter in enumerate(quarters):
        for name, unit, category, direction, value, target in (
            ("online-revenue", "EUR", "revenue", "higher", 11.8e6 + step * 0.8e6, 12.5e6),
            ("customer-nps", "points", "nps", "higher", 31 + step * 3, 35),
            ("it-cost-share-of-revenue", "%", "cost", "lower", 7.4 - step * 0.3, 7.0),
            ("fraud-losses", "EUR", "risk", "lower", 410_000 - step * 60_000, 300_000),
        ):
            rows.append(
                {
                    "name": name,
                    "scope_kind": "organisation",
                    "scope": "",
                    "period": quarter.label,
                    "value": f"{value:.2f}",
                    "target": f"{target:.2f}",
                    "direction": direction,
                    "owner": "CFO" if category != "nps" else "Chief Customer Officer",
                    "unit": unit,
                    "category": category,
                }
            )
    months = current.previous().months + [m for m in current.months if m <= as_of.strftime("%Y-%m")]
    for unit_name, _title in org.units:
        level = rng.uniform(40, 70)
        for month in months:
            level = min(100.0, level + rng.uniform(-1, 3))
            rows.append(
                {
                    "name": "digital-adoption",
                    "scope_kind": "business-unit",
                    "scope": unit_name,
                    "period": month,
                    "value": f"{level:.1f}",
                    "target": "75",
                    "direction": "higher",
                    "owner": f"{unit_name} business lead",
                    "unit": "%",
                    "category": "revenue",
                }
            )
    return rows


def write_scorecard(
    org: OrganisationBuilder, root: Path, as_of: dt.date, seed: int
) -> list[tuple[str, list[Path]]]:
    """Write the outcome metrics; returns (source, paths) in ingest order."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "outcomes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(outcome_rows(org, as_of, seed))
    return [("outcomes-csv", [path])]
