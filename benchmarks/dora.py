"""DORA four keys per team per week over two years of a large organisation.

leadline's Ibis ``four_keys`` on DuckDB (through ``Lake``, as ``leadline dora`` runs it) against
two baselines measured in the same run over the same committed Parquet files: (a) one
hand-written DuckDB SQL query with ASOF joins, (b) a vectorised pandas implementation (see
``dora_baselines``). All three must produce the same numbers (integers equal, floats within
1e-9 relative); the benchmark exits non-zero if they do not. Each implementation runs in its own
process (``--mode``), so each peak RSS is its own. Goals: leadline <= 1.3x (a), >= 4x faster
than (b), peak RSS <= 4 GiB.

Also: GitHub webhook ingest throughput (push + deployment + deployment_status NDJSON deliveries
with their headers) through ``run_ingest("github", ...)``, when that source is available.

Usage: ``dora.py [--scale 1.0] [--repeats 3] [--pandas-repeats 1] [--webhooks 20000]``; the
lake generated for a scale is cached in ``benchmarks/output/`` (generation is not measured).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from common import child_result, peak_rss_mib, report, spawn, timings
from dora_baselines import COLUMNS, duckdb_connection, duckdb_four_keys, pandas_four_keys
from dora_data import SINCE, UNMAPPED_KEY, UNTIL, ensure_lake, service_teams
from leadline.config import load_settings
from leadline.delivery.metrics import four_keys
from leadline.delivery.report import _months_up_to
from leadline.lake.engines import Lake
from leadline.periods import Window, buckets
from leadline.store import Store

HERE = Path(__file__).resolve().parent
MODES = ("leadline", "duckdb-sql", "pandas")
PERIODS: dict[str, str | None] = {"week": "week", "totals": None}
TABLES = ("deployments", "changes", "incidents")
GOAL_VS_SQL, GOAL_VS_PANDAS, GOAL_RSS_MIB = 1.3, 4.0, 4096


# --- one implementation per process ----------------------------------------------------------


def run_mode(mode: str, home: Path, seed: int, repeats: int) -> None:
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    lake = Lake(settings, store, "duckdb")
    window = Window(SINCE, UNTIL)
    services, teams = service_teams(seed)
    environments = settings.delivery.production_environments
    hours = settings.delivery.incident_window_hours

    def leadline(period: str | None) -> pa.Table:
        # What ``leadline dora`` does (report.dora), without shaping rows into JSON, judged at
        # the window's end (the as-of instant the SQL and pandas baselines implement).
        tables = {name: lake.table(name, _months_up_to(lake, name, UNTIL)) for name in TABLES}
        mapping = ibis.memtable(
            pa.table(
                {"service": services, "key": teams},
                schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
            )
        )
        grid = (
            [(b.start, b.days) for b in buckets(window, "week")]
            if period
            else [(window.since, window.days)]
        )
        grid_table = ibis.memtable(
            pa.table(
                {"bucket": [b for b, _ in grid], "days": [d for _, d in grid]},
                schema=pa.schema([("bucket", pa.timestamp("us")), ("days", pa.float64())]),
            )
        )
        expr = four_keys(
            tables["deployments"],
            tables["changes"],
            tables["incidents"],
            mapping,
            grid_table,
            since=ibis.literal(window.since, "timestamp(6)"),
            until=ibis.literal(window.until, "timestamp(6)"),
            period="week" if period else None,
            production_environments=environments,
            incident_window_hours=hours,
            unmapped_key=UNMAPPED_KEY,
        )
        return lake.execute(expr)

    files = {name: lake.files(name, _months_up_to(lake, name, UNTIL)) for name in TABLES}
    options: dict[str, Any] = {
        "since": SINCE,
        "until": UNTIL,
        "production_environments": environments,
        "incident_window_hours": hours,
        "unmapped_key": UNMAPPED_KEY,
    }
    con = duckdb_connection()

    def sql(period: str | None) -> pa.Table:
        return duckdb_four_keys(con, files, (services, teams), period=period, **options)

    def frame(period: str | None) -> pa.Table:
        out = pandas_four_keys(files, (services, teams), period=period, **options)
        return pa.Table.from_pandas(out, preserve_index=False)

    work = {"leadline": leadline, "duckdb-sql": sql, "pandas": frame}[mode]
    out: dict[str, Any] = {"mode": mode}
    for index, (name, period) in enumerate(PERIODS.items()):
        # One unmeasured warm-up per process (files cached, code loaded); pandas has nothing
        # to warm up and is slow, so all its runs are measured. Totals: one run fewer.
        best, result, times = timings(
            max(1, repeats - index),
            lambda p=period: work(p),
            warm_up=index == 0 and mode != "pandas",
        )
        pq.write_table(result, home / f"result-{mode}-{name}.parquet")
        out[name] = {"seconds": best, "runs": [round(t, 3) for t in times], "rows": result.num_rows}
    out["peak_rss_mib"] = peak_rss_mib()
    store.dispose()
    child_result(out)


# --- checking the numbers ---------------------------------------------------------------------


def _rows(path: Path) -> dict[tuple[str, dt.datetime], dict[str, Any]]:
    table = pq.read_table(path)
    rows: dict[tuple[str, dt.datetime], dict[str, Any]] = {}
    for row in table.select(COLUMNS).to_pylist():
        bucket = row["bucket"]
        if isinstance(bucket, dt.datetime) and bucket.tzinfo is not None:
            bucket = bucket.astimezone(dt.UTC).replace(tzinfo=None)
        rows[(row["key"], bucket)] = row
    return rows


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if any(isinstance(v, float) and math.isnan(v) for v in (a, b)):
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)


def compare(home: Path, period: str, other: str) -> list[str]:
    """Differences between leadline's result and ``other``'s (empty: identical)."""
    ours = _rows(home / f"result-leadline-{period}.parquet")
    theirs = _rows(home / f"result-{other}-{period}.parquet")
    problems = []
    if set(ours) != set(theirs):
        only = sorted(set(ours) ^ set(theirs))[:5]
        problems.append(f"{period}: rows differ ({len(ours)} vs {len(theirs)}), e.g. {only}")
    for key in sorted(set(ours) & set(theirs)):
        for column in COLUMNS[2:]:
            a, b = ours[key][column], theirs[key][column]
            if not _same(a, b):
                problems.append(f"{period} {key[0]} {key[1]:%Y-%m-%d} {column}: {a!r} vs {b!r}")
    return problems


def totals_of(home: Path, mode: str) -> dict[str, Any]:
    """Organisation-wide sums of the weekly result (a sanity line for the report)."""
    table = pq.read_table(home / f"result-{mode}-week.parquet")
    return {
        c: sum(v or 0 for v in table.column(c).to_pylist())
        for c in ("deployments", "changes", "failed_deployments", "incidents", "rework_deployments")
    }


# --- webhook ingest ---------------------------------------------------------------------------

REFERENCE = Path("/work/shared/reference/github")


def _templates() -> dict[str, dict[str, Any]]:
    names = {"push": "push", "deployment": "deployment", "deployment_status": "deployment_status"}
    here = HERE / "fixtures" / "github"
    out = {}
    for event, stem in names.items():
        for folder in (REFERENCE, here):
            path = folder / f"{stem}.payload.json"
            if path.exists():
                out[event] = json.loads(path.read_text())
                break
        else:
            raise FileNotFoundError(f"{stem}.payload.json")
    return out


def write_deliveries(path: Path, deployments: int, repos: int = 50) -> int:
    """NDJSON of GitHub deliveries with headers: per deployment one push (3 commits) to the
    default branch, one ``deployment`` and one ``deployment_status``. Returns the count."""
    templates = _templates()
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    count = 0

    def stamp(moment: dt.datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    with path.open("w") as out:
        for i in range(deployments):
            repo_index = i % repos
            repository = {
                **templates["push"]["repository"],
                "name": f"service-{repo_index:03d}",
                "full_name": f"bench-org/service-{repo_index:03d}",
                "default_branch": "main",
                "master_branch": "main",
            }
            moment = start + dt.timedelta(minutes=37 * i)
            pushed = moment - dt.timedelta(minutes=30)
            sha = uuid.UUID(int=i).hex + f"{i:08x}"
            commits = [
                {
                    "id": uuid.UUID(int=i * 3 + k + 1 << 64).hex + f"{k:08x}",
                    "timestamp": stamp(pushed - dt.timedelta(hours=k + 1)),
                    "message": f"Change {i}.{k}\n\nDetails",
                    "author": {"name": "Dev", "email": "dev@example.com", "username": "dev"},
                    "distinct": True,
                }
                for k in range(3)
            ]
            push = {
                **templates["push"],
                "ref": "refs/heads/main",
                "created": False,
                "deleted": False,
                "after": sha,
                "commits": commits,
                "head_commit": commits[-1],
                "repository": {**repository, "pushed_at": int(pushed.timestamp())},
            }
            deployment = {
                **templates["deployment"]["deployment"],
                "id": 10_000_000 + i,
                "sha": sha,
                "ref": "main",
                "environment": "production" if i % 7 else "staging",
                "created_at": stamp(moment - dt.timedelta(minutes=5)),
                "updated_at": stamp(moment - dt.timedelta(minutes=5)),
            }
            status = {
                **templates["deployment_status"]["deployment_status"],
                "id": 20_000_000 + i,
                "state": "success" if i % 10 else "failure",
                "environment": deployment["environment"],
                "created_at": stamp(moment),
                "updated_at": stamp(moment),
            }
            events = [
                ("push", push),
                (
                    "deployment",
                    {**templates["deployment"], "deployment": deployment, "repository": repository},
                ),
                (
                    "deployment_status",
                    {
                        **templates["deployment_status"],
                        "deployment": deployment,
                        "deployment_status": status,
                        "repository": repository,
                    },
                ),
            ]
            for event, payload in events:
                headers = {
                    "X-GitHub-Event": event,
                    "X-GitHub-Delivery": str(uuid.UUID(int=count + 1)),
                    "Content-Type": "application/json",
                }
                out.write(json.dumps({"headers": headers, "body": payload}) + "\n")
                count += 1
    return count


def run_webhooks(deployments: int) -> None:
    try:
        from leadline.ingest.registry import get_source
        from leadline.ingest.runner import run_ingest

        get_source("github")
    except Exception as error:  # any import or lookup failure: not available yet
        child_result({"skipped": f"github source unavailable: {error!r}"})
        return
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        source = base / "webhooks.ndjson"
        count = write_deliveries(source, deployments)
        size_mib = source.stat().st_size / 2**20
        settings = load_settings(home=base / "home")
        store = Store(settings.resolved_database_url)
        started = time.perf_counter()
        result = run_ingest("github", [source], settings=settings, store=store)
        seconds = time.perf_counter() - started
        lake = Lake(settings, store, "duckdb")
        landed = {
            name: lake.backend.to_pyarrow(lake.table(name).count()).as_py()
            if lake.files(name)
            else 0
            for name in TABLES
        }
        store.dispose()
    summary = [
        {k: getattr(r, k, None) for k in ("rows_read", "rows_accepted", "rows_rejected", "status")}
        for r in result.results
    ]
    child_result(
        {
            "deliveries": count,
            "mib": size_mib,
            "seconds": seconds,
            "landed": landed,
            "results": summary,
            "peak_rss_mib": peak_rss_mib(),
        },
    )


# --- the benchmark ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeats", type=int, default=3, help="measured runs per week query (leadline, SQL)"
    )
    parser.add_argument("--pandas-repeats", type=int, default=1)
    parser.add_argument("--webhooks", type=int, default=10_000, help="deployments (x3 deliveries)")
    parser.add_argument("--mode", choices=[*MODES, "webhooks"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    home, meta = ensure_lake(args.scale, args.seed)
    if args.mode == "webhooks":
        run_webhooks(args.webhooks)
        return 0
    if args.mode:
        run_mode(args.mode, home, args.seed, args.repeats)
        return 0

    rows = meta["rows"]
    assert isinstance(rows, dict)
    size = (
        f"{rows['changes']:,} changes, {rows['deployments']:,} deployments, "
        f"{rows['incidents']:,} incidents"
    )
    report("dora", f"generate lake ({size}), not measured", float(meta["generate_seconds"]))
    common = ["--scale", str(args.scale), "--seed", str(args.seed)]
    runs = {
        mode: spawn(
            Path(__file__).resolve(),
            [
                *common,
                "--mode",
                mode,
                "--repeats",
                str(args.pandas_repeats if mode == "pandas" else args.repeats),
            ],
        )
        for mode in MODES
    }
    problems: list[str] = []
    for name in PERIODS:
        for other in MODES[1:]:
            found = compare(home, name, other)
            problems += [f"vs {other}: {p}" for p in found]
    matched = not problems
    ours = runs["leadline"]
    for name in PERIODS:
        label = "per team per week" if name == "week" else "totals per team"
        case = f"four keys {label}, 2 years ({size})"
        for other, goal, baseline in (
            ("duckdb-sql", f"<= {GOAL_VS_SQL}", "(a) hand-written DuckDB SQL (ASOF joins)"),
            ("pandas", f"<= {1 / GOAL_VS_PANDAS:.2f}", "(b) pandas (merge_asof, groupby)"),
        ):
            report(
                "dora",
                case,
                ours[name]["seconds"],
                baseline=baseline,
                baseline_seconds=runs[other][name]["seconds"],
                goal_ratio=goal,
                peak_rss_mib=round(ours["peak_rss_mib"], 1),
                baseline_peak_rss_mib=round(runs[other]["peak_rss_mib"], 1),
                leadline_runs=ours[name]["runs"],
                baseline_runs=runs[other][name]["runs"],
                rows=ours[name]["rows"],
                numbers_match=matched,
            )
    sums = totals_of(home, "leadline")
    print(f"leadline weekly sums: {json.dumps(sums)}")
    if args.webhooks:
        hooks = spawn(
            Path(__file__).resolve(),
            [*common, "--mode", "webhooks", "--webhooks", str(args.webhooks)],
        )
        if "skipped" in hooks:
            print(f"note: webhook ingest skipped ({hooks['skipped']})")
        else:
            report(
                "dora",
                f"GitHub webhook ingest: {hooks['deliveries']:,} deliveries "
                f"({hooks['mib']:.0f} MiB NDJSON, push+deployment+status)",
                hooks["seconds"],
                deliveries_per_second=round(hooks["deliveries"] / hooks["seconds"]),
                landed=hooks["landed"],
                peak_rss_mib=round(hooks["peak_rss_mib"], 1),
            )
    if problems:
        print(f"numbers differ ({len(problems)} values):", file=sys.stderr)
        for line in problems[:30]:
            print("  " + line, file=sys.stderr)
        return 1
    print("numbers match: leadline = DuckDB SQL = pandas (ints equal, floats within 1e-9)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
