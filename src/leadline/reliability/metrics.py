"""SLO metrics as Ibis expressions (one definition, DuckDB and Spark).

Definitions (docs/metrics.md has them with worked examples; source: Google's *The Site
Reliability Workbook*, chapters 2 "Implementing SLOs" and 5 "Alerting on SLOs"; OpenSLO v1 for
budgeting methods):

- A sample holds the good and total events of the interval starting at its ``timestamp``; a
  window ``[T−d, T)`` holds the samples with ``T−d ≤ timestamp < T`` (DESIGN.md §4).
- **SLI** over a window: good ÷ total events (occurrences budgeting); good slices ÷ slices
  (time-slice budgeting: a slice of ``timeslice_seconds`` is good when its good ÷ total reaches
  ``timeslice_target``); or the mean of the slices' good ÷ total (OpenSLO's ratio time
  slices). Intervals or slices without data count neither way; ``coverage`` reports
  the share of the window's time covered by samples, so gaps are visible, never silently good.
- **Error budget remaining** = 1 − (1 − SLI) ÷ (1 − objective): the fraction of the allowed bad
  events (or slices) not yet spent; 1 when nothing failed, 0 when exactly spent, negative when
  overspent.
- **Burn rate** over a window = (bad ÷ total events in the window) ÷ (1 − objective): how many
  times faster than sustainable the budget burns (1 spends exactly the budget over the SLO
  window). Burn rates count events, whatever the budgeting method (as the SRE workbook's alerts).
- **Multiwindow, multi-burn-rate alerts** (workbook ch. 5, approach 6): a rule fires at T when the
  burn rate exceeds its factor over both its long and its short window ending at T; ``page``
  outranks ``ticket``. Evaluated at the start of every sample, from the samples before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import ibis
from ibis import _

from leadline.config import BurnRateRule
from leadline.reliability.burn_history import window_sums
from leadline.reliability.durations import seconds

# Windows the status needs: the contract's 1h and 6h, and every window the default rules use.
STATUS_WINDOWS: dict[str, int] = {
    name: seconds(name) for name in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
}


def rule_windows(rules: Iterable[BurnRateRule]) -> dict[str, int]:
    """Every window the rules read (long and short), name → seconds, in the rules' order."""
    return {w: seconds(w) for rule in rules for w in (rule.long_window, rule.short_window)}


def finite_samples(samples: ibis.Table) -> ibis.Table:
    """The samples whose counts are finite numbers. Ingest refuses NaN and inf, but a lake
    written before it did (or by another writer) may hold some, and one such sample would make
    every sum it enters NaN and every report that reads it fail (issue 16)."""
    return samples.filter(
        samples.good.notnull()
        & samples.total.notnull()
        & ~samples.good.isnan()
        & ~samples.total.isnan()
        & ~samples.good.isinf()
        & ~samples.total.isinf()
    )


def _epoch(column: ibis.Value) -> ibis.Value:
    """Whole seconds since 1970 as int64 (floored: DuckDB's epoch is fractional)."""
    return column.epoch_seconds().floor().cast("int64")


def _ratio(numerator: ibis.Value, denominator: ibis.Value) -> ibis.Value:
    return ibis.ifelse(
        denominator > 0, numerator.cast("float64") / denominator, ibis.null("float64")
    )


def burn_rate(good: ibis.Value, total: ibis.Value, objective: ibis.Value) -> ibis.Value:
    """(bad ÷ total) ÷ (1 − objective); null when the window holds no events."""
    return _ratio(total - good, total) / (1.0 - objective)


def slo_status(
    samples: ibis.Table,
    slos: ibis.Table,
    at: ibis.Value,
    windows: Mapping[str, int] = STATUS_WINDOWS,
) -> ibis.Table:
    """Per SLO of ``slos`` (slo, objective, budgeting, timeslice_target, timeslice_seconds,
    step_seconds, window_start), at instant ``at``: SLI, events, error budget remaining and
    coverage over ``[window_start, at)``, and the burn rate over ``[at − w, at)`` for every
    window ``w``. SLOs without samples appear with null figures."""
    horizon = max(windows.values())
    spec = slos.select(
        "slo",
        "objective",
        "budgeting",
        "timeslice_target",
        "timeslice_seconds",
        "step_seconds",
        "window_start",
    )
    s = samples.select(
        "slo", "timestamp", "good", "total", sample_seconds=samples.step_seconds.cast("int64")
    )
    joined = s.inner_join(spec, "slo")
    joined = joined.filter(
        joined.timestamp < at,
        (joined.timestamp >= joined.window_start)
        | (joined.timestamp >= at - ibis.interval(seconds=horizon)),
    )
    in_window = joined.timestamp >= joined.window_start
    sums = {
        "good": joined.good.sum(where=in_window),
        "total": joined.total.sum(where=in_window),
        "covered": joined.sample_seconds.sum(where=in_window),
    }
    for name, width in windows.items():
        recent = joined.timestamp >= at - ibis.interval(seconds=width)
        sums[f"good_{name}"] = joined.good.sum(where=recent)
        sums[f"total_{name}"] = joined.total.sum(where=recent)
    events = joined.group_by("slo").aggregate(**sums)
    # The slices read the samples again, joined to the time-slice SLOs only: sharing ``joined``
    # made DuckDB materialise all of it (40M rows at 1,000 SLOs × 30 days) before either use.
    sliced = s.inner_join(spec.filter(spec.budgeting.isin(SLICED)), "slo")
    sliced = sliced.filter(sliced.timestamp < at, sliced.timestamp >= sliced.window_start)
    slices = _slice_counts(sliced)
    out = spec.left_join(events, "slo").left_join(slices, "slo")
    window_seconds = _epoch(at) - _epoch(out.window_start)
    sli = _sli(out)
    columns = {
        "slo": out.slo,
        "objective": out.objective,
        "good": out.good.fill_null(0.0),
        "total": out.total.fill_null(0.0),
        "good_slices": out.good_slices.fill_null(0),
        "slices": out.slices.fill_null(0),
        "sli": sli,
        "error_budget_remaining": 1.0 - (1.0 - sli) / (1.0 - out.objective),
        "coverage": _ratio(out.covered.fill_null(0), window_seconds),
    }
    for name in windows:
        columns[f"burn_rate_{name}"] = burn_rate(
            out[f"good_{name}"], out[f"total_{name}"], out.objective
        )
    return out.select(**columns)


def _slice_start(rows: ibis.Table) -> ibis.Value:
    """Start (epoch seconds) of the time slice a sample falls in; null for SLOs without time
    slices (``timeslice_seconds`` 0: Ibis's PySpark memtables lose integer columns that hold
    nulls, so callers pass 0 rather than null)."""
    size = rows.timeslice_seconds
    second = _epoch(rows.timestamp)
    return ibis.ifelse(size > 0, second - second % size, ibis.null("int64"))


SLICED = ("timeslices", "ratio_timeslices")

# Slice ratios are summed as whole pico-units (ratio × 10¹², rounded half away from zero): an
# integer sum is exact, so the mean slice ratio, and whether it meets its objective, does not
# depend on the order a parallel engine adds floats in (a float sum of 27 slices at 0.9 can be
# 0.8999999999999999 on one run and 0.9 on the next). 12 places are far below any objective's.
RATIO_UNITS = 1e12


def _slice_counts(rows: ibis.Table, by: Sequence[str] = ("slo",)) -> ibis.Table:
    """Per SLO (and ``by``): observed time slices, good slices (ratio reaching the slice
    target) and the sum of the slices' ratios in ``RATIO_UNITS`` (for ratio time slices)."""
    sliced = rows.filter(rows.budgeting.isin(SLICED)).mutate(slice_start=_slice_start(rows))
    per_slice = sliced.group_by([*by, "slice_start"]).aggregate(
        good=_.good.sum(), total=_.total.sum(), target=_.timeslice_target.max()
    )
    per_slice = per_slice.filter(per_slice.total > 0)
    ratio = per_slice.good / per_slice.total
    return per_slice.group_by(list(by)).aggregate(
        good_slices=(ratio >= per_slice.target).cast("int64").sum(),
        slices=_.count(),
        ratio_units=(ratio * RATIO_UNITS).round().cast("int64").sum(),
    )


def _sli(out: ibis.Table) -> ibis.Value:
    """The SLI by budgeting method: events, good slices, or the mean slice ratio."""
    return ibis.cases(
        (out.budgeting == "timeslices", _ratio(out.good_slices, out.slices)),
        (
            out.budgeting == "ratio_timeslices",
            _ratio(out.ratio_units, out.slices) / RATIO_UNITS,
        ),
        else_=_ratio(out.good, out.total),
    )


def burn_rate_history(
    samples: ibis.Table,
    slos: ibis.Table,
    since: ibis.Value,
    until: ibis.Value,
    windows: Mapping[str, int],
) -> ibis.Table:
    """Per SLO and evaluation time ``T`` (the start of every sample in ``[since, until)``), the
    burn rate over each window ``[T − w, T)``: differences of running sums on a dense per-minute
    grid (``burn_history``; linear time, gaps never shift a window)."""
    horizon = max(windows.values())
    first = since - ibis.interval(seconds=horizon)
    sums, keys = window_sums(samples, slos, first, until, windows)
    summed = sums.filter(_.timestamp >= since).inner_join(keys, "slo_key")
    burns = {
        f"burn_rate_{name}": burn_rate(
            summed[f"good_{name}"], summed[f"total_{name}"], summed.objective
        )
        for name in windows
    }
    return summed.select("slo", "timestamp", "step_seconds", **burns)


def _alarms(
    burn: Callable[[str], ibis.Value], rules: Sequence[BurnRateRule]
) -> tuple[ibis.Value, ibis.Value]:
    """(page, ticket): whether a page rule and a ticket rule fire, from ``burn(window)``, the
    burn rate over a window (never null)."""

    def fires(rule: BurnRateRule) -> ibis.Value:
        long_rate, short_rate = burn(rule.long_window), burn(rule.short_window)
        return ((long_rate > rule.factor) & (short_rate > rule.factor)).fill_null(False)

    page = ibis.literal(False)
    ticket = ibis.literal(False)
    for rule in rules:
        if rule.severity == "page":
            page = page | fires(rule)
        else:
            ticket = ticket | fires(rule)
    return page, ticket


def _severity_of(page: ibis.Value, ticket: ibis.Value) -> ibis.Value:
    """'page', 'ticket' or null (quiet)."""
    return ibis.cases((page, "page"), (ticket, "ticket"), else_=ibis.null("string"))


def alert_states(history: ibis.Table, rules: Sequence[BurnRateRule]) -> ibis.Table:
    """The alert severity at every evaluation of ``burn_rate_history`` (null when quiet)."""
    severity = _severity_of(*_alarms(lambda window: history[f"burn_rate_{window}"], rules))
    return history.select("slo", "timestamp", "step_seconds", severity=severity)


def alert_episodes(states: ibis.Table) -> ibis.Table:
    """Runs of equal severity per SLO as episodes: first and last evaluation that fired.
    (An episode continues across a gap in the data: no evaluation happened in between.)"""
    ordered = ibis.window(group_by=_.slo, order_by=_.timestamp)
    previous = states.severity.lag().over(ordered)
    same = (states.severity == previous).fill_null(False) | (
        states.severity.isnull() & previous.isnull()
    )
    return _episodes(states.mutate(change=(~same).cast("int64")), "slo")


EPISODE_COLUMNS = ("severity", "started_at", "last_evaluated_at", "step_seconds", "evaluations")


def _episodes(marked: ibis.Table, key: str) -> ibis.Table:
    """Episodes per ``key`` from evaluations marked with ``change`` (1 where the severity
    differs from the previous evaluation's): numbered by a running sum, quiet ones dropped."""
    running = ibis.window(group_by=marked[key], order_by=_.timestamp, preceding=None, following=0)
    grouped = marked.mutate(episode=marked.change.sum().over(running))
    grouped = grouped.filter(grouped.severity.notnull())
    return (
        grouped.group_by([key, "episode", "severity"])
        .aggregate(
            started_at=_.timestamp.min(),
            last_evaluated_at=_.timestamp.max(),
            step_seconds=_.step_seconds.max(),
            evaluations=_.count(),
        )
        .drop("episode")
    )


def alert_history(
    samples: ibis.Table,
    slos: ibis.Table,
    since: ibis.Value,
    until: ibis.Value,
    rules: Sequence[BurnRateRule],
) -> ibis.Table:
    """``alert_episodes(alert_states(burn_rate_history(...)))``, row for row, in one pass over
    the samples' grid instead of three (issue 20: the episodes' ``LAG`` and running sum over
    every evaluation cost as much as the burn rates themselves).

    Only the evaluations that fire, or border a gap in the grid (their grid neighbour before or
    after holds no sample, as every evaluation of an SLO off the grid), go on to be grouped into
    episodes: between two such evaluations of an SLO every evaluation is quiet. So two of them
    are consecutive evaluations when the later one's grid neighbour is the earlier one, or a
    gap follows the earlier one (the later is then the first sample after it); otherwise quiet
    evaluations lie between them and an episode ends."""
    windows = rule_windows(rules)
    first = since - ibis.interval(seconds=max(windows.values(), default=0))
    sums, keys = window_sums(samples, slos, first, until, windows, neighbours=True)
    summed = sums.filter(_.timestamp >= since)
    page, ticket = _alarms(
        lambda w: burn_rate(summed[f"good_{w}"], summed[f"total_{w}"], summed.objective), rules
    )
    states = summed.select(
        "slo_key",
        "timestamp",
        "step_seconds",
        "prev_sampled",
        "next_sampled",
        page=page,
        ticket=ticket,
    )
    # The filter reads the two flags: the severity's text is made for the few rows it keeps.
    edges = states.filter(states.page | states.ticket | ~states.prev_sampled | ~states.next_sampled)
    edges = edges.mutate(severity=_severity_of(edges.page, edges.ticket)).drop("page", "ticket")
    ordered = ibis.window(group_by=_.slo_key, order_by=_.timestamp)
    # The earlier edge is this one's grid neighbour (a sample one minute before), or a gap
    # follows it (so this is the first sample after it).
    neighbour = edges.prev_sampled & (
        edges.timestamp.lag().over(ordered) == edges.timestamp - ibis.interval(minutes=1)
    )
    follows = ~edges.next_sampled.lag().over(ordered).fill_null(False) | neighbour
    previous = ibis.ifelse(follows, edges.severity.lag().over(ordered), ibis.null("string"))
    marked = edges.mutate(change=(~edges.severity.identical_to(previous)).cast("int64"))
    episodes = _episodes(marked, "slo_key").inner_join(keys, "slo_key")
    return episodes.select("slo", *EPISODE_COLUMNS)


def monthly_attainment(samples: ibis.Table, slos: ibis.Table) -> ibis.Table:
    """Per SLO and calendar month: SLI over the month and whether it met its objective
    (the framework's KPI "percentage of SLOs met")."""
    spec = slos.select("slo", "objective", "budgeting", "timeslice_target", "timeslice_seconds")
    base = samples.select("slo", "timestamp", "good", "total")
    base = base.mutate(month=base.timestamp.truncate("M"))
    events = base.group_by(["slo", "month"]).aggregate(good=_.good.sum(), total=_.total.sum())
    # Only time-slice SLOs' samples are joined to their slice size and grouped per slice (the
    # costly step); events need neither, and the SLOs without samples drop at the join below.
    sliced = base.inner_join(spec.filter(spec.budgeting.isin(SLICED)), "slo")
    slices = _slice_counts(sliced, ("slo", "month"))
    out = events.inner_join(spec, "slo").left_join(slices, ["slo", "month"])
    sli = _sli(out)
    return out.select(
        "slo", "month", "objective", sli=sli, met=(sli >= out.objective).fill_null(False)
    )
