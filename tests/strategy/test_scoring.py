"""OKR scoring: hand-computed cases and the properties that define it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadline.strategy.scoring import grade, key_result_score, objective_score


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        (0, 10, 7, 0.7),  # increase, part way
        (72, 24, 36, 0.75),  # decrease: (36 - 72) / (24 - 72)
        (72, 24, 12, 1.0),  # beyond the target: clamped
        (72, 24, 90, 0.0),  # worse than the baseline: clamped
        (0.05, 0.02, 0.05, 0.0),
        (-10, 10, 0, 0.5),
    ],
)
def test_key_result_score(baseline: float, target: float, current: float, expected: float) -> None:
    assert key_result_score(baseline, target, current) == pytest.approx(expected)


def test_no_current_no_score_and_flat_target_refused() -> None:
    assert key_result_score(1, 2, None) is None
    with pytest.raises(ValueError, match="target equals baseline"):
        key_result_score(3, 3, 3)


def test_objective_score_is_the_mean_of_scored_key_results() -> None:
    assert objective_score([0.5, None, 1.0]) == pytest.approx(0.75)
    assert objective_score([None]) is None
    assert [grade(s) for s in (None, 0.39, 0.4, 0.69, 0.7)] == [
        None,
        "red",
        "yellow",
        "yellow",
        "green",
    ]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(finite, finite, finite, finite)
def test_score_is_bounded_and_monotone_towards_the_target(
    baseline: float, target: float, a: float, b: float
) -> None:
    """Always in [0, 1]; moving the current value towards the target never lowers it; the
    baseline scores 0 and the target 1."""
    if abs(target - baseline) < 1e-6:
        return
    sa, sb = key_result_score(baseline, target, a), key_result_score(baseline, target, b)
    assert sa is not None and sb is not None
    assert 0.0 <= sa <= 1.0
    toward = (b - a) * (target - baseline) >= 0
    if toward:
        assert sb >= sa - 1e-12
    assert key_result_score(baseline, target, baseline) == 0.0
    assert key_result_score(baseline, target, target) == pytest.approx(1.0)
