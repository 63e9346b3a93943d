"""The demo's strategy on a page, OKRs for the current quarter (some bound to live metrics) and
a 90-day plan started 45 days before the demo's date."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.demo.generator import OrganisationBuilder
from leadline.demo.portfolio import capability_documents, roadmap_documents
from leadline.ingest.files import dump_yaml
from leadline.periods import quarter_of
from leadline.strategy import plan
from leadline.strategy.models import Plan

PLAN_AGE_DAYS = 45
ACTOR = "demo"


def _doc(kind: str, name: str, title: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "leadline.io/v1",
        "kind": kind,
        "metadata": {"name": name, "title": title},
        "spec": spec,
    }


def strategy_document(org: OrganisationBuilder) -> dict[str, Any]:
    streams = [s[0] for s in org.streams]
    aligned = [t for t in org.teams if t.type == "stream-aligned"]
    platform = next(t.name for t in org.teams if t.type == "platform")
    return _doc(
        "Strategy",
        "northwind-2027",
        "Northwind technology strategy",
        {
            "period": "2026-2027",
            "vision": "Every customer journey is fast, safe and measured, on one paved road.",
            "outcomes": [
                {"id": "faster-delivery", "title": "Ship customer value faster"},
                {"id": "reliable-services", "title": "Customers trust our services"},
                {"id": "lower-unit-cost", "title": "Lower unit cost of technology"},
                {"id": "great-place-to-build", "title": "Engineers do their best work here"},
            ],
            "bets": [
                {
                    "id": "paved-road",
                    "title": "One paved road for every stream-aligned team",
                    "outcomes": ["faster-delivery", "great-place-to-build"],
                    "owner": platform,
                    "horizon": "now",
                    "value_streams": streams[:2],
                },
                {
                    "id": "slo-everywhere",
                    "title": "SLOs and error budgets for every tier-1 service",
                    "outcomes": ["reliable-services"],
                    "horizon": "now",
                },
                {
                    "id": "showback",
                    "title": "Showback of cloud cost per team and transaction",
                    "outcomes": ["lower-unit-cost"],
                    "horizon": "next",
                },
            ],
            "guardrails": [
                "No customer data leaves the EU",
                "Error budgets gate releases of tier-1 services",
            ],
            "metrics": [
                {
                    "name": f"Lead time p50, {streams[0]}",
                    "metric": "dora.lead_time_p50",
                    "scope": {"value_stream": streams[0]},
                    "target": 24,
                    "unit": "h",
                },
                {
                    "name": f"SLOs within objective, {aligned[0].name}",
                    "metric": "reliability.slos_within_objective",
                    "scope": {"team": aligned[0].name},
                    "target": 100,
                    "unit": "%",
                },
                {"name": "Unit cost per transaction", "target": 0.02, "unit": "USD"},
            ],
            "lighthouse_value_streams": streams[:2],
        },
    )


def okr_documents(org: OrganisationBuilder, as_of: dt.date, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed * 7919 + 11)
    quarter = quarter_of(as_of)
    docs = []
    for team in [t for t in org.teams if t.type == "stream-aligned"][:3]:
        docs.append(
            _doc(
                "Objective",
                f"{team.name}-{quarter.lower()}-flow",
                f"{team.title} ships small changes fast and safely",
                {
                    "quarter": quarter,
                    "team": team.name,
                    "owner": team.people[0],
                    "outcome": "faster-delivery",
                    "key_results": [
                        {
                            "id": "lead-time",
                            "title": "Lead time p50 down to 24 h",
                            "metric": "dora.lead_time_p50",
                            "baseline": 96,
                            "target": 24,
                        },
                        {
                            "id": "change-failure-rate",
                            "title": "Change failure rate under 5%",
                            "metric": "dora.change_failure_rate",
                            "baseline": 20,
                            "target": 5,
                        },
                        {
                            "id": "paved-road",
                            "title": "All services built from the golden path",
                            "baseline": 0,
                            "target": len(team.services) or 1,
                            "current": rng.randint(0, len(team.services) or 1),
                            "confidence": round(rng.uniform(0.4, 0.9), 1),
                            "unit": "services",
                        },
                    ],
                },
            )
        )
    docs.append(
        _doc(
            "Objective",
            f"engineering-{quarter.lower()}-experience",
            "Engineers have the flow and safety to do their best work",
            {
                "quarter": quarter,
                "organisation": "northwind",
                "outcome": "great-place-to-build",
                "key_results": [
                    {
                        "id": "efficiency",
                        "title": "Efficiency and flow score 4.0",
                        "metric": "devex.efficiency",
                        "scope": {"organisation": "northwind"},
                        "baseline": 3.0,
                        "target": 4.0,
                    },
                    {
                        "id": "safety",
                        "title": "Psychological safety score 4.2",
                        "metric": "devex.psychological_safety",
                        "scope": {"organisation": "northwind"},
                        "baseline": 3.4,
                        "target": 4.2,
                    },
                ],
            },
        )
    )
    return docs


def change_documents(org: OrganisationBuilder, as_of: dt.date) -> list[dict[str, Any]]:
    """One transformation (the paved road) assessed twice, and four ideas in the pipeline."""
    start = as_of - dt.timedelta(days=120)

    def day(offset: int) -> str:
        return (start + dt.timedelta(days=offset)).isoformat()

    groups = {
        "stream-aligned-teams": [(2, 2, 1, 1, 1), (4, 3, 2, 3, 1)],
        "engineering-managers": [(3, 3, 2, 2, 1), (5, 4, 4, 3, 3)],
    }
    adkar = [
        {
            "group": group,
            "assessed_on": day(30 + 60 * n),
            **dict(
                zip(
                    ("awareness", "desire", "knowledge", "ability", "reinforcement"),
                    scores,
                    strict=True,
                )
            ),
        }
        for group, history in groups.items()
        for n, scores in enumerate(history)
    ]
    metrics = [
        {
            "date": day(30 * n),
            "adoption_rate": round(0.1 + 0.07 * n, 2),
            "satisfaction": round(3.2 + 0.15 * n, 2),
            "process_efficiency": round(0.03 * n, 2),
            "roi_realisation": round(0.05 * n, 2),
        }
        for n in range(1, 5)
    ]
    platform = next(t.name for t in org.teams if t.type == "platform")

    def idea(
        name: str, title: str, budget: int, gates: list[tuple[str, int]], outcome: str
    ) -> dict[str, Any]:
        return _doc(
            "Idea",
            name,
            title,
            {
                "owner": platform,
                "budget": budget,
                "currency": "USD",
                "outcome": outcome,
                "gates": [{"stage": s, "decided_on": day(d)} for s, d in gates],
            },
        )

    return [
        _doc(
            "ChangeInitiative",
            "paved-road-adoption",
            "Every team on the paved road",
            {
                "sponsor": "cio",
                "kotter_stage": 5,
                "started_on": day(0),
                "adkar": adkar,
                "metrics": metrics,
            },
        ),
        idea(
            "ai-code-review",
            "AI-assisted code review",
            40000,
            [("pilot", 20), ("proof-of-concept", 80)],
            "Review wait halved in pilot teams",
        ),
        idea(
            "chatops-deploys",
            "Deploy from chat",
            8000,
            [("pilot", 15), ("stopped", 60)],
            "Stopped: CI already one click away",
        ),
        idea("ephemeral-envs", "Ephemeral test environments", 25000, [("pilot", 50)], ""),
        idea("green-ci", "Carbon-aware CI scheduling", 5000, [], ""),
    ]


def write_strategy(
    org: OrganisationBuilder, root: Path, as_of: dt.date, seed: int
) -> list[tuple[str, list[Path]]]:
    root.mkdir(parents=True, exist_ok=True)
    strategy_path = root / "strategy.yaml"
    strategy_path.write_text(dump_yaml([strategy_document(org)]), encoding="utf-8")
    okrs_path = root / "okrs.yaml"
    okrs_path.write_text(dump_yaml(okr_documents(org, as_of, seed)), encoding="utf-8")
    change_path = root / "change.yaml"
    change_path.write_text(dump_yaml(change_documents(org, as_of)), encoding="utf-8")
    capabilities_path = root / "capabilities.yaml"
    capabilities_path.write_text(dump_yaml(capability_documents(org)), encoding="utf-8")
    roadmap_path = root / "roadmap.yaml"
    roadmap_path.write_text(dump_yaml(roadmap_documents(org, as_of)), encoding="utf-8")
    return [
        ("strategy-yaml", [strategy_path]),
        ("okrs-yaml", [okrs_path]),
        ("change-yaml", [change_path]),
        ("capabilities-yaml", [capabilities_path]),
        ("roadmap-yaml", [roadmap_path]),
    ]


def start_plan(app: App, org: OrganisationBuilder, as_of: dt.date) -> None:
    """The 90-day plan, started 45 days ago, with the CIO's first updates (once per home)."""
    with app.store.session() as session:
        if session.scalar(select(Plan.id).where(Plan.name == plan.DEFAULT_PLAN)) is not None:
            return
    plan.start(app, on=as_of - dt.timedelta(days=PLAN_AGE_DAYS), owner="cio", actor=ACTOR)
    plan.update(
        app,
        "leadership-cadence",
        actor=ACTOR,
        status="done",
        evidence="Weekly Monday session since day 3",
    )
    plan.update(app, "product-operating-model", actor=ACTOR, status="in_progress")
    plan.update(
        app,
        "finops-showback",
        actor=ACTOR,
        status="blocked",
        evidence="Waiting for the cloud billing export",
    )
