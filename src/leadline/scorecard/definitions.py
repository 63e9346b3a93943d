"""KPI definitions: packaged defaults (``kpis.yaml``) merged with overrides from the store
(``leadline ingest scorecard-kpis``). A KPI names a registered metric (``metric``) and adds
what a scorecard needs: its group, target, RAG tolerance, trend band, owner and scopes. Its
title, unit and direction are the metric's (declared once, in the registry); ``name`` may
give the KPI another title. An override names a KPI by ``key`` and replaces only the fields
it gives; a key the defaults do not know must be a whole definition.

Documents written before the registry (``measure:``, ``unit:``, ``direction:``) still load:
``measure`` is read as ``metric``, and a unit or direction is checked against the metric's.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.ingest.files import load_yaml
from leadline.ingest.nulls import NullAsAbsent
from leadline.scorecard.models import ScorecardKpi
from leadline.semantic import registry
from leadline.semantic.registry import Direction, Metric

ScopeKind = Literal["organisation", "business-unit", "value-stream", "team"]
Group = Literal["business-value", "delivery", "security-reliability", "financial"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("organisation", "business-unit", "value-stream", "team")
GROUPS: tuple[Group, ...] = ("business-value", "delivery", "security-reliability", "financial")


class KpiDefinition(NullAsAbsent):
    """One KPI: the metric it shows, its target and RAG tolerance, trend band and owner."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=200)
    name: str | None = Field(None, min_length=1, max_length=200)
    group: Group
    metric: str = Field(min_length=1, max_length=200)
    target: float | None = Field(None, allow_inf_nan=False)
    tolerance: float = Field(0.10, ge=0, allow_inf_nan=False)
    flat: float = Field(0.01, ge=0, allow_inf_nan=False)
    owner: str | None = Field(None, max_length=200)
    scopes: list[ScopeKind] = Field(default_factory=lambda: list(SCOPE_KINDS))
    params: dict[str, str] = Field(default_factory=dict)
    description: str = Field("", max_length=2000)
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        """``measure`` (before the registry) is ``metric``; a declared direction must agree
        with the metric's; a unit is the metric's and is dropped."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "measure" in data:
            data.setdefault("metric", data.pop("measure"))
        data.pop("unit", None)
        direction = data.pop("direction", None)
        found = registry.find(str(data.get("metric", "")))
        if direction is not None and found is not None and direction != found.direction:
            raise ValueError(
                f"direction {direction!r} contradicts metric {found.key} ({found.direction} "
                "is better); leave direction out: the metric declares it"
            )
        return data

    @model_validator(mode="after")
    def _known_metric(self) -> KpiDefinition:
        metric = registry.find(self.metric)
        if metric is None:
            known = ", ".join(registry.metrics())
            raise ValueError(f"unknown metric {self.metric!r}; registered metrics: {known}")
        missing = [p for p in metric.params if p not in self.params]
        if missing:
            raise ValueError(f"metric {metric.key} needs params: {', '.join(missing)}")
        unsupported = [s for s in self.scopes if s not in metric.scopes]
        if unsupported:
            raise ValueError(
                f"metric {metric.key} is not computed by {', '.join(unsupported)} "
                f"(only by {', '.join(metric.scopes)})"
            )
        self.metric = metric.key
        return self

    @property
    def measure(self) -> Metric:
        return registry.get(self.metric)

    @property
    def title(self) -> str:
        return self.name or self.measure.title

    @property
    def direction(self) -> Direction:
        return self.measure.direction


@cache
def _default_documents() -> tuple[dict[str, Any], ...]:
    text = resources.files("leadline.scorecard").joinpath("kpis.yaml").read_text("utf-8")
    return tuple(load_yaml("kpis.yaml", text)["kpis"])


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
        stored = dict(row.definition)
        if "measure" in stored and "metric" in docs.get(row.key, {}):
            stored["metric"] = stored.pop("measure")
        docs[row.key] = {**docs.get(row.key, {}), **stored, "key": row.key}
    out = [KpiDefinition.model_validate(d) for d in docs.values()]
    return [d for d in out if d.enabled]
