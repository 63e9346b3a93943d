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
from leadline.ingest.files import dump_yaml
from leadline.strategy import plan
from leadline.strategy.models import Plan
from leadline.strategy.quarters import quarter_of

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
                    "name": f"SLOs met, {aligned[0].name}",
                    "metric": "slo.percent_met",
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
                            "baseline": 0.2,
                            "target": 0.05,
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


def write_strategy(
    org: OrganisationBuilder, root: Path, as_of: dt.date, seed: int
) -> list[tuple[str, list[Path]]]:
    root.mkdir(parents=True, exist_ok=True)
    strategy_path = root / "strategy.yaml"
    strategy_path.write_text(dump_yaml([strategy_document(org)]), encoding="utf-8")
    okrs_path = root / "okrs.yaml"
    okrs_path.write_text(dump_yaml(okr_documents(org, as_of, seed)), encoding="utf-8")
    return [("strategy-yaml", [strategy_path]), ("okrs-yaml", [okrs_path])]


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
