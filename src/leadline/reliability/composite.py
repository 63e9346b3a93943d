"""Composite SLOs: one objective for a user journey made of component SLOs with weights.

**Definition** (docs/metrics.md, "composite SLO"): the composite SLI is the weighted mean of
its components' SLIs, ``Σ wᵢ·SLIᵢ ÷ Σ wᵢ`` over the components that have data (a component
without events in its window counts neither way, as a gap does in an SLO: the weights of the
others are renormalised; no component with data, no SLI). Each component's SLI is its own
status SLI over its own window; a composite's components are expected to share one window
(Harness requires it; the status says ``mixed`` otherwise). The composite has its own
objective and error budget, ``1 − (1 − SLI) ÷ (1 − objective)``, as any SLO. This is the
weighted-average reading of Nobl9's composite SLOs ("a service level objective built from the
weighted combination of other SLOs", nobl9.com/features/composite-service-level-objectives)
and Elastic's ("aggregates multiple individual SLOs into a single health indicator using a
weighted average", elastic.co/docs/solutions/observability/incident-management/
create-a-composite-slo). Nobl9's older Composite SLO 1.0 (objectives of one SLO, burning when
any objective burns, unweighted) is not what is computed here.

**Specification**: leadline's own YAML document, in any file ``leadline ingest openslo`` reads
(kept whole in ``slo_document`` under kind ``CompositeSLO``)::

    apiVersion: leadline.io/v1
    kind: CompositeSLO
    metadata: {name: checkout-journey, displayName: Checkout journey}
    spec:
      service: checkout            # the journey's owner in the catalog
      objective: 0.99              # a fraction (0 < x < 1)
      components:
        - {slo: checkout-availability, weight: 3}
        - {slo: payments-latency, weight: 1}
"""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from leadline.ingest.problems import Problem
from leadline.reliability import specs
from leadline.reliability.models import SloDocument
from leadline.reliability.specs import SpecRecord

API_VERSION = "leadline.io/v1"
KIND = "CompositeSLO"
COMPOSITE_COLUMNS = pa.schema(
    [
        ("composite", pa.string()),
        ("objective", pa.float64()),
        ("component", pa.string()),
        ("weight", pa.float64()),
    ]
)


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slo: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)


class CompositeSpec(BaseModel):
    """The ``spec`` of a CompositeSLO document."""

    model_config = ConfigDict(extra="forbid")

    service: str = Field(min_length=1)
    description: str | None = None
    objective: float = Field(gt=0, lt=1, allow_inf_nan=False)
    components: list[Component] = Field(min_length=1)

    @field_validator("components")
    @classmethod
    def _distinct(cls, components: list[Component]) -> list[Component]:
        names = [c.slo for c in components]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"lists SLO {', '.join(map(repr, twice))} more than once")
        return components


def composite_table(composites: dict[str, CompositeSpec]) -> ibis.Table:
    """One row per (composite, component) with the composite's objective and the weight."""
    rows = [
        (name, spec.objective, c.slo, c.weight)
        for name, spec in sorted(composites.items())
        for c in spec.components
    ]
    return ibis.memtable(
        pa.table(
            {
                "composite": [r[0] for r in rows],
                "objective": [r[1] for r in rows],
                "component": [r[2] for r in rows],
                "weight": [r[3] for r in rows],
            },
            schema=COMPOSITE_COLUMNS,
        )
    )


def composite_status(components: ibis.Table, composites: ibis.Table) -> ibis.Table:
    """Per composite of ``composites`` (composite, objective, component, weight), from its
    components' SLIs in ``components`` (slo, sli; e.g. ``metrics.slo_status``): the weighted
    mean SLI over the components with data, its error budget remaining, and the weight with
    data and in all (so a reader sees how much of the journey was measured)."""
    sli = components.select(component=components.slo, component_sli=components.sli)
    joined = composites.left_join(sli, "component")
    has_data = joined.component_sli.notnull()
    sums = joined.group_by(["composite", "objective"]).aggregate(
        weighted=(joined.weight * joined.component_sli).sum(where=has_data),
        weight_with_data=joined.weight.sum(where=has_data),
        weight_total=joined.weight.sum(),
    )
    with_data = sums.weight_with_data.fill_null(0.0)
    mean = ibis.ifelse(with_data > 0, sums.weighted / with_data, ibis.null("float64"))
    return sums.select(
        "composite",
        "objective",
        sli=mean,
        error_budget_remaining=1.0 - (1.0 - mean) / (1.0 - sums.objective),
        weight_with_data=with_data,
        weight_total=sums.weight_total,
    )


def component_rows(
    spec: CompositeSpec, slis: dict[str, float | None], known: set[str]
) -> list[dict[str, Any]]:
    """The components as the status shows them: SLO, weight, its share of the weights, its
    SLI, and whether the store holds such an SLO."""
    total = sum(c.weight for c in spec.components)
    return [
        {
            "slo": c.slo,
            "weight": c.weight,
            "weight_share": c.weight / total,
            "sli": slis.get(c.slo),
            "known": c.slo in known,
        }
        for c in spec.components
    ]


def parse_document(
    content: dict[str, Any], base: SpecRecord
) -> tuple[list[SpecRecord], list[Problem]]:
    """A ``leadline.io/v1`` document of an SLO file: a CompositeSLO kept whole (validated field
    by field), or a problem naming the field."""
    if content.get("kind") != KIND:
        reason = f"unknown kind; {API_VERSION} documents are of kind {KIND}"
        return [], [base.problem(reason, "kind", content.get("kind"))]
    metadata = content.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        return [], [base.problem("is required (a name)", "metadata.name", name)]
    try:
        CompositeSpec.model_validate(content.get("spec"))
    except ValidationError as error:
        return [], specs.validation_problems(error, base.problem, "spec")
    item = base.item
    record = SpecRecord(
        SloDocument,
        (KIND, name),
        {"document": content},
        base.file,
        base.row,
        base.field_prefix,
        item,
        content,
    )
    return [record], []
