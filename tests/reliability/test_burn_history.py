"""The burn-rate history as differences of running sums (reliability/burn_history.py, issue 20)
equals the RANGE-frame formulation it replaced, kept here as the reference, and hand-computed
values: gaps are zero events, windows without samples are null ("n/a"), samples off the
minute grid keep the frame formulation."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis import _

from leadline.lake.engines import duckdb_backend
from leadline.reliability import metrics
from leadline.reliability.burn_history import window_sums
from tests.reliability.slo_reference import Spec
from tests.reliability.support_slo import literal, samples_arrow, smp, specs_arrow

BACKEND = duckdb_backend()
BASE = dt.datetime(2026, 3, 1)
MINUTE = dt.timedelta(minutes=1)
Row = dict[str, Any]


def range_frame_history(
    samples: ibis.Table,
    slos: ibis.Table,
    since: ibis.Value,
    until: ibis.Value,
    windows: Mapping[str, int],
) -> ibis.Table:
    """``metrics.burn_rate_history`` before issue 20, verbatim: a sum over a RANGE frame of
    ``w`` on the timestamp, minus the current sample."""
    horizon = max(windows.values())
    spec = slos.select("slo", "objective")
    rows = samples.select("slo", "timestamp", "good", "total", "step_seconds").inner_join(
        spec, "slo"
    )
    rows = rows.filter(
        rows.timestamp < until, rows.timestamp >= since - ibis.interval(seconds=horizon)
    )
    columns = {}
    for name, width in windows.items():
        frame = ibis.range_window(
            group_by=_.slo,
            order_by=_.timestamp,
            preceding=ibis.interval(seconds=width),
            following=0,
        )
        columns[f"good_{name}"] = rows.good.sum().over(frame) - rows.good
        columns[f"total_{name}"] = rows.total.sum().over(frame) - rows.total
    summed = rows.mutate(**columns).filter(_.timestamp >= since)
    burns = {
        f"burn_rate_{name}": metrics.burn_rate(
            summed[f"good_{name}"], summed[f"total_{name}"], summed.objective
        )
        for name in windows
    }
    return summed.select("slo", "timestamp", "step_seconds", **burns)


def histories(
    samples: Sequence[Row],
    specs: Sequence[Spec],
    since: dt.datetime,
    until: dt.datetime,
    windows: Mapping[str, int],
) -> tuple[list[Row], list[Row]]:
    """(new, reference) history rows on DuckDB, by SLO and timestamp."""
    table = ibis.memtable(samples_arrow(samples))
    slos = ibis.memtable(specs_arrow(specs))
    args = (table, slos, literal(since), literal(until), windows)

    def run(expr: ibis.Table) -> list[Row]:
        rows = BACKEND.to_pyarrow(expr).to_pylist()
        return sorted(rows, key=lambda r: (r["slo"], r["timestamp"]))

    return run(metrics.burn_rate_history(*args)), run(range_frame_history(*args))


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 9)


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def test_gaps_are_zero_events_and_empty_windows_are_null() -> None:
    """Minutes 0, 1, 3 and 4 (2 missing), 10 % bad at minute 1 only, objective 0.9. At minute 3
    the 2-minute window [1, 3) holds minute 1 alone: burn (10/100)/0.1 = 1; at minute 4, [2, 4)
    holds minute 3 alone: 0 bad, burn 0. At minute 0 nothing precedes: null. Minute 3's 1-minute
    window [2, 3) holds no sample: null, not 0."""
    samples = [
        smp("a", BASE, 100.0, 100.0),
        smp("a", BASE + MINUTE, 90.0, 100.0),
        smp("a", BASE + 3 * MINUTE, 50.0, 50.0),
        smp("a", BASE + 4 * MINUTE, 10.0, 10.0),
    ]
    got, reference = histories(
        samples, [Spec("a", 0.9, BASE)], BASE, BASE + 10 * MINUTE, {"1m": 60, "2m": 120}
    )
    assert [(rounded(r["burn_rate_1m"]), rounded(r["burn_rate_2m"])) for r in got] == [
        (None, None),
        (0.0, 0.0),
        (None, 1.0),
        (0.0, 0.0),
    ]
    assert got == reference


def test_off_grid_slo_beside_an_on_grid_one() -> None:
    """An SLO with a sample at 17 s past the minute keeps the frame formulation, the other
    takes the grid; both give the hand-computed rates. ``b`` at 00:02:17 looks back 2 minutes to
    00:00:17: its 00:01:00 sample (20 % bad, burn 2), not the 00:00:00 one."""
    samples = [
        smp("a", BASE, 100.0, 100.0),
        smp("a", BASE + 2 * MINUTE, 100.0, 100.0),
        smp("b", BASE, 0.0, 100.0),
        smp("b", BASE + MINUTE, 80.0, 100.0),
        smp("b", BASE + 2 * MINUTE + dt.timedelta(seconds=17), 100.0, 100.0),
    ]
    specs = [Spec("a", 0.9, BASE), Spec("b", 0.9, BASE)]
    got, reference = histories(samples, specs, BASE, BASE + 5 * MINUTE, {"2m": 120})
    assert [(r["slo"], rounded(r["burn_rate_2m"])) for r in got] == [
        ("a", None),
        ("a", 0.0),
        ("b", None),
        ("b", 10.0),
        ("b", 2.0),
    ]
    assert got == reference


def test_slo_sampled_past_the_minute_takes_its_own_grid() -> None:
    """Samples at 15 s past every minute (a Prometheus pull started at :15), one minute missing:
    windows count whole minutes back from 15 s past, as the frame formulation does. Objective
    0.9; minute 1 is 10 % bad (burn 1). At 00:03:15 the 2-minute window [00:01:15, 00:03:15)
    holds 00:01:15 alone (00:02:15 is missing): burn 1; at 00:04:15, [00:02:15, 00:04:15)
    holds 00:03:15 alone: burn 0; the first sample has nothing before it: null."""
    past = dt.timedelta(seconds=15)
    samples = [
        smp("p", BASE + past, 100.0, 100.0),
        smp("p", BASE + MINUTE + past, 90.0, 100.0),
        smp("p", BASE + 3 * MINUTE + past, 100.0, 100.0),
        smp("p", BASE + 4 * MINUTE + past, 100.0, 100.0),
    ]
    got, reference = histories(
        samples, [Spec("p", 0.9, BASE)], BASE, BASE + 5 * MINUTE, {"2m": 120}
    )
    assert [rounded(r["burn_rate_2m"]) for r in got] == [None, 0.0, 1.0, 0.0]
    assert got == reference
    # On the grid, the samples know their neighbours (off it, they never do).
    sums, _keys = window_sums(
        ibis.memtable(samples_arrow(samples)),
        ibis.memtable(specs_arrow([Spec("p", 0.9, BASE)])),
        literal(BASE),
        literal(BASE + 5 * MINUTE),
        {"2m": 120},
        neighbours=True,
    )
    rows = BACKEND.to_pyarrow(sums.order_by("timestamp")).to_pylist()
    assert [(r["prev_sampled"], r["next_sampled"]) for r in rows] == [
        (False, True),
        (True, False),
        (False, True),
        (True, False),
    ]


WINDOW_SETS = (
    {"1m": 60, "5m": 300, "1h": 3600},
    {"90s": 90, "2m": 120, "30m": 1800},
    dict(metrics.STATUS_WINDOWS),
)


@st.composite
def sparse(draw: Any) -> dict[str, Any]:
    """One to three SLOs of sparse samples: runs with strides (gaps), zero-event samples, steps
    of 60 or 300 seconds, sometimes an SLO at 17 s past every minute (its own grid) or off any
    grid (runs at different seconds past the minute, or a fraction of a second); a range
    ``[since, until)`` and a set of windows."""
    samples: dict[tuple[str, dt.datetime], Row] = {}
    specs = []
    for index in range(draw(st.integers(1, 3))):
        name = f"slo-{index}"
        specs.append(Spec(name, draw(st.sampled_from((0.9, 0.99, 0.999))), BASE))
        # Usually on the minute; sometimes all at 17 s past it (its own grid), or off any grid:
        # a fraction of a second, or runs at different seconds past the minute.
        phases = draw(
            st.sampled_from(
                ((dt.timedelta(0),),) * 4
                + ((dt.timedelta(seconds=17),), (dt.timedelta(microseconds=5),))
                + ((dt.timedelta(0), dt.timedelta(seconds=17)),)
            )
        )
        for _run in range(draw(st.integers(0, 3))):
            offset = draw(st.sampled_from(phases))
            start = BASE + MINUTE * draw(st.integers(0, 600)) + offset
            stride = draw(st.sampled_from((1, 1, 2, 5, 13)))
            step = draw(st.sampled_from((60, 60, 300)))
            for i in range(draw(st.integers(1, 40))):
                total = float(draw(st.sampled_from((0, 0, 10, 100, 1000))))
                bad = float(draw(st.integers(0, int(total))))
                moment = start + MINUTE * stride * i
                samples[(name, moment)] = smp(name, moment, total - bad, total, step)
    since = BASE + MINUTE * draw(st.integers(0, 600))
    until = since + MINUTE * draw(st.integers(1, 900))
    return {
        "samples": sorted(samples.values(), key=lambda s: (s["slo"], s["timestamp"])),
        "specs": specs,
        "since": since,
        "until": until,
        "windows": draw(st.sampled_from(WINDOW_SETS)),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sparse())
def test_running_sums_equal_range_frames(case: dict[str, Any]) -> None:
    """For random sparse samples (gaps, zero-event samples, windows without samples, SLOs off
    the grid, windows not a whole number of minutes), the history equals the RANGE-frame
    formulation row for row: same evaluations, same burn rates, nulls where it has nulls."""
    got, reference = histories(
        case["samples"], case["specs"], case["since"], case["until"], case["windows"]
    )
    assert [(r["slo"], r["timestamp"], r["step_seconds"]) for r in got] == [
        (r["slo"], r["timestamp"], r["step_seconds"]) for r in reference
    ]
    for new, old in zip(got, reference, strict=True):
        assert all(same(new[k], old[k]) for k in old), (new, old)
