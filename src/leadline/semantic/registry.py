"""The metric registry: each metric declared once, and read through here by every surface.

A :class:`Metric` says what a figure is (key, title, unit, direction, the scopes it can be
computed for, its default window, the anchor of its definition in docs/metrics.md) and how to
compute it: ``evaluate(ev, kind, windows, params)`` gives, for each window, the value of
every scope of that kind; ``explain(ev, scope, window, params)`` gives the rows behind one
value. Pillars declare their metrics in ``<pillar>/measures.py`` and register them through the
``leadline_metrics`` plugin hook; the scorecard, OKR bindings, maturity evidence, web tiles,
``/metrics``, the QBR, the CLI and the API read them only through this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from leadline.catalog.grouping import SCOPE_KINDS, Scope, ScopeKind
from leadline.periods import Window

if TYPE_CHECKING:
    from leadline.present.model import Kind, Report
    from leadline.semantic.evaluation import Evaluation

Direction = Literal["higher", "lower"]
# How a metric's default window is chosen when none is asked:
# last-90-days (the 90 days up to the end of today), month / quarter (the current calendar
# period, to now), previous-month (the last complete month).
DefaultWindow = Literal["last-90-days", "month", "quarter", "previous-month"]
Values = Mapping[str, float | None]  # scope name -> value (a scope without data: absent or None)
Evaluate = Callable[["Evaluation", ScopeKind, Sequence[Window], Mapping[str, str]], list[Values]]
Explain = Callable[["Evaluation", Scope, Window, Mapping[str, str]], "Report"]
CurrencyOf = Callable[["Evaluation", Window], str | None]
# Why a window has no values, in words (None: it has, or nothing can be said).
Unavailable = Callable[["Evaluation", Window], str | None]
DOCS = "docs/metrics.md"


class MetricError(ValueError):
    """An unknown metric, an unsupported scope, or a missing parameter."""


@dataclass(frozen=True)
class Metric:
    """One metric, declared once."""

    key: str
    title: str
    unit: Kind  # how values are shown: percent, hours, per_day, count, money, score...
    direction: Direction
    scopes: tuple[ScopeKind, ...]
    default_window: DefaultWindow
    anchor: str  # heading anchor in docs/metrics.md
    pillar: str
    description: str
    evaluate: Evaluate
    explain: Explain | None = None
    unit_label: str | None = None  # e.g. "per customer-month" for unit costs
    params: tuple[str, ...] = ()  # names of required parameters (driver=customers)
    aliases: tuple[str, ...] = ()  # older keys (OKR files written with them keep working)
    # Values of this metric at the window's end rather than over it (an error budget left).
    point_in_time: bool = False
    source: str = ""  # the publication the definition follows
    # money metrics: the currency of a window's values (None when there is no single one)
    currency_of: CurrencyOf | None = None
    # why a window has no values (no cost lines, mixed currencies), for surfaces to say
    # instead of showing a blank
    unavailable: Unavailable | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.scopes) - set(SCOPE_KINDS)
        if unknown:
            raise MetricError(f"metric {self.key}: unknown scope kinds {sorted(unknown)}")

    @property
    def definition(self) -> str:
        return f"{DOCS}#{self.anchor}"

    def check(self, kind: str, params: Mapping[str, str]) -> None:
        if kind not in self.scopes:
            raise MetricError(
                f"{self.key} is not computed by {kind}; it is by {', '.join(self.scopes)}"
            )
        missing = [p for p in self.params if not params.get(p)]
        if missing:
            raise MetricError(f"{self.key} needs the parameter(s) {', '.join(missing)}")

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "unit": self.unit,
            "unit_label": self.unit_label,
            "direction": self.direction,
            "scopes": list(self.scopes),
            "default_window": self.default_window,
            "definition": self.definition,
            "pillar": self.pillar,
            "description": self.description,
            "params": list(self.params),
            "aliases": list(self.aliases),
            "point_in_time": self.point_in_time,
            "source": self.source,
            "explain": self.explain is not None,
        }


_lock = threading.Lock()
_state: dict[str, dict[str, Metric]] = {}
_aliases: dict[str, str] = {}


def _load() -> dict[str, Metric]:
    with _lock:
        if "metrics" not in _state:
            from leadline.plugins import collected, manager

            found: dict[str, Metric] = {}
            aliases: dict[str, str] = {}
            for metric in collected(manager().hook.leadline_metrics()):
                if metric.key in found or metric.key in aliases:
                    raise MetricError(f"two metrics are registered as {metric.key!r}")
                found[metric.key] = metric
                for alias in metric.aliases:
                    aliases[alias] = metric.key
            _aliases.clear()
            _aliases.update(aliases)
            _state["metrics"] = dict(sorted(found.items()))
        return _state["metrics"]


def metrics() -> dict[str, Metric]:
    """Every registered metric, by key."""
    return dict(_load())


def get(key: str) -> Metric:
    """The metric with this key (or one of its aliases); MetricError naming the known keys."""
    known = _load()
    metric = known.get(key) or known.get(_aliases.get(key, ""))
    if metric is None:
        raise MetricError(f"unknown metric {key!r}; `leadline metrics list` shows them")
    return metric


def find(key: str) -> Metric | None:
    try:
        return get(key)
    except MetricError:
        return None


def reset() -> None:
    """Forget what was loaded (after a plugin is installed at run time)."""
    with _lock:
        _state.clear()
