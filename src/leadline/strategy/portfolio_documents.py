"""YAML documents of the capability map and the roadmap: ``kind: Capability`` (a business
capability with its parent, value streams, services, teams and its alignment to the strategy's
outcomes) and ``kind: Initiative`` (a roadmap item by quarter or horizon, with its links, budget
and value-realisation KPIs).

Invalid values (a strength of 7, an end quarter before the start) are errors naming the file,
document and dotted field; references to things leadline may learn later (an unknown service,
outcome or objective) are warned when the document lands, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError

from leadline.ingest.documents import (
    Metadata,
    Name,
    as_json,
    document_problem,
    validation_problem,
)
from leadline.ingest.files import YamlDocument
from leadline.ingest.nulls import NullAsAbsent
from leadline.ingest.problems import Problem
from leadline.semantic.query import unit_text
from leadline.strategy.bindings import get_binding
from leadline.strategy.documents import (
    METRIC_SCOPE_FIELDS,
    DocumentError,
    Quarter,
    _check_binding,
)

STRENGTHS = ("none", "weak", "medium", "strong")  # 0, 1, 2, 3
HORIZONS = ("now", "next", "later")
MAX_TITLE = 512  # the store's column


def _strength(value: Any) -> int:
    """0-3, or none | weak | medium | strong."""
    if isinstance(value, str) and value.strip().lower() in STRENGTHS:
        return STRENGTHS.index(value.strip().lower())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
        return value
    raise ValueError("must be a strength 0-3 or none, weak, medium, strong")


Strength = Annotated[int, BeforeValidator(_strength)]


class _Strict(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")


class AlignmentSpec(_Strict):
    outcome: Name
    strength: Strength
    note: str | None = None


class CapabilitySpec(_Strict):
    parent: Name | None = None
    description: str | None = None
    value_streams: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    alignment: list[AlignmentSpec] = Field(default_factory=list)


class KpiSpec(_Strict):
    name: str
    baseline: float
    target: float
    current: float | None = None
    unit: str | None = None
    direction: Literal["increase", "decrease"] | None = None
    metric: str | None = None
    scope: dict[str, str] = Field(default_factory=dict)


class InitiativeSpec(_Strict):
    owner: str | None = Field(default=None, max_length=253)
    start: Quarter | None = None
    end: Quarter | None = None
    horizon: Literal["now", "next", "later"] | None = None
    outcomes: list[str] = Field(default_factory=list)
    objectives: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    value_streams: list[str] = Field(default_factory=list)
    lighthouse: bool = False
    budget: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    kpis: list[KpiSpec] = Field(default_factory=list)


class PortfolioHeader(_Strict):
    apiVersion: Literal["leadline.io/v1"]
    kind: Literal["Capability", "Initiative"]
    metadata: Metadata
    spec: dict[str, Any]


@dataclass
class PortfolioRecord:
    """A validated Capability or Initiative document, with where it came from."""

    kind: str
    name: str
    title: str | None
    spec: Any  # CapabilitySpec | InitiativeSpec
    kpis: list[dict[str, Any]]
    document: dict[str, Any]
    file: str
    index: int

    def problem(self, reason: str, field: str, value: Any, severity: str = "warning") -> Problem:
        return Problem(self.file, reason, self.index, field, value, severity, self.document)  # type: ignore[arg-type]


def parse_portfolio(doc: YamlDocument, kind: str) -> PortfolioRecord | Problem:
    """A validated record of the expected ``kind``, or the first problem found."""
    try:
        header = PortfolioHeader.model_validate(doc.content)
    except ValidationError as error:
        return validation_problem(doc, error, "")
    if header.kind != kind:
        return document_problem(doc, "kind", f"expected kind {kind} in this source", header.kind)
    model = CapabilitySpec if kind == "Capability" else InitiativeSpec
    try:
        spec = model.model_validate(header.spec)
    except ValidationError as error:
        return validation_problem(doc, error, "spec.")
    name = header.metadata.name
    if header.metadata.title is not None and len(header.metadata.title) > MAX_TITLE:
        return document_problem(doc, "metadata.title", f"at most {MAX_TITLE} characters", None)
    try:
        if isinstance(spec, CapabilitySpec):
            _check_capability(name, spec)
            kpis: list[dict[str, Any]] = []
        else:
            kpis = _check_initiative(spec)
    except DocumentError as error:
        return document_problem(doc, error.field, error.reason, error.value)
    return PortfolioRecord(
        kind, name, header.metadata.title, spec, kpis, as_json(doc.content), doc.file, doc.index
    )


def _check_capability(name: str, spec: CapabilitySpec) -> None:
    if spec.parent == name:
        raise DocumentError("spec.parent", "a capability cannot be its own parent", spec.parent)
    seen: set[str] = set()
    for i, entry in enumerate(spec.alignment):
        if entry.outcome in seen:
            raise DocumentError(
                f"spec.alignment[{i}].outcome", "this outcome is aligned twice", entry.outcome
            )
        seen.add(entry.outcome)


def _check_initiative(spec: InitiativeSpec) -> list[dict[str, Any]]:
    if spec.horizon is not None and spec.start is not None:
        raise DocumentError("spec.horizon", "give start/end quarters or a horizon, not both", None)
    if spec.horizon is None and spec.start is None:
        raise DocumentError("spec.start", "give a start quarter (YYYYQN) or a horizon", None)
    if spec.end is not None and spec.start is None:
        raise DocumentError("spec.start", "an end quarter needs a start quarter", None)
    if spec.start is not None and spec.end is not None and spec.end < spec.start:
        raise DocumentError(
            "spec.end", f"the end quarter is before the start quarter ({spec.start})", spec.end
        )
    names: set[str] = set()
    kpis = []
    for i, kpi in enumerate(spec.kpis):
        where = f"spec.kpis[{i}]"
        if kpi.name in names:
            raise DocumentError(f"{where}.name", "two KPIs have this name", kpi.name)
        names.add(kpi.name)
        kpis.append(_kpi(where, kpi))
    return kpis


def _kpi(where: str, kpi: KpiSpec) -> dict[str, Any]:
    """A KPI as stored: its direction derived from baseline and target, checked against the
    bound metric's better direction, its scope normalised."""
    if kpi.target == kpi.baseline:
        raise DocumentError(
            f"{where}.target",
            f"the target equals the baseline ({kpi.baseline:g}): no progress can be measured",
            kpi.target,
        )
    direction = "increase" if kpi.target > kpi.baseline else "decrease"
    if kpi.direction is not None and kpi.direction != direction:
        raise DocumentError(
            f"{where}.direction",
            f"direction {kpi.direction} contradicts baseline {kpi.baseline:g} -> "
            f"target {kpi.target:g}",
            kpi.direction,
        )
    scope: dict[str, str] = {}
    unit = kpi.unit
    if kpi.metric is not None:
        _check_binding(where, kpi.metric, kpi.scope)
        binding = get_binding(kpi.metric)
        assert binding is not None
        if not kpi.scope:
            raise DocumentError(f"{where}.scope", "a bound KPI needs a scope", None)
        if kpi.current is not None:
            raise DocumentError(
                f"{where}.current", "a bound KPI takes its current value from the data", None
            )
        if (binding.direction == "lower") != (direction == "decrease"):
            raise DocumentError(
                f"{where}.target",
                f"{kpi.metric} is better when {binding.direction}, but the target moves the other "
                f"way from the baseline ({kpi.baseline:g})",
                kpi.target,
            )
        ((field, entity),) = kpi.scope.items()
        scope = {"kind": METRIC_SCOPE_FIELDS[field], "name": entity}
        unit = unit or unit_text(binding)
    elif kpi.scope:
        raise DocumentError(f"{where}.scope", "a scope applies only to a bound metric", None)
    return {
        "name": kpi.name,
        "baseline": kpi.baseline,
        "target": kpi.target,
        "current": kpi.current,
        "unit": unit,
        "direction": direction,
        "metric": kpi.metric,
        "scope": scope,
    }
