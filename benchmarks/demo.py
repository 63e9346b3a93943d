"""The demo organisation: generate source files and ingest them (small must be < 30 s)."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from common import report
from leadline.config import load_settings
from leadline.context import App
from leadline.demo.run import build_demo


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "small"
    with tempfile.TemporaryDirectory() as scratch:
        app = App(load_settings(home=Path(scratch) / "home"))
        result = build_demo(app, seed=1, size=size, as_of=dt.date(2026, 11, 25))
        rows = sum(r.rows_read for rep in result.reports for r in rep.results)
        rerun = build_demo(app, seed=1, size=size, as_of=dt.date(2026, 11, 25))
        app.close()
    report(
        "demo",
        f"{size}: generate + ingest ({rows} entities)",
        result.seconds,
        target_seconds=30 if size == "small" else None,
    )
    report("demo", f"{size}: re-run (idempotent, nothing lands)", rerun.seconds)


if __name__ == "__main__":
    main()
