"""``leadline slo export prometheus-rules``: hand-checked rule expressions for the demo's
availability SLO shape, ``promtool check rules`` on the file, and ``promtool test rules`` unit
tests with series that must fire the page (and ticket) alert and series that must fire nothing.
promtool is installed by ``make test`` (scripts/system-deps.sh, Debian's ``prometheus``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.reliability.export_prometheus import export_rules
from leadline.reliability.export_promql import NotPrometheus, error_ratio
from leadline.reliability.models import Slo
from tests.conftest import make_settings
from tests.delivery.support_metrics import ingest
from tests.reliability.support_export import home
from tests.reliability.support_slo import add_slo

__all__ = ["home"]  # the fixture

runner = CliRunner()
IDS = 'sloth_id="api-availability", sloth_service="api", sloth_slo="availability"'
LABELS = {"sloth_id": "api-availability", "sloth_service": "api", "sloth_slo": "availability"}
GOOD = 'sum(rate(http_requests_total{job="api",code!~"5.."}[1h]))'
TOTAL = 'sum(rate(http_requests_total{job="api"}[1h]))'


def promtool() -> str:
    found = shutil.which("promtool") or (
        "/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None
    )
    assert found, (
        "promtool is not installed: run scripts/system-deps.sh (Debian package 'prometheus'), "
        "as make test does"
    )
    return found


def export(home: Path, *args: str) -> tuple[str, str]:
    result = runner.invoke(cli, ["--home", str(home), "slo", "export", "prometheus-rules", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def rules_of(groups: list[dict[str, Any]], group: str) -> list[dict[str, Any]]:
    return next(g["rules"] for g in groups if g["name"] == group)


def test_rule_expressions_by_hand(home: Path) -> None:
    out, err = export(home, "--slo", "api-availability")
    groups = yaml.safe_load(out)["groups"]
    assert [g["name"] for g in groups] == [
        "sloth-slo-sli-recordings-api-availability",
        "sloth-slo-meta-recordings-api-availability",
        "sloth-slo-alerts-api-availability",
    ]
    sli = rules_of(groups, "sloth-slo-sli-recordings-api-availability")
    # every window of the workbook's rules, shortest first, then the 28-day period
    assert [r["record"] for r in sli] == [
        f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "28d")
    ]
    hour = sli[2]
    assert hour["expr"] == f"1 - (\n  ({GOOD})\n  /\n  ({TOTAL})\n)\n"
    assert hour["labels"] == {**LABELS, "sloth_window": "1h"}
    five = f"slo:sli_error:ratio_rate5m{{{IDS}}}"
    assert sli[-1]["expr"] == (
        f"sum_over_time({five}[28d])\n/ ignoring (sloth_window)\ncount_over_time({five}[28d])\n"
    )
    meta = {r["record"]: r for r in rules_of(groups, "sloth-slo-meta-recordings-api-availability")}
    assert meta["slo:objective:ratio"]["expr"] == "vector(0.999)"
    assert meta["slo:error_budget:ratio"]["expr"] == "vector(1-0.999)"
    assert meta["slo:time_period:days"]["expr"] == "vector(28)"
    assert meta["sloth_slo_info"]["labels"]["sloth_objective"] == "99.9"
    page, ticket = rules_of(groups, "sloth-slo-alerts-api-availability")
    assert page["alert"] == ticket["alert"] == "ApiAvailabilityErrorBudgetBurn"
    assert page["labels"] == {"sloth_severity": "page"}
    assert ticket["labels"] == {"sloth_severity": "ticket"}

    def leg(window: str, factor: str) -> str:
        return (
            f"max(slo:sli_error:ratio_rate{window}{{{IDS}}} > ({factor} * 0.001)) "
            "without (sloth_window)"
        )

    assert page["expr"] == (
        f"(\n    {leg('5m', '14.4')}\n    and\n    {leg('1h', '14.4')}\n)\nor\n"
        f"(\n    {leg('30m', '6')}\n    and\n    {leg('6h', '6')}\n)\n"
    )
    assert ticket["expr"] == (
        f"(\n    {leg('2h', '3')}\n    and\n    {leg('1d', '3')}\n)\nor\n"
        f"(\n    {leg('6h', '1')}\n    and\n    {leg('3d', '1')}\n)\n"
    )
    assert err == ""


def test_skipped_listed_and_crd(home: Path, tmp_path: Path) -> None:
    journey = tmp_path / "journey.yaml"
    journey.write_text(
        "apiVersion: leadline.io/v1\nkind: CompositeSLO\nmetadata: {name: journey}\n"
        "spec: {service: api, objective: 0.99, components: [{slo: api-availability}]}\n",
        encoding="utf-8",
    )
    app = App(make_settings(home))
    try:
        assert ingest(app, "openslo", journey).exit_code == 0
    finally:
        app.close()
    out, err = export(home)
    assert "skipped web-csv: it has no queries" in err
    assert "skipped journey: a composite SLO has no query of its own" in err
    assert export(home, "--slo", "journey")[0] == "groups: []\n"
    names = [g["name"] for g in yaml.safe_load(out)["groups"]]
    assert "sloth-slo-alerts-api-latency" in names
    assert not any("web-csv" in n for n in names)
    crd_text, _ = export(home, "--format", "crd")
    crd = yaml.safe_load(crd_text)
    assert crd["apiVersion"] == "monitoring.coreos.com/v1"
    assert crd["kind"] == "PrometheusRule"
    assert crd["spec"]["groups"] == yaml.safe_load(out)["groups"]
    unknown = runner.invoke(
        cli, ["--home", str(home), "slo", "export", "prometheus-rules", "--slo", "nope"]
    )
    assert unknown.exit_code == 2
    assert "unknown SLO: nope" in unknown.stderr


def test_latency_rules_use_the_histogram(home: Path) -> None:
    out, _ = export(home, "--slo", "api-latency")
    sli = rules_of(yaml.safe_load(out)["groups"], "sloth-slo-sli-recordings-api-latency")
    good = 'sum(rate(http_request_duration_seconds_bucket{job="api",le="0.3"}[5m]))'
    total = 'sum(rate(http_request_duration_seconds_count{job="api"}[5m]))'
    assert sli[0]["expr"] == f"1 - (\n  ({good})\n  /\n  ({total})\n)\n"


def _alert(severity: str) -> dict[str, Any]:
    return {
        "exp_labels": {**LABELS, "sloth_severity": severity},
        "exp_annotations": {
            "summary": "api availability SLO error budget burn rate is over expected.",
            "title": f"({severity}) api availability SLO error budget burn rate is too fast.",
        },
    }


def _case(errors_per_minute: float, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """Two hours of 1,000 requests a minute, ``errors_per_minute`` of them 5xx."""
    ok = 1000 - errors_per_minute
    return {
        "interval": "1m",
        "input_series": [
            {"series": 'http_requests_total{job="api",code="200"}', "values": f"0+{ok:g}x120"},
            {
                "series": 'http_requests_total{job="api",code="500"}',
                "values": f"0+{errors_per_minute:g}x120",
            },
        ],
        "alert_rule_test": [
            {"eval_time": "1h", "alertname": "ApiAvailabilityErrorBudgetBurn", "exp_alerts": alerts}
        ],
    }


def run_promtool(
    tmp_path: Path, rules: Path, tests: list[dict[str, Any]]
) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "rules_test.yml"
    test_file.write_text(
        yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": tests}),
        encoding="utf-8",
    )
    return subprocess.run(
        [promtool(), "test", "rules", str(test_file)], capture_output=True, text=True, check=False
    )


def test_promtool_checks_and_unit_tests(home: Path, tmp_path: Path) -> None:
    rules = tmp_path / "slo-rules.yml"
    export(home, "--out", str(rules))
    check = subprocess.run(
        [promtool(), "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 34 rules found" in check.stdout  # 2 SLOs x (8 SLI + 7 meta + 2 alerts)
    # 5 % errors: error ratio 0.05 > 14.4 x 0.001 over 5m and 1h: page; 0.05 > 3 x 0.001 over
    # 2h and 1d (the 1d rate from the hour there is): ticket too. Recorded values by hand:
    # 1h error ratio 0.05 (x 1000 = 50), current burn rate 0.05 / 0.001 = 50.
    firing = _case(50, [_alert("page"), _alert("ticket")])
    firing["promql_expr_test"] = [
        {
            "expr": f"round(slo:sli_error:ratio_rate1h{{{IDS}}} * 1000)",
            "eval_time": "1h",
            "exp_samples": [{"labels": _labels({**LABELS, "sloth_window": "1h"}), "value": 50}],
        },
        {
            "expr": f"round(slo:current_burn_rate:ratio{{{IDS}}})",
            "eval_time": "1h",
            # the 5m series' sloth_window stays on the result, as in Sloth's own rules
            "exp_samples": [{"labels": _labels({**LABELS, "sloth_window": "5m"}), "value": 50}],
        },
    ]
    # 0.05 % errors: 0.0005 < 1 x 0.001 on every window: nothing fires
    quiet = _case(0.5, [])
    # 1 % errors: 10x the budget: below the fast page (14.4) but above the slow page (6x over
    # 30m and 6h) and the tickets: the `or` of the page's two window pairs
    slow = _case(10, [_alert("page"), _alert("ticket")])
    result = run_promtool(tmp_path, rules, [firing, quiet, slow])
    assert result.returncode == 0, result.stdout + result.stderr
    # the unit tests can fail: expecting silence when 5 % of requests fail is refused
    wrong = run_promtool(tmp_path, rules, [_case(50, [])])
    assert wrong.returncode != 0
    assert "ApiAvailabilityErrorBudgetBurn" in wrong.stdout + wrong.stderr


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def test_configured_rules_and_calendar_window(home: Path) -> None:
    """The export uses [reliability] burn_rate_rules (here one page rule, 10x over 2h and
    10m): windows 10m and 2h, the 5m ratio the meta rules need, no ticket alert; an SLO's own
    rules win; a calendar month's period rules use 30 rolling days, with a note."""
    rules = [{"severity": "page", "long_window": "120m", "short_window": "10m", "factor": 10}]
    app = App(make_settings(home, reliability={"burn_rate_rules": rules}))
    try:
        add_slo(app, "cal", "web", 0.99, window_kind="calendar", calendar_unit="month")
        add_slo(
            app,
            "own",
            "web",
            0.95,
            alerting=[
                {"severity": "ticket", "long_window": "1d", "short_window": "1h", "factor": 2}
            ],
        )
        with app.store.session() as session:
            for name in ("cal", "own"):
                slo = session.scalars(select(Slo).where(Slo.name == name)).one()
                slo.indicator = {"bad": "errors_total", "total": "requests_total"}
        export = export_rules(app, ["api-availability", "cal", "own"])
    finally:
        app.close()
    groups = {g["name"]: g["rules"] for g in export.groups}
    sli = groups["sloth-slo-sli-recordings-api-availability"]
    assert [r["labels"]["sloth_window"] for r in sli] == ["5m", "10m", "2h", "28d"]
    (page,) = groups["sloth-slo-alerts-api-availability"]
    assert page["labels"] == {"sloth_severity": "page"}
    assert "ratio_rate10m" in page["expr"] and "ratio_rate2h" in page["expr"]
    assert "(10 * 0.001)" in page["expr"]
    (ticket,) = groups["sloth-slo-alerts-own"]
    assert ticket["labels"] == {"sloth_severity": "ticket"}
    assert "(2 * 0.05)" in ticket["expr"]
    own = groups["sloth-slo-sli-recordings-own"]
    assert own[1]["expr"] == "(sum(rate(errors_total[1h])))\n/\n(sum(rate(requests_total[1h])))\n"
    cal = groups["sloth-slo-sli-recordings-cal"]
    assert cal[-1]["record"] == "slo:sli_error:ratio_rate30d"
    assert export.notes == ["cal: calendar month window; its period rules use a rolling 30d window"]


def _slo(indicator: dict[str, Any], kind: str = "ratio") -> Slo:
    return Slo(name="s", service="api", objective=0.99, sli_kind=kind, indicator=indicator)


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        (
            {"bad": "errors_total", "total": "sum(rate(req_total[{{ .window }}]))"},
            "(sum(rate(errors_total[2h])))\n/\n(sum(rate(req_total[2h])))\n",
        ),
        (
            {"error_ratio": "sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))"},
            "(sum(rate(e[2h])) / sum(rate(t[2h])))\n",
        ),
        ({"good_ratio": "avg_over_time(up[{{.window}}])"}, "1 - (avg_over_time(up[2h]))\n"),
    ],
)
def test_error_ratio_shapes(indicator: dict[str, Any], expected: str) -> None:
    assert error_ratio(_slo(indicator), {}, "2h") == expected


@pytest.mark.parametrize(
    ("indicator", "documents", "reason"),
    [
        (
            {"datasource": "dd", "good": "a", "total": "b"},
            {"dd": {"spec": {"type": "Datadog"}}},
            "its data source is Datadog, not Prometheus",
        ),
        ({"good": {"metric": "x"}, "total": {"metric": "y"}}, {}, "not PromQL text"),
        ({"error_ratio": "sum(rate(e[5m]))"}, {}, "has no {{.window}}"),
        ({}, {}, "it has no queries"),
    ],
)
def test_not_prometheus(indicator: dict[str, Any], documents: dict[str, Any], reason: str) -> None:
    with pytest.raises(NotPrometheus, match=re.escape(reason)):
        error_ratio(_slo(indicator), documents, "5m")


def test_native_histogram_error_ratio(tmp_path: Path) -> None:
    """A latency SLO on a native histogram: the share above 0.3 s is
    1 - fraction(-Inf, 0.3) (the count cancels); promtool parses it."""
    indicator = {
        "metric": 'rpc_seconds{job="api"}',
        "threshold": 0.3,
        "op": "lte",
        "histogram": "native",
    }
    expr = error_ratio(_slo(indicator, "threshold"), {}, "1h")
    summed = 'sum(rate(rpc_seconds{job="api"}[1h]))'
    total = f"histogram_count({summed})"
    good = f"histogram_fraction(-Inf, 0.3, {summed}) * {total}"
    assert expr == f"1 - (\n  ({good})\n  /\n  ({total})\n)\n"
    rules = tmp_path / "native.yml"
    rules.write_text(
        yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}),
        encoding="utf-8",
    )
    check = subprocess.run(
        [promtool(), "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
