"""Key results bound to leadline metrics: a registry of bindable metrics, evaluated on demand.

A bindable metric is a function ``(evaluator, scope, period) -> float | None`` registered under
a dotted name with :func:`bindable`. It declares its unit, which direction is better and which
scopes it accepts (a team, a service, ...). A key result that names it gets its ``current``
value from the data each time it is evaluated, over the key result's quarter (up to now).

A pillar adds metrics by registering them in a module listed in ``BINDING_MODULES``::

    @bindable("finops.cost_per_transaction", unit="USD", better="lower",
              scopes=("service", "team"), description="...")
    def cost_per_transaction(ev: Evaluator, scope: Scope, period: Period) -> float | None: ...
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from leadline.context import App

# Modules whose import registers bindable metrics; each pillar adds its own.
BINDING_MODULES: tuple[str, ...] = (
    "leadline.strategy.bindings",
    "leadline.people.bindings",
)
GROUP_SCOPES = ("service", "team", "value-stream", "business-unit")
Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Scope:
    """What a metric is computed for: ``kind`` (team, service, ...) and the entity's name."""

    kind: str
    name: str


@dataclass(frozen=True)
class Period:
    """A half-open window ``[since, until)``, naive UTC."""

    since: dt.datetime
    until: dt.datetime


Evaluate = Callable[["Evaluator", Scope, Period], float | None]


@dataclass(frozen=True)
class Binding:
    name: str
    unit: str
    better: Better
    scopes: tuple[str, ...]
    description: str
    evaluate: Evaluate


_BINDINGS: dict[str, Binding] = {}


def bindable(
    name: str, *, unit: str, better: Better, scopes: tuple[str, ...], description: str
) -> Callable[[Evaluate], Evaluate]:
    """Register a function as the bindable metric ``name``."""

    def decorate(function: Evaluate) -> Evaluate:
        existing = _BINDINGS.get(name)
        if existing is not None and existing.evaluate is not function:
            raise ValueError(f"two bindable metrics are named {name!r}")
        _BINDINGS[name] = Binding(name, unit, better, scopes, description, function)
        return function

    return decorate


def bindings() -> dict[str, Binding]:
    for module in BINDING_MODULES:
        importlib.import_module(module)
    return dict(sorted(_BINDINGS.items()))


def get_binding(name: str) -> Binding | None:
    return bindings().get(name)


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
            "computed_at": _iso(self.computed_at),
            "window": {"since": _iso(self.since), "until": _iso(self.until)},
            "error": self.error,
        }


@dataclass
class Evaluator:
    """Evaluates bound metrics for one request, sharing expensive reports between them."""

    app: App
    engine: str | None = None
    now: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    )
    cache: dict[Any, Any] = field(default_factory=dict)

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def measure(self, metric: str, scope: Scope, period: Period) -> Measurement:
        """The metric over ``period`` clipped to now; None before the period starts."""
        until = min(period.until, self.now)
        binding = get_binding(metric)
        if binding is None:
            return Measurement(None, self.now, period.since, until, f"unknown metric {metric!r}")
        if until <= period.since:
            return Measurement(None, self.now, period.since, until, "the period has not started")
        value = binding.evaluate(self, scope, Period(period.since, until))
        return Measurement(value, self.now, period.since, until)


def _iso(value: dt.datetime) -> str:
    return value.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


# --- delivery: the DORA four keys -----------------------------------------------------------


def _dora_group(ev: Evaluator, scope: Scope, period: Period) -> dict[str, Any] | None:
    from leadline.delivery.report import Window, dora

    def compute() -> dict[str, Any]:
        return dora(
            ev.app,
            by=scope.kind,  # type: ignore[arg-type]
            window=Window(period.since, period.until),
            engine=ev.engine,
        )

    report = ev.cached(("dora", scope.kind, period), compute)
    return next((g for g in report["groups"] if g["key"] == scope.name), None)


def _dora(path: tuple[str, ...]) -> Evaluate:
    def evaluate(ev: Evaluator, scope: Scope, period: Period) -> float | None:
        value: Any = _dora_group(ev, scope, period)
        for key in path:
            if value is None:
                return None
            value = value[key]
        return None if value is None else float(value)

    return evaluate


_DORA = (
    ("dora.lead_time_p50", ("lead_time_hours", "p50"), "h", "lower", "Median lead time"),
    ("dora.lead_time_p90", ("lead_time_hours", "p90"), "h", "lower", "90th-percentile lead time"),
    (
        "dora.deployment_frequency_per_day",
        ("deployment_frequency_per_day",),
        "per day",
        "higher",
        "Successful production deployments per day",
    ),
    (
        "dora.change_failure_rate",
        ("change_failure_rate",),
        "ratio",
        "lower",
        "Share of deployments linked to an incident",
    ),
    (
        "dora.time_to_restore_p50",
        ("time_to_restore_hours", "p50"),
        "h",
        "lower",
        "Median time to restore of incidents started in the window",
    ),
    ("dora.rework_rate", ("rework_rate",), "ratio", "lower", "Share of rework deployments"),
)
for _name, _path, _unit, _better, _text in _DORA:
    bindable(
        _name,
        unit=_unit,
        better=_better,  # type: ignore[arg-type]
        scopes=GROUP_SCOPES,
        description=f"{_text} over the key result's quarter (leadline dora).",
    )(_dora(_path))


# --- reliability: SLOs ----------------------------------------------------------------------


def _slos_in_scope(ev: Evaluator, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Each SLO of the scope, as ``leadline slo status`` reports it at the period's end."""
    from leadline.delivery.report import service_groups
    from leadline.reliability.report import status

    report = ev.cached(
        ("slo-status", period.until),
        lambda: status(ev.app, at=period.until, engine=ev.engine),
    )
    if scope.kind == "slo":
        return [s for s in report["slos"] if s["slo"] == scope.name]
    groups = ev.cached(("groups", scope.kind), lambda: dict(service_groups(ev.app, scope.kind)))  # type: ignore[arg-type]
    return [s for s in report["slos"] if groups.get(s["service"]) == scope.name]


@bindable(
    "slo.error_budget_remaining",
    unit="ratio",
    better="higher",
    scopes=("slo", *GROUP_SCOPES),
    description="Error budget left at the end of the window (the lowest of the scope's SLOs).",
)
def error_budget_remaining(ev: Evaluator, scope: Scope, period: Period) -> float | None:
    values = [
        s["error_budget_remaining"]
        for s in _slos_in_scope(ev, scope, period)
        if s["error_budget_remaining"] is not None
    ]
    return min(values) if values else None


@bindable(
    "slo.percent_met",
    unit="%",
    better="higher",
    scopes=("slo", *GROUP_SCOPES),
    description="Percentage of the scope's SLOs whose SLI meets the objective at the window end.",
)
def percent_met(ev: Evaluator, scope: Scope, period: Period) -> float | None:
    judged = [s for s in _slos_in_scope(ev, scope, period) if s["sli"] is not None]
    if not judged:
        return None
    met = sum(1 for s in judged if s["sli"] >= s["objective"])
    return 100.0 * met / len(judged)
