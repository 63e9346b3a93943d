"""DORA performance levels, from the Accelerate State of DevOps reports (DORA / Google Cloud).

The reports group respondents into clusters. Their typical values, 2023 report | 2024 report:

- deployment frequency: elite on demand (several a day) | same; high daily to weekly | same;
  medium weekly to monthly | same; low weekly to monthly | monthly to every six months.
- change lead time: elite < 1 day; high 1 day to 1 week; medium 1 week to 1 month; low 1 to 6
  months (both years).
- change failure rate: elite 5% | 5%; high 10% | 20%; medium 15% | 10%; low 64% | 40%.
- failed deployment recovery time: elite < 1 hour | same; high < 1 day | same; medium 1 day to
  1 week | < 1 day; low 1 to 6 months | 1 week to 1 month.

Clusters describe groups, not thresholds, so leadline turns them into monotone thresholds:
deployment frequency ≥ 1/day elite (on demand), ≥ 1/week high, ≥ 1/month (30 days) medium, else
low; median lead time < 24 h elite, < 1 week high, < 30 days medium, else low; change failure
rate ≤ 5% elite, ≤ 10% high, ≤ 15% medium, else low (the 2023 values: the 2024 clusters are not
monotone, high 20% above medium 10%); median time to restore < 1 h elite, < 1 day high,
< 1 week medium, else low (2023's boundaries, which 2024 keeps for elite and high).

The overall level is the lowest level among the keys that have data, because the clusters are
defined on all keys together: a group is elite only if every key is elite-level. A group with no
deployment in the window is low.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["elite", "high", "medium", "low"]
ORDER: tuple[Level, ...] = ("elite", "high", "medium", "low")
HOURS_PER_DAY = 24.0


def deployment_frequency_band(per_day: float) -> str:
    """The frequency band the issue and the reports name: on demand, daily to weekly, weekly
    to monthly, or less."""
    if per_day >= 1.0:
        return "on-demand"
    if per_day >= 1.0 / 7:
        return "daily-to-weekly"
    if per_day >= 1.0 / 30:
        return "weekly-to-monthly"
    return "less-than-monthly"


def deployment_frequency_level(per_day: float) -> Level:
    if per_day >= 1.0:
        return "elite"
    if per_day >= 1.0 / 7:
        return "high"
    if per_day >= 1.0 / 30:
        return "medium"
    return "low"


def lead_time_level(p50_hours: float) -> Level:
    if p50_hours < HOURS_PER_DAY:
        return "elite"
    if p50_hours < 7 * HOURS_PER_DAY:
        return "high"
    if p50_hours < 30 * HOURS_PER_DAY:
        return "medium"
    return "low"


def change_failure_rate_level(rate: float) -> Level:
    if rate <= 0.05:
        return "elite"
    if rate <= 0.10:
        return "high"
    if rate <= 0.15:
        return "medium"
    return "low"


def time_to_restore_level(p50_hours: float) -> Level:
    if p50_hours < 1.0:
        return "elite"
    if p50_hours < HOURS_PER_DAY:
        return "high"
    if p50_hours < 7 * HOURS_PER_DAY:
        return "medium"
    return "low"


def key_levels(
    deployments: int,
    per_day: float,
    lead_time_p50: float | None,
    change_failure_rate: float | None,
    time_to_restore_p50: float | None,
) -> dict[str, Level | None]:
    """Each key's level; None where the key has no data in the window."""
    return {
        "deployment_frequency": deployment_frequency_level(per_day) if deployments else "low",
        "lead_time": None if lead_time_p50 is None else lead_time_level(lead_time_p50),
        "change_failure_rate": (
            None if change_failure_rate is None else change_failure_rate_level(change_failure_rate)
        ),
        "time_to_restore": (
            None if time_to_restore_p50 is None else time_to_restore_level(time_to_restore_p50)
        ),
    }


def overall_level(levels: dict[str, Level | None]) -> Level:
    """The lowest level among keys with data."""
    present = [level for level in levels.values() if level is not None]
    return max(present, key=ORDER.index) if present else "low"
