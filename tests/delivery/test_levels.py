"""DORA benchmarks: every band edge of the 2023 and 2024 clusters and of the 2025 buckets,
hand-computed, and the overall level rule."""

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
    assert levels.deployment_frequency_level(per_day, "2023") == level
    assert levels.deployment_frequency_band(per_day) == band


def test_frequency_of_one_per_week_and_month_computed_as_the_metric_does() -> None:
    """1 deployment in a 7-day window (1/7.0) is high and 1 in 30 days medium: the division
    the metric does lands on the boundary, not below it."""
    for year in levels.BENCHMARKS:
        assert levels.deployment_frequency_level(1 / 7.0, year) == "high"
        assert levels.deployment_frequency_level(1 / 30.0, year) == "medium"
        assert levels.deployment_frequency_level(7 / 7.0, year) == "elite"


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
    for year in levels.BENCHMARKS:  # the same clusters in 2023 and 2024
        assert levels.lead_time_level(hours, year) == level


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
def test_change_failure_rate_boundaries_2023(rate: float, level: str) -> None:
    """2023: change failure rate <= 5% elite, <= 10% high, <= 15% medium (inclusive)."""
    assert levels.change_failure_rate_level(rate, "2023") == level


def test_change_failure_rate_fractions_on_the_boundaries() -> None:
    """Rates computed as the metric does (failed / deployments) on the boundaries: 1/20, 1/10,
    3/20 keep the better level."""
    assert levels.change_failure_rate_level(1 / 20, "2023") == "elite"
    assert levels.change_failure_rate_level(1 / 10, "2023") == "high"
    assert levels.change_failure_rate_level(3 / 20, "2023") == "medium"
    assert levels.change_failure_rate_level(1 / 5, "2024") == "high"


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
def test_time_to_restore_boundaries_2023(hours: float, level: str) -> None:
    """2023: median time to restore < 1 h elite, < 24 h high, < 168 h medium."""
    assert levels.time_to_restore_level(hours, "2023") == level


def test_key_levels_none_where_a_key_has_no_data() -> None:
    """Keys without data are None; no deployment makes deployment frequency low."""
    assert levels.key_levels(0, 0.0, None, None, None, benchmark="2023") == {
        "deployment_frequency": "low",
        "lead_time": None,
        "change_failure_rate": None,
        "time_to_restore": None,
    }
    assert levels.key_levels(14, 1.0, 2.0, 0.1, 30.0, benchmark="2023") == {
        "deployment_frequency": "elite",
        "lead_time": "elite",
        "change_failure_rate": "high",
        "time_to_restore": "medium",
    }
    # 2024: the medium cluster's 10% is covered by high's 20%; 30 h of recovery is past both
    # high's and medium's "less than one day"
    assert levels.key_levels(14, 1.0, 2.0, 0.1, 30.0, benchmark="2024") == {
        "deployment_frequency": "elite",
        "lead_time": "elite",
        "change_failure_rate": "high",
        "time_to_restore": "low",
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
    assert levels.overall_level(levels.key_levels(*keys, benchmark="2023")) == overall


def test_overall_level_of_no_keys_is_low() -> None:
    """No key with data at all: low."""
    assert levels.overall_level({"lead_time": None}) == "low"


@pytest.mark.parametrize(
    ("rate", "level"),
    [
        (0.05, "elite"),
        (0.0500001, "high"),
        (0.10, "high"),  # medium's typical 10% is within high's 20%: medium is unreachable
        (0.15, "high"),
        (0.20, "high"),
        (0.2000001, "low"),
        (0.40, "low"),
        (0.90, "low"),
    ],
)
def test_change_failure_rate_bands_2024(rate: float, level: str) -> None:
    """2024 as published: elite 5%, high 20%, medium 10%, low 40%; the best cluster whose rate
    is not exceeded."""
    assert levels.change_failure_rate_level(rate, "2024") == level


@pytest.mark.parametrize(
    ("hours", "level"),
    [
        (0.999, "elite"),
        (1.0, "high"),
        (23.999, "high"),
        (24.0, "low"),  # medium's "less than one day" equals high's: unreachable
        (167.999, "low"),
        (5000.0, "low"),
    ],
)
def test_time_to_restore_bands_2024(hours: float, level: str) -> None:
    assert levels.time_to_restore_level(hours, "2024") == level


@pytest.mark.parametrize(
    ("per_day", "y2023", "y2024"),
    [(1 / 30, "medium", "medium"), (1 / 31, "low", "low"), (1 / 180, "low", "low")],
)
def test_deployment_frequency_low_ranges(per_day: float, y2023: str, y2024: str) -> None:
    """Low's range differs (2023 weekly-to-monthly like medium, 2024 monthly to six-monthly),
    but below medium's lower end every frequency is low."""
    assert levels.deployment_frequency_level(per_day, "2023") == y2023
    assert levels.deployment_frequency_level(per_day, "2024") == y2024


@pytest.mark.parametrize(
    ("per_day", "bucket"),
    [
        (48.0, "on demand"),
        (24.0001, "on demand"),
        (24.0, "between once per hour and once per day"),
        (1.0, "between once per hour and once per day"),
        (0.999, "between once per day and once per week"),
        (1 / 7, "between once per day and once per week"),
        (1 / 7 - 1e-9, "between once per week and once per month"),
        (1 / 30, "between once per week and once per month"),
        (1 / 30 - 1e-9, "between once per month and once every six months"),
        (1 / 180, "between once per month and once every six months"),
        (1 / 180 - 1e-9, "fewer than once every six months"),
        (0.0, "fewer than once every six months"),
    ],
)
def test_deployment_frequency_buckets_2025(per_day: float, bucket: str) -> None:
    """Once an hour (24 a day) and once a day belong to "between once per hour and once per
    day"; "on demand" is more often than hourly."""
    assert levels.frequency_bucket_2025(per_day) == bucket


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [
        (0.0, "less than one hour"),
        (0.999, "less than one hour"),
        (1.0, "less than one day"),
        (23.999, "less than one day"),
        (24.0, "between one day and one week"),
        (167.999, "between one day and one week"),
        (168.0, "between one week and one month"),
        (719.999, "between one week and one month"),
        (720.0, "between one month and six months"),
        (4319.999, "between one month and six months"),
        (4320.0, "more than six months"),
    ],
)
def test_duration_buckets_2025(hours: float, bucket: str) -> None:
    """Lead time and recovery time share the 2025 buckets; each edge belongs to the slower."""
    assert levels.duration_bucket_2025(hours) == bucket


GROUP = {
    "deployments": 14,
    "deployment_frequency_per_day": 1.0,
    "lead_time_hours": {"p50": 2.0, "p90": 9.0},
    "change_failure_rate": 0.15,
    "time_to_restore_hours": {"p50": 30.0, "p90": 40.0},
}


def test_every_level_says_which_report_it_comes_from() -> None:
    """2023 and 2024 rate with their own clusters; 2025 adds its buckets and takes its levels
    from the newest clusters (2024), saying so."""
    y2023 = levels.rated(GROUP, "2023")
    assert y2023 == {
        "levels": {
            "deployment_frequency": "elite",
            "lead_time": "elite",
            "change_failure_rate": "medium",
            "time_to_restore": "medium",
        },
        "performance_level": "medium",
        "benchmark": "DORA 2023",
        "levels_benchmark": "DORA 2023",
        "benchmark_buckets": None,
    }
    y2024 = levels.rated(GROUP, "2024")
    assert (y2024["levels"]["change_failure_rate"], y2024["levels"]["time_to_restore"]) == (
        "high",
        "low",
    )
    assert (y2024["performance_level"], y2024["levels_benchmark"]) == ("low", "DORA 2024")
    y2025 = levels.rated(GROUP, "2025")
    assert {k: y2025[k] for k in ("levels", "performance_level")} == {
        k: y2024[k] for k in ("levels", "performance_level")
    }
    assert (y2025["benchmark"], y2025["levels_benchmark"]) == ("DORA 2025", "DORA 2024")
    assert y2025["benchmark_buckets"] == {
        "deployment_frequency": "between once per hour and once per day",
        "lead_time": "less than one day",
        "change_failure_rate": None,
        "time_to_restore": "between one day and one week",
        "rework_rate": None,
    }
    assert levels.rated(GROUP) == y2025  # the default is the newest report


def test_rebenchmark_rates_groups_and_their_series_without_touching_figures() -> None:
    document = {"since": "s", "groups": [{**GROUP, "key": "t", "series": [{**GROUP}]}]}
    out = levels.rebenchmark(document, "2023")
    assert out["benchmark"] == "DORA 2023"
    [group] = out["groups"]
    assert group["performance_level"] == "medium"
    assert group["series"][0]["levels_benchmark"] == "DORA 2023"
    assert {k: group[k] for k in GROUP} == GROUP
    assert "benchmark" not in document  # a new document
