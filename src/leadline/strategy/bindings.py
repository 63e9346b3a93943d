"""Key results and proof KPIs bound to registered metrics, measured on demand.

A key result that names a metric (``dora.lead_time_p50``, ``reliability.slos_met``...) and a
scope gets its ``current`` value from the metric registry each time it is read, over the key
result's quarter up to now: the same figure the scorecard, the web and ``leadline metrics
show`` give for that scope and window. Older metric names (``slo.percent_met``) are the
registry's aliases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from leadline.catalog.grouping import ORGANISATION, Scope
from leadline.periods import Window, iso
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, MetricError


@dataclass
class Measurement:
    value: float | None
    computed_at: dt.datetime
    since: dt.datetime
    until: dt.datetime
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "computed_at": iso(self.computed_at),
            "window": {"since": iso(self.since), "until": iso(self.until)},
            "error": self.error,
        }


def get_binding(name: str) -> Metric | None:
    """The registered metric a document may bind to (by key or alias)."""
    return registry.find(name)


def bindings() -> dict[str, Metric]:
    return registry.metrics()


def scope_of(kind: str, name: str | None) -> Scope:
    """A binding's scope (``organisation`` needs no name)."""
    if kind == ORGANISATION:
        return Scope("organisation", ORGANISATION)
    return Scope.parse(f"{kind}:{name or ''}")


def measure(ev: Evaluation, metric: str, scope: Scope, window: Window) -> Measurement:
    """The metric over ``window`` cut at the evaluation's as-of instant; no value before the
    window starts or for a scope the metric is not computed by (with the reason)."""
    until = min(window.until, ev.now)
    found = registry.find(metric)
    if found is None:
        return Measurement(None, ev.now, window.since, until, f"unknown metric {metric!r}")
    if until <= window.since:
        return Measurement(None, ev.now, window.since, until, "the period has not started")
    try:
        value = ev.value(found.key, scope, Window(window.since, until))
    except MetricError as error:
        return Measurement(None, ev.now, window.since, until, str(error))
    return Measurement(value, ev.now, window.since, until)
