"""Composite SLOs (reliability/composite.py): the weighted-mean SLI and budget by hand on
DuckDB and on Spark (one tiny case), the CompositeSLO document through ``leadline ingest
openslo`` (valid and refused field by field), and its row with components in ``slo status``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.config import Settings
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.lake.engines import spark_backend, spark_session
from leadline.reliability import report
from leadline.reliability.composite import CompositeSpec, composite_status, composite_table
from leadline.reliability.tables import slo_status_report
from tests.delivery.support_metrics import spark_tables
from tests.reliability.support_slo import add_slo, ingest_samples, smp, t, write_samples

AT = t("2026-03-10T00:00:00Z")
SLIS = pa.table(
    {"slo": ["a", "b", "c"], "sli": [0.99, 0.95, None]},
    schema=pa.schema([("slo", pa.string()), ("sli", pa.float64())]),
)
SPECS = {
    # (3 × 0.99 + 1 × 0.95) ÷ 4 = 0.98 (c has no data: its weight drops out; zz is unknown).
    "journey": CompositeSpec.model_validate(
        {
            "service": "shop",
            "objective": 0.97,
            "components": [
                {"slo": "a", "weight": 3},
                {"slo": "b"},
                {"slo": "c", "weight": 2},
                {"slo": "zz", "weight": 1},
            ],
        }
    ),
    "dark": CompositeSpec.model_validate(
        {"service": "shop", "objective": 0.9, "components": [{"slo": "c"}]}
    ),
}


def _expected_journey(row: dict[str, Any]) -> None:
    assert row["sli"] == pytest.approx(0.98, rel=1e-12)
    assert row["error_budget_remaining"] == pytest.approx(1 - 0.02 / 0.03, rel=1e-12)
    assert (row["weight_with_data"], row["weight_total"]) == (4.0, 7.0)


def test_weighted_mean_sli_and_budget_on_duckdb() -> None:
    """journey: (3 × 0.99 + 1 × 0.95) ÷ 4 = 0.98 over the components with data (c has none,
    zz is no SLO): budget 1 − 0.02 ÷ 0.03 = 1/3; weights 4 of 7 measured. dark: no component
    with data, no SLI, no budget."""
    expr = composite_status(ibis.memtable(SLIS), composite_table(SPECS))
    rows = {r["composite"]: r for r in expr.to_pyarrow().to_pylist()}
    _expected_journey(rows["journey"])
    assert rows["journey"]["objective"] == 0.97
    dark = rows["dark"]
    assert (dark["sli"], dark["error_budget_remaining"], dark["weight_with_data"]) == (
        None,
        None,
        0.0,
    )


@pytest.mark.spark
def test_weighted_mean_sli_on_spark(spark_settings: Settings) -> None:
    """The same tiny case on Spark (tables straight from Arrow) gives the same rows."""
    backend = spark_backend(spark_settings)
    make = spark_tables(backend, spark_session(spark_settings))
    specs = composite_table(SPECS).to_pyarrow()
    rows = {
        r["composite"]: r
        for r in backend.to_pyarrow(composite_status(make(SLIS), make(specs))).to_pylist()
    }
    _expected_journey(rows["journey"])
    assert rows["dark"]["sli"] is None


COMPOSITE = """\
apiVersion: leadline.io/v1
kind: CompositeSLO
metadata: {name: checkout-journey, displayName: Checkout journey}
spec:
  service: api
  objective: 0.99
  components:
    - {slo: api-availability, weight: 3}
    - {slo: ledger-availability, weight: 1}
"""


def _ingest(app: App, path: Path, text: str) -> Any:
    path.write_text(text, encoding="utf-8")
    return run_ingest("openslo", [path], settings=app.settings, store=app.store)


def test_bad_composite_documents_are_refused_naming_the_field(app: App, tmp_path: Path) -> None:
    """A weight of 0, a component listed twice, an objective of 1 and an unknown kind are each
    refused naming document and field; nothing lands."""
    docs = [
        COMPOSITE.replace("weight: 3", "weight: 0"),
        COMPOSITE.replace("ledger-availability", "api-availability"),
        COMPOSITE.replace("objective: 0.99", "objective: 1"),
        COMPOSITE.replace("kind: CompositeSLO", "kind: Journey"),
    ]
    result = _ingest(app, tmp_path / "bad.yaml", "---\n".join(docs))
    found = sorted((p.row, p.field) for r in result.results for p in r.problems)
    assert found == [
        (1, "spec.components[0].weight"),
        (2, "spec.components"),
        (3, "spec.objective"),
        (4, "kind"),
    ]
    reasons = [p.reason for r in result.results for p in r.problems]
    assert any("'api-availability' more than once" in r for r in reasons)
    assert report.status(app, at=AT)["slos"] == []


def test_composite_in_slo_status(app: App, tmp_path: Path) -> None:
    """api-availability 3990/4000 = 0.9975, ledger-availability 992/1000 = 0.992 (both 99 %,
    28 days); the journey (3 : 1, objective 0.99): (3 × 0.9975 + 0.992) ÷ 4 = 0.996125, budget
    1 − 0.003875 ÷ 0.01 = 0.6125, as time 0.6125 × 0.01 × 28 d = 14,817.6 s (4 h 6 m); shown
    after the SLOs with its components; ``--slo`` naming it gives it and its components."""
    add_slo(app, "api-availability", "api", 0.99)
    add_slo(app, "ledger-availability", "ledger", 0.99)
    samples = [
        smp("api-availability", AT - dt.timedelta(days=10), 3000, 3000),
        smp("api-availability", AT - dt.timedelta(hours=1), 990, 1000),
        smp("ledger-availability", AT - dt.timedelta(days=2), 992, 1000),
    ]
    assert ingest_samples(app, write_samples(tmp_path / "sli.csv", samples)).exit_code == 0
    assert _ingest(app, tmp_path / "journey.yaml", COMPOSITE).exit_code == 0
    data = report.status(app, at=AT)
    assert [r["slo"] for r in data["slos"]] == [
        "api-availability",
        "ledger-availability",
        "checkout-journey",
    ]
    journey = data["slos"][2]
    assert journey["sli"] == pytest.approx(0.996125, rel=1e-12)
    assert journey["error_budget_remaining"] == pytest.approx(0.6125, rel=1e-9)
    assert (journey["window"], journey["budgeting"]) == ("28d", "composite")
    assert journey["budget_left_time_seconds"] == pytest.approx(14_817.6)
    assert journey["budget_left_time"] == "4 h 6 m left in the last 28 d"
    assert (journey["policy_state"], journey["alert"]) == ("healthy", None)
    assert [(c["slo"], c["weight_share"]) for c in journey["components"]] == [
        ("api-availability", 0.75),
        ("ledger-availability", 0.25),
    ]
    table = slo_status_report(data)
    shown = table.rows[2]["components"]
    assert shown == "api-availability ×3 (SLI 99.750 %), ledger-availability ×1 (SLI 99.200 %)"
    only = report.status(app, at=AT, slo="checkout-journey")["slos"]
    assert [r["slo"] for r in only] == [
        "api-availability",
        "ledger-availability",
        "checkout-journey",
    ]
    assert report.status(app, at=AT, slo="ledger-availability")["slos"][0]["slo"] == (
        "ledger-availability"
    )
    assert len(report.status(app, at=AT, slo="ledger-availability")["slos"]) == 1


@settings(max_examples=25, deadline=None)
@given(
    parts=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(0.0, 1.0)),
            st.floats(0.01, 100.0),
        ),
        min_size=1,
        max_size=5,
    ),
    objective=st.floats(0.5, 0.999),
)
def test_composite_sli_is_the_weighted_mean(
    parts: list[tuple[float | None, float]], objective: float
) -> None:
    """Whatever the SLIs and weights: the composite SLI is Σ w·SLI ÷ Σ w over the components
    with data (so it lies between their lowest and highest SLI), none without data."""
    slis = pa.table(
        {"slo": [f"s{i}" for i in range(len(parts))], "sli": [p[0] for p in parts]},
        schema=pa.schema([("slo", pa.string()), ("sli", pa.float64())]),
    )
    spec = CompositeSpec.model_validate(
        {
            "service": "x",
            "objective": objective,
            "components": [{"slo": f"s{i}", "weight": w} for i, (_, w) in enumerate(parts)],
        }
    )
    (row,) = (
        composite_status(ibis.memtable(slis), composite_table({"j": spec})).to_pyarrow().to_pylist()
    )
    measured = [(s, w) for s, w in parts if s is not None]
    if not measured:
        assert row["sli"] is None
        return
    expected = sum(s * w for s, w in measured) / sum(w for _, w in measured)
    assert row["sli"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    low, high = min(s for s, _ in measured), max(s for s, _ in measured)
    assert low - 1e-12 <= row["sli"] <= high + 1e-12
    assert row["weight_with_data"] == pytest.approx(sum(w for _, w in measured))
