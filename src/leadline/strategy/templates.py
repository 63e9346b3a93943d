"""Blank, documented input files of the strategy pillar (``leadline templates DIR``)."""

from __future__ import annotations

STRATEGY_TEMPLATE = """\
# Strategy on a page: leadline ingest strategy-yaml FILE.yaml   (shown by: leadline strategy)
# 3 to 5 business outcomes; bets (initiatives) name the outcomes they serve; metrics prove
# progress and may be bound to a leadline metric (leadline okr metrics lists them).
apiVersion: leadline.io/v1
kind: Strategy
metadata:
  name: northwind-2027
  title: Northwind technology strategy
spec:
  period: 2026-2027
  vision: Every customer journey is fast, safe and measured.
  outcomes:
    - id: faster-delivery
      title: Ship customer value faster
      metrics: [Lead time p50]
    - id: reliable-services
      title: Customers trust our services
    - id: cost-efficiency
      title: Lower unit cost of technology
  bets:
    - id: paved-road
      title: One paved road for every stream-aligned team
      outcomes: [faster-delivery, reliable-services]
      owner: platform-team
      horizon: now                # now | next | later
  guardrails:
    - No customer data leaves the EU
  metrics:
    - name: Lead time p50
      metric: dora.lead_time_p50
      scope: {value_stream: checkout}   # service, team, value_stream, business_unit or slo
      target: 24
      unit: h
  lighthouse_value_streams: [checkout, fulfilment]
"""

OKRS_TEMPLATE = """\
# OKRs: leadline ingest okrs-yaml FILE.yaml   (shown by: leadline okr)
# One document per objective; exactly one of organisation, business_unit, team. A key result
# moves from baseline to target (they must differ); its score is the share of that way covered,
# clamped to 0..1. A key result with `metric` takes its current value from leadline's data over
# the quarter (scope: the objective's team, or its own `scope`); others take check-ins:
#   leadline okr checkin OBJECTIVE/KR --value V --confidence C
apiVersion: leadline.io/v1
kind: Objective
metadata:
  name: payments-2026q4-flow
  title: Payments ships small changes fast and safely
spec:
  quarter: 2026Q4
  team: payments
  owner: jane.doe
  outcome: faster-delivery        # an outcome id of a strategy on a page (optional)
  key_results:
    - id: lead-time
      title: Lead time p50 under 24 h
      metric: dora.lead_time_p50
      baseline: 72
      target: 24
    - id: adoption
      title: Nine teams on the paved road
      baseline: 2
      target: 9
      current: 4
      confidence: 0.6              # 0..1
      unit: teams
"""

CHANGE_TEMPLATE = """\
# Change initiatives and the innovation pipeline: leadline ingest change-yaml FILE.yaml
# (shown by: leadline change). ADKAR scores are 1-5; the barrier point is the first element
# (awareness, desire, knowledge, ability, reinforcement) below 3.
apiVersion: leadline.io/v1
kind: ChangeInitiative
metadata: {name: paved-road-adoption, title: Every team on the paved road}
spec:
  sponsor: cio
  kotter_stage: 4                 # 1-8, or the step's name (enlist a volunteer army)
  started_on: 2026-09-01
  adkar:
    - {group: stream-aligned-teams, assessed_on: 2026-10-01, awareness: 4, desire: 3,
       knowledge: 2, ability: 2, reinforcement: 1}
  metrics:                        # each optional
    - {date: 2026-10-01, adoption_rate: 0.3, satisfaction: 3.8, process_efficiency: 0.1,
       roi_realisation: 0.05}
---
apiVersion: leadline.io/v1
kind: Idea
metadata: {name: ai-code-review, title: AI-assisted code review}
spec:
  owner: dev-experience
  budget: 40000
  currency: USD
  outcome: Review wait time halved in the pilot teams
  gates:                          # idea -> pilot -> proof-of-concept -> scale, or stopped
    - {stage: pilot, decided_on: 2026-09-15}
"""
