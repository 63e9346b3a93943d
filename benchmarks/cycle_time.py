"""Pull-request cycle time, broken down, per team per week over two years of a large organisation.

leadline's Ibis ``pull_request_phases`` + ``cycle_time`` on DuckDB (through ``Lake``, as
``leadline dora cycle-time`` runs it) against a hand-written DuckDB SQL query with an ASOF join
(``cycle_baseline``), measured in the same run over the same Parquet files: the DORA
benchmark's lake (10M changes, 1M deployments at scale 1.0) with 2M pull requests, 3M reviews
and 1.2M per-file rows added (``cycle_data``). Both must give the same numbers (integers equal,
floats within 1e-9 relative); the script exits 1 otherwise. Each runs in its own process
(``--mode``). Goal: leadline <= 1.3x the SQL.

Usage: ``cycle_time.py [--scale 1.0] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from common import child_result, peak_rss_mib, report, spawn, timings
from cycle_baseline import duckdb_cycle_time
from cycle_data import ensure_cycle_lake
from dora_baselines import duckdb_connection
from dora_data import SINCE, UNMAPPED_KEY, UNTIL, service_teams
from leadline.config import load_settings
from leadline.delivery.cycle_time import cycle_time, pull_request_phases
from leadline.delivery.metrics import shipped_deployments
from leadline.lake.engines import Lake
from leadline.periods import Window, buckets
from leadline.store import Store

HERE = Path(__file__).resolve().parent
MODES = ("leadline", "duckdb-sql")
PERIODS: dict[str, str | None] = {"week": "week", "totals": None}
TABLES = ("pull_requests", "pull_request_reviews", "pull_request_files", "changes", "deployments")
GOAL_VS_SQL = 1.3
KEY = ("key", "bucket")


def run_mode(mode: str, home: Path, seed: int, repeats: int) -> None:
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    lake = Lake(settings, store, "duckdb")
    window = Window(SINCE, UNTIL)
    services, teams = service_teams(seed)
    environments = settings.delivery.production_environments
    generated = settings.delivery.generated_paths

    def starts(period: str | None) -> list[Any]:
        return [b.start for b in buckets(window, "week")] if period else [window.since]

    def leadline(period: str | None) -> pa.Table:
        tables = {name: lake.table(name) for name in TABLES}
        until = ibis.literal(UNTIL, "timestamp(6)")
        deployments = tables["deployments"]
        shipped = shipped_deployments(
            deployments.filter(deployments.finished_at < until), environments
        )
        phases = pull_request_phases(
            tables["pull_requests"],
            tables["pull_request_reviews"],
            tables["pull_request_files"],
            tables["changes"],
            shipped,
            until=until,
            generated_paths=generated,
        )
        mapping = ibis.memtable(
            pa.table(
                {"service": services, "key": teams},
                schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
            )
        )
        grid = starts(period)
        grid_table = ibis.memtable(
            pa.table(
                {"bucket": grid, "days": [0.0] * len(grid)},
                schema=pa.schema([("bucket", pa.timestamp("us")), ("days", pa.float64())]),
            )
        )
        expr = cycle_time(
            phases,
            mapping,
            grid_table,
            since=ibis.literal(window.since, "timestamp(6)"),
            until=until,
            period="week" if period else None,
            unmapped_key=UNMAPPED_KEY,
        )
        return lake.execute(expr)

    files = {name: lake.files(name) for name in TABLES}
    con = duckdb_connection()

    def sql(period: str | None) -> pa.Table:
        return duckdb_cycle_time(
            con,
            files,
            (services, teams),
            since=SINCE,
            until=UNTIL,
            starts=starts(period),
            weekly=period is not None,
            production_environments=environments,
            generated_paths=generated,
            unmapped_key=UNMAPPED_KEY,
        )

    work = {"leadline": leadline, "duckdb-sql": sql}[mode]
    out: dict[str, Any] = {"mode": mode}
    for index, (name, period) in enumerate(PERIODS.items()):
        best, result, times = timings(
            max(1, repeats - index), lambda p=period: work(p), warm_up=index == 0
        )
        pq.write_table(result, home / f"cycle-result-{mode}-{name}.parquet")
        out[name] = {"seconds": best, "runs": [round(t, 3) for t in times], "rows": result.num_rows}
    out["peak_rss_mib"] = peak_rss_mib()
    store.dispose()
    child_result(out)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def compare(home: Path, period: str) -> list[str]:
    """Differences between leadline's result and the SQL's (empty: identical)."""
    ours, theirs = (
        {
            (r["key"], r["bucket"]): r
            for r in pq.read_table(home / f"cycle-result-{m}-{period}.parquet").to_pylist()
        }
        for m in MODES
    )
    problems = []
    if set(ours) != set(theirs):
        problems.append(f"{period}: rows differ ({len(ours)} vs {len(theirs)})")
    for key in sorted(set(ours) & set(theirs), key=str):
        for column, value in ours[key].items():
            if column not in KEY and not _same(value, theirs[key].get(column)):
                problems.append(
                    f"{period} {key}: {column} {value!r} vs {theirs[key].get(column)!r}"
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mode", choices=MODES)
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    if args.mode:
        run_mode(args.mode, args.home, args.seed, args.repeats)
        return 0
    home, meta = ensure_cycle_lake(args.scale, args.seed)
    results = {
        mode: spawn(
            HERE / "cycle_time.py",
            [
                "--mode",
                mode,
                "--home",
                str(home),
                "--seed",
                str(args.seed),
                "--repeats",
                str(args.repeats),
            ],
        )
        for mode in MODES
    }
    problems = [p for period in PERIODS for p in compare(home, period)]
    rows = meta["cycle_rows"]
    size = f"{rows['pull_requests']:,} PRs, {rows['pull_request_reviews']:,} reviews"  # type: ignore[index]
    for period in PERIODS:
        ours, sql = results["leadline"][period], results["duckdb-sql"][period]
        ratio = ours["seconds"] / sql["seconds"]
        report(
            "cycle_time",
            f"cycle time per team, {period} ({ours['rows']:,} rows; {size})",
            ours["seconds"],
            baseline="hand-written DuckDB SQL (ASOF join)",
            baseline_seconds=sql["seconds"],
            goal=GOAL_VS_SQL,
            met=ratio <= GOAL_VS_SQL,
            runs=ours["runs"],
            baseline_runs=sql["runs"],
            peak_rss_mib_leadline=results["leadline"]["peak_rss_mib"],
            peak_rss_mib_sql=results["duckdb-sql"]["peak_rss_mib"],
        )
    for problem in problems[:20]:
        print(f"DIFFERENCE {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
