"""`make bench`: run every benchmark in its own process and print one table of results."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ["demo.py", "small"],
    ["demo.py", "large"],
    ["csv_ingest.py", "1000000"],
    ["engines.py", "1000000"],
    ["dora.py", "--scale", "1.0"],
    ["cycle_time.py", "--scale", "1.0"],
    ["slo.py", "--scale", "1.0"],
    ["finops.py", "--scale", "1.0"],
    ["focus_ingest.py", "--rows", "2000000"],
    ["connect.py"],
    ["report.py"],
    ["web.py"],
]


def main() -> int:
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    results = []
    for script, *args in BENCHMARKS:
        done = subprocess.run(
            [sys.executable, str(HERE / script), *args],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(f"{script} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
            return 1
        results += [
            json.loads(line[7:]) for line in done.stdout.splitlines() if line.startswith("RESULT ")
        ]
    header = (
        f"{'benchmark':<11} {'case':<66} {'leadline s':>10} {'baseline s':>10} {'ratio':>6} "
        f"{'peak MiB':>8}  baseline"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        base = "" if r["baseline_seconds"] is None else f"{r['baseline_seconds']:.3f}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(
            f"{r['benchmark']:<11} {r['case'][:66]:<66} {r['seconds']:>10.3f} {base:>10} "
            f"{ratio:>6} {r['peak_rss_mib']:>8.0f}  {r['baseline'] or ''}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
