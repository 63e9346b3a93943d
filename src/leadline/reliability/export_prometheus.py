"""``leadline slo export prometheus-rules``: recording and alerting rules, named as Sloth names
them, so teams can switch between leadline's export and Sloth's output.

Per SLO (Sloth's rule groups, github.com/slok/sloth ``examples/_gen/getting-started.yml``,
Apache-2.0; its ``pkg/common/conventions`` and ``alert_rules_v1`` plugin):

- ``sloth-slo-sli-recordings-<id>``: ``slo:sli_error:ratio_rate<w>`` for every window the SLO's
  burn-rate rules use (label ``sloth_window``), and ``slo:sli_error:ratio_rate<period>``, the
  mean of the 5-minute ratio over the SLO window (Sloth's optimised period SLI);
- ``sloth-slo-meta-recordings-<id>``: ``slo:objective:ratio``, ``slo:error_budget:ratio``,
  ``slo:time_period:days``, ``slo:current_burn_rate:ratio``, ``slo:period_burn_rate:ratio``,
  ``slo:period_error_budget_remaining:ratio`` and ``sloth_slo_info``;
- ``sloth-slo-alerts-<id>``: one alert per severity (page, ticket), the ``or`` of its
  multiwindow rules, each ``max(short > factor × budget) and max(long > factor × budget)``.

Labels ``sloth_id`` (the leadline SLO name), ``sloth_service`` and ``sloth_slo`` (the name without
the ``<service>-`` prefix, as Sloth's IDs are built), and a Sloth spec's ``labels``; alerts carry
its ``alerting`` labels and annotations, so Sloth's examples give Sloth's rules. The rules are
leadline's own (:func:`leadline.reliability.report.rules_for`: the SLO's, else ``[reliability]
burn_rate_rules``). Alerts are named after Sloth's ``alerting.name`` when the SLO came from Sloth,
else ``<SloNameInCamelCase>ErrorBudgetBurn``. Burn rates count events whatever the budgeting method,
as leadline's own alerts do. A calendar window's period rules use a rolling window of its length (a
month 30 days), noted in the export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from leadline import __version__
from leadline.config import BurnRateRule
from leadline.context import App
from leadline.reliability.composite import KIND as COMPOSITE
from leadline.reliability.durations import label, seconds
from leadline.reliability.export_promql import NotPrometheus, check_prometheus, error_ratio
from leadline.reliability.models import Slo, SloDocument
from leadline.reliability.report import rules_for
from leadline.reliability.specs import SLOTH_RULES

CALENDAR_DAYS = {"week": 7, "month": 30, "quarter": 90, "year": 365}
SEVERITIES = ("page", "ticket")
CRD_API_VERSION = "monitoring.coreos.com/v1"
SLOTH_WINDOWS = [*SLOTH_RULES["page"], *SLOTH_RULES["ticket"]]  # the windows Sloth records
SPECS = {"sloth/v1": "prometheus/v1", "openslo/v1": "openslo/v1"}  # Slo.source_format


@dataclass(frozen=True)
class Skipped:
    slo: str
    reason: str


@dataclass
class RuleExport:
    """Rule groups of the exported SLOs, the SLOs skipped with why, and notes."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    exported: list[tuple[Slo, list[BurnRateRule]]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # --slo names the store does not hold


def sloth_labels(slo: Slo) -> dict[str, str]:
    """sloth_id, sloth_service, sloth_slo of an SLO (Sloth's ID is ``<service>-<slo>``)."""
    prefix = f"{slo.service}-"
    short = slo.name[len(prefix) :] if slo.name.startswith(prefix) else slo.name
    return {"sloth_id": slo.name, "sloth_service": slo.service, "sloth_slo": short}


def _filter(slo: Slo) -> str:
    """Sloth's metric filter: ``{sloth_id="...", sloth_service="...", sloth_slo="..."}``."""
    parts = [f"{k}={_quote(v)}" for k, v in sloth_labels(slo).items()]
    return "{" + ", ".join(parts) + "}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def budget(slo: Slo) -> float:
    """1 − objective without binary noise (0.999 -> 0.001)."""
    return round(1 - slo.objective, 12)


def period_days(slo: Slo) -> int:
    if slo.window_kind == "calendar":
        return CALENDAR_DAYS.get(slo.calendar_unit or "month", 30)
    return slo.window_days or 28


def _sloth_entry(slo: Slo) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the Sloth spec, the SLO's entry in it) when the SLO came from Sloth, else empty."""
    document = slo.document or {}
    entries = document.get("slos") if slo.source_format == "sloth/v1" else None
    entry = entries[0] if isinstance(entries, list) and entries else None
    return (document, entry) if isinstance(entry, dict) else ({}, {})


def _texts(*mappings: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for mapping in mappings:
        if isinstance(mapping, dict):
            out.update({str(k): str(v) for k, v in mapping.items() if v is not None})
    return out


def spec_labels(slo: Slo) -> dict[str, str]:
    """The Sloth spec's and SLO's ``labels``, which Sloth puts on every rule."""
    spec, entry = _sloth_entry(slo)
    return _texts(spec.get("labels"), entry.get("labels"))


def alert_meta(slo: Slo, severity: str) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) of a Sloth SLO's alert: ``alerting`` and its ``<severity>_alert``."""
    _spec, entry = _sloth_entry(slo)
    alerting = entry.get("alerting") or {}
    specific = alerting.get(f"{severity}_alert") or {}
    labels = _texts(alerting.get("labels"), specific.get("labels"))
    return labels, _texts(alerting.get("annotations"), specific.get("annotations"))


def alert_name(slo: Slo) -> str:
    name = (_sloth_entry(slo)[1].get("alerting") or {}).get("name")
    if isinstance(name, str) and name:
        return name
    words = re.split(r"[^A-Za-z0-9]+", slo.name)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + "ErrorBudgetBurn"


def windows(rules: list[BurnRateRule]) -> list[str]:
    """Every window the rules use, shortest first, in canonical form (60m -> 1h)."""
    found = {seconds(w) for r in rules for w in (r.long_window, r.short_window)}
    return [label(s) for s in sorted(found)]


def sli_group(slo: Slo, documents: dict[str, dict[str, Any]], rules: list[BurnRateRule]) -> Any:
    ids = {**spec_labels(slo), **sloth_labels(slo)}
    out = [
        {
            "record": f"slo:sli_error:ratio_rate{w}",
            "expr": error_ratio(slo, documents, w),
            "labels": {**ids, "sloth_window": w},
        }
        for w in windows(rules)
    ]
    days = period_days(slo)
    five = f"slo:sli_error:ratio_rate5m{_filter(slo)}"
    if "5m" not in windows(rules):
        out.insert(
            0,
            {
                "record": "slo:sli_error:ratio_rate5m",
                "expr": error_ratio(slo, documents, "5m"),
                "labels": {**ids, "sloth_window": "5m"},
            },
        )
    out.append(
        {
            "record": f"slo:sli_error:ratio_rate{days}d",
            "expr": f"sum_over_time({five}[{days}d])\n/ ignoring (sloth_window)\n"
            f"count_over_time({five}[{days}d])\n",
            "labels": {**ids, "sloth_window": f"{days}d"},
        }
    )
    return {"name": f"sloth-slo-sli-recordings-{slo.name}", "rules": out}


def meta_group(slo: Slo) -> dict[str, Any]:
    ids = {**spec_labels(slo), **sloth_labels(slo)}
    flt, days = _filter(slo), period_days(slo)
    per = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
    rules: list[dict[str, Any]] = [
        {"record": "slo:objective:ratio", "expr": f"vector({slo.objective!r})"},
        {"record": "slo:error_budget:ratio", "expr": f"vector(1-{slo.objective!r})"},
        {"record": "slo:time_period:days", "expr": f"vector({days})"},
        {
            "record": "slo:current_burn_rate:ratio",
            "expr": f"slo:sli_error:ratio_rate5m{flt}\n{per}slo:error_budget:ratio{flt}\n",
        },
        {
            "record": "slo:period_burn_rate:ratio",
            "expr": f"slo:sli_error:ratio_rate{days}d{flt}\n{per}slo:error_budget:ratio{flt}\n",
        },
        {
            "record": "slo:period_error_budget_remaining:ratio",
            "expr": f"1 - slo:period_burn_rate:ratio{flt}",
        },
    ]
    for rule in rules:
        rule["labels"] = dict(ids)
    info = {
        **ids,
        "sloth_mode": "cli-gen-prom",
        "sloth_objective": f"{slo.objective * 100:.10g}",
        "sloth_spec": SPECS.get(slo.source_format or "", "leadline"),
        "sloth_version": f"leadline-{__version__}",
    }
    rules.append({"record": "sloth_slo_info", "expr": "vector(1)", "labels": info})
    return {"name": f"sloth-slo-meta-recordings-{slo.name}", "rules": rules}


def alert_expr(slo: Slo, rules: list[BurnRateRule]) -> str:
    """The ``or`` of ``(max(short > f × b) and max(long > f × b))`` over the rules, the
    fastest burn first (Sloth's multiwindow multi-burn-rate template)."""
    flt, b = _filter(slo), budget(slo)

    def over(window: str, factor: float) -> str:
        metric = f"slo:sli_error:ratio_rate{label(seconds(window))}{flt}"
        return f"max({metric} > ({factor:g} * {b!r})) without (sloth_window)"

    pairs = [
        f"(\n    {over(r.short_window, r.factor)}\n    and\n    {over(r.long_window, r.factor)}\n)"
        for r in sorted(rules, key=lambda r: -r.factor)
    ]
    return "\nor\n".join(pairs) + "\n"


def alert_group(slo: Slo, rules: list[BurnRateRule]) -> dict[str, Any]:
    alerts = []
    for severity in SEVERITIES:
        own = [r for r in rules if r.severity == severity]
        if not own:
            continue
        labels, annotations = alert_meta(slo, severity)
        defaults = {
            "summary": "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error "
            "budget burn rate is over expected.",
            "title": f"({severity}) {{{{$labels.sloth_service}}}} "
            "{{$labels.sloth_slo}} SLO error budget burn rate is too fast.",
        }
        alerts.append(
            {
                "alert": alert_name(slo),
                "expr": alert_expr(slo, own),
                "labels": {"sloth_severity": severity, **labels},
                "annotations": {**defaults, **annotations},
            }
        )
    return {"name": f"sloth-slo-alerts-{slo.name}", "rules": alerts}


@dataclass
class Selection:
    slos: list[Slo]
    documents: dict[str, Any]  # DataSource documents by name
    composites: list[str]  # CompositeSLO names asked for
    unknown: list[str]  # names asked for that the store does not hold


def selected(app: App, names: list[str] | None) -> Selection:
    with app.store.session() as session:
        slos = list(session.scalars(select(Slo).order_by(Slo.name)))
        kinds = ("DataSource", COMPOSITE)
        docs = list(session.scalars(select(SloDocument).where(SloDocument.kind.in_(kinds))))
        session.expunge_all()
    wanted = set(names or [])
    composites = sorted(d.name for d in docs if d.kind == COMPOSITE)
    return Selection(
        [s for s in slos if not wanted or s.name in wanted],
        {d.name: d.document for d in docs if d.kind == "DataSource"},
        [c for c in composites if not wanted or c in wanted],
        sorted(wanted - {s.name for s in slos} - set(composites)),
    )


def export_rules(app: App, names: list[str] | None = None) -> RuleExport:
    selection = selected(app, names)
    slos, documents = selection.slos, selection.documents
    out = RuleExport(unknown=selection.unknown)
    out.skipped += [
        Skipped(name, "a composite SLO has no query of its own (export its component SLOs)")
        for name in selection.composites
    ]
    for slo in slos:
        try:
            check_prometheus(slo, documents)
        except NotPrometheus as error:
            out.skipped.append(Skipped(slo.name, str(error)))
            continue
        rules = rules_for(app, slo)
        alerts = alert_group(slo, rules)
        # an SLO without alerts still records the workbook's windows, as Sloth does
        recorded = rules or [BurnRateRule.model_validate(r) for r in SLOTH_WINDOWS]
        out.groups += [sli_group(slo, documents, recorded), meta_group(slo)]
        out.groups += [alerts] if alerts["rules"] else []  # as Sloth: no empty group
        out.exported.append((slo, rules))
        if slo.window_kind == "calendar":
            out.notes.append(
                f"{slo.name}: calendar {slo.calendar_unit} window; its period rules use a "
                f"rolling {period_days(slo)}d window"
            )
    return out


def rule_file(export: RuleExport) -> dict[str, Any]:
    """The Prometheus rule-file document."""
    return {"groups": export.groups}


def prometheus_rule(export: RuleExport, name: str = "leadline-slos") -> dict[str, Any]:
    """The same groups as a prometheus-operator PrometheusRule custom resource."""
    return {
        "apiVersion": CRD_API_VERSION,
        "kind": "PrometheusRule",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/component": "SLO",
                "app.kubernetes.io/managed-by": "leadline",
            },
        },
        "spec": {"groups": export.groups},
    }
