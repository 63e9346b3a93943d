"""A plain-Python oracle for the SLO metrics (DESIGN.md §4, reliability/metrics.py docstring).

Written from the documented definitions alone, in the most obvious loop-based way, so that the
Ibis metrics can be checked against it row by row. A sample is a mapping with ``slo``,
``timestamp`` (naive UTC ``datetime``), ``good`` and ``total``; an SLO specification is a
:class:`Spec`. The definitions, as this oracle reads them:

- A sample holds the events of the interval starting at its ``timestamp``; a window
  ``[start, end)`` holds the samples with ``start <= timestamp < end`` (exact comparison of
  instants).
- **SLI** over a window: good ÷ total events (occurrences), or good slices ÷ slices (time
  slices): the window's samples are grouped by the slice of ``timeslice_seconds`` holding them,
  slices aligned to multiples of ``timeslice_seconds`` since 1970-01-01 (whole seconds, floored);
  a slice without events (total 0) is not counted; a slice is good when its good ÷ total is at
  least ``timeslice_target``. No events (or no slices): SLI is None.
- **Error budget remaining** = 1 − (1 − SLI) ÷ (1 − objective) (None when the SLI is).
- **SLI** of ratio time slices (``ratio_timeslices``): the mean of the slices' good ÷ total,
  each ratio taken to 12 decimal places (whole pico-units, half away from zero) so that the sum
  is exact: float sums depend on the order a parallel engine adds them in.
- **Coverage** = the seconds the window's samples cover (the sum of their ``step_seconds``) ÷
  the window's seconds (whole seconds); None when the window is empty. Samples of different
  steps are thus handled; nothing else reads a sample's step.
- **Burn rate** over ``[at − w, at)`` = ((total − good) ÷ total) ÷ (1 − objective), counting
  events whatever the budgeting; None when the window holds no events.
- **Alerts**: evaluated at the start ``T`` of every sample of the SLO with ``since <= T <
  until``, from the burn rates over ``[T − w, T)``. A rule fires when both its long- and
  short-window burn rates exist and are strictly above its factor; the severity is ``page`` if a
  page rule fires, else ``ticket`` if a ticket rule fires, else None.
- **Episodes**: per SLO, maximal runs of consecutive evaluations (in time order) with the same
  non-None severity; an evaluation carries its sample's ``step_seconds``, an episode the
  largest of its evaluations'.
- **Monthly attainment**: per SLO and calendar month holding at least one of its samples, the
  SLI over all samples of that month and ``met`` = SLI is not None and SLI ≥ objective.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

EPOCH = dt.datetime(1970, 1, 1)
SECOND = dt.timedelta(seconds=1)

Sample = Mapping[str, Any]


@dataclass(frozen=True)
class Spec:
    """The SLO columns the metrics take (``timeslice_seconds`` 0 when not sliced)."""

    slo: str
    objective: float
    window_start: dt.datetime
    budgeting: str = "occurrences"
    timeslice_target: float = 0.0
    timeslice_seconds: int = 0
    step_seconds: int = 60


@dataclass(frozen=True)
class Rule:
    """A multiwindow burn-rate rule (windows in seconds, named as the history's columns)."""

    severity: str
    long_window: str
    short_window: str
    factor: float


def whole_seconds(moment: dt.datetime) -> int:
    """Floor of the epoch seconds of a naive UTC instant."""
    return (moment - EPOCH) // SECOND


def samples_of(samples: Iterable[Sample], slo: str) -> list[Sample]:
    return sorted((s for s in samples if s["slo"] == slo), key=lambda s: s["timestamp"])


def in_window(samples: Iterable[Sample], start: dt.datetime, end: dt.datetime) -> list[Sample]:
    """The samples with ``start <= timestamp < end``."""
    chosen = []
    for sample in samples:
        if start <= sample["timestamp"] and sample["timestamp"] < end:
            chosen.append(sample)
    return chosen


def ratio_units(ratio: float) -> int:
    """A slice ratio as whole pico-units, rounded half away from zero (the metrics sum these
    integers so the mean ratio is exact on any engine)."""
    return int(Decimal(ratio * 1e12).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def slice_counts(samples: Iterable[Sample], spec: Spec) -> tuple[int, int, int]:
    """(good slices, slices with events, sum of their ratios in pico-units) of the samples."""
    per_slice: dict[int, list[float]] = {}
    for sample in samples:
        second = whole_seconds(sample["timestamp"])
        start = second - second % spec.timeslice_seconds
        sums = per_slice.setdefault(start, [0.0, 0.0])
        sums[0] += sample["good"]
        sums[1] += sample["total"]
    good_slices = 0
    slices = 0
    ratios = 0
    for good, total in per_slice.values():
        if total > 0:
            slices += 1
            ratios += ratio_units(good / total)
            if good / total >= spec.timeslice_target:
                good_slices += 1
    return good_slices, slices, ratios


def sli(samples: Sequence[Sample], spec: Spec) -> dict[str, Any]:
    """Events, slices and SLI of the given samples (already restricted to a window)."""
    good = 0.0
    total = 0.0
    for sample in samples:
        good += sample["good"]
        total += sample["total"]
    good_slices, slices = 0, 0
    if spec.budgeting == "timeslices":
        good_slices, slices, _ = slice_counts(samples, spec)
        value = good_slices / slices if slices > 0 else None
    elif spec.budgeting == "ratio_timeslices":
        good_slices, slices, ratios = slice_counts(samples, spec)
        value = float(ratios) / slices / 1e12 if slices > 0 else None
    else:
        value = good / total if total > 0 else None
    return {
        "good": good,
        "total": total,
        "good_slices": good_slices,
        "slices": slices,
        "sli": value,
    }


def budget_remaining(value: float | None, objective: float) -> float | None:
    if value is None:
        return None
    return 1.0 - (1.0 - value) / (1.0 - objective)


def burn_rate(samples: Sequence[Sample], objective: float) -> float | None:
    good = 0.0
    total = 0.0
    for sample in samples:
        good += sample["good"]
        total += sample["total"]
    if total <= 0:
        return None
    return ((total - good) / total) / (1.0 - objective)


def status(
    samples: Sequence[Sample], specs: Sequence[Spec], at: dt.datetime, windows: Mapping[str, int]
) -> list[dict[str, Any]]:
    """The rows of ``metrics.slo_status`` (one per spec, sorted by SLO name)."""
    rows = []
    for spec in specs:
        mine = samples_of(samples, spec.slo)
        window = in_window(mine, spec.window_start, at)
        figures = sli(window, spec)
        seconds = whole_seconds(at) - whole_seconds(spec.window_start)
        covered = sum(s.get("step_seconds", 60) for s in window)
        row: dict[str, Any] = {
            "slo": spec.slo,
            "objective": spec.objective,
            **figures,
            "error_budget_remaining": budget_remaining(figures["sli"], spec.objective),
            "coverage": covered / seconds if seconds > 0 else None,
        }
        for name, width in windows.items():
            recent = in_window(mine, at - dt.timedelta(seconds=width), at)
            row[f"burn_rate_{name}"] = burn_rate(recent, spec.objective)
        rows.append(row)
    return sorted(rows, key=lambda r: r["slo"])


def burn_rate_history(
    samples: Sequence[Sample],
    specs: Sequence[Spec],
    since: dt.datetime,
    until: dt.datetime,
    windows: Mapping[str, int],
) -> list[dict[str, Any]]:
    """The rows of ``metrics.burn_rate_history``, sorted by (slo, timestamp)."""
    rows = []
    for spec in specs:
        mine = samples_of(samples, spec.slo)
        times = [s["timestamp"] for s in mine]
        for sample in mine:
            moment = sample["timestamp"]
            if not (since <= moment < until):
                continue
            row: dict[str, Any] = {
                "slo": spec.slo,
                "timestamp": moment,
                "step_seconds": sample.get("step_seconds", 60),
            }
            for name, width in windows.items():
                # The samples with moment − width <= timestamp < moment (times are sorted).
                first = bisect.bisect_left(times, moment - dt.timedelta(seconds=width))
                last = bisect.bisect_left(times, moment)
                row[f"burn_rate_{name}"] = burn_rate(mine[first:last], spec.objective)
            rows.append(row)
    return sorted(rows, key=lambda r: (r["slo"], r["timestamp"]))


def severity(row: Mapping[str, Any], rules: Sequence[Rule]) -> str | None:
    """The severity firing on one evaluation row (page outranks ticket)."""
    page = False
    ticket = False
    for rule in rules:
        long_rate = row[f"burn_rate_{rule.long_window}"]
        short_rate = row[f"burn_rate_{rule.short_window}"]
        if long_rate is None or short_rate is None:
            continue
        if long_rate > rule.factor and short_rate > rule.factor:
            if rule.severity == "page":
                page = True
            else:
                ticket = True
    if page:
        return "page"
    if ticket:
        return "ticket"
    return None


def alert_states(history: Sequence[Mapping[str, Any]], rules: Sequence[Rule]) -> list[dict]:
    """The rows of ``metrics.alert_states``."""
    return [
        {
            "slo": r["slo"],
            "timestamp": r["timestamp"],
            "step_seconds": r["step_seconds"],
            "severity": severity(r, rules),
        }
        for r in sorted(history, key=lambda r: (r["slo"], r["timestamp"]))
    ]


def alert_episodes(states: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``metrics.alert_episodes``, sorted by (slo, started_at)."""
    episodes: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    previous_slo = None
    for row in sorted(states, key=lambda r: (r["slo"], r["timestamp"])):
        if row["slo"] != previous_slo:
            current = None
            previous_slo = row["slo"]
        if row["severity"] is None:
            current = None
            continue
        if current is not None and current["severity"] == row["severity"]:
            current["last_evaluated_at"] = row["timestamp"]
            current["step_seconds"] = max(current["step_seconds"], row["step_seconds"])
            current["evaluations"] += 1
            continue
        current = {
            "slo": row["slo"],
            "severity": row["severity"],
            "started_at": row["timestamp"],
            "last_evaluated_at": row["timestamp"],
            "step_seconds": row["step_seconds"],
            "evaluations": 1,
        }
        episodes.append(current)
    return sorted(episodes, key=lambda e: (e["slo"], e["started_at"]))


def month_start(moment: dt.datetime) -> dt.datetime:
    return dt.datetime(moment.year, moment.month, 1)


def monthly_attainment(samples: Sequence[Sample], specs: Sequence[Spec]) -> list[dict[str, Any]]:
    """The rows of ``metrics.monthly_attainment``, sorted by (slo, month)."""
    rows = []
    for spec in specs:
        by_month: dict[dt.datetime, list[Sample]] = {}
        for sample in samples_of(samples, spec.slo):
            by_month.setdefault(month_start(sample["timestamp"]), []).append(sample)
        for month, chosen in by_month.items():
            value = sli(chosen, spec)["sli"]
            rows.append(
                {
                    "slo": spec.slo,
                    "month": month,
                    "objective": spec.objective,
                    "sli": value,
                    "met": value is not None and value >= spec.objective,
                }
            )
    return sorted(rows, key=lambda r: (r["slo"], r["month"]))


def window_bounds(
    kind: str, at: dt.datetime, *, days: int = 28, unit: str = "month"
) -> tuple[dt.datetime, dt.datetime]:
    """The SLO window ``at`` closes: ``[at − days, at)`` when rolling; for a calendar window the
    week (from Monday), month or quarter holding the instant just before ``at``."""
    if kind == "rolling":
        return at - dt.timedelta(days=days), at
    last = at - dt.timedelta(microseconds=1)
    if unit == "week":
        start = dt.datetime(last.year, last.month, last.day) - dt.timedelta(days=last.weekday())
        return start, start + dt.timedelta(days=7)
    first_month = last.month if unit == "month" else (last.month - 1) // 3 * 3 + 1
    length = 1 if unit == "month" else 3
    start = dt.datetime(last.year, first_month, 1)
    end_month = first_month + length
    end = dt.datetime(last.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end
