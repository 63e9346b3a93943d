"""The cycle-time breakdown as one hand-written DuckDB SQL query (the baseline of
``cycle_time.py``): the definitions of ``leadline.delivery.cycle_time`` with DuckDB's own ASOF
join for "the first successful production deployment of the service at or after the merge",
over the same Parquet files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from leadline.delivery.cycle_time import glob_regex

QUERY = """
WITH shipped AS (
    SELECT deployment_id, service, finished_at::TIMESTAMP AS finished_at
    FROM read_parquet($deployment_files, hive_partitioning = false)
    WHERE finished_at::TIMESTAMP < $until
      AND status = 'success'
      AND list_contains($production, lower(environment))
),
merged AS (
    SELECT * FROM read_parquet($pr_files, hive_partitioning = false)
    WHERE merged_at IS NOT NULL AND merged_at::TIMESTAMP < $until
),
-- the merge commit's change, probed with the pull requests (not every change grouped)
merge_changes AS (
    SELECT p.service, p.pr_id, min(c.committed_at::TIMESTAMP) AS c_committed,
           max(c.deployment_id) AS c_deployment
    FROM merged p
    JOIN read_parquet($change_files, hive_partitioning = false) c
      ON c.service = p.service AND c.commit_sha = p.merge_commit_sha
    GROUP BY p.service, p.pr_id
),
prs AS (
    SELECT p.pr_id, p.service, p.author, p.created_at::TIMESTAMP AS created_at,
           p.merged_at::TIMESTAMP AS merged_at, p.additions, p.deletions,
           coalesce(p.first_commit_at::TIMESTAMP,
                    CASE WHEN m.c_committed < p.created_at::TIMESTAMP THEN m.c_committed END)
               AS first_commit_at,
           m.c_deployment
    FROM merged p
    LEFT JOIN merge_changes m ON m.service = p.service AND m.pr_id = p.pr_id
),
timed AS (
    SELECT *, least(coalesce(first_commit_at, created_at), created_at) AS start
    FROM prs
),
anchored AS (
    SELECT *, CASE WHEN merged_at > start THEN merged_at ELSE start END AS anchor FROM timed
),
explicit AS (
    SELECT a.pr_id, a.service, s.finished_at AS deployed_at
    FROM anchored a JOIN shipped s
      ON s.deployment_id = a.c_deployment AND s.finished_at >= a.anchor
),
deployed AS (
    SELECT a.pr_id, a.service, coalesce(e.deployed_at, n.finished_at) AS deployed_at
    FROM anchored a
    LEFT JOIN explicit e ON e.pr_id = a.pr_id AND e.service = a.service
    ASOF LEFT JOIN (SELECT service, finished_at FROM shipped) n
        ON a.service = n.service AND a.anchor <= n.finished_at
),
first_reviews AS (
    SELECT r.service, r.pr_id, min(r.submitted_at::TIMESTAMP) AS first_review_at
    FROM read_parquet($review_files, hive_partitioning = false) r
    JOIN prs p ON p.service = r.service AND p.pr_id = r.pr_id
    WHERE (r.reviewer IS NULL OR p.author IS NULL OR r.reviewer <> p.author)
      AND r.submitted_at::TIMESTAMP <= p.merged_at
    GROUP BY r.service, r.pr_id
),
sizes AS (
    SELECT service, pr_id,
           coalesce(sum(additions + deletions)
                        FILTER (WHERE NOT regexp_matches(path, $generated)), 0) AS file_lines
    FROM read_parquet($file_files, hive_partitioning = false)
    GROUP BY service, pr_id
),
phases AS (
    SELECT a.service, a.merged_at, a.first_commit_at, f.first_review_at, d.deployed_at,
           CASE WHEN a.first_commit_at IS NOT NULL
                THEN (floor(epoch(a.created_at)) - floor(epoch(a.start))) / 3600.0 END
               AS coding_hours,
           -- a review before the opening counts at the opening (GREATEST skips nulls: guard)
           CASE WHEN f.first_review_at IS NOT NULL
                THEN (floor(epoch(greatest(f.first_review_at, a.created_at)))
                      - floor(epoch(a.created_at))) / 3600.0 END AS pickup_hours,
           CASE WHEN f.first_review_at IS NOT NULL
                THEN (floor(epoch(a.merged_at))
                      - floor(epoch(greatest(f.first_review_at, a.created_at)))) / 3600.0 END
               AS review_hours,
           (floor(epoch(d.deployed_at)) - floor(epoch(a.merged_at))) / 3600.0 AS deploy_hours,
           (floor(epoch(d.deployed_at)) - floor(epoch(a.start))) / 3600.0 AS cycle_hours,
           CASE WHEN z.pr_id IS NOT NULL THEN z.file_lines ELSE a.additions + a.deletions END
               AS size,
           z.pr_id IS NOT NULL AS size_filtered
    FROM anchored a
    JOIN deployed d ON d.pr_id = a.pr_id AND d.service = a.service
    LEFT JOIN first_reviews f ON f.pr_id = a.pr_id AND f.service = a.service
    LEFT JOIN sizes z ON z.pr_id = a.pr_id AND z.service = a.service
),
mapping AS (SELECT * FROM mapping_table),
keyed AS (
    SELECT coalesce(m.key, $unmapped) AS key,
           CASE WHEN $weekly THEN date_trunc('week', p.merged_at) ELSE $since END AS bucket,
           p.*
    FROM phases p LEFT JOIN mapping m ON m.service = p.service
    WHERE p.merged_at >= $since AND p.merged_at < $until
),
stats AS (
    SELECT key, bucket,
           count(*) AS pull_requests,
           count(*) FILTER (WHERE first_review_at IS NULL) AS unreviewed,
           count(*) FILTER (WHERE deployed_at IS NULL) AS undeployed,
           count(*) FILTER (WHERE first_commit_at IS NULL) AS without_first_commit,
           count(*) FILTER (WHERE size IS NOT NULL AND NOT size_filtered) AS size_unfiltered,
           quantile_cont(coding_hours, 0.5) AS coding_p50_hours,
           quantile_cont(coding_hours, 0.9) AS coding_p90_hours,
           quantile_cont(pickup_hours, 0.5) AS pickup_p50_hours,
           quantile_cont(pickup_hours, 0.9) AS pickup_p90_hours,
           quantile_cont(review_hours, 0.5) AS review_p50_hours,
           quantile_cont(review_hours, 0.9) AS review_p90_hours,
           quantile_cont(deploy_hours, 0.5) AS deploy_p50_hours,
           quantile_cont(deploy_hours, 0.9) AS deploy_p90_hours,
           quantile_cont(cycle_hours, 0.5) AS cycle_p50_hours,
           quantile_cont(cycle_hours, 0.9) AS cycle_p90_hours,
           quantile_cont(size::DOUBLE, 0.5) AS size_p50,
           quantile_cont(size::DOUBLE, 0.9) AS size_p90
    FROM keyed GROUP BY key, bucket
),
grid AS (
    SELECT k.key, b.bucket
    FROM (SELECT key FROM mapping WHERE key IS NOT NULL UNION SELECT key FROM stats) k
    CROSS JOIN buckets_table b
)
SELECT g.key, g.bucket,
       coalesce(s.pull_requests, 0) AS pull_requests,
       coalesce(s.unreviewed, 0) AS unreviewed,
       coalesce(s.undeployed, 0) AS undeployed,
       coalesce(s.without_first_commit, 0) AS without_first_commit,
       coalesce(s.size_unfiltered, 0) AS size_unfiltered,
       s.* EXCLUDE (key, bucket, pull_requests, unreviewed, undeployed, without_first_commit,
                    size_unfiltered)
FROM grid g LEFT JOIN stats s ON s.key = g.key AND s.bucket = g.bucket
"""


def duckdb_cycle_time(
    con: duckdb.DuckDBPyConnection,
    files: dict[str, list[Path]],
    mapping: tuple[list[str], list[str]],
    *,
    since: dt.datetime,
    until: dt.datetime,
    starts: Sequence[dt.datetime],
    weekly: bool,
    production_environments: Sequence[str],
    generated_paths: Sequence[str],
    unmapped_key: str,
) -> pa.Table:
    """Per team and bucket of the merge: counts and p50/p90 of each phase, cycle and size."""
    services, teams = mapping
    con.register("mapping_table", pa.table({"service": services, "key": teams}))
    con.register("buckets_table", pa.table({"bucket": pa.array(starts, pa.timestamp("us"))}))
    params = {
        "deployment_files": [str(f) for f in files["deployments"]],
        "change_files": [str(f) for f in files["changes"]],
        "pr_files": [str(f) for f in files["pull_requests"]],
        "review_files": [str(f) for f in files["pull_request_reviews"]],
        "file_files": [str(f) for f in files["pull_request_files"]],
        "production": [e.lower() for e in production_environments],
        "generated": "|".join(f"(?:{glob_regex(p)})" for p in generated_paths) or "$^",
        "since": since,
        "until": until,
        "weekly": weekly,
        "unmapped": unmapped_key,
    }
    return con.execute(QUERY, params).fetch_arrow_table()
