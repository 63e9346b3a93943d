"""KPI definitions: packaged defaults (``kpis.yaml``) merged with overrides from the store
(``leadline ingest scorecard-kpis``). An override names a KPI by ``key`` and replaces only the
fields it gives; a key the defaults do not know must be a whole definition."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.scorecard.models import ScorecardKpi
from leadline.scorecard.rag import Direction

ScopeKind = Literal["organisation", "business-unit", "value-stream", "team"]
Group = Literal["business-value", "delivery", "security-reliability", "financial"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("organisation", "business-unit", "value-stream", "team")
GROUPS: tuple[Group, ...] = ("business-value", "delivery", "security-reliability", "financial")
MEASURES = (
    "dora.deployment_frequency",
    "dora.lead_time_p50",
    "dora.change_failure_rate",
    "dora.time_to_restore_p50",
    "reliability.slos_met",
    "risk.compliance_coverage",
    "service.sla_met",
    "service.xla_met",
    "finops.allocation_coverage",
    "finops.unit_cost",
)


class KpiDefinition(BaseModel):
    """One KPI: what it measures, its target and RAG tolerance, trend band and owner."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1)
    group: Group
    measure: Literal[MEASURES]  # type: ignore[valid-type]
    unit: str = ""
    direction: Direction
    target: float | None = None
    tolerance: float = Field(0.10, ge=0)
    flat: float = Field(0.01, ge=0)
    owner: str | None = None
    scopes: list[ScopeKind] = Field(default_factory=lambda: list(SCOPE_KINDS))
    params: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    enabled: bool = True


@cache
def _default_documents() -> tuple[dict[str, Any], ...]:
    text = resources.files("leadline.scorecard").joinpath("kpis.yaml").read_text("utf-8")
    return tuple(yaml.safe_load(text)["kpis"])


def default_definitions() -> dict[str, dict[str, Any]]:
    """The packaged definitions as plain dicts, by key."""
    return {d["key"]: dict(d) for d in _default_documents()}


def merge(override: dict[str, Any]) -> KpiDefinition:
    """The default for ``override['key']`` (if any) updated with the override; ValueError
    (pydantic's ValidationError) when the result is not a valid definition."""
    base = default_definitions().get(str(override.get("key")), {})
    return KpiDefinition.model_validate({**base, **override})


def load_definitions(session: Session) -> list[KpiDefinition]:
    """Enabled KPIs in the packaged order, then added ones by key."""
    docs = default_definitions()
    for row in session.scalars(select(ScorecardKpi).order_by(ScorecardKpi.key)):
        docs[row.key] = {**docs.get(row.key, {}), **row.definition, "key": row.key}
    out = [KpiDefinition.model_validate(d) for d in docs.values()]
    return [d for d in out if d.enabled]
