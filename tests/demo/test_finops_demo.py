"""The demo organisation carries a year of costs through the real FinOps sources: every file
lands clean, the allocation leaves little unallocated, a billed commitment shows billed and
effective cost apart, and the injected spike is in the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leadline.context import App
from leadline.demo.run import build_demo
from leadline.finops import report
from leadline.finops.commitment_report import commitments_report
from leadline.lake.engines import Lake

AS_OF = dt.date(2026, 11, 25)


def test_demo_has_a_year_of_allocated_costs(app: App) -> None:
    result = build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    reports = {r.source: r for r in result.reports}
    for source in ("allocation-rules", "focus", "ledger-csv", "drivers-csv"):
        assert reports[source].exit_code == 0, source
    assert len(reports["focus"].results) == 12  # one export per month, CSV, gzip and Parquet
    october = report.showback(app, "2026-10")
    groups = {g["key"]: Decimal(g["cost"]) for g in october["groups"]}
    assert sum(groups.values()) == Decimal(october["total"]) > 0
    assert 0.9 < october["allocation_coverage"] < 1.0
    assert 0 < groups["unallocated"] < Decimal(october["total"]) * Decimal("0.05")
    january = report.showback(app, "2026-01", cost_type="billed")
    effective = report.showback(app, "2026-01")
    # the savings plan billed in January (600 a day for 365 days) less January's amortised
    # share (31 days); the reservations' monthly fees equal their used and unused parts
    assert Decimal(january["total"]) - Decimal(effective["total"]) == Decimal("200400.00")
    by_tower = report.showback(app, "2026-10", by="tower")
    towers = {g["key"]: Decimal(g["cost"]) for g in by_tower["groups"]}
    assert {"Compute", "Storage", "Network", "Platform", "IT Management"} <= set(towers)
    # labour follows each team's work (80 % of the month sat in IT Management before)
    assert towers["IT Management"] < Decimal(by_tower["total"]) * Decimal("0.15")
    statements = report.chargeback(app, "2026-10")["statements"]
    assert {s["business_unit"] for s in statements} >= {"retail", "technology"}
    lake = Lake(app.settings, app.store)
    lines = lake.table("cost_lines")
    daily = lake.execute(
        lines.filter(lines.service_category == "Compute")
        .group_by("charge_period_start")
        .aggregate(cost=lines.effective_cost.sum())
        .order_by("charge_period_start")
    ).to_pylist()
    spike_day = dt.datetime(2026, 11, 15)
    by_day = {r["charge_period_start"].date(): r["cost"] for r in daily}
    assert by_day[spike_day.date()] > by_day[(spike_day - dt.timedelta(days=1)).date()] * Decimal(
        "1.05"
    )
    # commitment discounts: a savings plan and a reservation per stream-aligned team
    commitments = commitments_report(app, "2026-10")
    organisation = commitments["organisation"]
    assert 0.2 < organisation["coverage"] < 0.6
    assert 0.8 < organisation["utilisation"] < 1
    plans = {c["id"]: c for c in commitments["commitments"]}
    assert plans["sp-demo-1"]["utilisation"] > 0.95  # 600 a day, used up on most days
    reservations = [c for c in plans.values() if c["type"] == "Reserved Instance"]
    assert len(reservations) >= 5
    assert {round(c["utilisation"], 2) for c in reservations} <= {0.7, 0.75, 0.8, 0.85, 0.9, 0.95}
    teams = [g for g in commitments["groups"] if g["coverage"] and g["key"] != "shared: platform"]
    assert len(teams) >= 5
    # the savings plan's purchase month too: January's figures exist
    assert commitments_report(app, "2026-01")["organisation"]["covered"] != "0.00"


def test_demo_has_budgets_and_contracts(app: App) -> None:
    build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    from leadline.finops.budgets import budget_report
    from leadline.finops.vendors import vendors_report

    budget = budget_report(app, "2026-11", by="business-unit")
    statuses = {r["key"]: r["status"] for r in budget["groups"]}
    assert statuses["technology"] == "at risk"
    contracts = {c["contract"]: c for c in vendors_report(app, at=AS_OF)["contracts"]}
    assert set(contracts) == {"aws-edp", "atlassian-cloud"}
    assert Decimal(contracts["aws-edp"]["spend_to_date"]) > 0


def test_demo_anomalies_are_the_spike_not_the_monthly_postings(app: App) -> None:
    """The demo posts salaries, licences and several AWS services once a month, on the 1st:
    judged month against month (docs/finops.md), none of them is an anomaly on 1 November;
    the Compute spike of 15 November is the one flagged day."""
    from leadline.finops.anomalies import anomalies

    build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    data = anomalies(app, since="2026-10-25", until="2026-11-25")
    found = [(a["day"], a["cadence"]) for a in data["anomalies"]]
    assert ("2026-11-01", "monthly") not in found
    assert [day for day, _ in found] == ["2026-11-15"]
    assert data["series"] >= 7
