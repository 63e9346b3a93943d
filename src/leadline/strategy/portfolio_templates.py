"""Blank, documented input files of the capability map and the roadmap (``leadline templates``)."""

from __future__ import annotations

CAPABILITIES_TEMPLATE = """\
# Capability map: leadline ingest capabilities-yaml FILE.yaml
# (shown by: leadline strategy capabilities | alignment)
# One document per business capability; parent builds the levels. Alignment rates how strongly
# the capability serves each outcome of the strategy on a page: 0-3 or none|weak|medium|strong.
apiVersion: leadline.io/v1
kind: Capability
metadata:
  name: order-management
  title: Order management
spec:
  parent: commerce              # optional: another capability
  description: Take, change and track customer orders
  value_streams: [checkout]     # catalog value streams
  services: [checkout-api]      # catalog services
  teams: [payments]             # catalog teams
  alignment:
    - {outcome: faster-delivery, strength: strong}
    - {outcome: reliable-services, strength: 2}
"""

ROADMAP_TEMPLATE = """\
# Roadmap: leadline ingest roadmap-yaml FILE.yaml   (shown by: leadline strategy roadmap)
# One document per initiative: start/end quarters (YYYYQN) or a horizon (now|next|later).
# KPIs measure value realisation; a KPI may be bound to a leadline metric (leadline okr metrics)
# with a scope, and then takes its current value from the data.
apiVersion: leadline.io/v1
kind: Initiative
metadata:
  name: paved-road
  title: One paved road for every stream-aligned team
spec:
  owner: platform-team
  start: 2026Q4
  end: 2027Q3
  outcomes: [faster-delivery]             # outcomes of the strategy on a page
  objectives: [payments-2026q4-flow]      # OKR objective names
  capabilities: [order-management]
  value_streams: [checkout]
  lighthouse: true
  budget: 250000                          # exact decimal
  currency: USD
  kpis:
    - {name: Lead time p50, metric: dora.lead_time_p50, scope: {value_stream: checkout},
       baseline: 72, target: 24}
    - {name: Teams on the paved road, baseline: 2, target: 9, current: 4, unit: teams}
"""
