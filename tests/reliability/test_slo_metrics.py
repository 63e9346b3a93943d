"""Hand-computed checks of the SLO metrics (reliability/metrics.py) on DuckDB: SLI and error
budget for occurrences and time slices, exact window boundaries, gaps and coverage, burn rates
per window, each of the SRE workbook's four rules firing alone, page outranking ticket, the
strict threshold, alert episodes across a gap, and monthly attainment. Every expected figure is
worked out in the comments; the reference (slo_reference.py) is checked on the same inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from leadline.lake.engines import duckdb_backend
from leadline.reliability import metrics
from leadline.reliability.report import alert_at
from tests.reliability import slo_reference as ref
from tests.reliability.slo_reference import Rule, Spec
from tests.reliability.support_slo import (
    HISTORY_WINDOWS,
    MINUTE,
    WORKBOOK,
    differences,
    run_alerts,
    run_monthly,
    run_of,
    run_status,
    smp,
    t,
    to_rules,
)

BACKEND = duckdb_backend()
AT = t("2026-03-10T00:00:00Z")


def status_of(samples: list[dict[str, Any]], spec: Spec, at: dt.datetime = AT) -> dict[str, Any]:
    """The one status row of ``spec`` on DuckDB, after checking the reference agrees."""
    (row,) = run_status(BACKEND, samples, [spec], at)
    assert differences([row], ref.status(samples, [spec], at, metrics.STATUS_WINDOWS)) == []
    return row


def ago(**delta: float) -> dt.datetime:
    return AT - dt.timedelta(**delta)


# --- SLI and error budget -------------------------------------------------------------------


def test_occurrences_sli_and_budget() -> None:
    """Occurrences: SLI = good ÷ total over the window, budget = 1 − (1 − SLI) ÷ (1 − objective).
    Three samples 999/1000 and one 990/1000: 3987/4000 = 0.99675; with objective 0.99 the budget
    allows 1 % bad, 0.325 % were bad: remaining 1 − 0.325 = 0.675."""
    spec = Spec("api", 0.99, ago(days=28))
    samples = [
        smp("api", ago(hours=3), 999, 1000),
        smp("api", ago(hours=2), 999, 1000),
        smp("api", ago(hours=1), 999, 1000),
        smp("api", ago(minutes=1), 990, 1000),
    ]
    row = status_of(samples, spec)
    assert (row["good"], row["total"]) == (3987.0, 4000.0)
    assert row["sli"] == pytest.approx(0.99675, rel=1e-12)
    assert row["error_budget_remaining"] == pytest.approx(0.675, rel=1e-12)
    assert (row["good_slices"], row["slices"]) == (0, 0)  # not sliced


def test_budget_is_one_untouched_zero_spent_negative_overspent() -> None:
    """Nothing bad: remaining 1. Exactly the allowed share bad (objective 0.5, 50/100 good):
    remaining 0. Twice the allowed share (objective 0.75, 50/100 good: 50 % bad against 25 %):
    remaining 1 − 2 = −1."""
    assert status_of([smp("a", ago(hours=1), 10, 10)], Spec("a", 0.9, ago(days=1)))[
        "error_budget_remaining"
    ] == pytest.approx(1.0)
    assert status_of([smp("a", ago(hours=1), 50, 100)], Spec("a", 0.5, ago(days=1)))[
        "error_budget_remaining"
    ] == pytest.approx(0.0, abs=1e-15)
    assert status_of([smp("a", ago(hours=1), 50, 100)], Spec("a", 0.75, ago(days=1)))[
        "error_budget_remaining"
    ] == pytest.approx(-1.0)


def test_time_slices_sli_and_budget() -> None:
    """Time slices of 5 minutes, target 0.95, objective 0.9, from 09:00 on 9 March:
    - 09:00 slice: five samples 100/100 → good;
    - 09:05 slice: 90/100 and four 100/100 → 490/500 = 0.98 ≥ 0.95 → good;
    - 09:10 slice: one sample 50/100 → 0.5 → bad;
    - 09:15 slice: two samples 0/0 → no events: not counted either way;
    - 09:20 slice: 95/100 exactly the target → good (≥);
    - 09:25 to midnight: no data → not counted.
    SLI = 3 good ÷ 4 slices = 0.75; budget 1 − 0.25 ÷ 0.1 = −1.5 (the events alone would give
    (500 + 490 + 50 + 95) / (500 + 500 + 100 + 100) = 1135/1200 = 0.946, above the objective:
    slices, not events, decide)."""
    start = t("2026-03-09T09:00:00Z")
    samples = [
        *run_of("s", start, 5, 100, 100),
        smp("s", start + 5 * MINUTE, 90, 100),
        *run_of("s", start + 6 * MINUTE, 4, 100, 100),
        smp("s", start + 10 * MINUTE, 50, 100),
        *run_of("s", start + 15 * MINUTE, 2, 0, 0),
        smp("s", start + 20 * MINUTE, 95, 100),
    ]
    spec = Spec("s", 0.9, ago(days=1), "timeslices", 0.95, 300)
    row = status_of(samples, spec)
    assert (row["good_slices"], row["slices"]) == (3, 4)
    assert row["sli"] == 0.75
    assert row["error_budget_remaining"] == pytest.approx(-1.5)
    assert (row["good"], row["total"]) == (1135.0, 1200.0)


def test_time_slices_are_aligned_to_epoch_multiples() -> None:
    """Hour slices start on whole hours since 1970, not at the first sample or the window
    start: with the window from 10:30, a bad sample (0/10) at 10:50 and a good one (10/10) at
    11:10 fall in two slices (10:00 and 11:00): one good of two, SLI 0.5. (Slices counted from
    the first sample would merge them into one slice of 10/20 = 0.5 < 0.9: SLI 0.) An odd-second
    sample at 11:59:59 with 0/10 shares the 11:00 slice: 10/20 = 0.5 < 0.9, bad; SLI 0."""
    spec = Spec("h", 0.9, t("2026-03-09T10:30:00Z"), "timeslices", 0.9, 3600)
    samples = [smp("h", "2026-03-09T10:50:00Z", 0, 10), smp("h", "2026-03-09T11:10:00Z", 10, 10)]
    row = status_of(samples, spec)
    assert (row["good_slices"], row["slices"], row["sli"]) == (1, 2, 0.5)
    row = status_of([*samples, smp("h", "2026-03-09T11:59:59Z", 0, 10)], spec)
    assert (row["good_slices"], row["slices"], row["sli"]) == (0, 2, 0.0)


# --- windows, boundaries, gaps ------------------------------------------------------------


def test_window_boundaries_include_start_exclude_at() -> None:
    """Window [09:00, 10:00) on 9 March: the sample exactly at 09:00 (0/10) counts, the one at
    08:59 (0/10) and the one exactly at 10:00 (0/10) do not; with 09:59 (10/10): SLI 10/20 = 0.5.
    Coverage: 2 samples ÷ (3600 s ÷ 60 s) = 2/60. Burn rate over 1h is (10/20) ÷ 0.1 = 5 (same
    samples); over 5 minutes [09:55, 10:00) only 09:59: 0."""
    at = t("2026-03-09T10:00:00Z")
    spec = Spec("b", 0.9, t("2026-03-09T09:00:00Z"))
    samples = [
        smp("b", "2026-03-09T08:59:00Z", 0, 10),
        smp("b", "2026-03-09T09:00:00Z", 0, 10),
        smp("b", "2026-03-09T09:59:00Z", 10, 10),
        smp("b", "2026-03-09T10:00:00Z", 0, 10),
    ]
    row = status_of(samples, spec, at)
    assert (row["good"], row["total"], row["sli"]) == (10.0, 20.0, 0.5)
    assert row["coverage"] == pytest.approx(2 / 60)
    assert row["burn_rate_1h"] == pytest.approx(5.0)
    assert row["burn_rate_5m"] == 0.0


@pytest.mark.parametrize("days", [7, 28, 30])
def test_rolling_windows(days: int) -> None:
    """A rolling window of d days holds [at − d days, at): a bad sample (0/1) exactly d days
    before ``at`` counts, one a minute earlier does not; with one good sample (1/1) an hour
    before ``at``, SLI = 1/2 whatever d."""
    start = AT - dt.timedelta(days=days)
    samples = [
        smp("r", start - MINUTE, 0, 1),
        smp("r", start, 0, 1),
        smp("r", ago(hours=1), 1, 1),
    ]
    row = status_of(samples, Spec("r", 0.9, start))
    assert (row["good"], row["total"], row["sli"]) == (1.0, 2.0, 0.5)
    # Coverage: 2 samples ÷ (d days of minutes).
    assert row["coverage"] == pytest.approx(2 / (days * 1440))


def test_gaps_lower_coverage_and_never_count_as_good() -> None:
    """Over the hour [09:00, 10:00) of a one-minute time-slice SLO (target 1.0), only 30 samples
    exist: 15 good (10/10) at 09:00–09:14, 15 bad (9/10) at 09:45–09:59; the 30 missing minutes
    count neither way: SLI 15/30 = 0.5 (not 45/60), coverage 30/60 = 0.5."""
    at = t("2026-03-09T10:00:00Z")
    samples = [
        *run_of("g", "2026-03-09T09:00:00Z", 15, 10, 10),
        *run_of("g", "2026-03-09T09:45:00Z", 15, 9, 10),
    ]
    spec = Spec("g", 0.99, t("2026-03-09T09:00:00Z"), "timeslices", 1.0, 60)
    row = status_of(samples, spec, at)
    assert (row["good_slices"], row["slices"], row["sli"]) == (15, 30, 0.5)
    assert row["coverage"] == 0.5


def test_coverage_counts_each_samples_step() -> None:
    """Coverage is the share of the window's time the samples cover: over [09:00, 10:00), six
    five-minute samples (1800 s) and ten one-minute samples (600 s) cover 2400 of 3600 s: 2/3.
    Their events all count (12 good of 16 → 0.75) whatever their steps."""
    at = t("2026-03-09T10:00:00Z")
    samples = [
        *run_of("c", "2026-03-09T09:00:00Z", 6, 1, 1, step=300),
        *run_of("c", "2026-03-09T09:30:00Z", 10, 1, 1),
    ]
    samples[-1] = smp("c", samples[-1]["timestamp"], 0, 1)
    samples[-2] = smp("c", samples[-2]["timestamp"], 0, 1)
    samples[-3] = smp("c", samples[-3]["timestamp"], 0, 1)
    samples[-4] = smp("c", samples[-4]["timestamp"], 0, 1)
    row = status_of(samples, Spec("c", 0.9, t("2026-03-09T09:00:00Z")), at)
    assert row["coverage"] == pytest.approx(2 / 3)
    assert (row["good"], row["total"], row["sli"]) == (12.0, 16.0, 0.75)


def test_ratio_time_slices_sli_is_the_mean_slice_ratio() -> None:
    """Ratio time slices (OpenSLO): the SLI is the mean of the slices' good ÷ total. Five-minute
    slices: 09:00 holds 99/100 and 100/100 (199/200 = 0.995), 09:05 holds 90/100 (0.9), 09:10
    only 0/0 (not counted): (0.995 + 0.9) / 2 = 0.9475 (the events would give 289/300 = 0.963);
    budget with objective 0.9: 1 − 0.0525/0.1 = 0.475."""
    at = t("2026-03-09T10:00:00Z")
    samples = [
        smp("q", "2026-03-09T09:00:00Z", 99, 100),
        smp("q", "2026-03-09T09:04:59Z", 100, 100),
        smp("q", "2026-03-09T09:05:00Z", 90, 100),
        smp("q", "2026-03-09T09:10:00Z", 0, 0),
    ]
    spec = Spec("q", 0.9, t("2026-03-09T09:00:00Z"), "ratio_timeslices", 0.99, 300)
    row = status_of(samples, spec, at)
    assert row["sli"] == pytest.approx(0.9475)
    assert row["slices"] == 2
    assert row["error_budget_remaining"] == pytest.approx(0.475)


@pytest.mark.parametrize("threads", [1, 2, 8])
def test_ratio_time_slices_exactly_on_the_objective_meet_it_on_any_engine(threads: int) -> None:
    """21 two-minute slices, each 90/100 = 0.9, objective 0.9: the mean slice ratio is 0.9, so
    the SLO is met with budget 0. Adding 21 floats of 0.9 in order gives 18.899999999999995
    (mean 0.8999999999999999, "not met"), and a parallel engine's order varies from run to run;
    the ratios are summed as integers (pico-units), so the answer is exact and the same for
    any thread count."""
    at = t("2026-03-09T10:00:00Z")
    first = t("2026-03-09T08:00:00Z")
    samples = [smp("r", first + MINUTE * 2 * i, 90, 100) for i in range(21)]
    spec = Spec("r", 0.9, t("2026-03-09T00:00:00Z"), "ratio_timeslices", 1.0, 120)
    BACKEND.raw_sql(f"SET threads = {threads}")
    try:
        row = status_of(samples, spec, at)
        (month,) = run_monthly(BACKEND, samples, [spec])
    finally:
        BACKEND.raw_sql("RESET threads")
    assert row["slices"] == 21
    assert row["sli"] == 0.9
    assert row["error_budget_remaining"] == 0.0
    assert month["sli"] == 0.9 and month["met"] is True


def test_no_data_gives_null_figures_and_zero_coverage() -> None:
    """An SLO without samples (and one whose samples all lie outside every window) appears
    with zero events, null SLI, budget and burn rates, and coverage 0."""
    specs = [Spec("empty", 0.99, ago(days=1)), Spec("old", 0.99, ago(days=1))]
    samples = [smp("old", ago(days=10), 5, 10)]
    rows = run_status(BACKEND, samples, specs, AT)
    assert differences(rows, ref.status(samples, specs, AT, metrics.STATUS_WINDOWS)) == []
    for row in rows:
        assert (row["good"], row["total"], row["sli"], row["error_budget_remaining"]) == (
            0.0,
            0.0,
            None,
            None,
        )
        assert row["coverage"] == 0.0
        assert all(row[f"burn_rate_{w}"] is None for w in metrics.STATUS_WINDOWS)


def test_several_slos_each_their_own_window_and_objective() -> None:
    """Three SLOs at once: each sums only its own samples over its own window.
    a (0.9, window 1 day): 8/10 → SLI 0.8, budget 1 − 0.2/0.1 = −1;
    b (0.5, window 1 hour): only 30/40 at 23:30 counts (the 0/100 two hours ago is outside):
    0.75, budget 1 − 0.25/0.5 = 0.5;
    c (time slices): no samples → nulls."""
    specs = [
        Spec("a", 0.9, ago(days=1)),
        Spec("b", 0.5, ago(hours=1)),
        Spec("c", 0.99, ago(days=1), "timeslices", 0.9, 60),
    ]
    samples = [
        smp("a", ago(hours=5), 8, 10),
        smp("b", ago(hours=2), 0, 100),
        smp("b", ago(minutes=30), 30, 40),
    ]
    rows = {r["slo"]: r for r in run_status(BACKEND, samples, specs, AT)}
    assert (
        differences(list(rows.values()), ref.status(samples, specs, AT, metrics.STATUS_WINDOWS))
        == []
    )
    assert rows["a"]["sli"] == pytest.approx(0.8)
    assert rows["a"]["error_budget_remaining"] == pytest.approx(-1.0)
    assert rows["b"]["sli"] == 0.75
    assert rows["b"]["error_budget_remaining"] == pytest.approx(0.5)
    assert rows["c"]["sli"] is None


# --- burn rates ----------------------------------------------------------------------------


def test_burn_rates_per_window() -> None:
    """Objective 0.99 (1 % allowed). One sample 50/100 a minute before ``at``, and good
    samples of 100 events at 10 min, 45 min, 90 min, 3 h, 12 h and 2 days before, plus a bad
    0/100 four days before (outside every window). The bad events are always the 50:
    5m 50/100 → 0.5 ÷ 0.01 = 50; 30m 50/200 → 25; 1h 50/300 → 16.667; 2h 50/400 → 12.5;
    6h 50/500 → 10; 1d 50/600 → 8.333; 3d 50/700 → 7.143."""
    samples = [
        smp("w", ago(minutes=1), 50, 100),
        *(smp("w", ago(minutes=m), 100, 100) for m in (10, 45, 90, 180, 720, 2880)),
        smp("w", ago(days=4), 0, 100),
    ]
    row = status_of(samples, Spec("w", 0.99, ago(days=28)))
    expected = {
        "5m": 50,
        "30m": 25,
        "1h": 50 / 3,
        "2h": 12.5,
        "6h": 10,
        "1d": 50 / 6,
        "3d": 50 / 7,
    }
    for window, value in expected.items():
        assert row[f"burn_rate_{window}"] == pytest.approx(value, rel=1e-12), window


# The workbook's four rules (objective 0.999: 0.1 % allowed). ``at`` − 1 minute always holds a
# sample, so every short window has events; "G@x" is a good filler sample x before ``at``.
RULE_CASES = [
    pytest.param(
        # 1m: 950/1000; G@45m 1000; G@3h 8000; G@12h 10000; G@2d 40000.
        # 5m 50/1000 = 5 % → 50; 1h 50/2000 → 25 > 14.4: page 1h/5m fires.
        # 30m 50 but 6h 50/10000 → 5 ≤ 6; 2h 25 but 1d 50/20000 → 2.5 ≤ 3;
        # 6h 5 but 3d 50/60000 → 0.833 ≤ 1.
        [(1, 950, 1000), (45, 1000, 1000), (180, 8000, 8000), (720, 1e4, 1e4), (2880, 4e4, 4e4)],
        0,
        id="page-1h-5m",
    ),
    pytest.param(
        # 1m: 1000/1000; 20m: 900/1000; G@3h 9000; G@12h 30000; G@2d 70000.
        # 5m 0 → page 1h/5m quiet; 30m 100/2000 → 50, 6h 100/11000 → 9.09 > 6: fires;
        # 1d 100/41000 → 2.44 ≤ 3; 3d 100/111000 → 0.90 ≤ 1.
        [(1, 1000, 1000), (20, 900, 1000), (180, 9000, 9000), (720, 3e4, 3e4), (2880, 7e4, 7e4)],
        1,
        id="page-6h-30m",
    ),
    pytest.param(
        # 1m: 1000/1000; 90m: 900/1000; G@12h 9000; G@2d 100000.
        # 5m, 30m, 1h: 0 → pages quiet; 2h 100/2000 → 50, 1d 100/11000 → 9.09 > 3: fires;
        # 3d 100/111000 → 0.90 ≤ 1.
        [(1, 1000, 1000), (90, 900, 1000), (720, 9000, 9000), (2880, 1e5, 1e5)],
        2,
        id="ticket-1d-2h",
    ),
    pytest.param(
        # 1m: 1000/1000; 3h: 900/1000; G@2d 9000.
        # 5m to 2h: 0 → pages and ticket 1d/2h quiet; 6h 100/2000 → 50,
        # 3d 100/11000 → 9.09 > 1: fires.
        [(1, 1000, 1000), (180, 900, 1000), (2880, 9000, 9000)],
        3,
        id="ticket-3d-6h",
    ),
]


@pytest.mark.parametrize(("cells", "alone"), RULE_CASES)
def test_each_workbook_rule_fires_alone(cells: list[tuple[int, float, float]], alone: int) -> None:
    """Data made so that exactly one of the workbook's four rules fires at ``at``: the status's
    burn rates put exactly that rule above its factor on both windows, the status alert is its
    severity, and the history evaluated at a sample starting at ``at`` (0 events) agrees."""
    samples = [smp("x", ago(minutes=m), good, total) for m, good, total in cells]
    row = status_of(samples, Spec("x", 0.999, ago(days=28)))
    firing = [
        i
        for i, r in enumerate(WORKBOOK)
        if row[f"burn_rate_{r.long_window}"] > r.factor
        and row[f"burn_rate_{r.short_window}"] > r.factor
    ]
    assert firing == [alone]
    severity = WORKBOOK[alone].severity
    assert alert_at(to_rules(WORKBOOK), row) == severity
    probe = [*samples, smp("x", AT, 0, 0)]
    _, states, _ = run_alerts(BACKEND, probe, [Spec("x", 0.999, AT)], AT, AT + MINUTE)
    assert states == [{"slo": "x", "timestamp": AT, "step_seconds": 60, "severity": severity}]


def test_page_outranks_ticket() -> None:
    """Half of the events bad over every window (burn 0.5 ÷ 0.001 = 500): all four rules fire,
    the alert is ``page``. With the two page rules removed, the same data gives ``ticket``."""
    samples = [smp("p", ago(minutes=1), 500, 1000), smp("p", ago(days=2), 500, 1000)]
    row = status_of(samples, Spec("p", 0.999, ago(days=28)))
    assert alert_at(to_rules(WORKBOOK), row) == "page"
    assert alert_at(to_rules(WORKBOOK[2:]), row) == "ticket"
    probe = [*samples, smp("p", AT, 0, 0)]
    _, states, _ = run_alerts(BACKEND, probe, [Spec("p", 0.999, AT)], AT, AT + MINUTE)
    assert [s["severity"] for s in states] == ["page"]
    _, states, _ = run_alerts(
        BACKEND, probe, [Spec("p", 0.999, AT)], AT, AT + MINUTE, rules=WORKBOOK[2:]
    )
    assert [s["severity"] for s in states] == ["ticket"]


def test_threshold_is_strict() -> None:
    """Objective 0.5 (exact in binary): 50/100 bad is a burn rate of exactly 1.0, which does
    not exceed a factor of 1.0 (quiet); 51 bad gives 1.02 and fires."""
    rules = [Rule("ticket", "1h", "5m", 1.0)]
    for bad, expected in ((50, None), (51, "ticket")):
        samples = [smp("e", ago(minutes=1), 100 - bad, 100), smp("e", AT, 0, 0)]
        history, states, _ = run_alerts(
            BACKEND, samples, [Spec("e", 0.5, AT)], AT, AT + MINUTE, rules=rules
        )
        assert history[0]["burn_rate_1h"] == bad / 50
        assert states[0]["severity"] == expected


def test_history_evaluates_each_sample_from_the_samples_before_it() -> None:
    """Objective 0.9. Samples at 10:00 (0/10), 10:01 (10/10), 10:05 (10/10), 10:06 (10/10).
    Evaluations over [since 10:00, until 10:06): 10:00 (5-minute window empty → null),
    10:01 ([09:56, 10:01): 10:00 only → 1.0 ÷ 0.1 = 10), 10:05 ([10:00, 10:05): 10/20 bad → 5;
    the sample exactly 5 minutes back counts); 10:06 is not evaluated (until is exclusive)
    although its window [10:01, 10:06) would hold only good samples."""
    samples = [
        smp("h", "2026-03-09T10:00:00Z", 0, 10),
        smp("h", "2026-03-09T10:01:00Z", 10, 10),
        smp("h", "2026-03-09T10:05:00Z", 10, 10),
        smp("h", "2026-03-09T10:06:00Z", 10, 10),
    ]
    history, _, _ = run_alerts(
        BACKEND,
        samples,
        [Spec("h", 0.9, AT)],
        t("2026-03-09T10:00:00Z"),
        t("2026-03-09T10:06:00Z"),
        windows={"5m": 300},
        rules=[Rule("page", "5m", "5m", 1.0)],
    )
    assert [(r["timestamp"].strftime("%H:%M"), r["burn_rate_5m"]) for r in history] == [
        ("10:00", None),
        ("10:01", pytest.approx(10.0)),
        ("10:05", pytest.approx(5.0)),
    ]


def test_episode_continues_across_a_short_gap_and_ends_on_quiet() -> None:
    """Rule page 10m/5m factor 1, objective 0.9 (so any window with more than 10 % bad fires).
    Samples 0/10 (all bad) at 10:00–10:09, none at 10:10–10:12, 0/10 at 10:13–10:15, then 10/10
    at 10:30 and 0/10 at 10:31, 10:32.
    - 10:00: empty window → quiet; 10:01–10:09 fire; 10:13 ([10:08, 10:13) holds 10:08, 10:09,
      all bad) fires: no evaluation between 10:09 and 10:13, so the episode goes on; 10:14, 10:15
      fire: one episode 10:01–10:15 of 12 evaluations;
    - 10:30: its 5m and 10m windows are empty → quiet (the episode is over);
    - 10:31: [10:26, 10:31) holds 10:30, good → burn 0 → quiet;
    - 10:32: 10:30 good + 10:31 bad → 50 % → 5 > 1 → a second episode of 1 evaluation."""
    samples = [
        *run_of("e", "2026-03-09T10:00:00Z", 10, 0, 10),
        *run_of("e", "2026-03-09T10:13:00Z", 3, 0, 10),
        smp("e", "2026-03-09T10:30:00Z", 10, 10),
        *run_of("e", "2026-03-09T10:31:00Z", 2, 0, 10),
    ]
    rules = [Rule("page", "10m", "5m", 1.0)]
    windows = {"5m": 300, "10m": 600}
    since, until = t("2026-03-09T00:00:00Z"), t("2026-03-10T00:00:00Z")
    history, states, episodes = run_alerts(
        BACKEND, samples, [Spec("e", 0.9, AT)], since, until, rules=rules, windows=windows
    )
    expected_history = ref.burn_rate_history(samples, [Spec("e", 0.9, AT)], since, until, windows)
    assert differences(history, expected_history) == []
    assert differences(states, ref.alert_states(expected_history, rules)) == []
    assert episodes == [
        {
            "slo": "e",
            "severity": "page",
            "started_at": t("2026-03-09T10:01:00Z"),
            "last_evaluated_at": t("2026-03-09T10:15:00Z"),
            "step_seconds": 60,
            "evaluations": 12,
        },
        {
            "slo": "e",
            "severity": "page",
            "started_at": t("2026-03-09T10:32:00Z"),
            "last_evaluated_at": t("2026-03-09T10:32:00Z"),
            "step_seconds": 60,
            "evaluations": 1,
        },
    ]


def test_a_change_of_severity_starts_a_new_episode() -> None:
    """Rules: page 5m/5m above 5, ticket 5m/5m above 1 (objective 0.9: burn = 10 × bad share).
    Bad events per sample (of 10): 10:00 and 10:01 all 10, 10:02–10:06 2 each, 10:07–10:11 none.
    Evaluated at each sample T over [T − 5m, T):
    10:00 empty → quiet; 10:01 10/10 → 10 page; 10:02 20/20 → 10 page; 10:03 22/30 → 7.3 page;
    10:04 24/40 → 6 page; 10:05 26/50 → 5.2 page; 10:06 (10:01–10:05) 18/50 → 3.6 ticket;
    10:07 10/50 → 2 ticket; 10:08 8/50 → 1.6 ticket; 10:09 6/50 → 1.2 ticket;
    10:10 4/50 → 0.8 quiet; 10:11 2/50 → 0.4 quiet.
    Episodes: page 10:01–10:05 (5 evaluations), then ticket 10:06–10:09 (4)."""
    samples = [
        *run_of("c", "2026-03-09T10:00:00Z", 2, 0, 10),
        *run_of("c", "2026-03-09T10:02:00Z", 5, 8, 10),
        *run_of("c", "2026-03-09T10:07:00Z", 5, 10, 10),
    ]
    rules = [Rule("page", "5m", "5m", 5.0), Rule("ticket", "5m", "5m", 1.0)]
    _, states, episodes = run_alerts(
        BACKEND,
        samples,
        [Spec("c", 0.9, AT)],
        t("2026-03-09T10:00:00Z"),
        t("2026-03-09T11:00:00Z"),
        rules=rules,
        windows={"5m": 300},
    )
    assert [s["severity"] for s in states] == [None] + ["page"] * 5 + ["ticket"] * 4 + [None] * 2
    assert [
        (e["severity"], e["started_at"].strftime("%H:%M"), e["evaluations"]) for e in episodes
    ] == [("page", "10:01", 5), ("ticket", "10:06", 4)]


# --- monthly attainment ---------------------------------------------------------------------


def test_monthly_attainment() -> None:
    """Per SLO and calendar month:
    - occ (0.99): February 990/1000 = 0.99 → met (≥); March 989/1000 → not met;
      the sample at 1 March 00:00 belongs to March.
    - ts (time slices of an hour, target 0.9, objective 0.5): March 2 slices, one good
      (10/10 at 10:00), one bad (1/10 at 11:00) → 0.5 ≥ 0.5 → met; its April sample has no
      events → SLI null → not met.
    - a specification without samples has no rows."""
    samples = [
        smp("occ", "2026-02-10T00:00:00Z", 990, 1000),
        smp("occ", "2026-03-01T00:00:00Z", 989, 1000),
        smp("ts", "2026-03-05T10:00:00Z", 10, 10),
        smp("ts", "2026-03-05T11:00:00Z", 1, 10),
        smp("ts", "2026-04-01T00:00:00Z", 0, 0),
    ]
    specs = [
        Spec("occ", 0.99, AT),
        Spec("quiet", 0.9, AT),
        Spec("ts", 0.5, AT, "timeslices", 0.9, 3600),
    ]
    rows = run_monthly(BACKEND, samples, specs)
    assert differences(rows, ref.monthly_attainment(samples, specs)) == []
    assert [(r["slo"], r["month"].strftime("%Y-%m"), r["met"]) for r in rows] == [
        ("occ", "2026-02", True),
        ("occ", "2026-03", False),
        ("ts", "2026-03", True),
        ("ts", "2026-04", False),
    ]
    assert rows[0]["sli"] == pytest.approx(0.99)
    assert rows[3]["sli"] is None


def test_history_windows_cover_every_rule() -> None:
    """The history's default windows (the status windows) hold every window of the workbook
    rules, so the rules can be evaluated on it."""
    needed = {w for r in WORKBOOK for w in (r.long_window, r.short_window)}
    assert needed <= set(HISTORY_WINDOWS)


def test_history_window_is_exact_with_fractional_seconds() -> None:
    """sli.csv accepts sub-second timestamps. Samples at 10:00:00.300 (0/10) and 11:00:00.700
    (10/10): at T = 11:00:00.700 the 1h window [10:00:00.700, 11:00:00.700) does not hold
    10:00:00.300, so the history's burn rate there is null, as ``slo_status`` at the same
    instant says. (Got 10.0: the floored seconds 10:00:00 ≥ 10:00:00 put it in.)"""
    samples = [
        smp("f", "2026-03-09T10:00:00.300Z", 0, 10),
        smp("f", "2026-03-09T11:00:00.700Z", 10, 10),
    ]
    moment = t("2026-03-09T11:00:00.700Z")
    spec = Spec("f", 0.9, t("2026-03-09T00:00:00Z"))
    (status,) = run_status(BACKEND, samples, [spec], moment, windows={"1h": 3600})
    assert status["burn_rate_1h"] is None
    history, _, _ = run_alerts(
        BACKEND, samples, [spec], spec.window_start, moment + MINUTE, rules=[], windows={"1h": 3600}
    )
    assert history[-1]["timestamp"] == moment
    assert history[-1]["burn_rate_1h"] is None
