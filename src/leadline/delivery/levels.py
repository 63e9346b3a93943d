"""DORA benchmarks by report year: the 2023 and 2024 clusters, and the 2025 report's buckets.

The *Accelerate State of DevOps* reports 2023 and 2024 (DORA / Google Cloud) group respondents
into clusters (elite, high, medium, low) and publish each cluster's typical values. As published,
2023 | 2024:

- deployment frequency: elite on demand (multiple deploys per day) | same; high between once per
  day and once per week | same; medium between once per week and once per month | same; low
  between once per week and once per month | between once per month and once every six months.
- change lead time: elite less than one day; high between one day and one week; medium between
  one week and one month; low between one month and six months (both years).
- change failure rate: elite 5% | 5%; high 10% | 20%; medium 15% | 10%; low 64% | 40%.
- failed deployment recovery time: elite less than one hour | same; high less than one day |
  same; medium between one day and one week | less than one day; low between one month and six
  months | between one week and one month.

Clusters describe groups, not thresholds, and some rows are not monotone (2024: high's change
failure rate 20% is above medium's 10%; medium's recovery time, less than one day, equals
high's). leadline turns every row into bands with one rule: a value gets the *best* level whose
published range it is within (a rate at most the cluster's typical rate; a time below the
range's upper end; a frequency at or above its lower end), else low. Where a better cluster's
range covers a worse one's, the worse one cannot be reached by that key alone (2024: medium by
change failure rate or recovery time). A month is 30 days, six months 180.

The 2025 report (*State of AI-assisted Software Development*) dropped the clusters for team
profiles and gives each key's answers in finer buckets: deployment frequency on demand / between
once per hour and once per day / once per day and once per week / once per week and once per
month / once per month and once every six months / fewer; change lead time and recovery time
less than one hour / less than one day / one day to one week / one week to one month / one to six
months / more than six months. leadline reads "on demand" as more often than once an hour on
average. Its change failure rate and rework rate buckets could not be verified from the report's
text, so leadline shows none for them (docs/metrics.md, "Benchmarks"). With ``2025`` the four
levels and the overall level still come from the newest clusters (2024), and say so.

The overall level is the lowest level among the keys that have data, because the clusters are
defined on all keys together: a group is elite only if every key is elite-level. A group with no
deployment in the window is low.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

Level = Literal["elite", "high", "medium", "low"]
ORDER: tuple[Level, ...] = ("elite", "high", "medium", "low")
Benchmark = Literal["2023", "2024", "2025"]
BENCHMARKS: tuple[Benchmark, ...] = get_args(Benchmark)
NEWEST: Benchmark = BENCHMARKS[-1]
HOURS_PER_DAY = 24.0
DAYS_PER_MONTH = 30.0
WEEK_HOURS = 7 * HOURS_PER_DAY
MONTH_HOURS = DAYS_PER_MONTH * HOURS_PER_DAY
SIX_MONTHS_HOURS = 6 * MONTH_HOURS
KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore")


def label(benchmark: Benchmark) -> str:
    """How a level says where it comes from: ``DORA 2024``."""
    return f"DORA {benchmark}"


@dataclass(frozen=True)
class Clusters:
    """One report's clusters as published: per level, the bound of its range that decides
    (lower end of a deployment frequency per day; upper end of a time in hours, exclusive;
    typical change failure rate, inclusive)."""

    deploys_per_day_from: Mapping[Level, float]
    lead_time_hours_under: Mapping[Level, float]
    change_failure_rate_at_most: Mapping[Level, float]
    recovery_hours_under: Mapping[Level, float]


CLUSTERS: dict[Benchmark, Clusters] = {
    "2023": Clusters(
        {"elite": 1.0, "high": 1 / 7, "medium": 1 / DAYS_PER_MONTH, "low": 1 / DAYS_PER_MONTH},
        {"elite": HOURS_PER_DAY, "high": WEEK_HOURS, "medium": MONTH_HOURS},
        {"elite": 0.05, "high": 0.10, "medium": 0.15, "low": 0.64},
        {"elite": 1.0, "high": HOURS_PER_DAY, "medium": WEEK_HOURS, "low": SIX_MONTHS_HOURS},
    ),
    "2024": Clusters(
        {"elite": 1.0, "high": 1 / 7, "medium": 1 / DAYS_PER_MONTH, "low": 1 / 180},
        {"elite": HOURS_PER_DAY, "high": WEEK_HOURS, "medium": MONTH_HOURS},
        {"elite": 0.05, "high": 0.20, "medium": 0.10, "low": 0.40},
        {"elite": 1.0, "high": HOURS_PER_DAY, "medium": HOURS_PER_DAY, "low": MONTH_HOURS},
    ),
}

# The 2025 report's buckets, best first: (lower end per day or upper end in hours, label).
ON_DEMAND = "on demand"  # more often than once an hour: above the next bucket's upper end
ON_DEMAND_ABOVE = 24.0
FREQUENCY_2025: tuple[tuple[float, str], ...] = (
    (1.0, "between once per hour and once per day"),
    (1 / 7, "between once per day and once per week"),
    (1 / DAYS_PER_MONTH, "between once per week and once per month"),
    (1 / 180, "between once per month and once every six months"),
)
FREQUENCY_2025_RAREST = "fewer than once every six months"
DURATION_2025: tuple[tuple[float, str], ...] = (
    (1.0, "less than one hour"),
    (HOURS_PER_DAY, "less than one day"),
    (WEEK_HOURS, "between one day and one week"),
    (MONTH_HOURS, "between one week and one month"),
    (SIX_MONTHS_HOURS, "between one month and six months"),
)
DURATION_2025_LONGEST = "more than six months"


def clusters_of(benchmark: Benchmark) -> Benchmark:
    """The report whose clusters give the levels under ``benchmark``: itself, or for 2025
    (which publishes none) the newest that does."""
    return benchmark if benchmark in CLUSTERS else max(CLUSTERS)


def _best(admits: Mapping[Level, bool]) -> Level:
    return next((level for level in ORDER if admits.get(level)), "low")


def deployment_frequency_level(per_day: float, benchmark: Benchmark = NEWEST) -> Level:
    bounds = CLUSTERS[clusters_of(benchmark)].deploys_per_day_from
    return _best({level: per_day >= bound for level, bound in bounds.items()})


def lead_time_level(p50_hours: float, benchmark: Benchmark = NEWEST) -> Level:
    bounds = CLUSTERS[clusters_of(benchmark)].lead_time_hours_under
    return _best({level: p50_hours < bound for level, bound in bounds.items()})


def change_failure_rate_level(rate: float, benchmark: Benchmark = NEWEST) -> Level:
    bounds = CLUSTERS[clusters_of(benchmark)].change_failure_rate_at_most
    return _best({level: rate <= bound for level, bound in bounds.items()})


def time_to_restore_level(p50_hours: float, benchmark: Benchmark = NEWEST) -> Level:
    bounds = CLUSTERS[clusters_of(benchmark)].recovery_hours_under
    return _best({level: p50_hours < bound for level, bound in bounds.items()})


def deployment_frequency_band(per_day: float) -> str:
    """The frequency band the reports name: on demand, daily to weekly, weekly to monthly, or
    less (the ``deployment_frequency_level`` of ``leadline dora``'s JSON)."""
    if per_day >= 1.0:
        return "on-demand"
    if per_day >= 1.0 / 7:
        return "daily-to-weekly"
    if per_day >= 1.0 / DAYS_PER_MONTH:
        return "weekly-to-monthly"
    return "less-than-monthly"


def frequency_bucket_2025(per_day: float) -> str:
    """The 2025 report's deployment frequency bucket; "on demand" strictly above hourly."""
    if per_day > ON_DEMAND_ABOVE:
        return ON_DEMAND
    return next((name for bound, name in FREQUENCY_2025 if per_day >= bound), FREQUENCY_2025_RAREST)


def duration_bucket_2025(hours: float) -> str:
    """The 2025 report's bucket of a change lead time or a recovery time."""
    return next((name for bound, name in DURATION_2025 if hours < bound), DURATION_2025_LONGEST)


def key_levels(
    deployments: int,
    per_day: float,
    lead_time_p50: float | None,
    change_failure_rate: float | None,
    time_to_restore_p50: float | None,
    *,
    benchmark: Benchmark = NEWEST,
) -> dict[str, Level | None]:
    """Each key's level; None where the key has no data in the window."""
    return {
        "deployment_frequency": (
            deployment_frequency_level(per_day, benchmark) if deployments else "low"
        ),
        "lead_time": None if lead_time_p50 is None else lead_time_level(lead_time_p50, benchmark),
        "change_failure_rate": (
            None
            if change_failure_rate is None
            else change_failure_rate_level(change_failure_rate, benchmark)
        ),
        "time_to_restore": (
            None
            if time_to_restore_p50 is None
            else time_to_restore_level(time_to_restore_p50, benchmark)
        ),
    }


def overall_level(levels: Mapping[str, Level | None]) -> Level:
    """The lowest level among keys with data."""
    present = [level for level in levels.values() if level is not None]
    return max(present, key=ORDER.index) if present else "low"


def buckets_2025(
    deployments: int, per_day: float, lead_time_p50: float | None, restore_p50: float | None
) -> dict[str, str | None]:
    """Each key's 2025 bucket (None without data, and for the rates: see the module)."""
    return {
        "deployment_frequency": frequency_bucket_2025(per_day if deployments else 0.0),
        "lead_time": None if lead_time_p50 is None else duration_bucket_2025(lead_time_p50),
        "change_failure_rate": None,
        "time_to_restore": None if restore_p50 is None else duration_bucket_2025(restore_p50),
        "rework_rate": None,
    }


def rated(group: Mapping[str, Any], benchmark: Benchmark = NEWEST) -> dict[str, Any]:
    """The levels of one group or bucket of ``leadline dora``'s document (its own figures:
    deployments, deployment_frequency_per_day, lead_time_hours.p50, change_failure_rate,
    time_to_restore_hours.p50) under ``benchmark``, each saying which report it comes from:
    ``levels``, ``performance_level``, ``benchmark`` (the report asked for),
    ``levels_benchmark`` (the report whose clusters gave the levels) and
    ``benchmark_buckets`` (the 2025 report's buckets; null under 2023 and 2024)."""
    lead = (group.get("lead_time_hours") or {}).get("p50")
    restore = (group.get("time_to_restore_hours") or {}).get("p50")
    per_day = group["deployment_frequency_per_day"]
    found = key_levels(
        group["deployments"],
        per_day,
        lead,
        group["change_failure_rate"],
        restore,
        benchmark=benchmark,
    )
    return {
        "levels": found,
        "performance_level": overall_level(found),
        "benchmark": label(benchmark),
        "levels_benchmark": label(clusters_of(benchmark)),
        "benchmark_buckets": (
            buckets_2025(group["deployments"], per_day, lead, restore)
            if benchmark == "2025"
            else None
        ),
    }


def rebenchmark(document: dict[str, Any], benchmark: Benchmark) -> dict[str, Any]:
    """``leadline dora``'s document with every group's and bucket's levels under
    ``benchmark`` (a new document; the figures are unchanged)."""

    def one(group: dict[str, Any]) -> dict[str, Any]:
        out = {**group, **rated(group, benchmark)}
        if "series" in group:
            out["series"] = [one(bucket) for bucket in group["series"]]
        return out

    return {
        **document,
        "benchmark": label(benchmark),
        "groups": [one(g) for g in document["groups"]],
    }
