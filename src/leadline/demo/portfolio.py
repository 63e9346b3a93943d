"""The demo's capability map (ten business capabilities of a bank on two levels, aligned to the
strategy's outcomes) and its roadmap (eight initiatives over six quarters, the two lighthouse
value streams flagged), written as capabilities-yaml and roadmap-yaml files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from leadline.demo.generator import OrganisationBuilder, Team
from leadline.periods import quarter_of
from leadline.strategy.roadmap import shift_quarter

OUTCOMES = ("faster-delivery", "reliable-services", "lower-unit-cost", "great-place-to-build")
MAX_SERVICES = 6
# name, title, parent, stream index (None: no stream), team kind, strengths per outcome
CAPABILITIES: tuple[tuple[str, str, str | None, int | None, str | None, tuple[int, ...]], ...] = (
    ("customer-engagement", "Customer engagement", None, None, None, (2, 1, 0, 0)),
    ("onboarding", "Customer onboarding", "customer-engagement", 0, "stream-aligned", (3, 2, 1, 0)),
    ("servicing", "Customer servicing", "customer-engagement", 3, "stream-aligned", (1, 3, 1, 0)),
    ("products", "Products", None, None, None, (1, 1, 1, 0)),
    ("payments-processing", "Payments processing", "products", 1, "stream-aligned", (3, 3, 2, 0)),
    ("lending", "Lending", "products", 2, "stream-aligned", (2, 2, 0, 0)),
    ("trade-and-treasury", "Trade and treasury", "products", 4, "stream-aligned", (1, 2, 0, 0)),
    ("risk-and-finance", "Risk and finance", None, None, None, (0, 1, 3, 0)),
    ("financial-reporting", "Financial reporting", "risk-and-finance", None,
     "complicated-subsystem", (0, 1, 2, 0)),
    ("engineering-platform", "Engineering platform", None, None, "platform", (3, 2, 2, 3)),
)  # fmt: skip


def _doc(kind: str, name: str, title: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "leadline.io/v1",
        "kind": kind,
        "metadata": {"name": name, "title": title},
        "spec": spec,
    }


def _teams(org: OrganisationBuilder, stream: str | None, kind: str | None) -> list[Team]:
    if kind is None:
        return []
    return [t for t in org.teams if t.type == kind and (stream is None or t.value_stream == stream)]


def capability_documents(org: OrganisationBuilder) -> list[dict[str, Any]]:
    streams = [s[0] for s in org.streams]
    docs = []
    for name, title, parent, stream_index, kind, strengths in CAPABILITIES:
        stream = streams[stream_index % len(streams)] if stream_index is not None else None
        teams = _teams(org, stream, kind)
        spec: dict[str, Any] = {
            "description": f"{title}: what the bank does, whoever builds it",
            "value_streams": [stream] if stream else [],
            "teams": [t.name for t in teams],
            "services": [s for t in teams for s in t.services][:MAX_SERVICES],
            "alignment": [
                {"outcome": o, "strength": s} for o, s in zip(OUTCOMES, strengths, strict=True) if s
            ],
        }
        if parent:
            spec["parent"] = parent
        docs.append(_doc("Capability", name, title, spec))
    return docs


def _kpi(name: str, baseline: float, target: float, **extra: Any) -> dict[str, Any]:
    return {"name": name, "baseline": baseline, "target": target, **extra}


def roadmap_documents(org: OrganisationBuilder, as_of: dt.date) -> list[dict[str, Any]]:
    """Eight initiatives from last quarter to four quarters ahead, one of them undated."""
    q = quarter_of(as_of)
    streams = [s[0] for s in org.streams]
    aligned = [t for t in org.teams if t.type == "stream-aligned"]
    okr = [f"{t.name}-{q.lower()}-flow" for t in aligned[:3]]

    def item(
        name: str, title: str, span: tuple[int, int] | None, budget: int, **spec: Any
    ) -> dict[str, Any]:
        when = (
            {"start": shift_quarter(q, span[0]), "end": shift_quarter(q, span[1])}
            if span
            else {"horizon": "later"}
        )
        return _doc(
            "Initiative", name, title, {**when, "budget": budget, "currency": "USD", **spec}
        )

    lead_time = _kpi(
        f"Lead time p50, {streams[0]}",
        96,
        24,
        metric="dora.lead_time_p50",
        scope={"value_stream": streams[0]},
    )
    return [
        item("paved-road", "One paved road for every stream-aligned team", (-1, 2), 400000,
             outcomes=["faster-delivery", "great-place-to-build"], objectives=okr,
             capabilities=["engineering-platform"], value_streams=streams[:2],
             kpis=[lead_time, _kpi("Teams on the paved road", 2, len(aligned), current=5,
                                   unit="teams")]),
        item("payments-modernisation", "Payments on the new core", (-1, 3), 900000,
             outcomes=["faster-delivery", "reliable-services"], objectives=okr[1:2],
             capabilities=["payments-processing"], value_streams=[streams[1]], lighthouse=True,
             kpis=[_kpi("Change failure rate", 20, 5, metric="dora.change_failure_rate",
                        scope={"value_stream": streams[1]}),
                   _kpi("Straight-through payments", 0.7, 0.95, current=0.78, unit="ratio")]),
        item("slo-everywhere", "SLOs and error budgets for every tier-1 service", (0, 1), 120000,
             outcomes=["reliable-services"], capabilities=["onboarding", "servicing"],
             value_streams=[streams[0]],
             kpis=[_kpi("SLOs within objective", 50, 100,
                        metric="reliability.slos_within_objective",
                        scope={"team": aligned[0].name})]),
        item("showback", "Showback of cloud cost per team and transaction", (0, 2), 80000,
             outcomes=["lower-unit-cost"], capabilities=["financial-reporting"],
             kpis=[_kpi("Cost allocated", 0.4, 0.95, current=0.62, unit="ratio")]),
        item("digital-onboarding", "Onboarding in ten minutes", (1, 3), 650000,
             outcomes=["faster-delivery"], capabilities=["onboarding"],
             value_streams=[streams[0]],
             kpis=[_kpi("Median onboarding time", 45, 10, unit="min")]),
        item("lending-decisions", "Automated lending decisions", (2, 4), 700000,
             outcomes=["faster-delivery", "lower-unit-cost"], capabilities=["lending"],
             value_streams=[streams[2 % len(streams)]]),
        item("treasury-platform", "One treasury platform", (3, 4), 500000,
             outcomes=["lower-unit-cost"], capabilities=["trade-and-treasury"],
             value_streams=[streams[4 % len(streams)]]),
        item("ai-assistants", "AI assistants for servicing agents", None, 150000,
             outcomes=["great-place-to-build", "reliable-services"], capabilities=["servicing"]),
    ]  # fmt: skip
