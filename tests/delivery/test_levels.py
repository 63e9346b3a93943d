"""DORA performance levels: every threshold boundary and the overall level rule."""

from __future__ import annotations

import pytest

from leadline.delivery import levels


@pytest.mark.parametrize(
    ("per_day", "level", "band"),
    [
        (5.0, "elite", "on-demand"),
        (1.0, "elite", "on-demand"),
        (0.999, "high", "daily-to-weekly"),
        (1 / 7, "high", "daily-to-weekly"),
        (1 / 7 - 1e-9, "medium", "weekly-to-monthly"),
        (1 / 30, "medium", "weekly-to-monthly"),
        (1 / 30 - 1e-9, "low", "less-than-monthly"),
        (0.0, "low", "less-than-monthly"),
    ],
)
def test_deployment_frequency_boundaries(per_day: float, level: str, band: str) -> None:
    """Exactly 1/day is elite, exactly 1/7 high, exactly 1/30 medium (boundaries inclusive);
    just below each falls a level; the band names follow the same cuts."""
    assert levels.deployment_frequency_level(per_day) == level
    assert levels.deployment_frequency_band(per_day) == band


def test_frequency_of_one_per_week_and_month_computed_as_the_metric_does() -> None:
    """1 deployment in a 7-day window (1/7.0) is high and 1 in 30 days medium: the division
    the metric does lands on the boundary, not below it."""
    assert levels.deployment_frequency_level(1 / 7.0) == "high"
    assert levels.deployment_frequency_level(1 / 30.0) == "medium"
    assert levels.deployment_frequency_level(7 / 7.0) == "elite"


@pytest.mark.parametrize(
    ("hours", "level"),
    [
        (0.0, "elite"),
        (23.999, "elite"),
        (24.0, "high"),
        (167.999, "high"),
        (168.0, "medium"),
        (719.999, "medium"),
        (720.0, "low"),
        (5000.0, "low"),
    ],
)
def test_lead_time_boundaries(hours: float, level: str) -> None:
    """Median lead time < 24 h elite, < 168 h high, < 720 h medium: each boundary itself
    belongs to the slower level."""
    assert levels.lead_time_level(hours) == level


@pytest.mark.parametrize(
    ("rate", "level"),
    [
        (0.0, "elite"),
        (0.05, "elite"),
        (0.0500001, "high"),
        (0.10, "high"),
        (0.1000001, "medium"),
        (0.15, "medium"),
        (0.1500001, "low"),
        (1.0, "low"),
    ],
)
def test_change_failure_rate_boundaries(rate: float, level: str) -> None:
    """Change failure rate <= 5% elite, <= 10% high, <= 15% medium (boundaries inclusive)."""
    assert levels.change_failure_rate_level(rate) == level


def test_change_failure_rate_fractions_on_the_boundaries() -> None:
    """Rates computed as the metric does (failed / deployments) on the boundaries: 1/20, 1/10,
    3/20 keep the better level."""
    assert levels.change_failure_rate_level(1 / 20) == "elite"
    assert levels.change_failure_rate_level(1 / 10) == "high"
    assert levels.change_failure_rate_level(3 / 20) == "medium"


@pytest.mark.parametrize(
    ("hours", "level"),
    [
        (0.0, "elite"),
        (0.999, "elite"),
        (1.0, "high"),
        (23.999, "high"),
        (24.0, "medium"),
        (167.999, "medium"),
        (168.0, "low"),
    ],
)
def test_time_to_restore_boundaries(hours: float, level: str) -> None:
    """Median time to restore < 1 h elite, < 24 h high, < 168 h medium."""
    assert levels.time_to_restore_level(hours) == level


def test_key_levels_none_where_a_key_has_no_data() -> None:
    """Keys without data are None; no deployment makes deployment frequency low."""
    assert levels.key_levels(0, 0.0, None, None, None) == {
        "deployment_frequency": "low",
        "lead_time": None,
        "change_failure_rate": None,
        "time_to_restore": None,
    }
    assert levels.key_levels(14, 1.0, 2.0, 0.1, 30.0) == {
        "deployment_frequency": "elite",
        "lead_time": "elite",
        "change_failure_rate": "high",
        "time_to_restore": "medium",
    }


@pytest.mark.parametrize(
    ("keys", "overall"),
    [
        ((14, 1.0, 2.0, 0.0, 0.5), "elite"),  # every key elite
        ((14, 1.0, 2.0, 0.0, 1.0), "high"),  # one key high pulls the group down
        ((14, 1.0, 2.0, 0.2, 0.5), "low"),  # the lowest key decides
        ((14, 1.0, None, None, None), "elite"),  # keys without data do not count
        ((1, 1 / 7, None, 0.0, None), "high"),
        ((0, 0.0, None, None, None), "low"),  # no deployment: low
        ((0, 0.0, None, None, 0.1), "low"),  # an incident but no deployment: still low
    ],
)
def test_overall_level_is_the_lowest_key_with_data(
    keys: tuple[int, float, float | None, float | None, float | None], overall: str
) -> None:
    """The overall level is the lowest level among keys with data; a group without any
    deployment is low."""
    assert levels.overall_level(levels.key_levels(*keys)) == overall


def test_overall_level_of_no_keys_is_low() -> None:
    """No key with data at all: low."""
    assert levels.overall_level({"lead_time": None}) == "low"
