"""FinOps at scale: monthly showback by team and by tower over 20M FOCUS lines with 300 rules and
shared-cost splits, and FOCUS CSV ingest speed.

Showback: leadline (``finops.report.showback`` on DuckDB, as ``leadline finops showback`` runs
it) against (a) one hand-written DuckDB SQL query and (b) pandas, over the same committed Parquet
files (see ``finops_baselines``). Totals must be identical to the cent and every group within a
cent (the baselines round each group; leadline rounds by largest remainder); the script exits 1
otherwise. Each implementation runs in its own process (``--mode``) so each peak RSS is its own.
Goals: leadline <= 1.3x (a), >= 4x faster than (b), peak RSS <= 4 GiB.

Ingest: ``leadline ingest focus`` of a 2M-row FOCUS CSV against DuckDB's own CSV -> Parquet copy
of the same file (``COPY (FROM read_csv(...)) TO ... (FORMAT parquet)``). Goal: leadline at
least 70 % of DuckDB's speed (time ratio <= 1.43).

``--rules tag-value`` runs the showback with one tag-value rule (``to: {team: {tag: team}}``)
in place of the 200 team-tag rules (issue 19; the baselines join the tag's value with the
catalog's teams); ``--modes`` limits the implementations run.

Usage: ``finops.py [--scale 1.0] [--repeats 3] [--ingest-rows 2000000] [--rules tag-value]
[--modes leadline,duckdb-sql]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import select

from common import child_result, peak_rss_mib, report, spawn
from finops_baselines import duckdb_showback, pandas_showback
from finops_data import MONTH, VARIANTS, ensure_lake, variant_settings
from leadline.catalog.models import Service, Team
from leadline.config import load_settings
from leadline.context import App
from leadline.finops import report as finops
from leadline.finops.focus import COLUMNS
from leadline.finops.rules_source import active_rules
from leadline.ingest.registry import sources
from leadline.ingest.runner import run_ingest
from leadline.lake.engines import Lake

HERE = Path(__file__).resolve().parent
MODES = ("leadline", "duckdb-sql", "pandas")
BY = ("team", "tower")
START = MONTH.replace(tzinfo=None)
END = dt.datetime(2026, 4, 1)


def run_mode(mode: str, home: Path, repeats: int, variant: str) -> dict[str, Any]:
    app = App(variant_settings(home, variant))
    with app.store.session() as session:
        rules = active_rules(session)
        owners = {s.name: s.owner_team for s in session.scalars(select(Service))}
        teams = list(session.scalars(select(Team.name)))
    assert rules is not None
    files = Lake(app.settings, app.store).files("cost_lines")
    con = duckdb.connect()
    out: dict[str, Any] = {"mode": mode}
    for by in BY:

        def work(by: str = by) -> dict[str, Decimal]:
            if mode == "leadline":
                data = finops.showback(app, MONTH.strftime("%Y-%m"), by=by)
                groups = {g["key"]: Decimal(g["cost"]) for g in data["groups"]}
                return {**groups, "(total)": Decimal(data["total"])}
            if mode == "duckdb-sql":
                return duckdb_showback(
                    con, files, rules=rules, owners=owners, start=START, end=END, by=by, teams=teams
                )
            return pandas_showback(
                files, rules=rules, owners=owners, start=START, end=END, by=by, teams=teams
            )

        times, result = [], {}
        for _ in range(1 if mode == "pandas" else repeats):
            started = time.perf_counter()
            result = work()
            times.append(time.perf_counter() - started)
        out[by] = {
            "seconds": min(times),
            "runs": [round(t, 3) for t in times],
            "groups": {k: str(v) for k, v in result.items()},
        }
    out["peak_rss_mib"] = peak_rss_mib()
    out["rules"] = len(rules.rules)
    app.close()
    return out


def compare(ours: dict[str, str], theirs: dict[str, str], name: str) -> list[str]:
    problems = []
    if ours.get("(total)") != theirs.get("(total)"):
        problems.append(f"{name}: total {ours.get('(total)')} vs {theirs.get('(total)')}")
    for key in sorted(set(ours) | set(theirs)):
        a, b = Decimal(ours.get(key, "0")), Decimal(theirs.get(key, "0"))
        if abs(a - b) > Decimal("0.01"):
            problems.append(f"{name}: {key} {a} vs {b}")
    return problems


def focus_csv(home: Path, rows: int, target: Path) -> Path:
    """A FOCUS CSV of ``rows`` lines (every mandatory column) made from the lake's lines."""
    files = Lake(load_settings(home=home), App(load_settings(home=home)).store).files("cost_lines")
    table = pq.read_table(files[0]).slice(0, rows)
    columns = {}
    for column in COLUMNS:
        values = table.column(column.lake)
        if column.focus == "Tags":
            values = pa.array(
                [json.dumps(dict(v)) if v is not None else "" for v in values.to_pylist()]
            )
        elif pa.types.is_timestamp(values.type):  # as exports write them: 2026-03-01T00:00:00Z
            values = pc.strftime(values.cast(pa.timestamp("s", tz="UTC")), "%Y-%m-%dT%H:%M:%SZ")
        columns[column.focus] = values
    defaults = {
        "BillingPeriodEnd": "2026-04-01T00:00:00Z",
        "ChargePeriodEnd": None,
        "ListCost": None,
        "ContractedCost": None,
        "PublisherName": "AWS",
        "InvoiceIssuerName": "AWS",
        "BillingAccountName": "Payer",
    }
    out = pa.table(columns)
    for name, value in defaults.items():
        index = out.column_names.index(name)
        if value is None:
            source = {
                "ChargePeriodEnd": "ChargePeriodStart",
                "ListCost": "BilledCost",
                "ContractedCost": "BilledCost",
            }[name]
            out = out.set_column(index, name, out.column(source))
        else:
            out = out.set_column(index, name, pa.array([value] * out.num_rows))
    pacsv.write_csv(out, target)
    return target


def ingest_case(home: Path, rows: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="finops-bench-") as folder:
        csv_path = focus_csv(home, rows, Path(folder) / "focus.csv")
        size = csv_path.stat().st_size / 2**20

        def ours() -> float:
            # creating the store (migrations) and loading the sources are not the ingest
            target = load_settings(home=Path(folder) / f"home-{time.monotonic_ns()}")
            app = App(target)
            _ = app.store
            sources()
            started = time.perf_counter()
            result = run_ingest("focus", [csv_path], settings=target, store=app.store)
            seconds = time.perf_counter() - started
            assert result.exit_code == 0, result.results[0].problems[:3]
            app.close()
            return seconds

        def theirs() -> float:
            con = duckdb.connect()
            started = time.perf_counter()
            con.execute(
                f"COPY (FROM read_csv('{csv_path}')) TO '{folder}/copy.parquet' (FORMAT parquet)"
            )
            return time.perf_counter() - started

        runs = [(theirs(), ours()) for _ in range(repeats)]  # alternated: the same load
        duck_s, leadline_s = min(r[0] for r in runs), min(r[1] for r in runs)
        report(
            "finops",
            f"ingest {rows:,}-row FOCUS CSV ({size:.0f} MiB): validate, land",
            leadline_s,
            baseline="DuckDB COPY read_csv -> Parquet",
            baseline_seconds=duck_s,
            goal_ratio="<= 1.43 (>= 70 % of DuckDB's speed)",
            rows_per_second=round(rows / leadline_s),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ingest-rows", type=int, default=2_000_000)
    parser.add_argument("--rules", choices=VARIANTS, default="team-rules")
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES)
    )
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--generated", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode is None and not args.generated:
        # generate in a child: Linux keeps a process's peak RSS across exec, so the children
        # that measure must not be forked from a parent that held the generated data
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--scale",
                str(args.scale),
                "--seed",
                str(args.seed),
                "--generated",
            ],
            cwd=HERE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    home, meta = ensure_lake(args.scale, args.seed)
    if args.generated:
        return 0
    if args.mode:
        child_result(run_mode(args.mode, home, args.repeats, args.rules))
        return 0
    report(
        "finops",
        f"generate lake ({meta['rows']:,} lines), not measured",
        float(meta["generate_seconds"]),
    )
    modes = [m for m in MODES if m in args.modes.split(",")]
    assert modes[0] == "leadline", "--modes must include leadline"
    common = ["--scale", str(args.scale), "--seed", str(args.seed), "--repeats", str(args.repeats)]
    common += ["--rules", args.rules]
    runs = {mode: spawn(Path(__file__).resolve(), [*common, "--mode", mode]) for mode in modes}
    size = f"{meta['rows']:,} lines, {runs['leadline']['rules']} rules"
    if args.rules != "team-rules":
        size += f", {args.rules} rule"
    problems = []
    for other in modes[1:]:
        for by in BY:
            problems += compare(
                runs["leadline"][by]["groups"], runs[other][by]["groups"], f"{other} by {by}"
            )
    goals = {
        "duckdb-sql": ("<= 1.3", "(a) hand-written DuckDB SQL, one query"),
        "pandas": ("<= 0.25", "(b) pandas, masks per rule"),
    }
    for by in BY:
        for other in modes[1:]:
            goal, label = goals[other]
            report(
                "finops",
                f"showback {meta['month']} by {by} ({size})",
                runs["leadline"][by]["seconds"],
                baseline=label,
                baseline_seconds=runs[other][by]["seconds"],
                goal_ratio=goal,
                peak_rss_mib=round(runs["leadline"]["peak_rss_mib"], 1),
                baseline_peak_rss_mib=round(runs[other]["peak_rss_mib"], 1),
                leadline_runs=runs["leadline"][by]["runs"],
                baseline_runs=runs[other][by]["runs"],
                numbers_match=not problems,
            )
    print("total:", runs["leadline"]["team"]["groups"]["(total)"])
    if args.ingest_rows:
        ingest_case(home, min(args.ingest_rows, meta["rows"]), args.repeats)
    if problems:
        print(f"numbers differ ({len(problems)}):", file=sys.stderr)
        for line in problems[:20]:
            print("  " + line, file=sys.stderr)
        return 1
    print("numbers match: totals identical, every group within a cent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
