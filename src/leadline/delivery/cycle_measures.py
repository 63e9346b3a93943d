"""The registered cycle-time metrics (``delivery.cycle_time_p50`` ...), read from
``delivery.cycle_report.cycle_document``: the one computation behind ``leadline dora
cycle-time``, its API and its page, so every surface gives the same figure for the same scope
and window (judged with the facts known at the evaluation's as-of instant)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from leadline.catalog.grouping import GROUP_BY, ScopeKind
from leadline.present.model import Kind
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
