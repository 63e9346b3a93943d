"""The PromQL of SLO indicators, and pulling one SLO's interval counts with it, for
``leadline ingest prometheus`` (:mod:`leadline.reliability.prometheus`, which plans the ranges
and lands the samples).

**What is queried.** Samples are interval counts, ``step = reliability.step_seconds`` long, on
a grid aligned to the Unix epoch. The count of interval ``[t - step, t)`` is Prometheus's
``increase`` over the ``step`` seconds ending at ``t``, evaluated *at the end* ``t`` by
``query_range`` and stored *at the start* ``t - step`` (so a window ``[T-d, T)`` of DESIGN §4
holds exactly the events of that window). Per indicator (Slo.indicator):

- ratio, ``{"good"|"bad": q, "total": q}`` with ``q`` a counter selector (OpenSLO
  ``ratioMetric`` with ``counter: true``, e.g. ``http_requests_total{code!~"5.."}``):
  ``sum(increase(q[<step>s]))``; ``good = total - bad`` when only ``bad`` is given.
- ratio with a Sloth-style rate expression containing ``{{.window}}``:
  ``sum(q with {{.window}} = <step>s) * <step>`` (a per-second rate times the interval).
- threshold on a histogram, ``{"metric": m, "op": "lt"|"lte"|"gt"|"gte", "threshold": x}``
  with ``m`` the histogram's base name or its ``_bucket`` selector, labels allowed:
  total = ``sum(increase(m_count{labels}[<step>s]))``, bucket =
  ``sum(increase(m_bucket{labels,le=~`x`}[<step>s]))`` (``le`` matched numerically as
  ``1``/``1.0``, ``0.25``/``0.250``), good = bucket for ``lt``/``lte`` (buckets are ``<=``:
  ``lt`` counts observations equal to x as good), good = total - bucket for ``gt``/``gte``.
  x must be a bucket bound: before pulling, the ``le`` values of the bucket series are asked
  for and a threshold that is none of them is refused naming it and the bounds.
- threshold on a **native histogram** (``"histogram": "native"``; ``m`` the histogram's name):
  with ``h = sum(increase(m{labels}[<step>s]))``, total = ``histogram_count(h)`` and the count
  at or under x = ``histogram_fraction(-Inf, x, h) * histogram_count(h)`` (good for
  ``lt``/``lte``, bad for ``gt``/``gte``). Exact when x is a bucket boundary of the
  histogram's schema; otherwise Prometheus interpolates within the bucket holding x.

Prometheus extrapolates ``increase`` to the window's edges; when samples sit on the window's
edges (scrape interval dividing ``step``, aligned times) the result is the exact counter delta,
counter resets included. Several series are summed (see promclient). An interval with no total,
or no good when a good query is used, is a **gap**: nothing is stored and the batch message
counts the missing intervals per SLO. A missing *bad* with a present total is 0 (error counters
often appear only at the first error). NaN/Inf values are skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from leadline.ingest.problems import Problem
from leadline.reliability.promclient import PrometheusClient

EPSILON = 1e-9

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
_MATCHER = rf"\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*(?:{_STRING})\s*"
_MATCHER_RE = re.compile(_MATCHER)
_PLAIN_MATCHER = _MATCHER.replace("?P<label>", "?:")
_SELECTOR = re.compile(
    rf"^\s*(?P<name>{_NAME})?\s*"
    rf"(?:\{{(?P<matchers>\s*(?:{_PLAIN_MATCHER},)*(?:{_PLAIN_MATCHER})?,?\s*)\}})?\s*$"
)
_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")


class QueryShapeError(ValueError):
    """An indicator this source cannot turn into interval counts."""


# --- queries --------------------------------------------------------------------------------


def increase_query(expression: str, step: int) -> str:
    """The PromQL giving the count of events in the ``step`` seconds ending at the evaluation
    time, for a counter selector or a Sloth-style ``{{.window}}`` rate expression."""
    if _WINDOW.search(expression):
        return f"sum({_WINDOW.sub(f'{step}s', expression.strip())}) * {step}"
    found = _SELECTOR.match(expression)
    if found and (found.group("name") or (found.group("matchers") or "").strip()):
        return f"sum(increase({expression.strip()}[{step}s]))"
    raise QueryShapeError(
        f"not a counter selector (e.g. http_requests_total{{code!~'5..'}}) nor a rate "
        f"expression with {{{{.window}}}}: {expression!r}"
    )


def le_pattern(threshold: float) -> str:
    """A regular expression matching the ``le`` label values Prometheus clients write for
    ``threshold`` (``1`` or ``1.0``, ``0.25`` or ``0.250``, ``+Inf``)."""
    if math.isinf(threshold) and threshold > 0:
        return r"\+Inf"
    if threshold == int(threshold) and abs(threshold) < 1e15:
        return re.escape(str(int(threshold))) + r"(\.0*)?"
    return re.escape(repr(threshold)) + "0*"


HISTOGRAM_KINDS = ("classic", "native")


@dataclass(frozen=True)
class Histogram:
    """A threshold indicator on a histogram: base name, label matchers (``le`` dropped),
    threshold, comparison and kind (classic ``_bucket`` series or a native histogram)."""

    base: str
    matchers: tuple[str, ...]
    threshold: float
    op: str
    kind: str

    @property
    def labels(self) -> str:
        return ",".join(self.matchers)

    @property
    def bucket_selector(self) -> str:
        """The classic histogram's bucket series (all bounds)."""
        return f"{self.base}_bucket{{{self.labels}}}"


def parse_histogram(indicator: dict[str, Any]) -> Histogram:
    """The histogram of a threshold indicator; QueryShapeError naming the field otherwise."""
    metric = str(indicator.get("metric") or "")
    found = _SELECTOR.match(metric)
    if not found or not found.group("name"):
        raise QueryShapeError(f"indicator.metric is not a histogram selector: {metric!r}")
    kind = str(indicator.get("histogram") or "classic").lower()
    if kind not in HISTOGRAM_KINDS:
        raise QueryShapeError(f"indicator.histogram must be classic or native, got {kind!r}")
    name = found.group("name")
    base = re.sub(r"_(bucket|count|sum)$", "", name) if kind == "classic" else name
    matchers = tuple(
        m.group(0).strip()
        for m in _MATCHER_RE.finditer(found.group("matchers") or "")
        if m.group("label") != "le"
    )
    try:
        threshold = float(indicator["threshold"])
    except (KeyError, TypeError, ValueError):
        raise QueryShapeError(
            f"indicator.threshold is not a number: {indicator.get('threshold')!r}"
        ) from None
    if math.isnan(threshold):
        raise QueryShapeError("indicator.threshold is not a number: nan")
    op = str(indicator.get("op") or "lte").lower()
    if op not in ("lt", "lte", "gt", "gte"):
        raise QueryShapeError(f"indicator.op must be lt, lte, gt or gte, got {op!r}")
    return Histogram(base, matchers, threshold, op, kind)


def _number(value: float) -> str:
    """A PromQL number literal (``0.25``, ``1``, ``Inf``)."""
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def histogram_queries(indicator: dict[str, Any], step: int) -> dict[str, str]:
    """good (or bad) and total queries of a threshold indicator on a histogram: classic
    (``_bucket{le=x}`` against ``_count``) or native (``histogram_fraction(-Inf, x, h)`` ×
    ``histogram_count(h)`` against ``histogram_count(h)``, ``h`` the interval's summed
    increase)."""
    h = parse_histogram(indicator)
    role = "good" if h.op in ("lt", "lte") else "bad"
    if h.kind == "native":
        summed = f"sum(increase({h.base}{{{h.labels}}}[{step}s]))"
        total = f"histogram_count({summed})"
        below = f"histogram_fraction(-Inf, {_number(h.threshold)}, {summed}) * {total}"
        return {role: below, "total": total}
    bucket_labels = ",".join([*h.matchers, f"le=~`{le_pattern(h.threshold)}`"])
    bucket = f"sum(increase({h.base}_bucket{{{bucket_labels}}}[{step}s]))"
    total = f"sum(increase({h.base}_count{{{h.labels}}}[{step}s]))"
    return {role: bucket, "total": total}


def bound_problem(threshold: float, bounds: list[str]) -> str | None:
    """Why ``threshold`` cannot be a classic histogram's cut: it is not one of its bucket
    bounds (the ``le`` values found); None when it is, or when no bucket series were found
    (then the pull reports gaps). Bounds compare as numbers (``1`` = ``1.0``)."""
    numbers: list[float] = []
    for text in bounds:
        try:
            numbers.append(float(text))
        except ValueError:
            continue  # not a bound Prometheus clients write; ignored
    if not numbers or threshold in numbers:
        return None
    shown = ", ".join(_number(b).replace("Inf", "+Inf") for b in sorted(set(numbers)))
    return (
        f"threshold {_number(threshold)} is not a bucket boundary of the histogram; its "
        f"boundaries (le) are {shown}: use one of them, or a native histogram"
    )


def indicator_queries(indicator: dict[str, Any], step: int) -> dict[str, str] | None:
    """The queries issued for an SLO: {"good" or "bad": q, "total": q}; None when the
    indicator has no Prometheus queries (e.g. an SLO fed by sli-csv)."""
    if indicator.get("metric") and indicator.get("threshold") is not None:
        if not isinstance(indicator["metric"], str):
            return None  # another data source's query shape (OpenSLO keeps it as spelled)
        return histogram_queries(indicator, step)
    total = indicator.get("total")
    role = "good" if indicator.get("good") else "bad" if indicator.get("bad") else None
    if not total and role is None:
        return None  # e.g. a raw ratio (error_ratio): no event counts to pull
    if any(
        not isinstance(indicator.get(k), str) for k in (role, "total") if k and indicator.get(k)
    ):
        return None  # another data source's query shape (OpenSLO keeps it as spelled)
    if not total or role is None:
        raise QueryShapeError("a ratio indicator needs a total query and a good or bad query")
    return {role: increase_query(str(indicator[role]), step), "total": increase_query(total, step)}


# --- plans and pulls ------------------------------------------------------------------------


@dataclass(frozen=True)
class SloPlan:
    """What to pull for one SLO: interval starts ``start, start+step, ... < until``."""

    slo: str
    url: str
    queries: dict[str, str]
    start: int
    until: int
    step: int
    # A classic histogram's (bucket series selector, threshold): the bound checked before
    # pulling (see bound_problem).
    bucket_check: tuple[str, float] | None = None

    @property
    def intervals(self) -> int:
        return max(0, (self.until - self.start) // self.step)


@dataclass
class SloPull:
    plan: SloPlan
    samples: list[tuple[int, float, float]] = field(default_factory=list)  # start, good, total
    gaps: int = 0
    non_finite: int = 0
    rejected: int = 0


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pull_slo(client: PrometheusClient, plan: SloPlan, file: str) -> tuple[SloPull, list[Problem]]:
    """Query one SLO's good/bad and total counts for every interval of the plan."""
    pull = SloPull(plan)
    if plan.intervals == 0:
        return pull, []
    first_end, last_end = plan.start + plan.step, plan.until
    results = {
        role: client.query_range(query, first_end, last_end, plan.step)
        for role, query in plan.queries.items()
    }
    pull.non_finite = sum(r.non_finite for r in results.values())
    total, good, bad = results["total"], results.get("good"), results.get("bad")
    problems: list[Problem] = []
    for end in range(first_end, last_end + 1, plan.step):
        count = total.values.get(end)
        events = good.values.get(end) if good is not None else None
        if count is not None and bad is not None:
            events = count - bad.values.get(end, 0.0)
        if count is None or events is None:
            pull.gaps += 1
            continue
        start = end - plan.step
        if events > count * (1 + EPSILON) + EPSILON or events < -EPSILON:
            pull.rejected += 1
            problems.append(
                Problem(
                    file,
                    f"SLO {plan.slo!r} at {iso(start)}: good ({events:g}) must be between 0 "
                    f"and total ({count:g}); check the SLO's queries",
                    field="good",
                    value=events,
                    record={
                        "slo": plan.slo,
                        "timestamp": iso(start),
                        "good": events,
                        "total": count,
                        "queries": plan.queries,
                    },
                    item=f"{plan.slo}@{iso(start)}",
                )
            )
            continue
        pull.samples.append((start, max(events, 0.0), count))
    return pull, problems
