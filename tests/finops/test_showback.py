"""Showback and chargeback on a hand-computed month (tests/finops/support_finops.scenario_rows):
direct rules, a service target, a shared pool split three ways, an unallocated group that always
closes the total, largest-remainder rounding, mixed currencies refused, the CLI's JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops import report
from tests.delivery.support_metrics import load_catalog
from tests.finops.support_finops import (
    focus_row,
    ingest_focus,
    ingest_rules,
    rules_yaml,
    scenario_rows,
    write_focus,
)


@pytest.fixture
def month_app(app: App, tmp_path: Path) -> App:
    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", scenario_rows())).exit_code == 0
    return app


def groups(data: dict[str, object]) -> dict[str, str]:
    return {g["key"]: g["cost"] for g in data["groups"]}  # type: ignore[attr-defined]


def test_proportional_split_conserves_the_total(month_app: App, tmp_path: Path) -> None:
    """Direct: payments 100 + 30 (api) = 130, browse 50. Pool 40 split 130:50 →
    payments 28.888…, browse 11.111…; unmatched 10. Exact: 158.888…, 61.111…, 10 → cents
    by largest remainder: 158.89, 61.11, 10.00 = 230.00."""
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    data = report.showback(month_app, "2026-01")
    assert data["total"] == "230.00" and data["currency"] == "USD"
    assert data["cost_type"] == "effective" and data["month"] == "2026-01"
    assert groups(data) == {"payments": "158.89", "browse": "61.11", "unallocated": "10.00"}
    assert [g["key"] for g in data["groups"]] == ["payments", "browse", "unallocated"]
    assert data["allocation_coverage"] == pytest.approx(180 / 230, abs=1e-6)
    shares = {g["key"]: g["share"] for g in data["groups"]}
    assert shares["unallocated"] == pytest.approx(10 / 230, abs=1e-6)


def test_even_and_driver_splits(month_app: App, tmp_path: Path) -> None:
    ingest_rules(month_app, tmp_path, rules_yaml("even"))
    assert groups(report.showback(month_app, "2026-01")) == {
        "payments": "150.00",
        "browse": "70.00",
        "unallocated": "10.00",
    }
    drivers = tmp_path / "drivers.csv"
    drivers.write_text(
        "date,driver,value,scope\n2026-01-01,active_users,300,payments\n"
        "2026-01-20,active_users,100,browse\n2026-02-01,active_users,999,browse\n",
        encoding="utf-8",
    )
    from leadline.ingest.runner import run_ingest

    landed = run_ingest(
        "drivers-csv", [drivers], settings=month_app.settings, store=month_app.store
    )
    assert landed.exit_code == 0
    ingest_rules(month_app, tmp_path, rules_yaml("driver\n      driver: active_users"))
    assert groups(report.showback(month_app, "2026-01")) == {
        "payments": "160.00",
        "browse": "60.00",
        "unallocated": "10.00",
    }


def test_group_by_unit_stream_service_and_tower(month_app: App, tmp_path: Path) -> None:
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    by_unit = report.showback(month_app, "2026-01", by="business-unit")
    assert groups(by_unit) == {"retail": "220.00", "unallocated": "10.00"}
    by_stream = report.showback(month_app, "2026-01", by="value-stream")
    assert groups(by_stream) == {"checkout": "158.89", "discovery": "61.11", "unallocated": "10.00"}
    by_service = report.showback(month_app, "2026-01", by="service")
    assert groups(by_service)["api"] == "30.00"
    by_tower = report.showback(month_app, "2026-01", by="tower")
    assert groups(by_tower) == {"Compute": "220.00", "unallocated": "10.00"}


def test_billed_cost_and_empty_months(month_app: App, tmp_path: Path) -> None:
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    billed = report.showback(month_app, "2026-01", cost_type="billed")
    assert billed["total"] == "50.00"  # BilledCost is 10.00 on each of the five lines
    empty = report.showback(month_app, "2025-12")
    assert empty["total"] == "0.00" and groups(empty) == {"unallocated": "0.00"}


def test_chargeback_applies_tower_rates(month_app: App, tmp_path: Path) -> None:
    """Compute at 1.05: payments 158.888… → 166.8333…, browse 61.111… → 64.1666…; charged
    total exactly 231.00 → 166.83 and 64.17 by largest remainder."""
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    data = report.chargeback(month_app, "2026-01")
    (retail,) = data["statements"]
    assert retail["business_unit"] == "retail"
    assert (retail["cost"], retail["charged"]) == ("220.00", "231.00")
    lines = {(line["team"], line["tower"]): line for line in retail["lines"]}
    assert lines[("payments", "Compute")]["charged"] == "166.83"
    assert lines[("browse", "Compute")]["charged"] == "64.17"
    assert lines[("browse", "Compute")]["rate"] == 1.05
    assert (data["total"], data["allocated"], data["unallocated"]) == ("230.00", "220.00", "10.00")


def test_mixed_currencies_are_never_summed(month_app: App, tmp_path: Path) -> None:
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    euros = [focus_row(BillingAccountId="eu", BillingCurrency="EUR", EffectiveCost="7")]
    assert ingest_focus(month_app, write_focus(tmp_path / "eur.csv", euros)).exit_code == 0
    with pytest.raises(report.FinOpsError, match="2 currencies \\(EUR, USD\\)"):
        report.showback(month_app, "2026-01")
    assert report.showback(month_app, "2026-01", currency="EUR")["total"] == "7.00"
    assert report.showback(month_app, "2026-01", currency="USD")["total"] == "230.00"


def test_without_rules_the_default_rule_runs_and_says_so(month_app: App) -> None:
    """No rules ingested: tag team names a catalog team. payments 100 and browse 50 land on
    their teams; legacy 10 (no such team) and the untagged 30 + 40 are unallocated = 80."""
    data = report.showback(month_app, "2026-01")
    assert groups(data) == {"payments": "100.00", "browse": "50.00", "unallocated": "80.00"}
    assert data["default_rule"] is True and "tag team names a catalog team" in data["notes"][0]
    assert data["warnings"] == [
        "rule tag-team: 1 value of tag team names no team of the catalog, so its cost is "
        "unallocated: 'legacy' (1 line)"
    ]
    assert report.chargeback(month_app, "2026-01")["default_rule"] is True
    with pytest.raises(report.FinOpsError, match="YYYY-MM"):
        report.parse_month("2026-13")


def test_rules_naming_unknown_targets_warn(month_app: App, tmp_path: Path) -> None:
    text = rules_yaml("proportional").replace("to: {team: browse}", "to: {team: ghosts}")
    landed = ingest_rules(month_app, tmp_path, text)
    warnings = [p for r in landed.results for p in r.problems]
    assert [p.field for p in warnings] == ["spec.rules.1.to.team"]
    data = report.showback(month_app, "2026-01")
    # browse has no direct cost now: the pool goes wholly to payments
    assert groups(data) == {"payments": "170.00", "unallocated": "60.00"}
    assert any("ghosts" in w for w in data["warnings"])


def test_invalid_rules_are_rejected_with_their_field(month_app: App, tmp_path: Path) -> None:
    text = rules_yaml("proportional").replace("shared: platform", "shared: nowhere")
    landed = ingest_rules(month_app, tmp_path, text)
    (problem,) = [p for r in landed.results for p in r.problems]
    assert "undeclared shared pool" in problem.reason and problem.row == 1
    bad_split = ingest_rules(month_app, tmp_path, rules_yaml("sideways"))
    (problem,) = [p for r in bad_split.results for p in r.problems]
    assert problem.field == "spec.shared.0.split"


def test_cli_json_contract(month_app: App, tmp_path: Path) -> None:
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    home = month_app.settings.resolved_home
    month_app.close()
    result = CliRunner().invoke(
        cli,
        ["--home", str(home), "finops", "showback", "--month", "2026-01", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"month", "cost_type", "currency", "total", "groups"} <= set(data)
    assert all(set(g) == {"key", "cost", "share"} for g in data["groups"])
    assert isinstance(data["total"], str) and data["groups"][-1]["key"] == "unallocated"
    assert data["default_rule"] is False and data["notes"] == []
    table = CliRunner().invoke(
        cli,
        ["--home", str(home), "finops", "chargeback", "--month", "2026-01"],
        env={"COLUMNS": "200"},
    )
    assert table.exit_code == 0 and "166.83" in table.stdout
    bad = CliRunner().invoke(
        cli, ["--home", str(home), "finops", "showback", "--month", "2026-01", "--by", "x"]
    )
    assert bad.exit_code == 2


def test_line_detail_names_each_lines_rule(month_app: App, tmp_path: Path) -> None:
    ingest_rules(month_app, tmp_path, rules_yaml("proportional"))
    detail = report.line_detail(month_app, "2026-01")
    assert detail["count"] == 5
    rules = [(row["line"], row["rule"], row["cost"]) for row in detail["lines"]]
    assert rules == [
        (2, "payments-tag", "100.000000000000"),
        (3, "browse-tag", "50.000000000000"),
        (4, "api-account", "30.000000000000"),
        (5, "untagged", "40.000000000000"),
        (6, None, "10.000000000000"),
    ]
    assert [
        r["line"] for r in report.line_detail(month_app, "2026-01", unallocated=True)["lines"]
    ] == [6]
    one = report.line_detail(month_app, "2026-01", rule="browse-tag", limit=1)
    assert one["count"] == 1 and one["lines"][0]["tower"] == "Compute"
    with pytest.raises(report.FinOpsError, match="no rule named"):
        report.line_detail(month_app, "2026-01", rule="nope")


def _month_rows(month: str, following: str, scale: int) -> list[dict[str, str]]:
    """The January scenario moved to ``month`` (billed up to ``following``, both YYYY-MM)
    with every cost times ``scale``."""
    periods = {
        "BillingPeriodStart": f"{month}-01T00:00:00Z",
        "BillingPeriodEnd": f"{following}-01T00:00:00Z",
        "ChargePeriodStart": f"{month}-05T00:00:00Z",
        "ChargePeriodEnd": f"{month}-06T00:00:00Z",
    }
    return [
        {**row, **periods, "EffectiveCost": str(Decimal(row["EffectiveCost"]) * scale)}
        for row in scenario_rows()
    ]


def test_several_months_in_one_pass_equal_month_by_month(month_app: App, tmp_path: Path) -> None:
    """``allocate_months`` reads several months with one query per table and must give each
    month what ``allocate_month`` gives it alone: its own drivers, its own currency choice
    (a month with two currencies gets its error, the others still allocate), empty months
    empty."""
    from leadline.ingest.runner import run_ingest

    feb = write_focus(tmp_path / "feb.csv", _month_rows("2026-02", "2026-03", 2))
    euros = [
        {**r, "BillingCurrency": "EUR", "BillingAccountId": "eu"}
        for r in _month_rows("2026-03", "2026-04", 1)
    ]
    mar = write_focus(tmp_path / "mar.csv", _month_rows("2026-03", "2026-04", 3) + euros)
    assert ingest_focus(month_app, feb, mar).exit_code == 0
    drivers = tmp_path / "drivers.csv"
    drivers.write_text(
        "date,driver,value,scope\n2026-01-05,active_users,300,payments\n"
        "2026-01-20,active_users,100,browse\n2026-02-03,active_users,100,payments\n"
        "2026-02-04,active_users,300,browse\n",
        encoding="utf-8",
    )
    landed = run_ingest(
        "drivers-csv", [drivers], settings=month_app.settings, store=month_app.store
    )
    assert landed.exit_code == 0
    ingest_rules(month_app, tmp_path, rules_yaml("driver\n      driver: active_users"))
    labels = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    together = report.allocate_months(month_app, [report.parse_month(m) for m in labels])
    assert list(together) == labels
    for label in ["2025-12", "2026-01", "2026-02", "2026-04"]:
        alone = report.allocate_month(month_app, report.parse_month(label))
        joint = together[label]
        assert isinstance(joint, report.MonthAllocation)
        assert report.shape(joint, "team") == report.shape(alone, "team")
        assert joint.lines == alone.lines
    # January: pool 40 split 300:100 → payments 130 + 30, browse 50 + 10; February the
    # drivers turn (100:300) and costs double: payments 260 + 20, browse 100 + 60.
    assert groups(report.shape(together["2026-01"], "team")) == {  # type: ignore[arg-type]
        "payments": "160.00",
        "browse": "60.00",
        "unallocated": "10.00",
    }
    assert groups(report.shape(together["2026-02"], "team")) == {  # type: ignore[arg-type]
        "payments": "280.00",
        "browse": "160.00",
        "unallocated": "20.00",
    }
    assert isinstance(together["2026-03"], report.FinOpsError)
    assert "2 currencies (EUR, USD)" in str(together["2026-03"])
    euro = report.allocate_months(month_app, [report.parse_month("2026-03")], currency="EUR")
    assert report.shape(euro["2026-03"], "team")["total"] == "230.00"  # type: ignore[arg-type]
