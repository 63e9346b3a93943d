"""Documents shared by the capability map, alignment and roadmap tests: a strategy with three
outcomes, three capabilities on two levels, five initiatives (dated, single-quarter, done,
future, undated) and a loader that lands them with the small delivery catalog."""

from __future__ import annotations

from pathlib import Path

from leadline.context import App
from tests.strategy.support import ingest, land_delivery, objective, write

STRATEGY = """
apiVersion: leadline.io/v1
kind: Strategy
metadata: {name: north}
spec:
  vision: Fast and safe.
  outcomes:
    - {id: faster, title: Ship faster}
    - {id: reliable, title: Be reliable}
    - {id: cheaper, title: Cost less}
  lighthouse_value_streams: [checkout]
"""
CAPABILITIES = """
apiVersion: leadline.io/v1
kind: Capability
metadata: {name: commerce, title: Commerce}
spec:
  alignment: [{outcome: faster, strength: weak}]
---
apiVersion: leadline.io/v1
kind: Capability
metadata: {name: ordering, title: Ordering}
spec:
  parent: commerce
  value_streams: [checkout]
  services: [api]
  teams: [shop]
  alignment:
    - {outcome: faster, strength: strong}
    - {outcome: reliable, strength: 2}
---
apiVersion: leadline.io/v1
kind: Capability
metadata: {name: payroll}
spec:
  alignment: [{outcome: cheaper, strength: none}]
"""
INITIATIVES = """
apiVersion: leadline.io/v1
kind: Initiative
metadata: {name: road, title: Paved road}
spec:
  start: 2026Q1
  end: 2027Q2
  outcomes: [faster]
  objectives: [o]
  capabilities: [ordering]
  value_streams: [checkout]
  budget: 1000.50
  kpis:
    - {name: lead time, metric: dora.lead_time_p50, scope: {team: shop}, baseline: 72, target: 12}
    - {name: teams, baseline: 2, target: 10, current: 4, unit: teams}
---
apiVersion: leadline.io/v1
kind: Initiative
metadata: {name: slos}
spec:
  start: 2026q3
  outcomes: [reliable]
  capabilities: [ordering, commerce]
  budget: 500
  lighthouse: true
---
apiVersion: leadline.io/v1
kind: Initiative
metadata: {name: old}
spec: {start: 2025Q1, end: 2025Q4, budget: 7, currency: EUR, capabilities: [ordering]}
---
apiVersion: leadline.io/v1
kind: Initiative
metadata: {name: far}
spec: {start: 2026Q4}
---
apiVersion: leadline.io/v1
kind: Initiative
metadata: {name: idea}
spec: {horizon: later}
"""


def land_all(app: App, root: Path) -> None:
    land_delivery(app, root)
    for source, name, text in (
        ("strategy-yaml", "s.yaml", STRATEGY),
        (
            "okrs-yaml",
            "o.yaml",
            objective("o", "- {id: a, title: A, baseline: 0, target: 4, current: 2}"),
        ),
        ("capabilities-yaml", "c.yaml", CAPABILITIES),
        ("roadmap-yaml", "r.yaml", INITIATIVES),
    ):
        report = ingest(app, source, write(root / name, text))
        assert report.exit_code == 0, [p.describe() for r in report.results for p in r.problems]
