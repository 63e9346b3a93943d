"""Helpers of the SLO metric tests: sample rows, Arrow tables in the lake's stored schema, runs
of the metrics on an engine, comparisons with the reference, SLO rows in the store, sli.csv
files and random scenarios (hypothesis)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from leadline.config import BurnRateRule
from leadline.context import App
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.reliability import metrics
from leadline.reliability.models import Slo
from leadline.reliability.report import SLO_COLUMNS
from leadline.reliability.schemas import SLI_SAMPLES
from tests.delivery.support_metrics import TableFactory, arrow, t
from tests.reliability import slo_reference as ref
from tests.reliability.slo_reference import Rule, Spec

__all__ = ["t"]

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# The SRE workbook's four rules (config._workbook_rules), for the oracle.
WORKBOOK = (
    Rule("page", "1h", "5m", 14.4),
    Rule("page", "6h", "30m", 6.0),
    Rule("ticket", "1d", "2h", 3.0),
    Rule("ticket", "3d", "6h", 1.0),
)
# Tighter rules that fire on smaller bursts (more firing and more changes in the properties).
TIGHT = (
    Rule("page", "1h", "5m", 2.0),
    Rule("ticket", "6h", "30m", 0.5),
    Rule("ticket", "2h", "5m", 1.0),
)
HISTORY_WINDOWS = dict(metrics.STATUS_WINDOWS)
Row = dict[str, Any]


def smp(slo: str, timestamp: str | dt.datetime, good: float, total: float, step: int = 60) -> Row:
    """One SLI sample (timestamps naive UTC) of ``step`` seconds."""
    moment = t(timestamp) if isinstance(timestamp, str) else timestamp
    return {
        "slo": slo,
        "timestamp": moment,
        "good": float(good),
        "total": float(total),
        "step_seconds": step,
    }


def run_of(
    slo: str, start: str | dt.datetime, count: int, good: float, total: float, *, step: int = 60
) -> list[Row]:
    """``count`` consecutive samples of ``step`` seconds from ``start``, all alike."""
    first = t(start) if isinstance(start, str) else start
    return [
        smp(slo, first + dt.timedelta(seconds=step * i), good, total, step) for i in range(count)
    ]


def to_rules(rules: Sequence[Rule]) -> list[BurnRateRule]:
    return [
        BurnRateRule(
            severity=r.severity,  # type: ignore[arg-type]
            long_window=r.long_window,
            short_window=r.short_window,
            factor=r.factor,
        )
        for r in rules
    ]


def samples_arrow(samples: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Samples as the lake stores them (step 60)."""
    return arrow(SLI_SAMPLES, [{"step_seconds": 60, **s} for s in samples])


def specs_arrow(specs: Sequence[Spec]) -> pa.Table:
    """Specifications as ``report.slo_table`` builds them (no nullable integers)."""
    return pa.table(
        {
            "slo": [s.slo for s in specs],
            "objective": [s.objective for s in specs],
            "budgeting": [s.budgeting for s in specs],
            "timeslice_target": [s.timeslice_target for s in specs],
            "timeslice_seconds": [s.timeslice_seconds for s in specs],
            "step_seconds": [s.step_seconds for s in specs],
            "window_start": [s.window_start for s in specs],
        },
        schema=SLO_COLUMNS,
    )


def literal(moment: dt.datetime) -> ibis.Value:
    return ibis.literal(moment, "timestamp(6)")


def _sorted(table: pa.Table, *keys: str) -> list[Row]:
    return sorted(table.to_pylist(), key=lambda r: tuple(r[k] for k in keys))


def run_status(
    backend: Any,
    samples: Sequence[Row],
    specs: Sequence[Spec],
    at: dt.datetime,
    *,
    windows: Mapping[str, int] = metrics.STATUS_WINDOWS,
    make: TableFactory = ibis.memtable,
) -> list[Row]:
    """``slo_status`` on ``backend``, rows by SLO."""
    expr = metrics.slo_status(
        make(samples_arrow(samples)), make(specs_arrow(specs)), literal(at), windows
    )
    return _sorted(backend.to_pyarrow(expr), "slo")


def history_expr(
    samples: ibis.Table,
    specs: ibis.Table,
    since: dt.datetime,
    until: dt.datetime,
    windows: Mapping[str, int] = HISTORY_WINDOWS,
) -> ibis.Table:
    return metrics.burn_rate_history(samples, specs, literal(since), literal(until), windows)


def run_alerts(
    backend: Any,
    samples: Sequence[Row],
    specs: Sequence[Spec],
    since: dt.datetime,
    until: dt.datetime,
    *,
    rules: Sequence[Rule] = WORKBOOK,
    windows: Mapping[str, int] = HISTORY_WINDOWS,
    make: TableFactory = ibis.memtable,
) -> tuple[list[Row], list[Row], list[Row]]:
    """(burn-rate history, alert states, alert episodes) on ``backend``."""
    history = history_expr(
        make(samples_arrow(samples)), make(specs_arrow(specs)), since, until, windows
    )
    states = metrics.alert_states(history, to_rules(rules))
    episodes = _sorted(backend.to_pyarrow(metrics.alert_episodes(states)), "slo", "started_at")
    # The one-pass form the reports run must give the same episodes, row for row.
    fused = metrics.alert_history(
        make(samples_arrow(samples)),
        make(specs_arrow(specs)),
        literal(since),
        literal(until),
        to_rules(rules),
    )
    assert _sorted(backend.to_pyarrow(fused), "slo", "started_at") == episodes
    return (
        _sorted(backend.to_pyarrow(history), "slo", "timestamp"),
        _sorted(backend.to_pyarrow(states), "slo", "timestamp"),
        episodes,
    )


def run_monthly(
    backend: Any,
    samples: Sequence[Row],
    specs: Sequence[Spec],
    make: TableFactory = ibis.memtable,
) -> list[Row]:
    expr = metrics.monthly_attainment(make(samples_arrow(samples)), make(specs_arrow(specs)))
    return _sorted(backend.to_pyarrow(expr), "slo", "month")


def same(a: Any, b: Any) -> bool:
    """Equal, floats to a relative 1e-9 (absolute 1e-12 near 0)."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def differences(got: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]) -> list:
    """What differs between two row lists (same order), as readable lines; empty if equal."""
    if len(got) != len(expected):
        return [f"{len(got)} rows, expected {len(expected)}:\n got {got}\n expected {expected}"]
    out = []
    for g, e in zip(got, expected, strict=True):
        for name in e:
            if not same(g.get(name), e[name]):
                out.append(f"{name}: got {g.get(name)!r}, expected {e[name]!r} in {g}")
    return out


def check_all(
    backend: Any,
    scenario: Mapping[str, Any],
    make: TableFactory = ibis.memtable,
) -> None:
    """Assert status, burn-rate history, alert states, episodes and monthly attainment on
    ``backend`` equal the reference's for a scenario of :func:`scenarios`."""
    samples, specs, rules = scenario["samples"], scenario["specs"], scenario["rules"]
    at, since, until = scenario["at"], scenario["since"], scenario["until"]
    got = run_status(backend, samples, specs, at, make=make)
    assert differences(got, ref.status(samples, specs, at, metrics.STATUS_WINDOWS)) == []
    history, states, episodes = run_alerts(
        backend, samples, specs, since, until, rules=rules, make=make
    )
    expected_history = ref.burn_rate_history(samples, specs, since, until, HISTORY_WINDOWS)
    assert differences(history, expected_history) == []
    expected_states = ref.alert_states(expected_history, rules)
    assert differences(states, expected_states) == []
    assert differences(episodes, ref.alert_episodes(expected_states)) == []
    monthly = run_monthly(backend, samples, specs, make=make)
    assert differences(monthly, ref.monthly_attainment(samples, specs)) == []


# --- the store, sli.csv files, ingest -----------------------------------------------------


def add_slo(
    app: App,
    name: str,
    service: str,
    objective: float,
    *,
    window_kind: str = "rolling",
    window_days: int | None = 28,
    calendar_unit: str | None = None,
    budgeting: str = "occurrences",
    timeslice_target: float | None = None,
    timeslice_seconds: int | None = None,
    alerting: list[dict[str, Any]] | None = None,
) -> None:
    """Put one SLO specification in the store (as the OpenSLO importer would)."""
    with app.store.session() as session:
        session.add(
            Slo(
                name=name,
                service=service,
                objective=objective,
                window_kind=window_kind,
                window_days=window_days if window_kind == "rolling" else None,
                calendar_unit=calendar_unit,
                budgeting=budgeting,
                timeslice_target=timeslice_target,
                timeslice_seconds=timeslice_seconds,
                sli_kind="ratio",
                indicator={},
                alerting=alerting or [],
                document={},
            )
        )


SLI_HEADER = "slo,timestamp,good,total"
SLI_HEADER_STEP = "slo,timestamp,good,total,step_seconds"


def csv_lines(samples: Sequence[Mapping[str, Any]]) -> list[str]:
    """sli.csv lines of samples under SLI_HEADER_STEP (timestamps with a Z)."""
    return [
        f"{s['slo']},{s['timestamp'].isoformat()}Z,{s['good']:g},{s['total']:g},"
        f"{s.get('step_seconds', 60)}"
        for s in samples
    ]


def write_samples(path: Path, samples: Sequence[Mapping[str, Any]]) -> Path:
    """An sli.csv file of the samples, with their steps."""
    return write_sli_csv(path, csv_lines(samples), SLI_HEADER_STEP)


def write_sli_csv(path: Path, lines: Sequence[str], header: str = SLI_HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def ingest_samples(app: App, path: Path) -> IngestReport:
    return run_ingest("sli-csv", [path], settings=app.settings, store=app.store)


# --- random scenarios (hypothesis) ---------------------------------------------------------

BASE = dt.datetime(2026, 3, 28)  # five days of data run into April: two months
OBJECTIVES = (0.9, 0.95, 0.99, 0.999)
SLICINGS = ((300, 0.9), (600, 0.99), (3600, 0.95), (120, 1.0), (60, 0.5))
BAD_FRACTIONS = (0.0, 0.0, 0.0005, 0.01, 0.02, 0.1, 0.5, 1.0)
BUDGETING = ("occurrences", "occurrences", "timeslices", "ratio_timeslices")
TOTALS = (0.0, 1.0, 3.0, 100.0, 100.0, 1000.0)


def scenarios(st: Any) -> Any:
    """A strategy of scenarios: one to three SLOs (occurrences, time slices or ratio time slices
    of 1 to 60 minutes, slices not always dividing the data's odd-second offsets), each with up
    to four runs of samples of 60 or 300 seconds (some strided, leaving gaps; some at odd
    seconds; overlapping runs replace samples by timestamp) with bursts of bad events; an
    instant ``at`` (often on or just after a sample's start) with a window start per SLO; and an
    alert range ``[since, until)`` with either the workbook's rules or tighter ones."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        count = draw(st.integers(1, 3))
        samples: dict[tuple[str, dt.datetime], Row] = {}
        kinds = []
        for index in range(count):
            name = f"slo-{index}"
            budgeting = draw(st.sampled_from(BUDGETING))
            kinds.append((name, draw(st.sampled_from(OBJECTIVES)), budgeting))
            for _ in range(draw(st.sampled_from((0, 1, 2, 3, 4, 4)))):
                start = BASE + MINUTE * draw(st.integers(0, 5 * 1440))
                start += dt.timedelta(seconds=draw(st.sampled_from((0, 0, 0, 17))))
                stride = draw(st.sampled_from((1, 1, 1, 2, 7)))
                bad = draw(st.sampled_from(BAD_FRACTIONS))
                total = draw(st.sampled_from(TOTALS))
                step = draw(st.sampled_from((60, 60, 60, 300)))
                for i in range(draw(st.integers(1, 60))):
                    moment = start + MINUTE * stride * i
                    wrong = float(round(total * bad))
                    samples[(name, moment)] = smp(name, moment, total - wrong, total, step)
        pool = sorted(s["timestamp"] for s in samples.values())
        at = BASE + MINUTE * draw(st.integers(0, 6 * 1440))
        at += dt.timedelta(seconds=draw(st.sampled_from((0, 0, 30))))
        if pool and draw(st.integers(0, 3)):  # mostly on or just after a sample's start
            at = draw(st.sampled_from(pool)) + MINUTE * draw(st.sampled_from((0, 0, 1, 45)))
        specs = []
        for name, objective, budgeting in kinds:
            back = draw(st.sampled_from((0, 3600, 86400, 3 * 86400, 40 * 86400, 40 * 86400)))
            start = at - dt.timedelta(seconds=back)
            if pool and not draw(st.integers(0, 3)):
                start = draw(st.sampled_from([p for p in pool if p <= at] or [start]))
            seconds, target = draw(st.sampled_from(SLICINGS))
            specs.append(
                Spec(
                    slo=name,
                    objective=objective,
                    window_start=start,
                    budgeting=budgeting,
                    timeslice_target=target if budgeting != "occurrences" else 0.0,
                    timeslice_seconds=seconds if budgeting != "occurrences" else 0,
                )
            )
        since = BASE + MINUTE * draw(st.integers(0, 5 * 1440))
        if pool and draw(st.integers(0, 3)):  # mostly from a sample's start
            since = draw(st.sampled_from(pool))
        until = since + MINUTE * draw(st.integers(1, 6 * 1440))
        if pool and draw(st.booleans()):
            until = max(draw(st.sampled_from(pool)), since + MINUTE)
        return {
            "samples": sorted(samples.values(), key=lambda s: (s["slo"], s["timestamp"])),
            "specs": specs,
            "at": at,
            "since": since,
            "until": until,
            "rules": draw(st.sampled_from((WORKBOOK, TIGHT))),
        }

    return build()
