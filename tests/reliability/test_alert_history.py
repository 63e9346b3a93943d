"""``metrics.alert_history``, the one-pass alert episodes the reports run (issue 20), against
hand-computed episodes and, for random sparse samples, against the three-step definition
``alert_episodes(alert_states(burn_rate_history(...)))``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.config import BurnRateRule
from leadline.lake.engines import duckdb_backend
from leadline.reliability import metrics
from leadline.reliability.durations import seconds
from tests.reliability.slo_reference import Spec
from tests.reliability.support_slo import literal, samples_arrow, smp, specs_arrow
from tests.reliability.test_burn_history import BASE, MINUTE, WINDOW_SETS, sparse

BACKEND = duckdb_backend()
Row = dict[str, Any]


def rule(severity: str, long_window: str, short_window: str, factor: float) -> BurnRateRule:
    return BurnRateRule(
        severity=severity,  # type: ignore[arg-type]
        long_window=long_window,
        short_window=short_window,
        factor=factor,
    )


def episodes(
    samples: Sequence[Row],
    specs: Sequence[Spec],
    since: dt.datetime,
    until: dt.datetime,
    rules: Sequence[BurnRateRule],
) -> tuple[list[Row], list[Row]]:
    """(one pass, three steps) episode rows on DuckDB, by SLO and start."""
    table = ibis.memtable(samples_arrow(samples))
    slos = ibis.memtable(specs_arrow(specs))
    windows = metrics.rule_windows(rules)

    def run(expr: ibis.Table) -> list[Row]:
        rows = BACKEND.to_pyarrow(expr).to_pylist()
        return sorted(rows, key=lambda r: (r["slo"], r["started_at"]))

    history = metrics.burn_rate_history(table, slos, literal(since), literal(until), windows)
    steps = metrics.alert_episodes(metrics.alert_states(history, rules))
    fused = metrics.alert_history(table, slos, literal(since), literal(until), rules)
    return run(fused), run(steps)


def at(minute: int) -> dt.datetime:
    return BASE + minute * MINUTE


def test_an_episode_continues_across_a_gap_and_ends_at_a_quiet_evaluation() -> None:
    """Objective 0.9, page when the burn rate is above 1 over both 3m and 2m (bad share above
    10 %). Samples (good/total) at minutes 0-2 and 4-7, none at 3; evaluations from minute 1.
    At 1: [−1, 1) holds minute 0, no bad: quiet. At 2: [0, 2) 50 bad of 200, burn 2.5 over
    both: page. At 4 (after the gap): 2m [2, 4) is minute 2 alone, 50 %, burn 5; 3m [1, 4)
    50 %: page, the same episode (no evaluation at 3). At 5: [3, 5) minute 4, no bad: quiet;
    6: [4, 6) no bad: quiet. At 7: 2m [5, 7) 100 bad of 200, burn 5; 3m [4, 7) 100 of 300,
    3.33: page, a new episode. So (2 → 4, 2 evaluations) and (7 → 7, 1)."""
    good = {0: 100, 1: 50, 2: 50, 4: 100, 5: 100, 6: 0, 7: 100}
    samples = [smp("a", at(m), g, 100.0) for m, g in good.items()]
    got, steps = episodes(
        samples, [Spec("a", 0.9, BASE)], at(1), at(10), [rule("page", "3m", "2m", 1.0)]
    )
    assert [
        (r["severity"], r["started_at"], r["last_evaluated_at"], r["evaluations"]) for r in got
    ] == [("page", at(2), at(4), 2), ("page", at(7), at(7), 1)]
    assert got == steps


def test_severity_changes_within_a_run_and_before_since() -> None:
    """A page (factor 4) inside a ticket (factor 1) over the same windows: the severity changes
    from ticket to page and back without a quiet evaluation between, three episodes. Minute
    0's burn is evaluated before ``since`` and left out. Samples (bad of 100) at minutes 0-6:
    0, 20, 60, 60, 20, 20, 0; windows 1m and 2m, objective 0.9. Burn over 1m at T = bad(T−1)
    / 10; over 2m = (bad(T−2) + bad(T−1)) / 20. T=2: 2 and 1 → ticket; 3: 6 and 4 → page;
    4: 6 and 6 → page; 5: 2 and 4 → ticket; 6: 2 and 2 → ticket."""
    bad = [0, 20, 60, 60, 20, 20, 0]
    samples = [smp("a", at(m), 100.0 - b, 100.0) for m, b in enumerate(bad)]
    rules = [rule("page", "2m", "1m", 4.0), rule("ticket", "2m", "1m", 1.0)]
    got, steps = episodes(samples, [Spec("a", 0.9, BASE)], at(1), at(7), rules)
    assert [
        (r["severity"], r["started_at"], r["last_evaluated_at"], r["evaluations"]) for r in got
    ] == [
        ("ticket", at(2), at(2), 1),
        ("page", at(3), at(4), 2),
        ("ticket", at(5), at(6), 2),
    ]
    assert got == steps


@st.composite
def with_rules(draw: Any) -> dict[str, Any]:
    """A ``sparse`` case and one to three rules over its windows, factors low enough to fire."""
    case = draw(sparse())
    names = list(case["windows"])
    rules = [
        rule(
            draw(st.sampled_from(("page", "ticket"))),
            draw(st.sampled_from(names)),
            draw(st.sampled_from(names)),
            draw(st.sampled_from((0.5, 1.0, 2.0, 5.0))),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    return {**case, "rules": rules}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=with_rules())
def test_one_pass_equals_the_three_steps(case: dict[str, Any]) -> None:
    """For random sparse samples (gaps, strides, five-minute steps, SLOs off the minute grid,
    zero-event samples) and rules, the one-pass episodes equal the three-step definition's."""
    got, steps = episodes(
        case["samples"], case["specs"], case["since"], case["until"], case["rules"]
    )
    assert got == steps


def test_window_sets_parse() -> None:
    """Every window name the property uses is one ``seconds`` reads (else the rules would
    not mean what the windows' widths say)."""
    for windows in WINDOW_SETS:
        assert {name: seconds(name) for name in windows} == dict(windows)
