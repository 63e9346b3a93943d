"""OpenSLO v1 import (``leadline ingest openslo``) and export (``leadline slo export``).

Every document is kept: an SLO's in ``Slo.document``, the others (SLI, DataSource, AlertPolicy,
AlertCondition, AlertNotificationTarget, Service) in ``SloDocument``, so an export gives back what
was imported. References (``indicatorRef``, ``alertPolicyRef``, ``conditionRef``) are resolved
when the batch lands, against this batch's documents and those already stored, so SLIs and SLOs
may come in separate files or commands.

Mapping: one leadline SLO per objective ("<name>", or "<name>:<objective name or index>" when
there are several); rolling windows in whole days (1M = 30d, as OpenSLO's SDK reads it);
calendar windows 1w/1M/1Q/1Y (start time and zone stay in the document); RatioTimeslices become
time slices without a slice target; burnrate alert conditions become burn-rate rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.records import storable_problems
from leadline.ingest.files import YamlDocument, dump_yaml
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.reliability import composite, specs
from leadline.reliability.models import Slo, SloDocument
from leadline.reliability.openslo_models import (
    SPEC_MODELS,
    AlertConditionSpec,
    Metadata,
    Metric,
    Objective,
    SliSpec,
    SloSpec,
    _Indicated,
)
from leadline.reliability.specs import SpecRecord

API_VERSION = "openslo/v1"
FORMAT = "openslo/v1"
KINDS: tuple[str, ...] = ("SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition")
KINDS += ("AlertNotificationTarget", "Service")
CALENDAR_UNITS = {"1w": "week", "1M": "month", "1Q": "quarter", "1Y": "year"}
# OpenSLO severities are free text; these are the ones that read as a page or a ticket.
SEVERITIES = {"page": "page", "critical": "page", "ticket": "ticket", "warning": "ticket"}
SHORT_WINDOW_ANNOTATION = specs.SHORT_WINDOW_ANNOTATION


@dataclass
class Pending:
    """An SLO objective waiting for its references to be resolved when the batch lands."""

    spec: SloSpec
    index: int  # of the objective
    metadata: Metadata
    document: dict[str, Any]


@dataclass
class Lookup:
    """Documents by kind and name: this batch's and the store's."""

    documents: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session) -> Lookup:
        lookup = cls()
        for doc in session.scalars(select(SloDocument)):
            lookup.documents.setdefault(doc.kind, {})[doc.name] = doc.document
        return lookup

    def get(self, kind: str, name: Any) -> dict[str, Any] | None:
        return self.documents.get(kind, {}).get(name) if isinstance(name, str) else None


def _objects(doc: YamlDocument) -> list[tuple[Any, str]]:
    """The objects of a document with the field prefix of each: one mapping, or a YAML list
    of them (the OpenSLO project's own v1 examples; its Go SDK decodes both)."""
    content = specs.jsonable(doc.content)
    if isinstance(content, list):
        return [(item, f"[{i}].") for i, item in enumerate(content)]
    return [(content, "")]


def _parse_document(
    doc: YamlDocument, content: Any, prefix: str = ""
) -> tuple[list[SpecRecord], list[Problem]]:
    base = SpecRecord(Slo, None, {}, doc.file, doc.index, prefix, prefix[:-1] or None, content)
    if not isinstance(content, dict):
        return [], [base.problem("a document must be a mapping (apiVersion, kind, metadata, spec)")]
    if content.get("apiVersion") == composite.API_VERSION:  # leadline's own CompositeSLO
        return composite.parse_document(content, base)
    if content.get("apiVersion") != API_VERSION:
        got = content.get("apiVersion")
        return [], [base.problem(f"apiVersion must be {API_VERSION!r}", "apiVersion", got)]
    kind = content.get("kind")
    if kind not in KINDS:
        reason = f"unknown kind; OpenSLO v1 kinds are {', '.join(KINDS)}"
        return [], [base.problem(reason, "kind", kind)]
    try:
        metadata = Metadata.model_validate(content.get("metadata"))
    except ValidationError as error:
        return [], specs.validation_problems(error, base.problem, "metadata")
    model = SPEC_MODELS.get(kind)
    try:
        spec = model.model_validate(content.get("spec")) if model else None
    except ValidationError as error:
        return [], specs.validation_problems(error, base.problem, "spec")
    if not isinstance(spec, SloSpec):
        key = (kind, metadata.name)
        values = {"document": content}
        item = prefix[:-1] or None
        record = SpecRecord(SloDocument, key, values, doc.file, doc.index, prefix, item, content)
        return [record], []
    many = len(spec.objectives) > 1
    records = []
    for i, objective in enumerate(spec.objectives):
        name = f"{metadata.name}:{objective.name or i}" if many else metadata.name
        item = f"{prefix}spec.objectives[{i}]" if many else prefix[:-1] or None
        pending = Pending(spec, i, metadata, content)
        records.append(
            SpecRecord(Slo, name, {}, doc.file, doc.index, prefix, item, content, pending)
        )
    return records, []


def _query(metric: Metric) -> Any:
    source = metric.metricSource.spec
    for key in ("query", "promql"):
        if isinstance(source.get(key), str):
            return source[key]
    return source  # not a query language leadline pulls from; kept as the data source spells it


def _indicator(
    sli: SliSpec, objective: Objective, path: str, record: SpecRecord, sli_path: str = "spec"
) -> Any:
    """(sli_kind, indicator) in leadline's normalised shape, or a problem."""
    if sli.thresholdMetric is not None:
        for name in ("op", "value"):
            if getattr(objective, name) is None:
                reason = "is required with a thresholdMetric (op: lt, lte, gt or gte; value)"
                return record.problem(reason, f"{path}.{name}")
        source = sli.thresholdMetric.metricSource
        ds = source.metricSourceRef or source.dataSourceRef
        metric = _query(sli.thresholdMetric)
        indicator = {
            "datasource": ds,
            "metric": metric,
            "op": objective.op,
            "threshold": objective.value,
        }
        histogram = source.spec.get("histogram")
        if histogram is not None:
            if histogram not in ("classic", "native"):
                reason = "must be classic (_bucket series) or native (a native histogram)"
                field = f"{sli_path}.thresholdMetric.metricSource.spec.histogram"
                return record.problem(reason, field, histogram)
            indicator["histogram"] = histogram
        return "threshold", indicator
    ratio = sli.ratioMetric
    assert ratio is not None
    parts = {"good": ratio.good, "bad": ratio.bad, "total": ratio.total}
    if ratio.raw is not None:
        key = "good_ratio" if ratio.rawType == "success" else "error_ratio"
        parts = {key: ratio.raw}
    metrics = {k: v for k, v in parts.items() if v is not None}
    first = next(iter(metrics.values())).metricSource
    out: dict[str, Any] = {"datasource": first.metricSourceRef or first.dataSourceRef}
    out.update({k: _query(v) for k, v in metrics.items()})
    return "ratio", out


def _window(spec: SloSpec, record: SpecRecord) -> dict[str, Any] | Problem:
    window = spec.timeWindow[0]
    rolling = window.isRolling if window.isRolling is not None else window.calendar is None
    path = "spec.timeWindow[0].duration"
    if rolling:
        try:
            days = specs.duration_days(window.duration)
        except ValueError as error:
            return record.problem(str(error), path, window.duration)
        return {"window_kind": "rolling", "window_days": days, "calendar_unit": None}
    unit = CALENDAR_UNITS.get(window.duration)
    if unit is None:
        reason = "a calendar window must be 1w, 1M, 1Q or 1Y (week, month, quarter, year)"
        return record.problem(reason, path, window.duration)
    return {"window_kind": "calendar", "window_days": None, "calendar_unit": unit}


def _budgeting(spec: SloSpec, objective: Objective, path: str, record: SpecRecord) -> Any:
    """Occurrences, time slices (a slice is good when its ratio reaches the slice target), or
    ratio time slices (the mean of the slices' ratios is held to the objective)."""
    method = spec.budgetingMethod
    if method == "Occurrences":
        return {"budgeting": "occurrences", "timeslice_target": None, "timeslice_seconds": None}
    slice_window = objective.timeSliceWindow
    if slice_window is None:
        return record.problem(
            f"is required with budgetingMethod {method}", f"{path}.timeSliceWindow"
        )
    if method == "Timeslices" and objective.timeSliceTarget is None:
        return record.problem(
            "is required with budgetingMethod Timeslices", f"{path}.timeSliceTarget"
        )
    seconds = (
        slice_window * 60 if isinstance(slice_window, int) else specs.duration_seconds(slice_window)
    )
    if method == "RatioTimeslices":
        return {
            "budgeting": "ratio_timeslices",
            "timeslice_target": None,
            "timeslice_seconds": seconds,
        }
    return {
        "budgeting": "timeslices",
        "timeslice_target": objective.timeSliceTarget,
        "timeslice_seconds": seconds,
    }


def burn_rule(condition: Any) -> dict[str, Any] | None:
    """A burn-rate rule {severity, long_window, short_window, factor} from an AlertCondition,
    or None when it is not one leadline can evaluate (another kind, a "below" operator, a
    severity that is neither a page nor a ticket). OpenSLO has one lookback window; the short
    window is the annotation ``leadline.io/short-window`` or, as the SRE workbook advises,
    1/12 of the long one (1h -> 5m, 6h -> 30m, 1d -> 2h, 3d -> 6h)."""
    if not isinstance(condition, dict):
        return None
    try:
        spec = AlertConditionSpec.model_validate(condition.get("spec"))
        long_seconds = specs.duration_seconds(spec.condition.lookbackWindow)
    except (ValidationError, ValueError):
        return None
    severity = SEVERITIES.get(spec.severity.lower())
    rule = spec.condition
    if rule.kind != "burnrate" or rule.op in ("lt", "lte") or severity is None:
        return None
    if rule.threshold is None or rule.threshold <= 0:
        return None
    annotations = (condition.get("metadata") or {}).get("annotations") or {}
    short = annotations.get(SHORT_WINDOW_ANNOTATION)
    if not isinstance(short, str):
        short = specs.format_seconds(max(60, round(long_seconds / 12 / 60) * 60))
    return {
        "severity": severity,
        "long_window": rule.lookbackWindow,
        "short_window": short,
        "factor": rule.threshold,
    }


def _alerting(
    spec: SloSpec, lookup: Lookup, record: SpecRecord
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Burn-rate rules of the SLO's alert policies; unknown references are warnings."""
    rules: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for i, entry in enumerate(spec.alertPolicies):
        path = f"spec.alertPolicies[{i}]"
        policy: Any = entry
        ref = entry if isinstance(entry, str) else entry.get("alertPolicyRef")
        if ref is not None:
            path += "" if isinstance(entry, str) else ".alertPolicyRef"
            policy = lookup.get("AlertPolicy", ref)
            if policy is None:
                reason = "refers to unknown AlertPolicy; kept, default burn-rate rules apply"
                problems.append(record.problem(reason, path, ref, "warning"))
                continue
        conditions = ((policy.get("spec") or {}).get("conditions")) or []
        for condition in conditions if isinstance(conditions, list) else []:
            found = condition
            if isinstance(condition, dict) and "conditionRef" in condition:
                found = lookup.get("AlertCondition", condition["conditionRef"])
                if found is None:
                    reason = "an alert policy refers to an unknown AlertCondition; kept"
                    value = condition["conditionRef"]
                    problems.append(record.problem(reason, path, value, "warning"))
            rule = burn_rule(found)
            if rule is not None:
                rules.append(rule)
    return rules, problems


def resolve(record: SpecRecord, lookup: Lookup) -> list[Problem]:
    """Fill ``record.values`` from its pending objective; errors mean it is not landed."""
    pending: Pending = record.pending
    spec, objective = pending.spec, pending.spec.objectives[pending.index]
    path = f"spec.objectives[{pending.index}]"
    holder: _Indicated = objective if objective.has_indicator else spec
    holder_path = path if objective.has_indicator else "spec"
    if holder.indicator is not None:
        sli = holder.indicator.spec
        sli_path = f"{holder_path}.indicator.spec"
    else:
        sli_path = f"SLI {holder.indicatorRef!r}: spec"
        found = lookup.get("SLI", holder.indicatorRef)
        if found is None:
            reason = "refers to unknown SLI; define it (kind: SLI) in this batch or ingest it first"
            return [record.problem(reason, f"{holder_path}.indicatorRef", holder.indicatorRef)]
        sli = SliSpec.model_validate(found.get("spec"))
    indicator = _indicator(sli, objective, path, record, sli_path)
    window = _window(spec, record)
    budgeting = _budgeting(spec, objective, path, record)
    if isinstance(indicator, Problem) or isinstance(window, Problem):
        return [p for p in (indicator, window, budgeting) if isinstance(p, Problem)]
    if isinstance(budgeting, Problem):
        return [budgeting]
    alerting, warnings = _alerting(spec, lookup, record)
    display = pending.metadata.displayName
    if len(spec.objectives) > 1 and objective.displayName:
        display = f"{display or pending.metadata.name}: {objective.displayName}"
    record.values = {
        "service": spec.service,
        "display_name": display,
        "description": spec.description,
        "objective": objective.fraction,
        **window,
        **budgeting,
        "sli_kind": indicator[0],
        "indicator": indicator[1],
        "alerting": alerting,
        "document": pending.document,
        "source_format": FORMAT,
    }
    return warnings


TEMPLATE = """\
## OpenSLO v1 (https://github.com/OpenSLO/OpenSLO): leadline ingest openslo FILE...
## Several documents per file, separated by "---" (or a YAML list of them). Each SLO names a
## catalog service and an indicator, inline (spec.indicator) or by reference (spec.indicatorRef
## to an SLI).
## One leadline SLO per objective: "<name>" for one objective, "<name>:<objective name or
## index>" for several. Remove the leading "# " from the lines below to use the example.
#
# apiVersion: openslo/v1
# kind: SLO
# metadata:
#   name: checkout-availability
#   displayName: Checkout availability
# spec:
#   service: checkout                       ## a service of the catalog
#   description: Successful checkout requests
#   budgetingMethod: Occurrences            ## or Timeslices, RatioTimeslices
#   timeWindow:
#     - duration: 28d                       ## rolling; or 1w/1M/1Q/1Y with isRolling: false
#       isRolling: true                     ## and calendar: {startTime, timeZone}
#   indicator:
#     metadata:
#       name: checkout-good-requests
#     spec:
#       ratioMetric:
#         counter: true
#         good:
#           metricSource:
#             type: Prometheus
#             spec:
#               query: sum(rate(http_requests_total{job="checkout",code!~"5.."}[5m]))
#         total:
#           metricSource:
#             type: Prometheus
#             spec:
#               query: sum(rate(http_requests_total{job="checkout"}[5m]))
#   objectives:
#     - displayName: Good
#       target: 0.999                       ## or targetPercent: 99.9
#   alertPolicies:
#     - alertPolicyRef: checkout-fast-burn  ## an AlertPolicy whose burnrate condition
#                                           ## becomes a burn-rate rule
"""


@register
class OpenSloSource(Source):
    name = "openslo"
    summary = (
        "OpenSLO v1 specifications (multi-document YAML or a YAML list: SLO, SLI, DataSource, "
        "AlertPolicy, AlertCondition, AlertNotificationTarget, Service)"
    )
    group_inputs = True  # SLOs refer to SLIs and alert policies that may sit in other files

    def templates(self) -> list[Template]:
        return [Template("openslo.yaml", TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        docs, problems = specs.read_documents(unit, ctx.progress)
        records: list[SpecRecord] = []
        failed = sum(1 for p in problems if p.row is not None)
        for doc in docs:
            for content, prefix in _objects(doc):
                doc_records, doc_problems = _parse_document(doc, content, prefix)
                records += doc_records
                problems += doc_problems
                failed += 0 if doc_records else 1
        records, duplicates = specs.drop_duplicates(records)
        return Parsed(len(records) + len(duplicates) + failed, records, problems + duplicates)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        records: list[SpecRecord] = parsed.records
        documents, unstorable = specs.drop_unstorable(
            [r for r in records if r.model is SloDocument]
        )
        specs.upsert(ctx.session, documents, ctx.batch.id)
        lookup = Lookup.of(ctx.session)
        problems: list[Problem] = []
        resolved = []
        for record in records:
            if record.model is Slo:
                found = resolve(record, lookup)
                problems += found
                if not any(p.severity == "error" for p in found):
                    resolved.append(record)
        slos, bad = specs.drop_unstorable(resolved)
        specs.upsert(ctx.session, slos, ctx.batch.id)
        problems += specs.check_services(ctx.session, slos, "spec.service", True)
        return storable_problems(unstorable + problems + bad)


# --- export -------------------------------------------------------------------------------

DOCUMENT_ORDER = (
    "DataSource",
    "Service",
    "SLI",
    "AlertNotificationTarget",
    "AlertCondition",
    "AlertPolicy",
)


def _ordered(document: dict[str, Any]) -> dict[str, Any]:
    """Envelope keys first (PostgreSQL's JSONB does not keep key order)."""
    head = {k: document[k] for k in ("apiVersion", "kind", "metadata", "spec") if k in document}
    return head | document


def export_openslo(session: Session) -> str:
    """Every SLO specification as OpenSLO v1 multi-document YAML: the stored documents first
    (in an order that defines before it refers), then the SLOs, as imported when they came
    from OpenSLO (a document with several objectives once), else generated."""
    stored = sorted(
        session.scalars(select(SloDocument)),
        key=lambda d: (DOCUMENT_ORDER.index(d.kind) if d.kind in DOCUMENT_ORDER else 99, d.name),
    )
    out = [_ordered(d.document) for d in stored]
    seen: set[str] = set()
    for slo in session.scalars(select(Slo).order_by(Slo.name)):
        if slo.source_format == FORMAT and slo.document:
            key = str((slo.document.get("metadata") or {}).get("name"))
            if key not in seen:
                seen.add(key)
                out.append(_ordered(slo.document))
            continue
        out.append(specs.generate_openslo(slo))
    return dump_yaml(out) if out else ""
