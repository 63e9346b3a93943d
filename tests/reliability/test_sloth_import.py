"""Sloth prometheus/v1 import: names as Sloth's SLO IDs, 30-day rolling windows, alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.context import App
from leadline.ingest.registry import get_source
from leadline.reliability.specs import SLOTH_RULES
from tests.reliability.test_openslo_import import FIXTURES, ingest, problems, slo_rows, write

ERROR_QUERY = (
    'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))'
)
TOTAL_QUERY = 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))'
SLOTH_DEFAULTS = {
    "display_name": None,
    "window_kind": "rolling",
    "window_days": 30,
    "calendar_unit": None,
    "budgeting": "occurrences",
    "timeslice_target": None,
    "timeslice_seconds": None,
    "sli_kind": "ratio",
    "source_format": "sloth/v1",
}


@pytest.fixture
def catalog_app(app: App) -> App:
    assert ingest(app, "catalog-yaml", FIXTURES / "catalog.yaml").exit_code == 0
    return app


def test_sloth_specs_give_exact_rows(catalog_app: App) -> None:
    report = ingest(catalog_app, "sloth", FIXTURES / "sloth.yaml")
    assert problems(report) == []
    assert report.results[0].rows_read == 3
    rows = slo_rows(catalog_app)
    documents = {name: row.pop("document") for name, row in rows.items()}
    latency_bad = rows["myservice-requests-latency"]["indicator"]["bad"]
    assert latency_bad.startswith("(\n  sum(rate(http_request_duration_seconds_count")
    wifi_query = rows["web-wifi-client-satisfaction"]["indicator"]["error_ratio"]
    assert wifi_query.startswith("1 - (\n")
    assert rows == {
        "myservice-requests-availability": {
            "name": "myservice-requests-availability",
            "service": "myservice",
            "description": "Common SLO based on availability for HTTP request responses.",
            "objective": 0.999,
            "indicator": {"datasource": None, "bad": ERROR_QUERY, "total": TOTAL_QUERY},
            "alerting": SLOTH_RULES["page"] + SLOTH_RULES["ticket"],
            **SLOTH_DEFAULTS,
        },
        "myservice-requests-latency": {
            "name": "myservice-requests-latency",
            "service": "myservice",
            "description": "Requests answered within 400 ms.",
            "objective": 0.99,
            "indicator": {"datasource": None, "bad": latency_bad, "total": TOTAL_QUERY},
            "alerting": SLOTH_RULES["page"],  # ticket_alert disabled
            **SLOTH_DEFAULTS,
        },
        "web-wifi-client-satisfaction": {
            "name": "web-wifi-client-satisfaction",
            "service": "web",
            "description": "Warn us that we have an average wifi connection satisfaction.",
            "objective": 0.95,
            "indicator": {"datasource": None, "error_ratio": wifi_query},
            "alerting": SLOTH_RULES["ticket"],  # page_alert disabled
            **SLOTH_DEFAULTS,
        },
    }
    # each SLO keeps its spec with only its own entry under slos
    doc = documents["myservice-requests-latency"]
    assert doc["labels"] == {"owner": "myteam", "repo": "myorg/myservice", "tier": "2"}
    assert [s["name"] for s in doc["slos"]] == ["requests-latency"]


def test_sloth_rules_are_the_workbook_rules(catalog_app: App) -> None:
    rules = SLOTH_RULES["page"] + SLOTH_RULES["ticket"]
    workbook = [r.model_dump() for r in catalog_app.settings.reliability.burn_rate_rules]
    assert rules == workbook


SPEC = """\
version: "prometheus/v1"
service: "myservice"
slos:
  - name: "ok"
    objective: 99
    sli:
      events: {error_query: errors, total_query: total}
"""


def test_bad_sloth_specs(catalog_app: App, tmp_path: Path) -> None:
    plugin = "      plugin: {id: sloth-common/kubernetes/apiserver/availability}\n"
    docs = [
        SPEC.replace("prometheus/v1", "prometheus/v2"),
        SPEC.replace('service: "myservice"\n', ""),
        SPEC.replace("objective: 99", "objective: 100"),
        SPEC.replace("      events: {error_query: errors, total_query: total}\n", plugin),
        SPEC.replace('"ok"', '"raw"').replace(
            "events: {error_query: errors, total_query: total}", "raw: {error_ratio_query: ratio}"
        ),
        SPEC + '  - name: "ok"\n    objective: 0\n    sli: {raw: {errorRatioQuery: r}}\n',
        "version: [broken\n",
        SPEC.replace("myservice", "ghost"),
    ]
    path = write(tmp_path / "bad.yaml", "---\n".join(docs))
    report = ingest(catalog_app, "sloth", path)
    found = sorted(((p.row, p.field, p.severity) for p in problems(report)), key=str)
    assert found == sorted(
        [
            (1, "version", "error"),
            (2, "service", "error"),
            (3, "slos[0].objective", "error"),
            (4, "slos[0].sli.plugin", "error"),
            (6, "slos[1].objective", "error"),
            (7, None, "error"),
            (8, "service", "warning"),
        ],
        key=str,
    )
    plugin_problem = next(p for p in problems(report) if p.row == 4)
    assert "plugins are not supported" in plugin_problem.reason
    rows = slo_rows(catalog_app)
    assert set(rows) == {"myservice-raw", "myservice-ok", "ghost-ok"}
    assert rows["myservice-raw"]["indicator"] == {"datasource": None, "error_ratio": "ratio"}


def test_duplicate_slo_in_one_spec(catalog_app: App, tmp_path: Path) -> None:
    path = write(tmp_path / "dup.yaml", SPEC + SPEC.split("slos:\n")[1])
    [problem] = problems(ingest(catalog_app, "sloth", path))
    assert (problem.row, problem.field) == (1, "slos[1].name")
    assert "already defined in" in problem.reason and "slos[0]" in problem.reason


def test_reingest_is_unchanged(catalog_app: App) -> None:
    ingest(catalog_app, "sloth", FIXTURES / "sloth.yaml")
    before = slo_rows(catalog_app, frozenset())
    again = ingest(catalog_app, "sloth", FIXTURES / "sloth.yaml")
    assert again.results[0].status == "unchanged"
    assert slo_rows(catalog_app, frozenset()) == before


def test_the_template_is_a_valid_example(catalog_app: App, tmp_path: Path) -> None:
    [template] = get_source("sloth").templates()
    text = "\n".join(line[2:] for line in template.text.splitlines() if line.startswith("# "))
    catalog = write(
        tmp_path / "c.yaml",
        "apiVersion: leadline.io/v1\nkind: Catalog\nservices:\n  - name: checkout\n",
    )
    ingest(catalog_app, "catalog-yaml", catalog)
    report = ingest(catalog_app, "sloth", write(tmp_path / template.file_name, text))
    assert problems(report) == []
    assert (
        slo_rows(catalog_app)["checkout-requests-availability"]["alerting"] == SLOTH_RULES["page"]
    )
