"""Scorecard and QBR on the large demo organisation (goal: each under 10 s).

The large demo (seed 1, as of 2026-11-25) is built once through the real ingest paths and
cached in ``benchmarks/output/report-large-seed1-v1``. Then, best of 3 after one warm-up run
(whose time is reported too): the organisation scorecard for 2026Q4, the team scorecard, the
QBR as HTML and as PDF. Nothing is cached between runs: each computes every pillar report.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from common import best_of, report
from leadline.config import load_settings
from leadline.context import App
from leadline.demo.run import build_demo
from leadline.scorecard import qbr
from leadline.scorecard.core import scorecard

AS_OF = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 12)
QUARTER = "2026Q4"
HOME = Path(__file__).resolve().parent / "output" / "report-large-seed1-v1"
GOAL = 10.0


def large_demo() -> App:
    """The cached large demo (built on first use; a marker says the build finished)."""
    marker = HOME / "built"
    app = App(load_settings(home=HOME / "home"))
    if not marker.exists():
        started = time.perf_counter()
        build_demo(app, seed=1, size="large", as_of=AS_OF)
        report("report", "build the large demo (once, cached)", time.perf_counter() - started)
        marker.write_text(AS_OF.isoformat(), encoding="utf-8")
    return app


def main() -> None:
    app = large_demo()
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cases = {
        "scorecard --by organisation (2026Q4 vs 2026Q3)": lambda: scorecard(
            app, by="organisation", period=QUARTER, now=NOW
        ),
        "scorecard --by team (100 stream-aligned + platform teams)": lambda: scorecard(
            app, by="team", period=QUARTER, now=NOW
        ),
        "report qbr --out FILE.html": lambda: qbr.render_html(app, QUARTER, now=NOW),
        "report qbr --out FILE.pdf": lambda: qbr.render_pdf(app, QUARTER, now=NOW),
    }
    for name, work in cases.items():
        started = time.perf_counter()
        work()  # warm-up: imports, DuckDB and the store's first queries
        first = time.perf_counter() - started
        seconds = best_of(repeats, work)
        report(
            "report",
            f"large demo: {name}",
            seconds,
            goal_seconds=GOAL,
            met=seconds < GOAL,
            first_run_seconds=round(first, 2),
        )
    app.close()


if __name__ == "__main__":
    main()
