"""Commitment coverage and utilisation: the FOCUS specification's own commitment scenarios
(../shared/reference/focus/spec-scenarios) give hand-computed figures; teams follow the
allocation rules as showback does; a hypothesis property against a plain-Python reading of
the definitions (docs/metrics.md)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops.apportion import UNALLOCATED_KEY
from leadline.finops.commitments import (
    Figures,
    by_commitment,
    commitment_sums,
    commitments_rows,
    resolve,
    total,
)
from leadline.finops.rules import parse_rules
from leadline.periods import Period
from leadline.semantic import registry

MONEY = pa.decimal128(38, 12)
SCHEMA = pa.schema(
    [
        ("charge_period_start", pa.timestamp("us", tz="UTC")),
        ("billing_currency", pa.string()),
        ("provider", pa.string()),
        ("service_category", pa.string()),
        ("charge_category", pa.string()),
        ("pricing_category", pa.string()),
        ("resource_id", pa.string()),
        ("list_cost", MONEY),
        ("effective_cost", MONEY),
        ("commitment_discount_id", pa.string()),
        ("commitment_discount_name", pa.string()),
        ("commitment_discount_type", pa.string()),
        ("commitment_discount_category", pa.string()),
        ("commitment_discount_status", pa.string()),
    ]
)
FOCUS_NAMES = {
    "ChargePeriodStart": "charge_period_start",
    "ChargeCategory": "charge_category",
    "PricingCategory": "pricing_category",
    "ResourceId": "resource_id",
    "ListCost": "list_cost",
    "EffectiveCost": "effective_cost",
    "CommitmentDiscountId": "commitment_discount_id",
    "CommitmentDiscountCategory": "commitment_discount_category",
    "CommitmentDiscountStatus": "commitment_discount_status",
}


@pytest.fixture(scope="module")
def duck() -> Iterator[Any]:
    con = ibis.duckdb.connect()
    yield con
    con.disconnect()


def table(rows: Sequence[Mapping[str, Any]]) -> ibis.Table:
    columns: dict[str, list[Any]] = {f.name: [] for f in SCHEMA}
    for row in rows:
        for name, values in columns.items():
            value = row.get(name)
            if name == "charge_period_start":
                value = value or dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
            elif name == "billing_currency":
                value = value or "USD"
            elif name in ("list_cost", "effective_cost") and value is not None:
                value = Decimal(str(value))
            values.append(value)
    return ibis.memtable(pa.table(columns, schema=SCHEMA))


def scenario(reference: Path, name: str) -> list[dict[str, Any]]:
    """A scenario table's rows in lake names (``null`` and blank lines as FOCUS writes them)."""
    (path,) = (reference / "focus" / "spec-scenarios").rglob(f"{name}.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if any(v.strip() for v in r.values())]
    out = []
    for row in rows:
        line: dict[str, Any] = {}
        for focus, lake in FOCUS_NAMES.items():
            value = row.get(focus)
            line[lake] = None if value in (None, "", "null") else value
        line["charge_period_start"] = dt.datetime.fromisoformat(row["ChargePeriodStart"])
        out.append(line)
    return out


def organisation(duck: Any, rows: list[dict[str, Any]], rules: Any = None) -> Figures:
    sums = duck.execute(commitment_sums(table(rows), rules)).to_dict("records")
    return total(resolve(sums, rules, {}, {"a", "b"}))


# (scenario, eligible, covered, used, unused): from the spec's tables by hand
SCENARIOS = [
    # one resource fully covered; no ListCost column, so EffectiveCost is the measure
    ("commitment_discount_usage_scenario_1", "1.00", "1.00", "1.00", "0"),
    # the commitment idle for the hour: nothing eligible, all unused
    ("commitment_discount_usage_scenario_2", "0", "0", "0", "1.00"),
    # 0.75 used, 0.25 unused: utilisation 75 %
    ("commitment_discount_usage_scenario_3", "0.75", "0.75", "0.75", "0.25"),
    # one covered hour and one on demand (0.50): coverage 1.00 / 1.50
    ("commitment_discount_usage_scenario_4", "1.50", "1.00", "1.00", "0"),
    # size flexibility: the large VM's covered part at list 3.00, its on-demand rest 2.25;
    # the purchase row is not usage
    (
        "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource",
        "5.25",
        "3.00",
        "0.50",
        "0",
    ),
    (
        "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources",
        "4.00",
        "4.00",
        "2.00",
        "0",
    ),
    (
        "one_hundred_percent_utilization_without_commitment_discount_flexibility",
        "3.00",
        "3.00",
        "1.50",
        "0",
    ),
    # the commitment unused (1.50) while a medium VM runs on demand (list 2.00)
    ("zero_percent_utilization_without_commitment_discount_flexibility", "2.00", "0", "0", "1.50"),
]


@pytest.mark.parametrize(("name", "expected"), [(s[0], s[1:]) for s in SCENARIOS])
def test_the_spec_scenarios(
    duck: Any, reference: Path, name: str, expected: tuple[str, str, str, str]
) -> None:
    figures = organisation(duck, scenario(reference, name))
    assert figures == Figures(*(Fraction(v) for v in expected))


def test_the_scenarios_ratios(duck: Any, reference: Path) -> None:
    third = organisation(duck, scenario(reference, "commitment_discount_usage_scenario_3"))
    assert third.utilisation == Fraction(3, 4) and third.coverage == 1
    fourth = organisation(duck, scenario(reference, "commitment_discount_usage_scenario_4"))
    assert fourth.coverage == Fraction(2, 3) and fourth.utilisation == 1
    flexible = organisation(
        duck,
        scenario(
            reference,
            "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource",
        ),
    )
    assert flexible.coverage == Fraction(4, 7)  # 3.00 / 5.25
    idle = organisation(duck, scenario(reference, "commitment_discount_usage_scenario_2"))
    assert idle.coverage is None and idle.utilisation == 0


RULES = parse_rules(
    {
        "kind": "AllocationRules",
        "spec": {
            "rules": [
                {"name": "a", "match": {"resource_id": "vm-a*"}, "to": {"team": "a"}},
                {"name": "b", "match": {"resource_id": "vm-b*"}, "to": {"team": "b"}},
                {"name": "ghost", "match": {"resource_id": "vm-g*"}, "to": {"team": "ghost"}},
                {"name": "rest", "match": {"provider": "AWS"}, "shared": "pool"},
            ],
            "shared": [{"name": "pool", "split": "even"}],
        },
    }
)


def _line(resource: str, category: str, **values: Any) -> dict[str, Any]:
    return {"provider": "AWS", "resource_id": resource, "service_category": category, **values}


TEAM_LINES = [
    # team a: 30 at list covered (20 amortised), 10 on demand; storage is not eligible
    _line("vm-a1", "Compute", charge_category="Usage", pricing_category="Committed",
          list_cost="30", effective_cost="20", commitment_discount_id="sp-1",
          commitment_discount_status="Used", commitment_discount_type="Savings Plan"),
    _line("vm-a2", "Compute", charge_category="Usage", pricing_category="Standard",
          list_cost="10", effective_cost="10"),
    _line("vm-a3", "Storage", charge_category="Usage", list_cost="100", effective_cost="100"),
    # team b: 40 on demand, and a spot VM (not eligible)
    _line("vm-b1", "Compute", charge_category="Usage", list_cost="40", effective_cost="40"),
    _line("vm-b2", "Compute", charge_category="Usage", pricing_category="Dynamic",
          list_cost="7", effective_cost="2"),
    # the savings plan's idle part, matched by the shared pool's rule
    _line("sp-1", "Compute", charge_category="Usage", effective_cost="5",
          commitment_discount_id="sp-1", commitment_discount_status="Unused",
          commitment_discount_type="Savings Plan"),
    # a team the catalog does not know: unallocated
    _line("vm-g1", "Compute", charge_category="Usage", list_cost="8", effective_cost="8"),
]  # fmt: skip


def test_teams_follow_the_allocation_rules(duck: Any) -> None:
    sums = duck.execute(commitment_sums(table(TEAM_LINES), RULES)).to_dict("records")
    scopes = resolve(sums, RULES, {}, {"a", "b"})
    assert scopes["a"] == Figures(Fraction(40), Fraction(30), Fraction(20), Fraction(0))
    assert scopes["a"].coverage == Fraction(3, 4) and scopes["a"].utilisation == 1
    assert scopes["b"] == Figures(eligible=Fraction(40))
    assert scopes["b"].coverage == 0 and scopes["b"].utilisation is None
    assert scopes["shared: pool"] == Figures(unused=Fraction(5))
    assert scopes[UNALLOCATED_KEY] == Figures(eligible=Fraction(8))
    org = total(scopes)
    assert org.coverage == Fraction(30, 88) and org.utilisation == Fraction(20, 25)


def test_unused_cost_by_commitment(duck: Any) -> None:
    rows = duck.execute(by_commitment(table(TEAM_LINES))).to_dict("records")
    (plan,) = commitments_rows(rows)
    assert (plan["id"], plan["type"], plan["used"], plan["unused"]) == (
        "sp-1",
        "Savings Plan",
        20,
        5,
    )
    assert plan["utilisation"] == Fraction(4, 5) and plan["lines"] == 2


def test_without_rules_everything_is_unallocated(duck: Any) -> None:
    sums = duck.execute(commitment_sums(table(TEAM_LINES), None)).to_dict("records")
    scopes = resolve(sums, None, {}, set())
    assert set(scopes) == {UNALLOCATED_KEY}
    assert scopes[UNALLOCATED_KEY].coverage == Fraction(30, 88)


def _reference(rows: list[dict[str, Any]]) -> Figures:
    """The definitions read plainly, line by line."""
    touched = {
        (r["provider"] or "", r["service_category"] or "")
        for r in rows
        if r["commitment_discount_id"] is not None
    }
    out = Figures()
    for r in rows:
        effective = Fraction(Decimal(r["effective_cost"] or 0))
        listed = Fraction(Decimal(r["list_cost"])) if r["list_cost"] is not None else effective
        status = r["commitment_discount_status"]
        eligible = (
            r["charge_category"] == "Usage"
            and status != "Unused"
            and r["pricing_category"] != "Dynamic"
            and (r["provider"] or "", r["service_category"] or "") in touched
        )
        out = out + Figures(
            listed if eligible else Fraction(0),
            listed if eligible and status == "Used" else Fraction(0),
            effective if status == "Used" else Fraction(0),
            effective if status == "Unused" else Fraction(0),
        )
    return out


line = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(("AWS", "Azure", None)),
        "service_category": st.sampled_from(("Compute", "Storage", None)),
        "charge_category": st.sampled_from(("Usage", "Purchase", "Tax")),
        "pricing_category": st.sampled_from(("Standard", "Committed", "Dynamic", None)),
        "resource_id": st.just("r"),
        "list_cost": st.one_of(st.none(), st.decimals(0, 1000, places=4)),
        "effective_cost": st.decimals(-10, 1000, places=6),
        "commitment_discount_id": st.sampled_from(("c1", "c2", None)),
        "commitment_discount_status": st.sampled_from(("Used", "Unused", None)),
    }
)


@settings(max_examples=12, deadline=None)
@given(datasets=st.lists(st.lists(line, max_size=10), min_size=1, max_size=8))
def test_the_ibis_figures_are_the_plain_reading(
    duck: Any, datasets: list[list[dict[str, Any]]]
) -> None:
    """Each random dataset is its own month, so one query checks them all."""
    rows = [
        {**r, "charge_period_start": dt.datetime(2024, 1 + i, 3, tzinfo=dt.UTC)}
        for i, data in enumerate(datasets)
        for r in data
    ]
    sums = duck.execute(commitment_sums(table(rows), None)).to_dict("records")
    for i, data in enumerate(datasets):
        month = [r for r in sums if r["month"].month == 1 + i]
        figures = total(resolve(month, None, {}, set()))
        assert figures == _reference(data)
        if all(r["effective_cost"] >= 0 for r in data):  # no credits: ratios within [0, 1]
            assert figures.coverage is None or 0 <= figures.coverage <= 1
            assert figures.utilisation is None or 0 <= figures.utilisation <= 1


def test_the_report_metrics_and_cli_on_a_small_lake(app: App, tmp_path: Path) -> None:
    """January: payments' covered hour (list 30) and on-demand hour (list 10), browse's
    on-demand hour (list 60), a 5.00 idle commitment line, and a EUR line: the month is
    refused without --currency; USD gives coverage 30 / 100 and utilisation 20 / 25. No rules
    ingested: the default rule (tag team names a team) decides the teams, and says so."""
    from leadline.finops.commitment_report import commitments_report
    from leadline.finops.report import FinOpsError
    from leadline.semantic.evaluation import Evaluation
    from tests.delivery.support_metrics import load_catalog
    from tests.finops.support_finops import focus_row, ingest_focus, write_focus

    load_catalog(app, tmp_path)
    plan = {"CommitmentDiscountId": "sp-1", "CommitmentDiscountCategory": "Spend"}
    rows = [
        focus_row(ListCost="30", EffectiveCost="20", BilledCost="0", PricingCategory="Committed",
                  CommitmentDiscountStatus="Used", **plan),
        focus_row(ListCost="10", EffectiveCost="10"),
        focus_row(ListCost="60", EffectiveCost="60", Tags='{"team": "browse"}'),
        focus_row(ListCost="5", EffectiveCost="5", BilledCost="0", PricingCategory="Committed",
                  CommitmentDiscountStatus="Unused", Tags="", ResourceId="sp-1", **plan),
        focus_row(BillingCurrency="EUR", BillingAccountId="eu", CommitmentDiscountStatus="Used",
                  **plan),
    ]  # fmt: skip
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", rows)).exit_code == 0
    with pytest.raises(FinOpsError, match="--currency"):
        commitments_report(app, "2026-01")
    data = commitments_report(app, "2026-01", currency="USD")
    assert data["organisation"] == {
        "eligible": "100.00",
        "covered": "30.00",
        "coverage": 0.3,
        "used": "20.00",
        "unused": "5.00",
        "utilisation": 0.8,
    }
    assert [g["key"] for g in data["groups"]] == ["browse", "payments", "unallocated"]
    assert data["notes"] and "default rule" in data["notes"][0]
    assert commitments_report(app, "2026-02")["warnings"] == [
        "no commitment discount lines in 2026-02"
    ]
    ev = Evaluation(app, now=dt.datetime(2026, 3, 1))
    january = Period.parse("2026-01").window
    # the month mixes currencies: no metric value, and the reason
    assert ev.values("finops.commitment_coverage", "organisation", [january]) == [{}]
    assert "several currencies" in (
        registry.get("finops.commitment_coverage").unavailable(ev, january) or ""  # type: ignore[misc]
    )
    args = ["--home", str(app.settings.home), "finops", "commitments", "--month", "2026-01"]
    result = CliRunner().invoke(cli, [*args, "--currency", "USD", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "organisation,100.00,30.00,0.3,20.00,5.00,0.8"
