"""Export to OpenSLO v1 and back: a fresh store gets equal SLO rows."""

from __future__ import annotations

from pathlib import Path

import yaml

from leadline.config import load_settings
from leadline.context import App
from leadline.reliability.openslo import export_openslo
from tests.reliability.test_openslo_import import (
    BOOKKEEPING,
    FIXTURES,
    ingest,
    problems,
    slo_rows,
)


def _export(app: App) -> str:
    with app.store.session() as session:
        return export_openslo(session)


def _fresh(tmp_path: Path, name: str) -> App:
    fresh = App(load_settings(home=tmp_path / name))
    assert ingest(fresh, "catalog-yaml", FIXTURES / "catalog.yaml").exit_code == 0
    return fresh


def test_round_trip_gives_equal_rows(any_app: App, tmp_path: Path) -> None:
    """OpenSLO SLOs come back as imported (every column equal); Sloth SLOs come back as
    generated OpenSLO whose normalised columns equal the Sloth import's."""
    ingest(any_app, "catalog-yaml", FIXTURES / "catalog.yaml")
    assert problems(ingest(any_app, "openslo", FIXTURES / "openslo.yaml")) == []
    assert problems(ingest(any_app, "sloth", FIXTURES / "sloth.yaml")) == []
    text = _export(any_app)
    exported = tmp_path / "export.yaml"
    exported.write_text(text, encoding="utf-8")
    fresh = _fresh(tmp_path, "fresh")
    try:
        report = ingest(fresh, "openslo", exported)
        assert problems(report) == []
        before, after = slo_rows(any_app), slo_rows(fresh)
        assert set(before) == set(after)
        for name, row in before.items():
            if row["source_format"] == "openslo/v1":
                assert after[name] == row
            else:
                generated = {"document", "source_format"}
                same = {k: v for k, v in after[name].items() if k not in generated}
                assert same == {k: v for k, v in row.items() if k not in generated}
                assert after[name]["source_format"] == "openslo/v1"
        # and the export of the re-import is the same text
        assert _export(fresh) == text
    finally:
        fresh.close()


def test_export_shape(app: App) -> None:
    """Documents before the SLOs that refer to them; a multi-objective SLO once."""
    ingest(app, "catalog-yaml", FIXTURES / "catalog.yaml")
    ingest(app, "openslo", FIXTURES / "openslo.yaml")
    docs = list(yaml.safe_load_all(_export(app)))
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert kinds == [
        ("DataSource", "prometheus"),
        ("Service", "checkout"),
        ("SLI", "checkout-p99-latency"),
        ("AlertNotificationTarget", "on-call-pager"),
        ("AlertCondition", "fast-burn"),
        ("AlertCondition", "slow-burn"),
        ("AlertPolicy", "checkout-fast-burn"),
        ("AlertPolicy", "checkout-slow-burn"),
        ("SLO", "checkout-availability"),
        ("SLO", "checkout-latency"),
        ("SLO", "search-availability"),
        ("SLO", "search-latency"),
        ("SLO", "web-satisfaction"),
    ]
    assert all(list(d)[:2] == ["apiVersion", "kind"] for d in docs)


def test_generated_sloth_slo(app: App) -> None:
    ingest(app, "catalog-yaml", FIXTURES / "catalog.yaml")
    ingest(app, "sloth", FIXTURES / "sloth.yaml")
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(_export(app))}
    doc = docs["myservice-requests-latency"]
    assert doc["apiVersion"] == "openslo/v1"
    spec = doc["spec"]
    assert spec["service"] == "myservice"
    assert spec["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert spec["budgetingMethod"] == "Occurrences"
    assert spec["objectives"] == [{"target": 0.99}]
    ratio = spec["indicator"]["spec"]["ratioMetric"]
    assert set(ratio) == {"counter", "bad", "total"}
    assert ratio["total"]["metricSource"]["type"] == "Prometheus"
    assert [p["metadata"]["name"] for p in spec["alertPolicies"]] == [
        "myservice-requests-latency-page-1h",
        "myservice-requests-latency-page-6h",
    ]


def test_empty_store_exports_nothing(app: App) -> None:
    assert _export(app) == ""
    assert slo_rows(app, BOOKKEEPING) == {}
