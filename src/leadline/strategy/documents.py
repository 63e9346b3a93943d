"""The YAML documents of the strategy pillar (``kind: Strategy`` and ``kind: Objective``) and
their validation into records; every problem names the file, document and dotted field."""

from __future__ import annotations

from dataclasses import dataclass
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
from leadline.periods import Period
from leadline.semantic.query import unit_text
from leadline.strategy.bindings import get_binding


def _quarter(value: object) -> str:
    """``2026q4`` or ``2026-Q4`` read as the quarter's label, ``2026Q4``."""
    return Period.parse(str(value), ("quarter",)).label


Quarter = Annotated[str, BeforeValidator(_quarter)]
# "period: 2026" is read by YAML as a number; it is a label.
Label = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]
SCOPE_FIELDS = {"organisation": "organisation", "business_unit": "business-unit", "team": "team"}
METRIC_SCOPE_FIELDS = {
    "service": "service",
    "team": "team",
    "value_stream": "value-stream",
    "business_unit": "business-unit",
    "slo": "slo",
    "organisation": "organisation",
}


class _Strict(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")


class Outcome(_Strict):
    id: Name
    title: str
    description: str | None = None
    metrics: list[str] = Field(default_factory=list)


class Bet(_Strict):
    id: Name
    title: str
    outcomes: list[str] = Field(default_factory=list)
    owner: str | None = None
    horizon: Literal["now", "next", "later"] | None = None
    value_streams: list[str] = Field(default_factory=list)


class ProofMetric(_Strict):
    name: str
    metric: str | None = None  # a bindable leadline metric
    scope: dict[str, str] = Field(default_factory=dict)
    target: float | None = None
    unit: str | None = None


class StrategySpec(_Strict):
    period: Label | None = None
    vision: str
    outcomes: list[Outcome] = Field(min_length=1)
    bets: list[Bet] = Field(default_factory=list)
    guardrails: list[str] = Field(default_factory=list)
    metrics: list[ProofMetric] = Field(default_factory=list)
    lighthouse_value_streams: list[str] = Field(default_factory=list)


class KeyResultSpec(_Strict):
    id: Name
    title: str
    baseline: float
    target: float
    current: float | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    unit: str | None = None
    direction: Literal["increase", "decrease"] | None = None
    metric: str | None = None
    scope: dict[str, str] = Field(default_factory=dict)


class ObjectiveSpec(_Strict):
    quarter: Quarter
    organisation: str | None = None
    business_unit: str | None = None
    team: str | None = None
    owner: str | None = None
    outcome: str | None = None
    key_results: list[KeyResultSpec] = Field(min_length=1)


class Header(_Strict):
    apiVersion: Literal["leadline.io/v1"]
    kind: Literal["Strategy", "Objective"]
    metadata: Metadata
    spec: dict[str, Any]


@dataclass
class StrategyRecord:
    name: str
    title: str | None
    spec: StrategySpec
    document: dict[str, Any]
    file: str
    index: int


@dataclass
class KeyResultRecord:
    id: str
    title: str
    baseline: float
    target: float
    current: float | None
    confidence: float | None
    unit: str | None
    direction: str
    metric: str | None
    metric_scope: dict[str, str]


@dataclass
class ObjectiveRecord:
    name: str
    title: str
    quarter: str
    scope_kind: str
    scope: str
    owner: str | None
    outcome: str | None
    key_results: list[KeyResultRecord]
    document: dict[str, Any]
    file: str
    index: int

    def problem(self, reason: str, field: str, value: Any, severity: str = "warning") -> Problem:
        return Problem(self.file, reason, self.index, field, value, severity, self.document)  # type: ignore[arg-type]


class DocumentError(Exception):
    def __init__(self, field: str, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value


def parse_document(doc: YamlDocument, kind: str) -> StrategyRecord | ObjectiveRecord | Problem:
    """A validated record of the expected ``kind``, or the first problem found."""
    try:
        header = Header.model_validate(doc.content)
    except ValidationError as error:
        return validation_problem(doc, error, "")
    if header.kind != kind:
        return document_problem(doc, "kind", f"expected kind {kind} in this source", header.kind)
    spec_model = StrategySpec if kind == "Strategy" else ObjectiveSpec
    try:
        spec = spec_model.model_validate(header.spec)
    except ValidationError as error:
        return validation_problem(doc, error, "spec.")
    try:
        if isinstance(spec, StrategySpec):
            _check_strategy(spec)
            return StrategyRecord(
                header.metadata.name,
                header.metadata.title,
                spec,
                as_json(doc.content),
                doc.file,
                doc.index,
            )
        return _objective(header, spec, doc)
    except DocumentError as error:
        return document_problem(doc, error.field, error.reason, error.value)


def _check_strategy(spec: StrategySpec) -> None:
    outcomes = {o.id for o in spec.outcomes}
    for i, bet in enumerate(spec.bets):
        for j, outcome in enumerate(bet.outcomes):
            if outcome not in outcomes:
                raise DocumentError(
                    f"spec.bets[{i}].outcomes[{j}]",
                    f"unknown outcome; this strategy's outcomes are {', '.join(sorted(outcomes))}",
                    outcome,
                )
    for i, metric in enumerate(spec.metrics):
        if metric.metric is not None:
            _check_binding(f"spec.metrics[{i}]", metric.metric, metric.scope)
            if not metric.scope:
                raise DocumentError(
                    f"spec.metrics[{i}].scope", "a bound proof metric needs a scope", None
                )


def _scope(spec: ObjectiveSpec) -> tuple[str, str]:
    given = [(kind, getattr(spec, f)) for f, kind in SCOPE_FIELDS.items() if getattr(spec, f)]
    if len(given) != 1:
        raise DocumentError(
            "spec.team",
            "give exactly one of organisation, business_unit, team",
            ", ".join(k for k, _ in given) or None,
        )
    return given[0]


def metric_scope(given: dict[str, str], default: tuple[str, str]) -> tuple[str, str]:
    """The scope a bound metric is computed for: the key result's own, else the objective's."""
    if not given:
        return default
    ((field, name),) = given.items()
    return METRIC_SCOPE_FIELDS[field], name


def _check_binding(where: str, metric: str, scope: dict[str, str]) -> None:
    binding = get_binding(metric)
    if binding is None:
        raise DocumentError(f"{where}.metric", "unknown metric (see leadline metrics list)", metric)
    if len(scope) > 1 or any(k not in METRIC_SCOPE_FIELDS for k in scope):
        raise DocumentError(
            f"{where}.scope",
            f"give one of {', '.join(METRIC_SCOPE_FIELDS)}",
            ", ".join(scope),
        )
    if scope:
        kind = METRIC_SCOPE_FIELDS[next(iter(scope))]
        if kind not in binding.scopes:
            raise DocumentError(
                f"{where}.scope",
                f"{metric} is computed per {', '.join(binding.scopes)}, not per {kind}",
                kind,
            )


def _objective(header: Header, spec: ObjectiveSpec, doc: YamlDocument) -> ObjectiveRecord:
    scope = _scope(spec)
    key_results, seen = [], set()
    for i, kr in enumerate(spec.key_results):
        where = f"spec.key_results[{i}]"
        if kr.id in seen:
            raise DocumentError(f"{where}.id", "two key results have this id", kr.id)
        seen.add(kr.id)
        key_results.append(_key_result(where, kr, scope))
    return ObjectiveRecord(
        header.metadata.name,
        header.metadata.title or header.metadata.name,
        spec.quarter,
        *scope,
        spec.owner,
        spec.outcome,
        key_results,
        as_json(doc.content),
        doc.file,
        doc.index,
    )


def _key_result(where: str, kr: KeyResultSpec, scope: tuple[str, str]) -> KeyResultRecord:
    if kr.target == kr.baseline:
        raise DocumentError(
            f"{where}.target",
            f"the target equals the baseline ({kr.baseline:g}): no progress can be measured",
            kr.target,
        )
    direction = "increase" if kr.target > kr.baseline else "decrease"
    if kr.direction is not None and kr.direction != direction:
        raise DocumentError(
            f"{where}.direction",
            f"direction {kr.direction} contradicts baseline {kr.baseline:g} -> "
            f"target {kr.target:g}",
            kr.direction,
        )
    unit, chosen = kr.unit, scope
    if kr.metric is not None:
        _check_binding(where, kr.metric, kr.scope)
        binding = get_binding(kr.metric)
        assert binding is not None
        chosen = metric_scope(kr.scope, scope)
        if chosen[0] not in binding.scopes:
            raise DocumentError(
                f"{where}.scope",
                f"{kr.metric} is computed per {', '.join(binding.scopes)}; give a scope "
                f"(the objective's is a {chosen[0]})",
                None,
            )
        if (binding.direction == "lower") != (direction == "decrease"):
            raise DocumentError(
                f"{where}.target",
                f"{kr.metric} is better when {binding.direction}, but the target moves the other "
                f"way from the baseline ({kr.baseline:g})",
                kr.target,
            )
        unit = unit or unit_text(binding)
    elif kr.scope:
        raise DocumentError(f"{where}.scope", "a scope applies only to a bound metric", None)
    return KeyResultRecord(
        kr.id,
        kr.title,
        kr.baseline,
        kr.target,
        kr.current,
        kr.confidence,
        unit,
        direction,
        kr.metric,
        {"kind": chosen[0], "name": chosen[1]} if kr.metric else {},
    )
