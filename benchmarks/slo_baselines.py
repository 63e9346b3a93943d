"""Two independent implementations of leadline's SLO definitions (leadline.reliability.metrics),
for the benchmark to time and to check leadline's numbers against.

(a) Hand-written DuckDB SQL over the lake's Parquet files, as a competent DuckDB user writes it:
    ``FILTER`` aggregates for the status, window frames over time (``RANGE BETWEEN INTERVAL
    PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW``) for burn-rate history, ``lag`` and a running
    sum for alert episodes. The history orders by naive timestamps (``make_timestamp(epoch_us(
    ts))``): interval arithmetic on TIMESTAMPTZ goes through ICU and made the query 2-4x slower.
(b) Vectorised pandas, as a competent analyst writes it: masked ``groupby`` sums for the status,
    ``groupby().rolling(offset, closed="left")`` on time-indexed frames for the history,
    ``shift``/``cumsum`` runs for the episodes.

The definitions, as in the metrics' docstring: a sample counts the events of the interval that
starts at its timestamp; a window ``[T−w, T)`` holds the samples with ``T−w ≤ timestamp < T``.
SLI = good ÷ total (occurrences) or good slices ÷ observed slices (time slices aligned to epoch
multiples of their length, good when good ÷ total ≥ target); error budget remaining =
1 − (1 − SLI) ÷ (1 − objective); burn rate = (bad ÷ total) ÷ (1 − objective), null without
events; coverage = samples ÷ expected samples of the SLO window. A rule fires at T when the burn
rate is strictly above its factor over both its windows ending at T; page outranks ticket;
episodes are runs of equal severity per SLO in evaluation order.

Inputs: the sample files, the SLO table as ``report.slo_table`` builds it (an Arrow table with
slo, objective, budgeting, timeslice_target, timeslice_seconds, step_seconds, window_start),
the instants, the windows (name -> seconds) and the rules. Timestamps in results are naive UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from leadline.config import BurnRateRule

EPISODE_COLUMNS = ["slo", "severity", "started_at", "last_evaluated_at", "evaluations"]


def status_columns(windows: Mapping[str, int]) -> list[str]:
    return [
        "slo",
        "objective",
        "good",
        "total",
        "good_slices",
        "slices",
        "sli",
        "error_budget_remaining",
        "coverage",
        *(f"burn_rate_{name}" for name in windows),
    ]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)


def _names(windows: Mapping[str, int]) -> None:
    for name in windows:  # window names become column names in the SQL text
        if not name.isalnum():
            raise ValueError(f"unexpected window name {name!r}")


# --- (a) DuckDB SQL ------------------------------------------------------------------------------


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """A default in-memory DuckDB (all cores, default memory limit), UTC as the lake's Lake."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


STATUS_SQL = """
WITH
spec AS (
    SELECT slo, objective, budgeting, timeslice_target, timeslice_seconds, step_seconds,
           window_start::TIMESTAMPTZ AS window_start
    FROM slo_specs
),
samples AS (
    SELECT s.slo, s."timestamp" AS ts, s.good, s.total, p.budgeting, p.timeslice_target,
           p.timeslice_seconds, s."timestamp" >= p.window_start AS in_window
    FROM read_parquet($files, hive_partitioning = false) s
    JOIN spec p USING (slo)
    WHERE s."timestamp" < $at
      AND (s."timestamp" >= p.window_start OR s."timestamp" >= $horizon)
),
events AS (
    SELECT slo,
           sum(good) FILTER (WHERE in_window) AS good,
           sum(total) FILTER (WHERE in_window) AS total,
           count(*) FILTER (WHERE in_window) AS intervals,
           {window_sums}
    FROM samples
    GROUP BY slo
),
-- Time slices: epoch multiples of the slice length; a slice without events counts neither way.
per_slice AS (
    SELECT slo, sum(good) AS good, sum(total) AS total, max(timeslice_target) AS target
    FROM samples
    WHERE budgeting = 'timeslices' AND in_window
    GROUP BY slo, floor(epoch(ts))::BIGINT // timeslice_seconds
),
slices AS (
    SELECT slo, count(*) FILTER (WHERE good / total >= target) AS good_slices, count(*) AS slices
    FROM per_slice
    WHERE total > 0
    GROUP BY slo
),
joined AS (
    SELECT p.*, e.* EXCLUDE (slo), s.good_slices, s.slices,
           (epoch($at)::BIGINT - epoch(p.window_start)::BIGINT) / p.step_seconds AS expected,
           CASE WHEN p.budgeting = 'timeslices'
                THEN CASE WHEN s.slices > 0 THEN s.good_slices / s.slices END
                ELSE CASE WHEN e.total > 0 THEN e.good / e.total END
           END AS sli
    FROM spec p
    LEFT JOIN events e USING (slo)
    LEFT JOIN slices s USING (slo)
)
SELECT slo, objective,
       coalesce(good, 0) AS good, coalesce(total, 0) AS total,
       coalesce(good_slices, 0) AS good_slices, coalesce(slices, 0) AS slices,
       sli,
       1 - (1 - sli) / (1 - objective) AS error_budget_remaining,
       CASE WHEN expected > 0 THEN coalesce(intervals, 0) / expected END AS coverage,
       {burn_rates}
FROM joined
ORDER BY slo
"""


def status_sql(windows: Mapping[str, int]) -> str:
    _names(windows)
    sums = ",\n           ".join(
        f"sum(good) FILTER (WHERE ts >= $since_{n}) AS good_{n}, "
        f"sum(total) FILTER (WHERE ts >= $since_{n}) AS total_{n}"
        for n in windows
    )
    burns = ",\n       ".join(
        f"CASE WHEN total_{n} > 0 THEN (total_{n} - good_{n}) / total_{n} END / (1 - objective)"
        f" AS burn_rate_{n}"
        for n in windows
    )
    return STATUS_SQL.replace("{window_sums}", sums).replace("{burn_rates}", burns)


def duckdb_status(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    slos: pa.Table,
    at: dt.datetime,
    windows: Mapping[str, int],
) -> pa.Table:
    con.register("slo_specs", slos)
    params: dict[str, Any] = {
        "files": [str(f) for f in files],
        "at": _utc(at),
        "horizon": _utc(at - dt.timedelta(seconds=max(windows.values()))),
    }
    for name, width in windows.items():
        params[f"since_{name}"] = _utc(at - dt.timedelta(seconds=width))
    return con.execute(status_sql(windows), params).to_arrow_table()


EPISODES_SQL = """
WITH
spec AS (SELECT slo, objective FROM slo_specs),
samples AS (
    SELECT s.slo, make_timestamp(epoch_us(s."timestamp")) AS ts, s.good, s.total, p.objective
    FROM read_parquet($files, hive_partitioning = false) s
    JOIN spec p USING (slo)
    WHERE s."timestamp" < $until::TIMESTAMPTZ AND s."timestamp" >= $first::TIMESTAMPTZ
),
-- Events over [T - w, T) at every sample start T.
sums AS (
    SELECT slo, ts, objective,
           {window_sums}
    FROM samples
    WINDOW {frames}
),
burns AS (
    SELECT slo, ts,
           {burn_rates}
    FROM sums
    WHERE ts >= $since
),
states AS (
    SELECT slo, ts,
           CASE WHEN {page} THEN 'page' WHEN {ticket} THEN 'ticket' END AS severity
    FROM burns
),
marked AS (
    SELECT *,
           (severity IS DISTINCT FROM lag(severity) OVER (PARTITION BY slo ORDER BY ts))::INT
           AS change
    FROM states
),
runs AS (
    SELECT *, sum(change) OVER (PARTITION BY slo ORDER BY ts ROWS UNBOUNDED PRECEDING) AS run
    FROM marked
)
SELECT slo, severity, min(ts) AS started_at, max(ts) AS last_evaluated_at,
       count(*) AS evaluations
FROM runs
WHERE severity IS NOT NULL
GROUP BY slo, run, severity
ORDER BY slo, started_at
"""


def episodes_sql(windows: Mapping[str, int], rules: Sequence[BurnRateRule]) -> str:
    _names(windows)
    sums = ",\n           ".join(
        f"sum(good) OVER w_{n} AS good_{n}, sum(total) OVER w_{n} AS total_{n}" for n in windows
    )
    frames = ",\n           ".join(
        f"w_{n} AS (PARTITION BY slo ORDER BY ts RANGE BETWEEN $width_{n} PRECEDING "
        "AND CURRENT ROW EXCLUDE CURRENT ROW)"
        for n in windows
    )
    sql = EPISODES_SQL.replace("{window_sums}", sums).replace("{frames}", frames)
    return fill_rules(sql, windows, rules)


def fill_rules(sql: str, windows: Mapping[str, int], rules: Sequence[BurnRateRule]) -> str:
    """``sql`` with its burn rates per window and its page and ticket conditions written in."""
    burns = ",\n           ".join(
        f"CASE WHEN total_{n} > 0 THEN (total_{n} - good_{n}) / total_{n} END / (1 - objective)"
        f" AS b_{n}"
        for n in windows
    )

    def fires(severity: str) -> str:
        terms = [
            f"(b_{r.long_window} > $factor_{i} AND b_{r.short_window} > $factor_{i})"
            for i, r in enumerate(rules)
            if r.severity == severity
        ]
        return " OR ".join(terms) or "false"

    return (
        sql.replace("{burn_rates}", burns)
        .replace("{page}", fires("page"))
        .replace("{ticket}", fires("ticket"))
    )


def _episodes(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    files: Sequence[Path],
    slos: pa.Table,
    window: tuple[dt.datetime, dt.datetime],
    windows: Mapping[str, int],
    rules: Sequence[BurnRateRule],
    params: dict[str, Any],
) -> pa.Table:
    """Run one of the hand-written episode queries over ``window`` = [since, until), with the
    parameters both take (samples from the longest burn-rate window before ``since``)."""
    since, until = window
    con.register("slo_specs", slos.select(["slo", "objective"]))
    first = since - dt.timedelta(seconds=max(windows.values()))
    params = {
        **params,
        "files": [str(f) for f in files],
        "since": since,
        "until": until,
        "first": first,
    }
    for index, rule in enumerate(rules):
        params[f"factor_{index}"] = rule.factor
    return con.execute(sql, params).to_arrow_table()


def duckdb_episodes(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    slos: pa.Table,
    since: dt.datetime,
    until: dt.datetime,
    *,
    windows: Mapping[str, int],
    rules: Sequence[BurnRateRule],
) -> pa.Table:
    widths = {f"width_{name}": dt.timedelta(seconds=w) for name, w in windows.items()}
    return _episodes(
        con, episodes_sql(windows, rules), files=files, slos=slos, window=(since, until),
        windows=windows, rules=rules, params=widths,
    )  # fmt: skip


RUNNING_SQL = """
WITH
spec AS (SELECT slo, objective FROM slo_specs),
samples AS (
    SELECT s.slo, epoch(s."timestamp")::BIGINT // 60 AS minute,
           make_timestamp(epoch_us(s."timestamp")) AS ts, s.good, s.total, p.objective
    FROM read_parquet($files, hive_partitioning = false) s
    JOIN spec p USING (slo)
    WHERE s."timestamp" < $until::TIMESTAMPTZ AND s."timestamp" >= $first::TIMESTAMPTZ
),
-- A small integer key per SLO: the window passes hold every grid row with what it carries.
bounds AS (
    SELECT slo, row_number() OVER (ORDER BY slo)::INTEGER AS id,
           min(minute) AS lo, max(minute) AS hi, count(*) AS n
    FROM samples GROUP BY slo
),
-- A dense per-minute grid per SLO: the samples, and the minutes without one (of the SLOs with
-- fewer samples than minutes) as rows of zero events and no sample.
gaps AS (
    SELECT g.id, g.minute
    FROM (SELECT slo, id, unnest(range(lo, hi + 1)) AS minute FROM bounds WHERE n < hi - lo + 1) g
    ANTI JOIN (SELECT slo, minute FROM samples WHERE slo IN (
        SELECT slo FROM bounds WHERE n < hi - lo + 1)) s USING (slo, minute)
),
cells AS (
    SELECT b.id, s.minute::INTEGER AS minute, s.ts, s.good, s.total, s.objective
    FROM samples s JOIN bounds b USING (slo)
    UNION ALL
    SELECT id, minute::INTEGER, NULL, 0.0, 0.0, NULL FROM gaps
),
running AS (
    SELECT id, minute, ts, objective,
           sum(good) OVER c AS c_good, sum(total) OVER c AS c_total
    FROM cells
    WINDOW c AS (PARTITION BY id ORDER BY minute ROWS UNBOUNDED PRECEDING)
),
-- Events over [T - w, T) = C(T) - C(T - w), C(T) the events before T: lags over grid rows;
-- whether the neighbouring grid minutes hold a sample finds the episodes' edges.
lagged AS (
    SELECT id, ts, objective,
           coalesce(lag(ts) OVER o IS NOT NULL, false) AS prev_sampled,
           coalesce(lead(ts) OVER o IS NOT NULL, false) AS next_sampled,
           {window_sums}
    FROM running
    WINDOW o AS (PARTITION BY id ORDER BY minute)
),
burns AS (
    SELECT id, ts, prev_sampled, next_sampled,
           {burn_rates}
    FROM lagged
    WHERE ts IS NOT NULL AND ts >= $since
),
-- Only the evaluations that fire, or border a gap, go on: between two of them every
-- evaluation is quiet.
states AS (
    SELECT * FROM (
        SELECT id, ts, prev_sampled, next_sampled,
               CASE WHEN {page} THEN 'page' WHEN {ticket} THEN 'ticket' END AS severity
        FROM burns
    )
    WHERE severity IS NOT NULL OR NOT prev_sampled OR NOT next_sampled
),
marked AS (
    SELECT *,
           (severity IS DISTINCT FROM CASE
               WHEN NOT coalesce(lag(next_sampled) OVER s, false)
                    OR (prev_sampled AND lag(ts) OVER s = ts - INTERVAL 1 MINUTE)
               THEN lag(severity) OVER s END)::INT AS change
    FROM states
    WINDOW s AS (PARTITION BY id ORDER BY ts)
),
runs AS (
    SELECT *, sum(change) OVER (PARTITION BY id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS run
    FROM marked
)
SELECT b.slo, r.severity, min(r.ts) AS started_at, max(r.ts) AS last_evaluated_at,
       count(*) AS evaluations
FROM runs r JOIN bounds b USING (id)
WHERE r.severity IS NOT NULL
GROUP BY b.slo, r.run, r.severity
ORDER BY b.slo, started_at
"""


def running_sql(windows: Mapping[str, int], rules: Sequence[BurnRateRule]) -> str:
    """(a') the same formulation as leadline's ``burn_history`` and ``alert_history``: running
    sums on a dense per-minute grid keyed by a small integer per SLO (the samples and an anti
    join for the minutes without one), window sums as lags, and only the evaluations that fire
    or border a gap grouped into episodes. Every SLO of the benchmark samples at one phase (on
    the minute, or 15 s past it for a few), so every SLO is on its own grid here, as in leadline
    since it takes the grid for a constant phase (before, those few took its RANGE frames)."""
    _names(windows)
    sums = ",\n           ".join(
        f"lag(c_{x}, 1, 0) OVER o - lag(c_{x}, {w // 60 + 1}, 0) OVER o AS {x}_{n}"
        for n, w in windows.items()
        for x in ("good", "total")
    )
    return fill_rules(RUNNING_SQL.replace("{window_sums}", sums), windows, rules)


def duckdb_running_episodes(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    slos: pa.Table,
    since: dt.datetime,
    until: dt.datetime,
    *,
    windows: Mapping[str, int],
    rules: Sequence[BurnRateRule],
) -> pa.Table:
    return _episodes(
        con, running_sql(windows, rules), files=files, slos=slos, window=(since, until),
        windows=windows, rules=rules, params={},
    )  # fmt: skip


# --- (b) pandas ----------------------------------------------------------------------------------


def _read(files: Sequence[Path]) -> pd.DataFrame:
    """Samples with the SLO as a categorical and naive UTC timestamps."""
    table = pa.concat_tables(
        [
            pq.read_table(f, columns=["slo", "timestamp", "good", "total"], read_dictionary=["slo"])
            for f in files
        ]
    ).unify_dictionaries()
    frame = table.to_pandas()
    frame["timestamp"] = frame["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _burn(good: Any, total: Any, objective: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (total - good) / total, np.nan) / (1.0 - objective)


def pandas_status(
    files: Sequence[Path], slos: pa.Table, at: dt.datetime, windows: Mapping[str, int]
) -> pd.DataFrame:
    spec = slos.to_pandas()
    spec["window_start"] = spec["window_start"].astype("datetime64[us]")
    at_ = pd.Timestamp(at)
    horizon = at_ - pd.Timedelta(seconds=max(windows.values()))
    df = _read(files)
    df = df[df.timestamp < at_]
    df["slo"] = df.slo.cat.set_categories(spec.slo)  # SLOs without a specification -> NaN
    df = df[df.slo.notna()]
    codes = df.slo.cat.codes.to_numpy()
    stamps = df.timestamp.to_numpy()
    in_window = stamps >= spec.window_start.to_numpy()[codes]
    keep = in_window | (stamps >= horizon.to_datetime64())
    df, in_window, codes = df[keep], in_window[keep], codes[keep]
    sums = pd.DataFrame(
        {
            "slo": df.slo,
            "good": df.good.where(in_window),
            "total": df.total.where(in_window),
            "intervals": in_window.astype(np.int64),
        }
    )
    for name, width in windows.items():
        recent = (df.timestamp >= at_ - pd.Timedelta(seconds=width)).to_numpy()
        sums[f"good_{name}"] = df.good.where(recent)
        sums[f"total_{name}"] = df.total.where(recent)
    # min_count=1: a sum over no rows is null, as SQL's.
    events = sums.groupby("slo", observed=False).sum(min_count=1)
    events["intervals"] = events.intervals.fillna(0)

    # Time slices aligned to epoch multiples of their length.
    sliced_spec = spec.set_index("slo")
    by_slices = in_window & (sliced_spec.budgeting.to_numpy()[codes] == "timeslices")
    timeslices = df[by_slices]
    size = sliced_spec.timeslice_seconds.to_numpy()[codes[by_slices]]
    second = timeslices.timestamp.to_numpy().astype("datetime64[s]").astype(np.int64)
    per_slice = (
        pd.DataFrame(
            {
                "slo": timeslices.slo,
                "slice": second - second % size,
                "good": timeslices.good,
                "total": timeslices.total,
            }
        )
        .groupby(["slo", "slice"], observed=True)
        .sum()
    )
    per_slice = per_slice[per_slice.total > 0].reset_index()
    target = sliced_spec.timeslice_target.to_numpy()[per_slice.slo.cat.codes.to_numpy()]
    per_slice["good_slice"] = (per_slice.good / per_slice.total >= target).astype(np.int64)
    slices = per_slice.groupby("slo", observed=False).agg(
        good_slices=("good_slice", "sum"), slices=("good_slice", "size")
    )

    out = spec.set_index("slo").join(events).join(slices)
    out = out.reset_index()
    expected = (pd.Timestamp(at) - out.window_start).dt.total_seconds().astype(
        np.int64
    ) / out.step_seconds
    by_slices = out.budgeting == "timeslices"
    with np.errstate(divide="ignore", invalid="ignore"):
        sli_slices = np.where(out.slices > 0, out.good_slices / out.slices, np.nan)
        sli_events = np.where(out.total > 0, out.good / out.total, np.nan)
    sli = np.where(by_slices, sli_slices, sli_events)
    result = pd.DataFrame(
        {
            "slo": out.slo.astype(str),
            "objective": out.objective,
            "good": out.good.fillna(0.0),
            "total": out.total.fillna(0.0),
            "good_slices": out.good_slices.fillna(0).astype(np.int64),
            "slices": out.slices.fillna(0).astype(np.int64),
            "sli": sli,
            "error_budget_remaining": 1.0 - (1.0 - sli) / (1.0 - out.objective),
            "coverage": np.where(expected > 0, out.intervals.fillna(0) / expected, np.nan),
        }
    )
    for name in windows:
        result[f"burn_rate_{name}"] = _burn(
            out[f"good_{name}"].to_numpy(), out[f"total_{name}"].to_numpy(), out.objective
        )
    return result.sort_values("slo", ignore_index=True)


def pandas_episodes(
    files: Sequence[Path],
    slos: pa.Table,
    since: dt.datetime,
    until: dt.datetime,
    *,
    windows: Mapping[str, int],
    rules: Sequence[BurnRateRule],
) -> pd.DataFrame:
    spec = slos.select(["slo", "objective"]).to_pandas()
    first = pd.Timestamp(since) - pd.Timedelta(seconds=max(windows.values()))
    df = _read(files)
    df = df[(df.timestamp < pd.Timestamp(until)) & (df.timestamp >= first)]
    df["slo"] = df.slo.cat.set_categories(spec.slo)
    df = df[df.slo.notna()].sort_values(["slo", "timestamp"], ignore_index=True)
    objective = spec.objective.to_numpy()[df.slo.cat.codes.to_numpy()]
    grouped = df.set_index("timestamp").groupby("slo", observed=True, sort=True)[["good", "total"]]

    def burn(name: str) -> np.ndarray:
        # [T - w, T): closed="left" keeps the window's first instant and drops T itself; an
        # empty window sums to NaN, hence a null burn rate. Groups come out in (slo, time)
        # order, the frame's order.
        sums = grouped.rolling(pd.Timedelta(seconds=windows[name]), closed="left").sum()
        return _burn(sums.good.to_numpy(), sums.total.to_numpy(), objective)

    page = np.zeros(len(df), dtype=bool)
    ticket = np.zeros(len(df), dtype=bool)
    for rule in rules:
        fires = (burn(rule.long_window) > rule.factor) & (burn(rule.short_window) > rule.factor)
        if rule.severity == "page":
            page |= fires
        else:
            ticket |= fires
    severity = np.where(page, 2, np.where(ticket, 1, 0)).astype(np.int8)
    evaluated = (df.timestamp >= pd.Timestamp(since)).to_numpy()
    codes = df.slo.cat.codes.to_numpy()[evaluated]
    severity = severity[evaluated]
    stamps = df.timestamp.to_numpy()[evaluated]
    # Runs of equal severity per SLO: a new run where the severity or the SLO changes.
    new_slo = np.r_[True, codes[1:] != codes[:-1]]
    previous = np.r_[0, severity[:-1]]
    previous[new_slo] = 0  # before an SLO's first evaluation: quiet
    run = np.cumsum(severity != previous)
    firing = severity > 0
    runs = pd.DataFrame(
        {
            "code": codes[firing],
            "severity": severity[firing],
            "run": run[firing],
            "timestamp": stamps[firing],
        }
    )
    found = runs.groupby("run", sort=False).agg(
        code=("code", "first"),
        severity=("severity", "first"),
        started_at=("timestamp", "min"),
        last_evaluated_at=("timestamp", "max"),
        evaluations=("timestamp", "size"),
    )
    return pd.DataFrame(
        {
            "slo": spec.slo.to_numpy()[found.code.to_numpy()],
            "severity": np.where(found.severity.to_numpy() == 2, "page", "ticket"),
            "started_at": found.started_at.to_numpy(),
            "last_evaluated_at": found.last_evaluated_at.to_numpy(),
            "evaluations": found.evaluations.to_numpy().astype(np.int64),
        }
    ).sort_values(["slo", "started_at"], ignore_index=True)
