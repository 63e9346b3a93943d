"""The registered cycle-time metrics (``delivery.cycle_time_p50`` ...), read from
``delivery.cycle_report.cycle_document``: the one computation behind ``leadline dora
cycle-time``, its API and its page, so every surface gives the same figure for the same scope
and window (judged with the facts known at the evaluation's as-of instant)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ibis

from leadline.catalog.grouping import GROUP_BY, ORGANISATION, Scope, ScopeKind
from leadline.periods import Window
from leadline.present.model import Column, Kind, Report
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, MetricError, Values

SOURCE = "LinearB and Swarmia cycle-time phases; DORA lead time attribution (docs/metrics.md)"
ANCHOR = "pull-request-cycle-time"


def documents(ev: Evaluation, kind: ScopeKind, windows: Sequence[Any]) -> list[dict[str, Any]]:
    """The cycle-time groups of each window, computed once per evaluation."""
    from leadline.delivery.cycle_report import cycle_document

    if kind not in GROUP_BY:
        raise MetricError(f"cycle time is not computed per {kind}")
    out = []
    for window in windows:

        def compute(window: Any = window) -> dict[str, Any]:
            doc = cycle_document(ev.app, by=kind, window=window, engine=ev.engine, as_of=ev.now)
            return {g["key"]: g for g in doc["groups"]}

        out.append(ev.cached(("cycle-groups", kind, window), compute))
    return out


EXPLAIN_COLUMNS = [
    Column("pr_id", "Pull request", "name"),
    Column("service", "Service", "name"),
    Column("merged_at", "Merged", "datetime"),
    Column("deployed_at", "Deployed", "datetime"),
    Column("coding_hours", "Coding", "hours"),
    Column("pickup_hours", "Pickup", "hours"),
    Column("review_hours", "Review", "hours"),
    Column("deploy_hours", "Deploy", "hours"),
    Column("cycle_hours", "Cycle", "hours"),
    Column("size", "Size", "number", digits=0, unit="lines"),
]


def _explain(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Report:
    """The pull requests merged in the window in the scope, with their phases: the facts
    behind every cycle-time figure (the same expression as ``leadline dora cycle-time``)."""
    from leadline.delivery.cycle_report import phases_of

    lake, phases = phases_of(ev.app, ev.engine, ev.now)
    since, until = (ibis.literal(t, "timestamp(6)") for t in (window.since, window.until))
    merged = phases.filter(phases.merged_at >= since, phases.merged_at < until)
    found = lake.execute(merged.order_by(["merged_at", "pr_id"])).to_pylist()
    key = ev.grouping.service_key
    rows = [
        {c.key: row[c.key] for c in EXPLAIN_COLUMNS}
        for row in found
        if scope.kind == ORGANISATION or key(row["service"], scope.kind) == scope.name
    ]
    return Report(
        "cycle-time-facts",
        f"Pull requests merged by {scope.name}",
        EXPLAIN_COLUMNS,
        rows,
        window=window.label(),
        notes=["An empty phase is unknown: no review, not deployed yet, or no first commit."],
    )


def _pick(figure: str, percentile: str) -> Callable[..., list[Values]]:
    def evaluate(
        ev: Evaluation, kind: ScopeKind, windows: Sequence[Any], params: Mapping[str, str]
    ) -> list[Values]:
        """A group with no merged pull request has no value (not zero hours)."""
        out: list[Values] = []
        for groups in documents(ev, kind, windows):
            values: dict[str, float | None] = {}
            for key, group in groups.items():
                value = (
                    (group.get(figure) or {}).get(percentile) if group["pull_requests"] else None
                )
                values[key] = None if value is None else float(value)
            out.append(values)
        return out

    return evaluate


def _metric(key: str, title: str, figure: str, percentile: str, unit: Kind, *, text: str) -> Metric:
    return Metric(
        key=key,
        title=title,
        unit=unit,
        direction="lower",
        scopes=GROUP_BY,
        default_window="last-90-days",
        anchor=ANCHOR,
        pillar="delivery",
        description=text,
        evaluate=_pick(figure, percentile),
        explain=_explain,
        source=SOURCE,
        unit_label="lines" if unit == "number" else None,
        aliases=("delivery.cycle_time",) if key == "delivery.cycle_time_p50" else (),
    )


CYCLE_METRICS = (
    _metric(
        "delivery.cycle_time_p50",
        "Pull-request cycle time (median)",
        "cycle_hours",
        "p50",
        "hours",
        text="Median hours from a merged pull request's first commit to the production deployment "
        "containing it.",
    ),
    _metric(
        "delivery.cycle_time_p90",
        "Pull-request cycle time (90th percentile)",
        "cycle_hours",
        "p90",
        "hours",
        text="90th-percentile hours from first commit to production of merged pull requests.",
    ),
    _metric(
        "delivery.coding_time_p50",
        "Coding time (median)",
        "coding_hours",
        "p50",
        "hours",
        text="Median hours from a pull request's first commit to its opening.",
    ),
    _metric(
        "delivery.pickup_time_p50",
        "Pickup time (median)",
        "pickup_hours",
        "p50",
        "hours",
        text="Median hours from a pull request's opening to its first review by someone else.",
    ),
    _metric(
        "delivery.review_time_p50",
        "Review time (median)",
        "review_hours",
        "p50",
        "hours",
        text="Median hours from a pull request's first review to its merge.",
    ),
    _metric(
        "delivery.deploy_time_p50",
        "Deploy time (median)",
        "deploy_hours",
        "p50",
        "hours",
        text="Median hours from a pull request's merge to the production deployment containing it.",
    ),
    _metric(
        "delivery.pr_size_p50",
        "Pull-request size (median)",
        "size_lines",
        "p50",
        "number",
        text="Median lines added and deleted per merged pull request, generated files left out "
        "when per-file counts are known.",
    ),
)
