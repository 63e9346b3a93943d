"""Figures one pillar reads from another through the metric registry (docs/architecture.md,
"Layers"), hand-computed on the registry test's organisation (tests/semantic/test_metrics.py):

Catalog: t1 owns s1 (own value stream vs-own, business unit b) and s2 (vs-team, a); t2 owns s3
(vs-team, a). March 2026: s1 deploys d1, d2 (d2 failed: incident i1, 4 h), s2 d3, s3 d4, d5;
change c1 (s1) ships in 24 h, c2 (s2) in 12 h.

DORA levels over March (31 days; docs/metrics.md, "Performance levels"):
  s1: 2 deployments (0.065/day: medium), lead 24 h (high), 1 of 2 failed (low)   -> low 1
  s2: 1 deployment (0.032/day < 1/30: low)                                        -> low 1
  s3: 2 deployments (medium), no change, none failed (elite)                      -> medium 2
  t1 = s1 + s2: 3 (0.097/day: medium), lead median 18 h (elite), 1 of 3 failed    -> low 1
  t2 = s3 -> medium 2; vs-team = s2 + s3: 3 (medium), lead 12 h, none failed      -> medium 2
  organisation: 5 (0.161/day: high), lead 18 h (elite), 1 of 5 failed (20 %: low) -> low 1

SLOs (rolling 28 days, judged at 2026-04-01): s1-availability 0.99 (SLI 0.995: within),
s1-latency 0.999 (SLI 0.998: missed), s3-availability 0.99 (no samples: not judged) and
ghost-availability 0.9 for a service the catalog does not hold (SLI 0.95: within).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.context import App
from leadline.reliability.models import Slo
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import MetricError
from tests.semantic.test_metrics import CATALOG, CHANGES, DEPLOYMENTS, INCIDENTS, MARCH, NOW
from tests.strategy.support import ingest, write

SLOS = (
    ("s1-availability", "s1", 0.99),
    ("s1-latency", "s1", 0.999),
    ("s3-availability", "s3", 0.99),
    ("ghost-availability", "ghost", 0.9),
)
SAMPLES = """slo,timestamp,good,total,step_seconds
s1-availability,2026-03-20T00:00:00Z,995,1000,60
s1-latency,2026-03-20T00:00:00Z,998,1000,60
ghost-availability,2026-03-20T00:00:00Z,950,1000,60
"""


def land(app: App, root: Path) -> App:
    """The registry test's organisation, its SLOs and their SLI samples."""
    for source, name, text in (
        ("catalog-yaml", "catalog.yaml", CATALOG),
        ("deployments-csv", "deployments.csv", DEPLOYMENTS),
        ("changes-csv", "changes.csv", CHANGES),
        ("incidents-csv", "incidents.csv", INCIDENTS),
    ):
        report = ingest(app, source, write(root / name, text))
        assert all(r.status == "landed" for r in report.results), report
    with app.store.session() as session:
        for name, service, objective in SLOS:
            session.add(
                Slo(
                    name=name,
                    service=service,
                    objective=objective,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="ratio",
                )
            )
    assert ingest(app, "sli-csv", write(root / "sli.csv", SAMPLES)).exit_code == 0
    return app


@pytest.fixture
def org(app: App, tmp_path: Path) -> App:
    return land(app, tmp_path)


def test_dora_performance_level_by_hand(org: App) -> None:
    ev = Evaluation(org, now=NOW)
    level = "dora.performance_level"
    assert ev.values(level, "service", [MARCH])[0] == {"s1": 1.0, "s2": 1.0, "s3": 2.0}
    assert ev.values(level, "team", [MARCH])[0] == {"t1": 1.0, "t2": 2.0}
    assert ev.values(level, "value-stream", [MARCH])[0] == {"vs-own": 1.0, "vs-team": 2.0}
    assert ev.values(level, "business-unit", [MARCH])[0] == {"a": 2.0, "b": 1.0}
    # The organisation: 5 deployments in 31 days (high), lead p50 18 h (elite), restore 4 h
    # (high), change failure rate 1/5 = 20 %: high under the default benchmark's clusters
    # (2024: high 20 %), low under 2023's (> 15 %).
    assert ev.values(level, "organisation", [MARCH])[0] == {"organisation": 3.0}
    # The numbers' names travel with the metric, for readers in other pillars.
    names = registry.get(level).extra
    assert names == {"1": "low", "2": "medium", "3": "high", "4": "elite"}
    # Agrees with leadline dora's own level names.
    from leadline.delivery.report import dora

    groups = dora(org, by="team", window=MARCH, as_of=NOW)["groups"]
    assert {g["key"]: g["performance_level"] for g in groups} == {"t1": "low", "t2": "medium"}


def test_slo_counts_by_hand(org: App) -> None:
    ev = Evaluation(org, now=NOW)
    defined = "reliability.slos"
    assert ev.values(defined, "service", [MARCH])[0] == {"s1": 2, "s2": 0, "s3": 1, "ghost": 1}
    assert ev.values(defined, "team", [MARCH])[0] == {"t1": 2, "t2": 1, "(none)": 1}
    assert ev.values(defined, "value-stream", [MARCH])[0] == {
        "vs-own": 2,
        "vs-team": 1,
        "(none)": 1,
    }
    assert ev.values(defined, "organisation", [MARCH])[0] == {"organisation": 4}
    judged = "reliability.slos_judged"
    within = "reliability.slos_within_objective_count"
    assert ev.values(judged, "service", [MARCH])[0] == {"s1": 2, "s3": 0, "ghost": 1}
    assert ev.values(within, "service", [MARCH])[0] == {"s1": 1, "s3": 0, "ghost": 1}
    assert ev.values(judged, "team", [MARCH])[0] == {"t1": 2, "t2": 0, "(none)": 1}
    assert ev.values(within, "organisation", [MARCH])[0] == {"organisation": 2}
    assert ev.values(within, "slo", [MARCH])[0] == {
        "s1-availability": 1,
        "s1-latency": 0,
        "s3-availability": 0,
        "ghost-availability": 1,
    }
    # The counts are the share's parts: within ÷ judged = SLOs within objective.
    share = ev.values("reliability.slos_within_objective", "team", [MARCH])[0]
    assert share["t1"] == 50.0 and "t2" not in share


def test_an_evaluation_in_a_session_reads_the_store_only(org: App) -> None:
    """A report handed a session (risk compliance) reads store metrics in it, uncommitted
    changes included; a metric that needs the lake is refused, never read from elsewhere."""
    with org.store.session() as session:
        session.add(
            Slo(
                name="s2-availability",
                service="s2",
                objective=0.99,
                window_kind="rolling",
                window_days=28,
                budgeting="occurrences",
                sli_kind="ratio",
            )
        )
        session.flush()
        ev = Evaluation.in_session(session, now=NOW)
        assert ev.values("reliability.slos", "team", [MARCH])[0] == {
            "t1": 3,
            "t2": 1,
            "(none)": 1,
        }
        with pytest.raises(MetricError, match="store session only"):
            ev.values("dora.deployments", "team", [MARCH])
        session.rollback()
