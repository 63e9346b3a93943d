"""SLO budgets, burn rates and alerts of 1,000 SLOs over 30 days of one-minute samples.

leadline's Ibis metrics on DuckDB (through ``Lake``, as ``leadline slo status`` and ``leadline
slo alerts`` run them) against two baselines measured in the same run over the same committed
Parquet files: (a) hand-written DuckDB SQL, (a') for the alerts, hand-written DuckDB SQL of the
running-sum formulation leadline uses (issue 20), (b) vectorised pandas (see ``slo_baselines``).
Two cases:

- status: ``metrics.slo_status`` of every SLO at the end of the 30 days (SLI, events, error
  budget remaining, coverage, burn rates over the 7 status windows), the SLO table built by
  ``report.slo_table``;
- alerts: ``burn_rate_history`` + ``alert_states`` + ``alert_episodes`` over the whole 30 days
  with the four default (SRE workbook) rules: a burn rate per SLO, minute and window.

All three must produce the same numbers (status floats within 1e-9 relative, the same episode
lists); the benchmark exits non-zero if they do not. Each implementation runs in its own
process (``--mode``), so each peak RSS is its own. Goals: leadline <= 1.3x (a) (alerts: (a')),
>= 4x faster than (b), peak RSS <= 4 GiB.

Usage: ``slo.py [--scale 1.0] [--repeats 3] [--alert-repeats 3] [--pandas-repeats 1]``; the lake
generated for a scale is cached in ``benchmarks/output/`` (generation is not measured).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from common import child_result, peak_rss_mib, report, spawn, timings
from leadline.config import BurnRateRule, load_settings
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.reliability import metrics
from leadline.reliability.report import load_slos, rules_for, slo_table
from slo_baselines import (
    EPISODE_COLUMNS,
    duckdb_connection,
    duckdb_episodes,
    duckdb_running_episodes,
    duckdb_status,
    pandas_episodes,
    pandas_status,
    status_columns,
)
from slo_data import END, START, ensure_lake

MODES = ("leadline", "duckdb-sql", "duckdb-running", "pandas")
CASES = ("status", "alerts")
# (a') is the alerts' running-sum query only: its status would be (a)'s.
MODE_CASES = {"duckdb-running": ("alerts",)}
GOAL_VS_SQL, GOAL_VS_PANDAS, GOAL_RSS_MIB = 1.3, 4.0, 4096


def setup(home: Path) -> dict[str, Any]:
    """What ``report.status`` and ``report.alerts`` derive from the store and settings."""
    settings = load_settings(home=home)
    app = App(settings)
    slos = load_slos(app)
    rules = {s.name: rules_for(app, s) for s in slos}
    status_windows = {  # as report.status
        **metrics.STATUS_WINDOWS,
        **metrics.rule_windows(r for rs in rules.values() for r in rs),
    }
    keys = {
        tuple((r.severity, r.long_window, r.short_window, r.factor) for r in rs)
        for rs in rules.values()
    }
    if len(keys) != 1:
        raise SystemExit("the benchmark expects every SLO to use the default rules")
    default = next(iter(rules.values()))
    return {
        "app": app,
        "settings": settings,
        "slos": slos,
        "rules": default,
        "status_windows": status_windows,
        "alert_windows": metrics.rule_windows(default),
        "step": settings.reliability.step_seconds,
    }


def run_mode(mode: str, home: Path, repeats: dict[str, int]) -> None:
    ctx = setup(home)
    app, slos, step = ctx["app"], ctx["slos"], ctx["step"]
    rules: list[BurnRateRule] = ctx["rules"]
    lake = Lake(ctx["settings"], app.store, "duckdb")
    files = lake.files("sli_samples")

    # The SLO tables exactly as report.slo_table builds them, as Arrow for the baselines.
    def spec_arrow(at: dt.datetime) -> pa.Table:
        return ibis.duckdb.connect().to_pyarrow(slo_table(slos, at, step))

    def leadline(case: str) -> pa.Table:
        if case == "status":  # report.status, without shaping rows into JSON
            expr = metrics.slo_status(
                lake.table("sli_samples"),
                slo_table(slos, END, step),
                ibis.literal(END, "timestamp(6)"),
                ctx["status_windows"],
            )
            return lake.execute(expr)
        episodes = metrics.alert_history(  # report.alerts, one rule group
            lake.table("sli_samples"),
            slo_table(slos, END, step),
            ibis.literal(START, "timestamp(6)"),
            ibis.literal(END, "timestamp(6)"),
            rules,
        )
        return lake.execute(episodes)

    con = duckdb_connection()
    specs = spec_arrow(END)

    def sql(case: str) -> pa.Table:
        if case == "status":
            return duckdb_status(con, files, specs, END, ctx["status_windows"])
        return duckdb_episodes(
            con, files, specs, START, END, windows=ctx["alert_windows"], rules=rules
        )

    def running(case: str) -> pa.Table:
        return duckdb_running_episodes(
            con, files, specs, START, END, windows=ctx["alert_windows"], rules=rules
        )

    def frame(case: str) -> pa.Table:
        if case == "status":
            out = pandas_status(files, specs, END, ctx["status_windows"])
        else:
            out = pandas_episodes(
                files, specs, START, END, windows=ctx["alert_windows"], rules=rules
            )
        return pa.Table.from_pandas(out, preserve_index=False)

    work = {"leadline": leadline, "duckdb-sql": sql, "duckdb-running": running, "pandas": frame}[
        mode
    ]
    out: dict[str, Any] = {"mode": mode}
    for index, case in enumerate(MODE_CASES.get(mode, CASES)):
        # One unmeasured warm-up per process (files cached, code loaded) before the first case;
        # pandas has nothing to warm up and is slow, so all its runs are measured.
        best, result, times = timings(
            repeats[case], lambda c=case: work(c), warm_up=index == 0 and mode != "pandas"
        )
        pq.write_table(result, home / f"result-{mode}-{case}.parquet")
        out[case] = {"seconds": best, "runs": [round(t, 3) for t in times], "rows": result.num_rows}
        out[f"peak_rss_mib_after_{case}"] = peak_rss_mib()
    out["peak_rss_mib"] = peak_rss_mib()
    app.close()
    child_result(out)


# --- checking the numbers ---------------------------------------------------------------------


def _naive(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None or any(isinstance(v, float) and math.isnan(v) for v in (a, b)):
        # pandas writes missing floats as NaN or null; both mean "no value"
        def missing(v: Any) -> bool:
            return v is None or (isinstance(v, float) and math.isnan(v))

        return missing(a) and missing(b)
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)


def compare_status(home: Path, other: str, columns: list[str]) -> list[str]:
    def rows(mode: str) -> dict[str, dict[str, Any]]:
        table = pq.read_table(home / f"result-{mode}-status.parquet").select(columns)
        return {r["slo"]: r for r in table.to_pylist()}

    ours, theirs = rows("leadline"), rows(other)
    problems = []
    if set(ours) != set(theirs):
        only = sorted(set(ours) ^ set(theirs))[:5]
        problems.append(f"status: SLOs differ ({len(ours)} vs {len(theirs)}), e.g. {only}")
    for slo in sorted(set(ours) & set(theirs)):
        for column in columns[1:]:
            a, b = ours[slo][column], theirs[slo][column]
            if not _same(a, b):
                problems.append(f"status {slo} {column}: {a!r} vs {b!r}")
    return problems


def episodes_of(home: Path, mode: str) -> list[tuple[Any, ...]]:
    table = pq.read_table(home / f"result-{mode}-alerts.parquet").select(EPISODE_COLUMNS)
    return sorted(tuple(_naive(r[c]) for c in EPISODE_COLUMNS) for r in table.to_pylist())


def compare_alerts(home: Path, other: str) -> list[str]:
    ours, theirs = set(episodes_of(home, "leadline")), set(episodes_of(home, other))
    problems = [f"alerts: only leadline has {e}" for e in sorted(ours - theirs)[:10]]
    problems += [f"alerts: only {other} has {e}" for e in sorted(theirs - ours)[:10]]
    if ours != theirs:
        problems.append(
            f"alerts: {len(ours ^ theirs)} episodes differ ({len(ours)} vs {len(theirs)})"
        )
    return problems


def coverage_of_rules(home: Path, rules: list[BurnRateRule]) -> dict[str, int]:
    """Episodes per severity, and a sanity line that each severity fired."""
    counts: dict[str, int] = {}
    for episode in episodes_of(home, "leadline"):
        counts[episode[1]] = counts.get(episode[1], 0) + 1
    return counts


# --- the benchmark ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="x 1,000 SLOs (30 days each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="measured status runs")
    parser.add_argument("--alert-repeats", type=int, default=3, help="measured alert runs")
    parser.add_argument("--pandas-repeats", type=int, default=1)
    parser.add_argument("--modes", default=",".join(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    home, meta = ensure_lake(args.scale, args.seed)
    if args.mode:
        pandas = args.mode == "pandas"
        repeats = {
            "status": args.pandas_repeats if pandas else args.repeats,
            "alerts": args.pandas_repeats if pandas else args.alert_repeats,
        }
        run_mode(args.mode, home, repeats)
        return 0

    size = f"{meta['slos']:,} SLOs x 30 days of 1-minute samples ({meta['rows']:,} rows)"
    report("slo", f"generate lake ({size}), not measured", float(meta["generate_seconds"]))
    common = ["--scale", str(args.scale), "--seed", str(args.seed)]
    modes = [m for m in MODES if m in args.modes.split(",")]
    runs = {
        mode: spawn(
            Path(__file__).resolve(),
            [
                *common,
                "--mode",
                mode,
                "--repeats",
                str(args.repeats),
                "--alert-repeats",
                str(args.alert_repeats),
                "--pandas-repeats",
                str(args.pandas_repeats),
            ],
        )
        for mode in modes
    }
    ctx = setup(home)
    columns = status_columns(ctx["status_windows"])
    problems: list[str] = []
    for other in modes[1:]:
        if "status" in MODE_CASES.get(other, CASES):
            problems += [f"vs {other}: {p}" for p in compare_status(home, other, columns)]
        problems += [f"vs {other}: {p}" for p in compare_alerts(home, other)]
    matched = not problems
    ours = runs["leadline"]
    labels = {
        "status": f"status of every SLO at the end (7 windows; {size})",
        "alerts": f"burn-rate history + alert episodes, 4 rules, 30 days ({size})",
    }
    baselines = {
        "duckdb-sql": (f"<= {GOAL_VS_SQL}", "(a) hand-written DuckDB SQL (FILTER, RANGE frames)"),
        "duckdb-running": (
            f"<= {GOAL_VS_SQL}",
            "(a') hand-written DuckDB SQL, same running sums on a minute grid",
        ),
        "pandas": (f"<= {1 / GOAL_VS_PANDAS:.2f}", "(b) pandas (groupby, rolling)"),
    }
    for case in CASES:
        for other in modes[1:]:
            if case not in MODE_CASES.get(other, CASES):
                continue
            goal, baseline = baselines[other]
            report(
                "slo",
                labels[case],
                ours[case]["seconds"],
                baseline=baseline,
                baseline_seconds=runs[other][case]["seconds"],
                goal_ratio=goal,
                peak_rss_mib=round(ours["peak_rss_mib"], 1),
                baseline_peak_rss_mib=round(runs[other]["peak_rss_mib"], 1),
                leadline_runs=ours[case]["runs"],
                baseline_runs=runs[other][case]["runs"],
                rows=ours[case]["rows"],
                numbers_match=matched,
            )
    print(f"leadline episodes per severity: {json.dumps(coverage_of_rules(home, ctx['rules']))}")
    print("peak RSS MiB: " + json.dumps({m: round(r["peak_rss_mib"], 1) for m, r in runs.items()}))
    ctx["app"].close()
    if problems:
        print(f"numbers differ ({len(problems)} values):", file=sys.stderr)
        for line in problems[:30]:
            print("  " + line, file=sys.stderr)
        return 1
    print(
        f"numbers match: leadline = {' = '.join(modes[1:])} "
        "(status floats within 1e-9, identical episodes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
