"""Two independent implementations of leadline's DORA definitions (leadline.delivery.metrics),
for the benchmark to time and to check leadline's numbers against.

(a) One hand-written DuckDB SQL query over the lake's Parquet files, as a competent DuckDB user
    writes it: ASOF joins for time attribution, window functions, ``quantile_cont``.
(b) A vectorised pandas implementation, as a competent analyst writes it: ``merge_asof`` for
    attribution, ``groupby`` and ``quantile`` (linear interpolation).

Both take the same inputs as ``four_keys``: the files of each table, the service -> key mapping,
the window ``[since, until)``, the period (``"week"`` or None for totals), the production
environment names, the incident window and the key of services nobody owns. Both return one row
per key and bucket with the columns of ``four_keys``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

COLUMNS = [
    "key",
    "bucket",
    "days",
    "deployments",
    "deployment_frequency_per_day",
    "changes",
    "lead_time_p50_hours",
    "lead_time_p90_hours",
    "failed_deployments",
    "change_failure_rate",
    "incidents",
    "unresolved_incidents",
    "time_to_restore_p50_hours",
    "time_to_restore_p90_hours",
    "rework_deployments",
    "rework_rate",
]

# --- (a) DuckDB SQL ------------------------------------------------------------------------------

SQL = """
WITH
services AS (
    SELECT unnest($services) AS service, unnest($keys) AS key
),
shipped AS (
    SELECT deployment_id, service, finished_at::TIMESTAMP AS finished_at, commit_sha, change_type,
           lower(environment) AS environment
    FROM read_parquet($deployment_files, hive_partitioning = false)
    WHERE finished_at::TIMESTAMP < $until
      AND status = 'success'
      AND list_contains($production, lower(environment))
),
-- A release counts once per service: a commit's first deployment to a further production
-- environment, after the service deployed it elsewhere, is a promotion (not counted); it
-- stands for the latest counted deployment of that commit before it.
commit_runs AS (
    SELECT *,
           row_number() OVER (PARTITION BY service, commit_sha
                              ORDER BY finished_at, deployment_id) - 1 AS sha_position,
           row_number() OVER (PARTITION BY service, environment, commit_sha
                              ORDER BY finished_at, deployment_id) = 1 AS first_here
    FROM shipped
),
promotions AS (
    SELECT *, commit_sha IS NOT NULL AND first_here AND sha_position > 0 AS promotion
    FROM commit_runs
),
deployments AS (
    SELECT deployment_id, service, finished_at, commit_sha, change_type
    FROM promotions WHERE NOT promotion
),
aliases AS (
    SELECT deployment_id, deployment_id AS release_id, finished_at AS release_time
    FROM promotions WHERE NOT promotion
    UNION ALL
    SELECT p.deployment_id, r.deployment_id, r.finished_at
    FROM (SELECT *, max(CASE WHEN promotion THEN NULL ELSE sha_position END)
                    OVER (PARTITION BY service, commit_sha ORDER BY finished_at, deployment_id
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS release_position
          FROM promotions) p
    JOIN promotions r ON r.service = p.service AND r.commit_sha = p.commit_sha
                     AND r.sha_position = p.release_position
    WHERE p.promotion
),
-- A rollback is labelled, or redeploys a commit the service ran before (earlier in
-- (finished_at, deployment_id) order) that differs from the one it runs now; hotfixes and
-- rollbacks are remediations.
ordered AS (
    SELECT *, row_number() OVER (PARTITION BY service ORDER BY finished_at, deployment_id)
              AS position
    FROM deployments
),
flagged AS (
    SELECT deployment_id, service, finished_at,
           coalesce(change_type = 'rollback', false)
           OR coalesce(change_type = 'hotfix', false)
           OR (commit_sha IS NOT NULL
               AND lag(commit_sha) OVER by_time IS NOT NULL
               AND commit_sha <> lag(commit_sha) OVER by_time
               AND min(position) OVER (PARTITION BY service, commit_sha) < position)
           AS remediation
    FROM ordered
    WINDOW by_time AS (PARTITION BY service ORDER BY finished_at, deployment_id)
),
prod AS (
    SELECT *,
           coalesce(lead(remediation) OVER (PARTITION BY service
                                            ORDER BY finished_at, deployment_id), false)
           AS remediated
    FROM flagged
),
-- A change can ship from its merge (its commit when the merge is unknown or earlier).
changes AS (
    SELECT change_id, service, committed_at::TIMESTAMP AS start,
           CASE WHEN merged_at::TIMESTAMP > committed_at::TIMESTAMP
                THEN merged_at::TIMESTAMP ELSE committed_at::TIMESTAMP END AS anchor,
           deployment_id
    FROM read_parquet($change_files, hive_partitioning = false)
    WHERE committed_at::TIMESTAMP < $until
),
-- An explicit link counts when it names a successful production deployment finishing at or
-- after the change can ship; otherwise the service's first such deployment at or after it.
linked_changes AS (
    SELECT c.change_id, c.service, c.start, c.anchor, a.release_time AS deployed_at
    FROM changes c
    LEFT JOIN aliases a ON a.deployment_id = c.deployment_id AND a.release_time >= c.anchor
),
leads AS (
    SELECT service, start, deployed_at FROM linked_changes WHERE deployed_at IS NOT NULL
    UNION ALL
    SELECT u.service, u.start, p.finished_at
    FROM (SELECT service, start, anchor FROM linked_changes WHERE deployed_at IS NULL) u
    ASOF JOIN (SELECT service, finished_at FROM prod) p
        ON u.service = p.service AND u.anchor <= p.finished_at
),
incidents AS (
    SELECT incident_id, service, started_at::TIMESTAMP AS started_at,
           resolved_at::TIMESTAMP AS resolved_at, deployment_id
    FROM read_parquet($incident_files, hive_partitioning = false)
),
-- An incident's explicit deployment, else its service's latest deployment (by finished_at,
-- then id) at or before its start, at most $window_hours earlier.
failed_by_incident AS (
    SELECT a.release_id AS deployment_id
    FROM incidents i JOIN aliases a ON a.deployment_id = i.deployment_id
    WHERE i.started_at < $until
    UNION
    SELECT max(p.deployment_id)
    FROM (
        SELECT i.incident_id, i.service, i.started_at, d.finished_at AS last_deploy
        FROM (SELECT incident_id, service, started_at, deployment_id FROM incidents
              WHERE started_at < $until) i
        ANTI JOIN aliases k ON k.deployment_id = i.deployment_id
        ASOF JOIN (SELECT DISTINCT service, finished_at FROM prod) d
            ON i.service = d.service AND i.started_at >= d.finished_at
    ) n
    JOIN prod p ON p.service = n.service AND p.finished_at = n.last_deploy
    WHERE (floor(epoch(n.started_at))::BIGINT - floor(epoch(n.last_deploy))::BIGINT) / 3600.0
          <= $window_hours
    GROUP BY n.incident_id
),
buckets AS ({buckets}),
deploy_stats AS (
    SELECT coalesce(s.key, $unmapped) AS key, {bucket_of_deploy} AS bucket,
           count(*) AS deployments,
           count(*) FILTER (WHERE f.deployment_id IS NOT NULL OR p.remediated)
               AS failed_deployments,
           count(*) FILTER (WHERE p.remediation) AS rework_deployments
    FROM prod p
    LEFT JOIN services s USING (service)
    LEFT JOIN failed_by_incident f USING (deployment_id)
    WHERE p.finished_at >= $since
    GROUP BY ALL
),
lead_stats AS (
    SELECT coalesce(s.key, $unmapped) AS key, {bucket_of_lead} AS bucket,
           count(*) AS changes,
           quantile_cont(lead_hours, 0.5) AS lead_time_p50_hours,
           quantile_cont(lead_hours, 0.9) AS lead_time_p90_hours
    FROM (SELECT service, deployed_at,
                 (floor(epoch(deployed_at))::BIGINT - floor(epoch(start))::BIGINT) / 3600.0
                 AS lead_hours
          FROM leads WHERE deployed_at >= $since) l
    LEFT JOIN services s USING (service)
    GROUP BY ALL
),
restore_stats AS (
    SELECT coalesce(s.key, $unmapped) AS key, {bucket_of_incident} AS bucket,
           count(*) AS incidents,
           count(*) FILTER (WHERE NOT resolved) AS unresolved_incidents,
           quantile_cont(restore_hours, 0.5) FILTER (WHERE resolved)
               AS time_to_restore_p50_hours,
           quantile_cont(restore_hours, 0.9) FILTER (WHERE resolved)
               AS time_to_restore_p90_hours
    FROM (SELECT service, started_at,
                 coalesce(resolved_at >= started_at, false) AS resolved,
                 (floor(epoch(resolved_at))::BIGINT - floor(epoch(started_at))::BIGINT) / 3600.0
                 AS restore_hours
          FROM incidents WHERE started_at >= $since AND started_at < $until) i
    LEFT JOIN services s USING (service)
    GROUP BY ALL
),
keys AS (
    SELECT key FROM services WHERE key IS NOT NULL
    UNION SELECT key FROM deploy_stats
    UNION SELECT key FROM lead_stats
    UNION SELECT key FROM restore_stats
)
SELECT k.key, b.bucket, b.days,
       coalesce(d.deployments, 0) AS deployments,
       coalesce(d.deployments, 0) / b.days AS deployment_frequency_per_day,
       coalesce(l.changes, 0) AS changes,
       l.lead_time_p50_hours, l.lead_time_p90_hours,
       coalesce(d.failed_deployments, 0) AS failed_deployments,
       d.failed_deployments / d.deployments AS change_failure_rate,
       coalesce(r.incidents, 0) AS incidents,
       coalesce(r.unresolved_incidents, 0) AS unresolved_incidents,
       r.time_to_restore_p50_hours, r.time_to_restore_p90_hours,
       coalesce(d.rework_deployments, 0) AS rework_deployments,
       d.rework_deployments / d.deployments AS rework_rate
FROM keys k CROSS JOIN buckets b
LEFT JOIN deploy_stats d ON d.key = k.key AND d.bucket = b.bucket
LEFT JOIN lead_stats l ON l.key = k.key AND l.bucket = b.bucket
LEFT JOIN restore_stats r ON r.key = k.key AND r.bucket = b.bucket
ORDER BY k.key, b.bucket
"""

WEEK_BUCKETS = """
    SELECT b AS bucket,
           epoch(least(b + INTERVAL 7 DAY, $until) - greatest(b, $since)) / 86400 AS days
    FROM range(date_trunc('week', $since)::TIMESTAMP, $until, INTERVAL 7 DAY) r(b)
"""
TOTAL_BUCKETS = "SELECT $since AS bucket, epoch($until - $since) / 86400 AS days"


def sql_query(period: str | None) -> str:
    """The query for weekly buckets (``"week"``) or totals over the window (None)."""
    if period not in ("week", None):
        raise ValueError(f"period {period!r}: this baseline knows week and None")
    parts: dict[str, str] = {"buckets": WEEK_BUCKETS if period else TOTAL_BUCKETS}
    for name, column in (
        ("deploy", "p.finished_at"),
        ("lead", "deployed_at"),
        ("incident", "started_at"),
    ):
        parts[f"bucket_of_{name}"] = f"date_trunc('week', {column})" if period else "$since"
    text = SQL
    for name, value in parts.items():
        text = text.replace("{" + name + "}", value)
    return text


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """A default in-memory DuckDB (all cores, default memory limit), UTC as the lake's Lake."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def duckdb_four_keys(
    con: duckdb.DuckDBPyConnection,
    files: dict[str, list[Path]],
    mapping: tuple[list[str], list[str]],
    *,
    since: dt.datetime,
    until: dt.datetime,
    period: str | None,
    production_environments: Sequence[str],
    incident_window_hours: float,
    unmapped_key: str,
) -> pa.Table:
    params: dict[str, Any] = {
        "services": mapping[0],
        "keys": mapping[1],
        "deployment_files": [str(p) for p in files["deployments"]],
        "change_files": [str(p) for p in files["changes"]],
        "incident_files": [str(p) for p in files["incidents"]],
        "since": since,
        "until": until,
        "production": [e.lower() for e in production_environments],
        "window_hours": incident_window_hours,
        "unmapped": unmapped_key,
    }
    return con.execute(sql_query(period), params).fetch_arrow_table()


# --- (b) pandas ----------------------------------------------------------------------------------


def _read(files: list[Path], columns: list[str]) -> pd.DataFrame:
    frame = pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)
    for column in frame.columns:  # naive UTC, as the lake's engines see timestamps
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _seconds(values: pd.Series) -> pd.Series:
    """Whole epoch seconds (floor) of naive UTC timestamps."""
    micros = values.dt.as_unit("us").astype("int64")
    return micros // 1_000_000


def _hours_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (_seconds(later) - _seconds(earlier)) / 3600.0


def _week(values: pd.Series) -> pd.Series:
    day = values.dt.floor("D")
    return day - pd.to_timedelta(day.dt.weekday, unit="D")


def _buckets(since: dt.datetime, until: dt.datetime, period: str | None) -> pd.DataFrame:
    if period is None:
        return pd.DataFrame({"bucket": [since], "days": [(until - since) / dt.timedelta(days=1)]})
    first = pd.Timestamp(since).normalize()
    first -= pd.Timedelta(days=first.weekday())
    starts = pd.date_range(first, until, freq="7D", inclusive="left")
    ends = (starts + pd.Timedelta(days=7)).map(lambda e: min(e, pd.Timestamp(until)))
    days = (ends - starts.map(lambda s: max(s, pd.Timestamp(since)))) / pd.Timedelta(days=1)
    return pd.DataFrame({"bucket": starts.as_unit("us"), "days": np.asarray(days, float)})


def _pandas_production(
    dep: pd.DataFrame, until: Any, production: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counted successful production deployments (a release once per service: promotions of a
    commit to a further environment left out) with remediation and remediated flags; and
    aliases: every successful production deployment's id -> its release's id and time."""
    shipped = dep[
        (dep.finished_at < until)
        & (dep.status == "success")
        & dep.environment.str.lower().isin(production)
    ].drop(columns=["status"])
    shipped = shipped.assign(environment=shipped.environment.str.lower())
    shipped = shipped.sort_values(["service", "finished_at", "deployment_id"], ignore_index=True)
    sha_position = shipped.groupby(["service", "commit_sha"], sort=False, dropna=False).cumcount()
    first_here = (
        shipped.groupby(["service", "environment", "commit_sha"], sort=False, dropna=False)
        .cumcount()
        .eq(0)
    )
    promotion = shipped.commit_sha.notna() & first_here & (sha_position > 0)
    shipped = shipped.assign(sha_position=sha_position)
    releases = shipped[~promotion]
    promoted = pd.merge_asof(
        shipped.loc[
            promotion, ["deployment_id", "service", "commit_sha", "sha_position"]
        ].sort_values("sha_position"),
        releases[["service", "commit_sha", "sha_position", "deployment_id", "finished_at"]]
        .rename(columns={"deployment_id": "release_id", "finished_at": "release_time"})
        .sort_values("sha_position"),
        on="sha_position",
        by=["service", "commit_sha"],
        direction="backward",
    )
    aliases = pd.concat(
        [
            releases[["deployment_id"]].assign(
                release_id=releases.deployment_id, release_time=releases.finished_at
            ),
            promoted[["deployment_id", "release_id", "release_time"]],
        ],
        ignore_index=True,
    )
    prod = releases.drop(columns=["environment", "sha_position"]).reset_index(drop=True)
    by_service = prod.groupby("service", sort=False)
    previous_sha = by_service.commit_sha.shift()
    position = by_service.cumcount()
    first_position = position.groupby(
        [prod.service, prod.commit_sha], sort=False, dropna=False
    ).transform("min")
    redeploy = (
        prod.commit_sha.notna()
        & previous_sha.notna()
        & (prod.commit_sha != previous_sha)
        & (first_position < position)
    )
    prod["remediation"] = (
        prod.change_type.eq("rollback") | prod.change_type.eq("hotfix") | redeploy
    ).astype(bool)
    next_remediates = prod.groupby("service", sort=False).remediation.shift(-1)
    prod["remediated"] = next_remediates.fillna(False).astype(bool)
    return prod, aliases


def pandas_four_keys(
    files: dict[str, list[Path]],
    mapping: tuple[list[str], list[str]],
    *,
    since: dt.datetime,
    until: dt.datetime,
    period: str | None,
    production_environments: Sequence[str],
    incident_window_hours: float,
    unmapped_key: str,
) -> pd.DataFrame:
    services = pd.DataFrame({"service": mapping[0], "key": mapping[1]})
    key_of = dict(zip(services.service, services.key, strict=True))
    production = {e.lower() for e in production_environments}

    def keyed(frame: pd.DataFrame, at: str) -> pd.DataFrame:
        frame = frame.assign(key=frame.service.map(key_of).fillna(unmapped_key))
        bucket = _week(frame[at]) if period else pd.Series(pd.Timestamp(since), frame.index)
        return frame.assign(bucket=bucket.astype("datetime64[us]"))

    # Successful production deployments, remediations, and whether the next one remediates.
    dep = _read(
        files["deployments"],
        [
            "deployment_id",
            "service",
            "environment",
            "status",
            "finished_at",
            "commit_sha",
            "change_type",
        ],
    )
    prod, aliases = _pandas_production(dep, until, production)

    # Lead time: explicit link if valid, else the first deployment at or after the change.
    chg = _read(
        files["changes"], ["change_id", "service", "committed_at", "merged_at", "deployment_id"]
    )
    chg = chg[chg.committed_at < until]
    # A change can ship from its merge (its commit when the merge is unknown or earlier).
    chg = chg.assign(
        anchor=chg.committed_at.where(~(chg.merged_at > chg.committed_at), chg.merged_at)
    )
    explicit = aliases[["deployment_id", "release_time"]].rename(
        columns={"release_time": "explicit"}
    )
    chg = chg.merge(explicit, on="deployment_id", how="left")
    valid = chg.explicit >= chg.anchor
    linked = chg.loc[valid, ["service", "committed_at", "explicit"]].rename(
        columns={"explicit": "deployed_at"}
    )
    unlinked = chg.loc[~valid, ["service", "committed_at", "anchor"]].sort_values("anchor")
    times = prod[["service", "finished_at"]].sort_values("finished_at")
    attributed = pd.merge_asof(
        unlinked,
        times.rename(columns={"finished_at": "deployed_at"}),
        left_on="anchor",
        right_on="deployed_at",
        by="service",
        direction="forward",
        allow_exact_matches=True,
    ).dropna(subset=["deployed_at"])
    leads = pd.concat([linked, attributed], ignore_index=True)
    leads = leads[leads.deployed_at >= since]
    leads = keyed(
        leads.assign(hours=_hours_between(leads.deployed_at, leads.committed_at)), "deployed_at"
    )
    grouped = leads.groupby(["key", "bucket"]).hours
    lead_stats = pd.DataFrame(
        {
            "changes": grouped.size(),
            "lead_time_p50_hours": grouped.quantile(0.5),
            "lead_time_p90_hours": grouped.quantile(0.9),
        }
    )

    # Failures: incidents linked explicitly, else to the latest deployment within the window.
    inc = _read(
        files["incidents"], ["incident_id", "service", "started_at", "resolved_at", "deployment_id"]
    )
    early = inc[inc.started_at < until]
    known = early.deployment_id.isin(aliases.deployment_id)
    release_of = dict(zip(aliases.deployment_id, aliases.release_id, strict=True))
    failed_ids = {release_of[d] for d in early.deployment_id[known]}
    by_time = early.loc[~known, ["incident_id", "service", "started_at"]].sort_values("started_at")
    last = pd.merge_asof(
        by_time,
        times.drop_duplicates().rename(columns={"finished_at": "last_deploy"}),
        left_on="started_at",
        right_on="last_deploy",
        by="service",
        direction="backward",
        allow_exact_matches=True,
    ).dropna(subset=["last_deploy"])
    last = last[_hours_between(last.started_at, last.last_deploy) <= incident_window_hours]
    tied = last[["incident_id", "service", "last_deploy"]].merge(
        prod[["service", "finished_at", "deployment_id"]],
        left_on=["service", "last_deploy"],
        right_on=["service", "finished_at"],
    )
    # Of deployments finishing at that instant, the latest in (finished_at, id) order.
    failed_ids |= set(tied.groupby("incident_id").deployment_id.max())
    deploys = prod[prod.finished_at >= since]
    deploys = keyed(
        deploys.assign(failed=deploys.deployment_id.isin(failed_ids) | deploys.remediated),
        "finished_at",
    )
    grouped = deploys.groupby(["key", "bucket"])
    deploy_stats = pd.DataFrame(
        {
            "deployments": grouped.size(),
            "failed_deployments": grouped.failed.sum(),
            "rework_deployments": grouped.remediation.sum(),
        }
    )

    # Time to restore of incidents that started in the window.
    window = inc[(inc.started_at >= since) & (inc.started_at < until)]
    resolved = window.resolved_at.notna() & (window.resolved_at >= window.started_at)
    hours = _hours_between(window.resolved_at, window.started_at).where(resolved)
    window = keyed(window.assign(resolved=resolved, hours=hours), "started_at")
    grouped = window.groupby(["key", "bucket"])
    restore_stats = pd.DataFrame(
        {
            "incidents": grouped.size(),
            "unresolved_incidents": grouped.size() - grouped.resolved.sum(),
            "time_to_restore_p50_hours": grouped.hours.quantile(0.5),
            "time_to_restore_p90_hours": grouped.hours.quantile(0.9),
        }
    )

    stats = (deploy_stats, lead_stats, restore_stats)
    return _assemble(set(services.key.dropna()), stats, _buckets(since, until, period))


def _assemble(
    keys: set[str], stats: tuple[pd.DataFrame, ...], buckets: pd.DataFrame
) -> pd.DataFrame:
    """Every key that owns a service or has facts, in every bucket; empty buckets zero."""
    for table in stats:
        keys |= set(table.index.get_level_values("key"))
    out = pd.DataFrame({"key": sorted(keys)}).merge(buckets, how="cross")
    for table in stats:
        out = out.merge(table.reset_index(), on=["key", "bucket"], how="left")
    for column in (
        "deployments",
        "failed_deployments",
        "rework_deployments",
        "changes",
        "incidents",
        "unresolved_incidents",
    ):
        out[column] = out[column].fillna(0).astype("int64")
    out["deployment_frequency_per_day"] = out.deployments / out.days
    has = out.deployments > 0
    out["change_failure_rate"] = (out.failed_deployments / out.deployments).where(has)
    out["rework_rate"] = (out.rework_deployments / out.deployments).where(has)
    return out[COLUMNS].sort_values(["key", "bucket"], ignore_index=True)
