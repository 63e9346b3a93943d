"""The delivery pillar's registered metrics: the DORA four keys and rework rate.

Each is read from ``delivery.report.dora`` (the one computation behind ``leadline dora``), so
the registry, the CLI and every page give the same figure for the same scope and window. A
window is judged with every fact known at the evaluation's as-of instant. Ratios are shown in
percentage points (a change failure rate of 0.0963 is 9.63). The overall performance level is a
number, 1 low to 4 elite (``LEVELS`` names them; the metric's ``extra`` carries the names, so
readers in other pillars need not import this one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from leadline.catalog.grouping import GROUP_BY, Scope, ScopeKind
from leadline.delivery.levels import ORDER
from leadline.lake.engines import Lake
from leadline.periods import Period, Window
from leadline.present.model import Kind
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Direction, Metric, MetricError, Values

SOURCE = "DORA, Accelerate State of DevOps 2023 and 2024; dora.dev four keys guide"
# The performance level as a number: 1 low, 2 medium, 3 high, 4 elite.
LEVELS: dict[str, float] = {name: float(len(ORDER) - i) for i, name in enumerate(ORDER)}


def groups(ev: Evaluation, kind: ScopeKind, window: Window) -> dict[str, dict[str, Any]]:
    """``leadline dora``'s groups for one window, once per evaluation."""
    return groups_of(ev, kind, [window])[0]


def groups_of(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window]
) -> list[dict[str, dict[str, Any]]]:
    """The groups of several windows; those not yet known are computed in one query."""
    from leadline.delivery.report import dora_windows

    if kind not in GROUP_BY:
        raise MetricError(f"the DORA keys are not computed per {kind}")
    # One batch of a kind at a time: a caller asking meanwhile finds its windows computed.
    with ev.lock(("dora-batch", kind)):
        missing = [w for w in dict.fromkeys(windows) if ("dora-groups", kind, w) not in ev.cache]
        if missing:
            found = dora_windows(
                ev.app, by=kind, windows=list(missing), engine=ev.engine, as_of=ev.now
            )
            for window, group in zip(missing, found, strict=True):
                ev.cache.setdefault(("dora-groups", kind, window), group)
    return [ev.cache[("dora-groups", kind, w)] for w in windows]


def tracked_since(ev: Evaluation) -> dt.datetime | None:
    """The first instant of the first month holding deployment facts (None: no facts)."""

    def compute() -> dt.datetime | None:
        months = Lake(ev.app.settings, ev.app.store, ev.engine).partitions("deployments")
        return Period.parse(months[0]).start if months else None

    found: dt.datetime | None = ev.cached(("dora-tracked-since",), compute)
    return found


def _pick(path: tuple[str, ...], convert: Callable[[Any], float]) -> Callable[..., list[Values]]:
    def evaluate(
        ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
    ) -> list[Values]:
        """A window that ends before tracking began has no data (not zero deployments)."""
        out: list[Values] = []
        first = tracked_since(ev)
        tracked = [w for w in windows if first is not None and w.until > first]
        known = dict(zip(tracked, groups_of(ev, kind, tracked), strict=True)) if tracked else {}
        for window in windows:
            if window not in known:
                out.append({})
                continue
            values: dict[str, float | None] = {}
            for key, group in known[window].items():
                value: Any = group
                for step in path:
                    value = None if value is None else value.get(step)
                values[key] = None if value is None else convert(value)
            out.append(values)
        return out

    return evaluate


def _explain(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Any:
    from leadline.delivery.explain import facts

    return facts(ev, scope, window)


def _metric(
    key: str,
    title: str,
    unit: Kind,
    direction: Direction,
    path: tuple[str, ...],
    *,
    anchor: str,
    description: str,
    scale: float = 1.0,
    convert: Callable[[Any], float] | None = None,
    aliases: tuple[str, ...] = (),
    unit_label: str | None = None,
    extra: dict[str, str] | None = None,
) -> Metric:
    return Metric(
        key=key,
        title=title,
        unit=unit,
        direction=direction,
        scopes=GROUP_BY,
        default_window="last-90-days",
        anchor=anchor,
        pillar="delivery",
        description=description,
        evaluate=_pick(path, convert or (lambda value: scale * float(value))),
        explain=_explain,
        aliases=aliases,
        source=SOURCE,
        unit_label=unit_label,
        extra=dict(extra or {}),
    )


METRICS = (
    _metric(
        "dora.deployments",
        "Deployments",
        "count",
        "higher",
        ("deployments",),
        anchor="deployment-frequency",
        description="Successful production deployments in the window.",
    ),
    _metric(
        "dora.deployment_frequency",
        "Deployment frequency",
        "per_day",
        "higher",
        ("deployment_frequency_per_day",),
        anchor="deployment-frequency",
        description="Successful production deployments per calendar day of the window.",
        aliases=("dora.deployment_frequency_per_day",),
    ),
    _metric(
        "dora.lead_time_p50",
        "Lead time for changes (median)",
        "hours",
        "lower",
        ("lead_time_hours", "p50"),
        anchor="lead-time-for-changes",
        description="Median hours from commit to the production deployment shipping the change.",
    ),
    _metric(
        "dora.lead_time_p90",
        "Lead time for changes (90th percentile)",
        "hours",
        "lower",
        ("lead_time_hours", "p90"),
        anchor="lead-time-for-changes",
        description="90th-percentile hours from commit to production.",
    ),
    _metric(
        "dora.change_failure_rate",
        "Change failure rate",
        "percent",
        "lower",
        ("change_failure_rate",),
        anchor="change-failure-rate",
        description="Successful production deployments that failed (linked incident, or "
        "remediated by the next deployment) over successful production deployments.",
        scale=100.0,
    ),
    _metric(
        "dora.failed_deployments",
        "Failed deployments",
        "count",
        "lower",
        ("failed_deployments",),
        anchor="change-failure-rate",
        description="The change failure rate's numerator: successful production deployments "
        "that failed (its denominator is dora.deployments).",
    ),
    _metric(
        "dora.time_to_restore_p50",
        "Time to restore service (median)",
        "hours",
        "lower",
        ("time_to_restore_hours", "p50"),
        anchor="time-to-restore-service",
        description="Median hours from start to resolution of incidents started in the window.",
    ),
    _metric(
        "dora.time_to_restore_p90",
        "Time to restore service (90th percentile)",
        "hours",
        "lower",
        ("time_to_restore_hours", "p90"),
        anchor="time-to-restore-service",
        description="90th-percentile hours to restore of incidents that started in the window.",
    ),
    _metric(
        "dora.rework_rate",
        "Rework rate",
        "percent",
        "lower",
        ("rework_rate",),
        anchor="rework-rate",
        description="Remediation deployments (hotfixes, rollbacks) over successful production "
        "deployments.",
        scale=100.0,
    ),
    _metric(
        "dora.performance_level",
        "DORA performance level",
        "score",
        "higher",
        ("performance_level",),
        anchor="dora-performance-level",
        description="The lowest level among the four keys with data: 1 low, 2 medium, 3 high, "
        "4 elite (a scope with no deployment in the window is low).",
        convert=LEVELS.__getitem__,
        unit_label="1 low - 4 elite",
        extra={str(int(number)): name for name, number in LEVELS.items()},
    ),
)
