"""Shared helpers: timing, peak memory of the benchmark process, one JSON line per result."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    started = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - started


def best_of(repeats: int, work: Callable[[], Any]) -> float:
    """Best wall time of ``repeats`` runs (the least disturbed by the machine)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def report(
    benchmark: str,
    case: str,
    seconds: float,
    *,
    baseline: str | None = None,
    baseline_seconds: float | None = None,
    **extra: Any,
) -> None:
    row = {
        "benchmark": benchmark,
        "case": case,
        "seconds": round(seconds, 4),
        "baseline": baseline,
        "baseline_seconds": None if baseline_seconds is None else round(baseline_seconds, 4),
        "ratio": None if not baseline_seconds else round(seconds / baseline_seconds, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        **extra,
    }
    print("RESULT " + json.dumps(row), flush=True)


def timings(repeats: int, work: Callable[[], Any], warm_up: bool) -> tuple[float, Any, list[float]]:
    """Best wall time of ``repeats`` runs (after one unmeasured run if ``warm_up``), the last
    result, and every run's time."""
    result = work() if warm_up else None
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result, times


CHILD = "CHILD "


def child_result(payload: Any) -> None:
    """What a benchmark's child process reports to its parent (one line on stdout)."""
    print(CHILD + json.dumps(payload, default=str), flush=True)


def spawn(script: Path, args: list[str]) -> dict[str, Any]:
    """Run ``script`` with ``args`` in its own process (so its peak RSS is its own) and return
    the last result it reported with ``child_result``; exit with its output if it failed."""
    done = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=script.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-5000:])
        raise SystemExit(f"{script.name} {' '.join(args)} failed ({done.returncode})")
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith(CHILD))
    return json.loads(line[len(CHILD) :])
