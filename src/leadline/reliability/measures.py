"""The reliability pillar's registered metrics: SLO attainment, SLOs within objective, error
budget left, and the SLA/XLA verdicts.

Two SLO shares exist because people ask two questions, and each has its own key and title:

- ``reliability.slos_met``, "SLOs met (SLO-months)": of the (SLO, calendar month) pairs of
  the window's months that had events, the share whose month's SLI met the objective (the
  scorecard's and the maturity model's figure);
- ``reliability.slos_within_objective``, "SLOs within objective (at window end)": of the SLOs
  with data, the share whose SLI over its own rolling window meets the objective at the end of
  the window (what ``leadline slo status`` shows).

Counts beside them let other pillars and the heat map add SLOs up across scopes without
reading reliability's models: ``reliability.slos`` (SLOs defined), ``reliability.slos_judged``
(with an SLI at the window's end) and ``reliability.slos_within_objective_count``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from leadline.catalog.grouping import Scope, ScopeKind
from leadline.periods import Window
from leadline.present.model import Column, Report
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, Values

GROUPS: tuple[ScopeKind, ...] = ("service", "team", "value-stream", "business-unit", "organisation")
# Metrics of SLOs at a moment can also be asked for one SLO (a key result on one budget).
PER_SLO: tuple[ScopeKind, ...] = (*GROUPS, "slo")
SRE = "Google SRE book and workbook (SLOs, error budgets); OpenSLO v1"


def _attainment(ev: Evaluation, months: tuple[str, ...]) -> dict[str, dict[str, tuple[int, int]]]:
    """service -> month -> (SLOs judged, SLOs met), from ``reliability.report.kpi``."""
    from leadline.reliability.report import kpi

    def compute() -> dict[str, dict[str, tuple[int, int]]]:
        data = kpi(ev.app, by="service", engine=ev.engine, months=list(months))
        return {
            g["key"]: {m["month"]: (m["slos"], m["met"]) for m in g["months"]}
            for g in data["groups"]
        }

    found: dict[str, dict[str, tuple[int, int]]] = ev.cached(("slo-kpi", months), compute)
    return found


def slos_met(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    wanted = {m for w in windows for m in ev.months_started(w)}
    horizon = tuple(ev.horizon) if wanted <= set(ev.horizon) else tuple(sorted(wanted))
    cells = _attainment(ev, horizon) if horizon else {}
    out: list[Values] = []
    for window in windows:
        months = set(ev.months_started(window))
        judged: dict[str, int] = {}
        met: dict[str, int] = {}
        for service, by_month in cells.items():
            key = ev.grouping.service_key(service, kind)
            for month, (count, good) in by_month.items():
                if month in months:
                    judged[key] = judged.get(key, 0) + count
                    met[key] = met.get(key, 0) + good
        out.append({k: 100.0 * met[k] / n for k, n in judged.items() if n})
    return out


def status_at(ev: Evaluation, at: dt.datetime) -> list[dict[str, Any]]:
    """``leadline slo status`` at ``at`` (cut at the as-of instant), once per evaluation;
    SLOs only (composite SLOs summarise SLOs already counted)."""
    from leadline.reliability.report import status

    moment = min(at, ev.now)
    rows: list[dict[str, Any]] = ev.cached(
        ("slo-status", moment),
        lambda: [
            s
            for s in status(ev.app, at=moment, engine=ev.engine)["slos"]
            if s["budgeting"] != "composite"
        ],
    )
    return rows


def _per_scope(
    pick: Callable[[list[dict[str, Any]]], float | None],
) -> Callable[..., list[Values]]:
    def evaluate(
        ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
    ) -> list[Values]:
        out: list[Values] = []
        for window in windows:
            by_scope: dict[str, list[dict[str, Any]]] = {}
            for slo in status_at(ev, window.until):
                by_scope.setdefault(_key(ev, slo, kind), []).append(slo)
            values = {k: pick(rows) for k, rows in by_scope.items()}
            out.append({k: v for k, v in values.items() if v is not None})
        return out

    return evaluate


def _key(ev: Evaluation, slo: dict[str, Any], kind: ScopeKind) -> str:
    """The scope an SLO's figures count in: itself, or its service's place."""
    return str(slo["slo"]) if kind == "slo" else ev.grouping.service_key(slo["service"], kind)


def _within(rows: list[dict[str, Any]]) -> float | None:
    judged = [s for s in rows if s["sli"] is not None]
    if not judged:
        return None
    return 100.0 * sum(1 for s in judged if s["sli"] >= s["objective"]) / len(judged)


def _judged(rows: list[dict[str, Any]]) -> float | None:
    return float(sum(1 for s in rows if s["sli"] is not None))


def _within_count(rows: list[dict[str, Any]]) -> float | None:
    judged = [s for s in rows if s["sli"] is not None]
    return float(sum(1 for s in judged if s["sli"] >= s["objective"]))


def slos_defined(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    """SLO specifications naming a service of each scope, as the store holds them (they are
    not versioned: every window counts today's); every catalog scope is present, with 0."""
    from sqlalchemy import select

    from leadline.reliability.models import Slo

    def load() -> list[str]:
        with ev.store_session() as session:
            return list(session.scalars(select(Slo.service).order_by(Slo.name)))

    services: list[str] = ev.cached(("slo-services",), load)
    counts: dict[str, float] = dict.fromkeys(ev.grouping.scopes(kind), 0.0)
    for service in services:
        key = ev.grouping.service_key(service, kind)
        counts[key] = counts.get(key, 0.0) + 1
    return [dict(counts) for _ in windows]


def _least_budget(rows: list[dict[str, Any]]) -> float | None:
    left = [s["error_budget_remaining"] for s in rows if s["error_budget_remaining"] is not None]
    return 100.0 * min(left) if left else None


def explain_slos(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Report:
    """Each SLO of the scope at the window's end, with its months' attainment in the window."""
    months = tuple(ev.months_started(window))
    cells = _attainment(ev, months) if months else {}
    rows = []
    for slo in status_at(ev, window.until):
        key = (
            slo["slo"]
            if scope.kind == "slo"
            else ev.grouping.service_key(slo["service"], scope.kind)
        )
        if key != scope.name:
            continue
        judged = cells.get(slo["service"], {})
        rows.append(
            {
                "slo": slo["slo"],
                "service": slo["service"],
                "objective": 100.0 * slo["objective"],
                "sli": None if slo["sli"] is None else 100.0 * slo["sli"],
                "within_objective": None if slo["sli"] is None else slo["sli"] >= slo["objective"],
                "error_budget_remaining": None
                if slo["error_budget_remaining"] is None
                else 100.0 * slo["error_budget_remaining"],
                "service_slo_months": sum(c for c, _ in judged.values()),
                "service_slo_months_met": sum(m for _, m in judged.values()),
            }
        )
    columns = [
        Column("slo", "SLO", "name"),
        Column("service", "Service", "name"),
        Column("objective", "Objective", "percent", digits=3),
        Column("sli", "SLI at window end", "percent", digits=3),
        Column("within_objective", "Within objective", "bool"),
        Column("error_budget_remaining", "Error budget left", "percent"),
        Column("service_slo_months", "Service's SLO-months judged", "count"),
        Column("service_slo_months_met", "Service's SLO-months met", "count"),
    ]
    return Report("slos", f"SLOs of {scope}", columns, rows)


def _agreements(kind_name: str) -> Callable[..., list[Values]]:
    """Share of (service, agreement, month) verdicts that are met among met or breached, over
    the window's started months (each month judged as known at the as-of instant)."""

    def evaluate(
        ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
    ) -> list[Values]:
        from leadline.reliability.agreements import load_agreements

        def any_agreement() -> bool:
            with ev.app.store.session() as session:
                return bool(load_agreements(session, kind_name))

        if not ev.cached(("agreements", kind_name), any_agreement):
            return [{} for _ in windows]
        out: list[Values] = []
        for window in windows:
            met: dict[str, int] = {}
            judged: dict[str, int] = {}
            for month in ev.months_started(window):
                for group in _verdicts(ev, kind_name, month):
                    if group["status"] not in ("met", "breached"):
                        continue
                    scope = ev.grouping.service_key(group["key"], kind)
                    judged[scope] = judged.get(scope, 0) + 1
                    met[scope] = met.get(scope, 0) + (group["status"] == "met")
            out.append({k: 100.0 * met[k] / n for k, n in judged.items()})
        return out

    return evaluate


def _verdicts(ev: Evaluation, kind_name: str, month: str) -> list[dict[str, Any]]:
    from leadline.periods import Period
    from leadline.reliability.sla_report import sla_status
    from leadline.reliability.xla import xla_status

    status_of = sla_status if kind_name == "sla" else xla_status

    def compute() -> list[dict[str, Any]]:
        as_of = min(ev.now, Period.parse(month).end)
        data = status_of(ev.app, month=_report_month(month, as_of), by="service", engine=ev.engine)
        groups: list[dict[str, Any]] = data["groups"]
        return groups

    found: list[dict[str, Any]] = ev.cached(("agreement-verdicts", kind_name, month), compute)
    return found


def _report_month(month: str, as_of: dt.datetime) -> Any:
    from leadline.periods import PeriodAsOf

    return PeriodAsOf.parse(month, as_of)


METRICS = (
    Metric(
        key="reliability.slos",
        title="SLOs defined",
        unit="count",
        direction="higher",
        scopes=GROUPS,
        default_window="quarter",
        anchor="slos-defined",
        pillar="reliability",
        description="SLO specifications naming a service of the scope (as held now).",
        evaluate=slos_defined,
        point_in_time=True,
        source=SRE,
    ),
    Metric(
        key="reliability.slos_judged",
        title="SLOs judged (at window end)",
        unit="count",
        direction="higher",
        scopes=PER_SLO,
        default_window="quarter",
        anchor="slos-within-objective",
        pillar="reliability",
        description="The scope's SLOs with an SLI over their own window at the end of the window.",
        evaluate=_per_scope(_judged),
        explain=explain_slos,
        point_in_time=True,
        source=SRE,
    ),
    Metric(
        key="reliability.slos_within_objective_count",
        title="SLOs within objective (count, at window end)",
        unit="count",
        direction="higher",
        scopes=PER_SLO,
        default_window="quarter",
        anchor="slos-within-objective",
        pillar="reliability",
        description="The scope's SLOs whose SLI over their own window meets the objective at "
        "the end of the window.",
        evaluate=_per_scope(_within_count),
        explain=explain_slos,
        point_in_time=True,
        source=SRE,
    ),
    Metric(
        key="reliability.slos_met",
        title="SLOs met (SLO-months)",
        unit="percent",
        direction="higher",
        scopes=GROUPS,
        default_window="quarter",
        anchor="slos-met",
        pillar="reliability",
        description="Of the (SLO, month) pairs with events in the window's months, the share "
        "whose monthly SLI met the objective.",
        evaluate=slos_met,
        explain=explain_slos,
        source=SRE,
    ),
    Metric(
        key="reliability.slos_within_objective",
        title="SLOs within objective (at window end)",
        unit="percent",
        direction="higher",
        scopes=PER_SLO,
        default_window="quarter",
        anchor="slos-within-objective",
        pillar="reliability",
        description="Of the SLOs with data, the share whose SLI over its own window meets the "
        "objective at the end of the window.",
        evaluate=_per_scope(_within),
        explain=explain_slos,
        aliases=("slo.percent_met",),
        point_in_time=True,
        source=SRE,
    ),
    Metric(
        key="reliability.error_budget_remaining",
        title="Error budget left (lowest SLO)",
        unit="percent",
        direction="higher",
        scopes=PER_SLO,
        default_window="quarter",
        anchor="error-budget",
        pillar="reliability",
        description="The lowest error budget left among the scope's SLOs at the end of the "
        "window (negative when overspent).",
        evaluate=_per_scope(_least_budget),
        explain=explain_slos,
        aliases=("slo.error_budget_remaining",),
        point_in_time=True,
        source=SRE,
    ),
    Metric(
        key="service.sla_met",
        title="SLAs met",
        unit="percent",
        direction="higher",
        scopes=GROUPS,
        default_window="quarter",
        anchor="slas-and-xlas",
        pillar="reliability",
        description="Share of (service, SLA, month) verdicts met among those met or breached.",
        evaluate=_agreements("sla"),
        source="ITIL 4 service level management",
    ),
    Metric(
        key="service.xla_met",
        title="XLAs met",
        unit="percent",
        direction="higher",
        scopes=GROUPS,
        default_window="quarter",
        anchor="slas-and-xlas",
        pillar="reliability",
        description="Share of (service, XLA, month) verdicts met among those met or breached.",
        evaluate=_agreements("xla"),
        source="ITIL 4 experience level agreements",
    ),
)
