"""Burn-rate history in linear time: window sums as differences of running sums (issue 20).

``metrics.burn_rate_history`` needs, per SLO and sample start ``T``, the good and total events
of the samples with ``T − w ≤ timestamp < T`` for every window ``w``. RANGE-frame aggregates
compute each of those sums by searching and aggregating a frame per row (128.8 s for 1,000 SLOs
× 30 days of one-minute samples, docs/benchmarks.md). On a dense grid the same sum is a
difference of running sums:

    sum(x over [T − w, T)) = C(T) − C(T − w),   C(t) = sum(x over samples before t)

with ``C`` one running sum per SLO and ``C(T − w)`` a ``LAG`` over grid rows: one pass, no
frames, and plain SQL that Spark runs as well as DuckDB.

**The grid.** One row per SLO and grid minute (``GRID_SECONDS``) between its first and last
sample of the evaluated range; a minute without a sample is a row of zero events, marked as no
sample, so it is never evaluated (evaluations stay the samples' starts, and a window without
samples still has no events: its burn rate stays null, "n/a"). The grid is exact for every
sample on a whole minute, whatever its ``step_seconds`` (a sample's events count at its start,
as in the RANGE formulation; a five-minute step leaves four zero rows between samples): with
``T = k`` minutes and samples on minutes, ``T − w ≤ timestamp`` iff ``timestamp ≥ k − ⌊w/60⌋``
minutes. One fixed unit, not each SLO's step, because a ``LAG`` offset must be a constant on
Spark, and the windows are the same for every SLO.

**Only the gaps are joined.** The samples are the grid's rows where they exist; only the
minutes of an SLO without a sample are added, as zero-event rows (an anti join of the SLO's
grid against its samples, done only for SLOs with fewer samples than grid minutes). A left
join of the whole grid to the samples cost a hash table of every sample (43M rows) for what is
mostly a copy.

**Each SLO's own grid.** The grid of an SLO is shifted by its samples' phase, the seconds
past the minute they all share: Prometheus range queries return samples ``start + n × step``,
at :15 past every minute if the pull started at :15. With every sample and ``T`` at the same
phase, ``T − w ≤ timestamp`` is the same comparison of whole minutes as above (and a minute
number, the floored epoch minute, needs no phase: it is the same for all the samples of one
minute). **Samples off their grid**: an SLO whose samples of the range are at different
seconds past the minute, or at a fraction of a second, keeps the RANGE-frame formulation,
exactly as before; both parts are unioned. The frames are the costly part (20 SLOs of 1,000
at :15 past the minute took a fifth of the benchmark's CPU before they took the grid). The
lake's key (slo, timestamp) makes samples unique per instant, which the grid relies on (one
row per minute, so an SLO with as many samples as grid minutes has no gap).

**No shared scans.** DuckDB materialises a subquery used twice (a CTE) in full before either
use reads it: 43M rows held in memory. So each part reads the samples through its own
projection (the per-SLO facts, the grid's samples, the gaps' keys, the off-grid SLOs'
samples): four streaming scans of the Parquet columns each needs, nothing held.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis
from ibis import _

GRID_SECONDS = 60
InRange = Callable[[ibis.Table], ibis.Value]


def _epoch(column: ibis.Value) -> ibis.Value:
    """Whole seconds since 1970 as int64 (floored: DuckDB's epoch is fractional)."""
    return column.epoch_seconds().floor().cast("int64")


def _minute(column: ibis.Value) -> ibis.Value:
    return _epoch(column) // GRID_SECONDS


def window_sums(
    samples: ibis.Table,
    slos: ibis.Table,
    start: ibis.Value,
    until: ibis.Value,
    windows: Mapping[str, int],
    *,
    neighbours: bool = False,
) -> tuple[ibis.Table, ibis.Table]:
    """(sums, keys). ``sums``: per sample of ``samples`` in ``[start, until)`` whose SLO
    ``slos`` (slo, objective) names: slo_key, timestamp, step_seconds, objective, and
    ``good_{w}``, ``total_{w}``: the events of ``[timestamp − w, timestamp)`` (samples from
    ``start`` on) for every window ``w``. ``keys``: slo_key and slo, per SLO. The sums carry an
    integer key instead of the name because the window passes sort and hold every grid row with
    what it carries: at 43M rows the name doubled what DuckDB held and spilled under
    ``duckdb_memory_limit``; callers join the names to what is left (for alerts, the episodes).

    With ``neighbours``, also ``prev_sampled`` and ``next_sampled``: whether the grid minutes
    just before and after hold a sample (false at the ends of the range, and always for SLOs
    off the grid), which tell ``alert_history`` where the evaluations' gaps are without
    another pass over every row."""

    def in_range(table: ibis.Table) -> ibis.Value:
        return (table.timestamp >= start) & (table.timestamp < until)

    # Per SLO: its samples' phases, first and last grid minute, number of samples.
    stamps = samples.select("slo", "timestamp").filter(in_range)
    # The lake's timestamps are naive UTC: no calendar involved.
    fraction = (stamps.timestamp.truncate("s") != stamps.timestamp).cast("int64")
    per_slo = (
        stamps.mutate(
            minute=_minute(stamps.timestamp), fraction=fraction, second=stamps.timestamp.second()
        )
        .group_by("slo")
        .aggregate(
            fractions=_.fraction.sum(),
            first_second=_.second.min(),
            last_second=_.second.max(),
            first=_.minute.min(),
            last=_.minute.max(),
            sampled=_.count(),
        )
        .inner_join(slos.select("slo", "objective"), "slo")
    )
    per_slo = per_slo.mutate(slo_key=ibis.row_number().over(order_by=per_slo.slo).cast("int32"))
    on_grid = (per_slo.fractions == 0) & (per_slo.first_second == per_slo.last_second)
    regular = per_slo.filter(on_grid)
    gappy = regular.filter(regular.sampled < regular.last - regular.first + 1)
    irregular = per_slo.filter(~on_grid)
    dense = _dense_sums(samples, regular, gappy, in_range, windows, neighbours=neighbours)
    framed = _range_sums(samples, irregular, in_range, windows)
    if neighbours:
        framed = framed.mutate(prev_sampled=ibis.literal(False), next_sampled=ibis.literal(False))
    return dense.union(framed.select(*dense.columns)), per_slo.select("slo_key", "slo")


def _dense_sums(
    samples: ibis.Table,
    regular: ibis.Table,
    gappy: ibis.Table,
    in_range: InRange,
    windows: Mapping[str, int],
    *,
    neighbours: bool,
) -> ibis.Table:
    """Window sums of the SLOs whose samples are all on the grid: running sums and lags."""
    rows = samples.select("slo", "timestamp", "good", "total", "step_seconds").filter(in_range)
    # The objective joins here, from the small per-SLO table: joined after the windows, DuckDB
    # built its hash table from the 43M sums instead (the estimate of the other side was off).
    rows = rows.inner_join(regular.select("slo", "slo_key", "objective"), "slo")
    # Narrow integers: every byte a row carries is held 43M times by each window pass.
    rows = rows.mutate(minute=_minute(rows.timestamp).cast("int32"))
    first, stop = gappy.first.cast("int32"), (gappy.last + 1).cast("int32")
    grid = gappy.select("slo", "slo_key", minute=ibis.range(first, stop).unnest())
    # Only the gappy SLOs' samples are looked up (a hash table of every sample cost 4 CPU s).
    present = samples.select("timestamp", "slo").filter(in_range)
    present = present.semi_join(gappy.select("slo"), "slo")
    present = present.select("slo", minute=_minute(present.timestamp).cast("int32"))
    missing = grid.anti_join(present, ["slo", "minute"])
    kept = ("slo_key", "minute", "timestamp", "good", "total", "step_seconds", "objective")
    cells = rows.select(*kept).union(
        missing.select(
            "slo_key",
            "minute",
            timestamp=ibis.null(rows.timestamp.type()),
            good=ibis.literal(0.0),
            total=ibis.literal(0.0),
            step_seconds=ibis.null(rows.step_seconds.type()),
            objective=ibis.null(rows.objective.type()),
        )
    )
    ordered = ibis.window(group_by=cells.slo_key, order_by=cells.minute)
    running = ibis.cumulative_window(group_by=cells.slo_key, order_by=cells.minute)
    cells = cells.select(
        "slo_key",
        "minute",
        "timestamp",
        "step_seconds",
        "objective",
        c_good=cells.good.sum().over(running),
        c_total=cells.total.sum().over(running),
    )
    # C(T) = c(minute − 1) (samples strictly before T); C(T − w) = c(minute − ⌊w/60⌋ − 1).
    before_good = cells.c_good.lag(1).over(ordered).fill_null(0.0)
    before_total = cells.c_total.lag(1).over(ordered).fill_null(0.0)
    sums = {}
    for name, width in windows.items():
        back = width // GRID_SECONDS + 1
        sums[f"good_{name}"] = before_good - cells.c_good.lag(back).over(ordered).fill_null(0.0)
        sums[f"total_{name}"] = before_total - cells.c_total.lag(back).over(ordered).fill_null(0.0)
    if neighbours:
        sampled = cells.timestamp.notnull()
        sums["prev_sampled"] = sampled.lag(1).over(ordered).fill_null(False)
        sums["next_sampled"] = sampled.lead(1).over(ordered).fill_null(False)
    # Grid rows without a sample are never evaluated (their timestamp is null).
    summed = cells.select("slo_key", "timestamp", "step_seconds", "objective", **sums)
    return summed.filter(summed.timestamp.notnull())


def _range_sums(
    samples: ibis.Table, irregular: ibis.Table, in_range: InRange, windows: Mapping[str, int]
) -> ibis.Table:
    """Window sums over RANGE frames on the timestamp itself, minus the current sample: exact
    to the microsecond on both engines, for samples off the grid."""
    rows = samples.inner_join(irregular.select("slo", "slo_key", "objective"), "slo")
    rows = rows.filter(in_range)
    rows = rows.select("slo_key", "timestamp", "good", "total", "step_seconds", "objective")
    columns = {}
    for name, width in windows.items():
        frame = ibis.range_window(
            group_by=_.slo_key,
            order_by=_.timestamp,
            preceding=ibis.interval(seconds=width),
            following=0,
        )
        columns[f"good_{name}"] = rows.good.sum().over(frame) - rows.good
        columns[f"total_{name}"] = rows.total.sum().over(frame) - rows.total
    return rows.mutate(**columns)
