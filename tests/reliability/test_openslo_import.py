"""OpenSLO v1 import: the normalised rows of realistic specs, the documents kept, bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.problems import Problem
from leadline.ingest.registry import get_source
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.reliability.models import Slo, SloDocument
from leadline.reliability.specs import generate_openslo

FIXTURES = Path(__file__).parent / "fixtures_specs"
BOOKKEEPING = frozenset({"id", "batch_id", "updated_at"})


def ingest(app: App, source: str, *paths: Path) -> IngestReport:
    return run_ingest(source, list(paths), settings=app.settings, store=app.store)


def problems(report: IngestReport) -> list[Problem]:
    return [p for r in report.results for p in r.problems]


def slo_rows(app: App, drop: frozenset[str] = BOOKKEEPING) -> dict[str, dict[str, Any]]:
    columns = [c.key for c in Slo.__table__.columns if c.key not in drop]
    with app.store.session() as session:
        return {o.name: {c: getattr(o, c) for c in columns} for o in session.scalars(select(Slo))}


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def catalog_app(app: App) -> App:
    """An app whose catalog holds the services the fixtures name."""
    assert ingest(app, "catalog-yaml", FIXTURES / "catalog.yaml").exit_code == 0
    return app


PROM = "prometheus"
LATENCY = (
    "histogram_quantile(0.99, sum by (le) "
    '(rate(http_request_duration_seconds_bucket{job="checkout"}[5m])))'
)
SEARCH_GOOD = 'sum(rate(search_request_duration_seconds_bucket{le="0.25"}[5m]))'
SEARCH_TOTAL = "sum(rate(search_request_duration_seconds_count[5m]))"
ROLLING = {"window_kind": "rolling", "calendar_unit": None}
OCCURRENCES = {"budgeting": "occurrences", "timeslice_target": None, "timeslice_seconds": None}
EXPECTED: dict[str, dict[str, Any]] = {
    "checkout-availability": {
        "service": "checkout",
        "display_name": "Checkout availability",
        "description": "Checkout requests that succeed",
        "objective": 0.999,
        **ROLLING,
        "window_days": 28,
        **OCCURRENCES,
        "sli_kind": "ratio",
        "indicator": {
            "datasource": PROM,
            "good": 'sum(rate(http_requests_total{job="checkout",code!~"5.."}[5m]))',
            "total": 'sum(rate(http_requests_total{job="checkout"}[5m]))',
        },
        "alerting": [
            {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 14.4},
            # short window from the leadline.io/short-window annotation
            {"severity": "ticket", "long_window": "3d", "short_window": "3h", "factor": 1.0},
            # inline policy and condition; short window 6h / 12
            {"severity": "ticket", "long_window": "6h", "short_window": "30m", "factor": 6.0},
        ],
    },
    "checkout-latency": {
        "service": "checkout",
        "display_name": "Checkout latency",
        "description": "Minutes in which the checkout p99 stays under 300 ms",
        "objective": 0.99,
        **ROLLING,
        "window_days": 28,
        "budgeting": "timeslices",
        "timeslice_target": 0.95,
        "timeslice_seconds": 60,
        "sli_kind": "threshold",
        "indicator": {"datasource": PROM, "metric": LATENCY, "op": "lte", "threshold": 0.3},
        "alerting": [],
    },
    "search-availability": {
        "service": "search",
        "display_name": None,
        "description": None,
        "objective": 0.995,
        "window_kind": "calendar",
        "window_days": None,
        "calendar_unit": "month",
        **OCCURRENCES,
        "sli_kind": "ratio",
        "indicator": {
            "datasource": PROM,
            "bad": 'sum(rate(search_requests_total{code=~"5.."}[5m]))',
            "total": "sum(rate(search_requests_total[5m]))",
        },
        "alerting": [],
    },
    "search-latency:most": {
        "service": "search",
        "display_name": "Search latency: Most requests under 250 ms",
        "description": None,
        "objective": 0.9,
        **ROLLING,
        "window_days": 7,
        **OCCURRENCES,
        "sli_kind": "ratio",
        "indicator": {"datasource": None, "good": SEARCH_GOOD, "total": SEARCH_TOTAL},
        "alerting": [],
    },
    "search-latency:1": {
        "service": "search",
        "display_name": "Search latency: Nearly all requests under 250 ms",
        "description": None,
        "objective": 0.99,
        **ROLLING,
        "window_days": 7,
        **OCCURRENCES,
        "sli_kind": "ratio",
        "indicator": {"datasource": None, "good": SEARCH_GOOD, "total": SEARCH_TOTAL},
        "alerting": [],
    },
    "web-satisfaction": {
        "service": "web",
        "display_name": None,
        "description": "Average share of satisfied page views, per five-minute slice",
        "objective": 0.95,
        "window_kind": "calendar",
        "window_days": None,
        "calendar_unit": "quarter",
        # RatioTimeslices: the mean of the slices' ratios is held to the objective
        "budgeting": "ratio_timeslices",
        "timeslice_target": None,
        "timeslice_seconds": 300,
        "sli_kind": "ratio",
        "indicator": {"datasource": PROM, "good_ratio": "avg_over_time(web_apdex_ratio[5m])"},
        "alerting": [],
    },
}


def test_realistic_specs_give_exact_rows(catalog_app: App) -> None:
    report = ingest(catalog_app, "openslo", FIXTURES / "openslo.yaml")
    assert problems(report) == []
    [result] = report.results
    assert (result.status, result.rows_read, result.rows_rejected) == ("landed", 14, 0)
    rows = slo_rows(catalog_app, BOOKKEEPING | {"name"})
    documents = {name: row.pop("document") for name, row in rows.items()}
    assert {name: row.pop("source_format") for name, row in rows.items()} == dict.fromkeys(
        EXPECTED, "openslo/v1"
    )
    assert rows == EXPECTED
    # every objective keeps its whole SLO document
    assert documents["search-latency:most"] == documents["search-latency:1"]
    assert documents["search-availability"]["spec"]["timeWindow"][0]["calendar"] == {
        "startTime": "2022-01-01 00:00:00",
        "timeZone": "Europe/London",
    }


def test_other_documents_are_kept_whole(catalog_app: App) -> None:
    ingest(catalog_app, "openslo", FIXTURES / "openslo.yaml")
    with catalog_app.store.session() as session:
        kept = {(d.kind, d.name): d.document for d in session.scalars(select(SloDocument))}
    assert set(kept) == {
        ("DataSource", "prometheus"),
        ("Service", "checkout"),
        ("SLI", "checkout-p99-latency"),
        ("AlertNotificationTarget", "on-call-pager"),
        ("AlertCondition", "fast-burn"),
        ("AlertCondition", "slow-burn"),
        ("AlertPolicy", "checkout-fast-burn"),
        ("AlertPolicy", "checkout-slow-burn"),
    }
    assert kept[("DataSource", "prometheus")]["spec"] == {
        "type": "Prometheus",
        "connectionDetails": [{"url": "http://prometheus.example.com"}],
    }


def test_an_sli_from_an_earlier_batch_resolves(catalog_app: App, tmp_path: Path) -> None:
    """indicatorRef may name an SLI ingested by an earlier command."""
    text = (FIXTURES / "openslo.yaml").read_text(encoding="utf-8")
    sli = next(d for d in text.split("---") if "kind: SLI\n" in d)
    latency = next(d for d in text.split("---") if "name: checkout-latency\n" in d)
    assert ingest(catalog_app, "openslo", write(tmp_path / "sli.yaml", sli)).exit_code == 0
    assert ingest(catalog_app, "openslo", write(tmp_path / "slo.yaml", latency)).exit_code == 0
    row = slo_rows(catalog_app)["checkout-latency"]
    assert row["indicator"] == EXPECTED["checkout-latency"]["indicator"]


def slo(name: str, spec: str) -> str:
    """An SLO document; ``spec`` is YAML indented by two spaces."""
    return f"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\nspec:\n{spec}"


GOOD_SPEC = """\
  service: checkout
  indicator:
    metadata: {name: ok}
    spec:
      ratioMetric:
        good: {metricSource: {type: Prometheus, spec: {query: good}}}
        total: {metricSource: {type: Prometheus, spec: {query: total}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def test_bad_documents_are_rejected_naming_document_and_field(
    catalog_app: App, tmp_path: Path
) -> None:
    """Each bad document is one error naming its index and field; the good ones land."""
    docs = [
        "apiVersion: openslo/v1\nkind: Dashboard\nmetadata: {name: x}\nspec: {}\n",
        slo("too-high", GOOD_SPEC.replace("target: 0.99", "targetPercent: 101")),
        slo("zero", GOOD_SPEC.replace("target: 0.99", "target: 0")),
        slo("no-service", GOOD_SPEC.replace("  service: checkout\n", "")),
        slo("bad-window", GOOD_SPEC.replace("duration: 28d", "duration: 28x")),
        slo(
            "no-sli",
            GOOD_SPEC.split("  indicator:", maxsplit=1)[0]
            + "  indicatorRef: missing-sli\n"
            + GOOD_SPEC.split("total}}}\n")[1],
        ),
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: [unclosed\n",
        slo("fine", GOOD_SPEC),
    ]
    path = write(tmp_path / "bad.yaml", "---\n".join(docs))
    report = ingest(catalog_app, "openslo", path)
    found = [(p.row, p.field, p.severity) for p in problems(report)]
    assert sorted(found, key=lambda f: f[0] or 0) == [
        (1, "kind", "error"),
        (2, "spec.objectives[0].targetPercent", "error"),
        (3, "spec.objectives[0].target", "error"),
        (4, "spec.service", "error"),
        (5, "spec.timeWindow[0].duration", "error"),
        (6, "spec.indicatorRef", "error"),
        (7, None, "error"),
    ]
    reasons = {p.row: p.reason for p in problems(report)}
    values = {p.row: p.value for p in problems(report)}
    assert "unknown kind" in reasons[1]
    assert (values[1], values[2], values[3], values[5]) == ("Dashboard", 101, 0, "28x")
    assert "below 100" in reasons[2]
    assert "above 0" in reasons[3]
    assert reasons[4] == "is required"
    assert "'28x' is not a duration" in reasons[5]
    assert "unknown SLI" in reasons[6]
    assert "document 7 is not valid YAML" in reasons[7]
    assert set(slo_rows(catalog_app)) == {"fine"}
    [result] = report.results
    assert (result.rows_read, result.rows_rejected, result.rows_accepted) == (8, 7, 1)
    assert report.exit_code == 1


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            ("28d, isRolling: true", "2M, isRolling: false"),
            "spec.timeWindow[0].duration",
            "1w, 1M, 1Q or 1Y",
        ),
        (("28d", "36h"), "spec.timeWindow[0].duration", "whole days"),
        (("Occurrences", "Timeslices"), "spec.objectives[0].timeSliceWindow", "is required"),
        (("Occurrences", "Sometimes"), "spec.budgetingMethod", "Occurrences"),
        (("target: 0.99", "target: 0.99, targetPercent: 99"), "spec.objectives[0]", "exactly one"),
        (("good: {", "bad: {"), None, None),
    ],
)
def test_each_rule_of_the_mapping(
    catalog_app: App, tmp_path: Path, change: tuple[str, str], field: str | None, reason: str | None
) -> None:
    path = write(tmp_path / "one.yaml", slo("one", GOOD_SPEC.replace(*change)))
    found = problems(ingest(catalog_app, "openslo", path))
    if field is None:
        assert found == []
        assert slo_rows(catalog_app)["one"]["indicator"] == {
            "datasource": None,
            "bad": "good",
            "total": "total",
        }
        return
    [problem] = found
    assert (problem.row, problem.field, problem.severity) == (1, field, "error")
    assert reason is not None and reason in problem.reason


LATENCY_SPEC = """\
  service: checkout
  indicator:
    metadata: {name: fast}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec: {query: 'rpc_duration_seconds{job="api"}', histogram: HISTOGRAM}
  timeWindow:
    - {duration: 1M, isRolling: false, calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives: [{op: lt, value: 0.3, target: 0.95}]
"""


def test_latency_slo_on_a_native_or_classic_histogram(catalog_app: App, tmp_path: Path) -> None:
    """A thresholdMetric's metricSource spec may say which histogram it reads: ``histogram:
    native`` (histogram_fraction) or ``classic`` (``_bucket`` series, the default); the
    indicator keeps it, with a calendar-month window; anything else is refused naming the
    field; the generated OpenSLO document gives it back."""
    docs = [
        slo("native-latency", LATENCY_SPEC.replace("HISTOGRAM", "native")),
        slo("classic-latency", LATENCY_SPEC.replace("HISTOGRAM", "classic")),
        slo("odd-latency", LATENCY_SPEC.replace("HISTOGRAM", "sparse")),
    ]
    report = ingest(catalog_app, "openslo", write(tmp_path / "lat.yaml", "---\n".join(docs)))
    [problem] = problems(report)
    assert problem.field == "spec.indicator.spec.thresholdMetric.metricSource.spec.histogram"
    assert (problem.row, problem.value) == (3, "sparse")
    assert "classic" in problem.reason and "native" in problem.reason
    rows = slo_rows(catalog_app)
    assert set(rows) == {"native-latency", "classic-latency"}
    native = rows["native-latency"]
    assert native["indicator"] == {
        "datasource": None,
        "metric": 'rpc_duration_seconds{job="api"}',
        "op": "lt",
        "threshold": 0.3,
        "histogram": "native",
    }
    assert (native["window_kind"], native["calendar_unit"]) == ("calendar", "month")
    assert rows["classic-latency"]["indicator"]["histogram"] == "classic"
    with catalog_app.store.session() as session:
        stored = session.scalars(select(Slo).where(Slo.name == "native-latency")).one()
        generated = generate_openslo(stored)
    metric = generated["spec"]["indicator"]["spec"]["thresholdMetric"]["metricSource"]
    assert metric["spec"] == {"query": 'rpc_duration_seconds{job="api"}', "histogram": "native"}


def test_unknown_catalog_service_is_kept_with_a_warning(catalog_app: App, tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", slo("ghost", GOOD_SPEC.replace("checkout", "ghost-svc")))
    report = ingest(catalog_app, "openslo", path)
    [problem] = problems(report)
    assert (problem.row, problem.field, problem.severity, problem.value) == (
        1,
        "spec.service",
        "warning",
        "ghost-svc",
    )
    assert "unknown service" in problem.reason
    assert slo_rows(catalog_app)["ghost"]["service"] == "ghost-svc"
    assert report.exit_code == 0  # a warning: the SLO landed


def test_unknown_alert_policy_is_a_warning(catalog_app: App, tmp_path: Path) -> None:
    spec = GOOD_SPEC + "  alertPolicies: [{alertPolicyRef: nowhere}]\n"
    [problem] = problems(ingest(catalog_app, "openslo", write(tmp_path / "a.yaml", slo("a", spec))))
    assert (problem.field, problem.severity) == ("spec.alertPolicies[0].alertPolicyRef", "warning")
    assert slo_rows(catalog_app)["a"]["alerting"] == []


def test_duplicate_names_in_one_batch(catalog_app: App, tmp_path: Path) -> None:
    """The second definition is rejected, naming where the first one is, even in another file."""
    first = write(tmp_path / "a.yaml", slo("dup", GOOD_SPEC))
    second = write(tmp_path / "b.yaml", slo("dup", GOOD_SPEC.replace("0.99", "0.9")))
    report = ingest(catalog_app, "openslo", first, second)
    [problem] = problems(report)
    assert (Path(problem.file).name, problem.row, problem.field) == ("b.yaml", 1, "metadata.name")
    assert f"already defined in {first} (document 1)" in problem.reason
    assert slo_rows(catalog_app)["dup"]["objective"] == 0.99


def test_unreadable_files(catalog_app: App, tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(slo("caf\xe9", GOOD_SPEC).encode("latin-1"))
    empty = write(tmp_path / "empty.yaml", "")
    for path, reason in ((latin, "is not valid UTF-8"), (empty, "the file is empty")):
        report = ingest(catalog_app, "openslo", path)
        [problem] = problems(report)
        assert reason in problem.reason
        assert report.exit_code == 1
    assert slo_rows(catalog_app) == {}


def test_reingest_is_unchanged(catalog_app: App) -> None:
    first = ingest(catalog_app, "openslo", FIXTURES / "openslo.yaml")
    before = slo_rows(catalog_app, frozenset())
    second = ingest(catalog_app, "openslo", FIXTURES / "openslo.yaml")
    assert second.results[0].status == "unchanged"
    assert second.results[0].batch_id == first.results[0].batch_id
    assert slo_rows(catalog_app, frozenset()) == before


def test_the_template_is_a_valid_example(catalog_app: App, tmp_path: Path) -> None:
    [template] = get_source("openslo").templates()
    text = "\n".join(line[2:] for line in template.text.splitlines() if line.startswith("# "))
    report = ingest(catalog_app, "openslo", write(tmp_path / template.file_name, text))
    assert [p.field for p in problems(report)] == ["spec.alertPolicies[0].alertPolicyRef"]
    assert slo_rows(catalog_app)["checkout-availability"]["objective"] == 0.999


def test_cli_ingest(tmp_path: Path) -> None:
    home = tmp_path / "cli-home"
    runner = CliRunner()
    base = ["--home", str(home), "ingest"]
    result = runner.invoke(cli, [*base, "catalog-yaml", str(FIXTURES / "catalog.yaml")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*base, "openslo", str(FIXTURES / "openslo.yaml")])
    assert result.exit_code == 0, result.output
    bad = write(tmp_path / "bad.yaml", slo("x", GOOD_SPEC.replace("0.99", "1.5")))
    result = runner.invoke(cli, [*base, "openslo", str(bad), "--format", "json"])
    assert result.exit_code == 1
    assert "spec.objectives[0].target" in result.output
