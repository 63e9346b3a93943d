"""Ibis expressions every pillar's metrics share, written once so that they give the same answer
on DuckDB and Spark."""

from __future__ import annotations

import ibis

SECONDS_PER_HOUR = 3600.0


def hours_between(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    """Elapsed hours between two timestamps, from whole seconds (DuckDB's epoch is fractional,
    Spark's is whole: flooring both makes them agree exactly)."""
    seconds = (later.epoch_seconds().floor() - earlier.epoch_seconds().floor()).cast("float64")
    # A float dividend keeps Spark from reading the literal as DECIMAL and rounding.
    return seconds / SECONDS_PER_HOUR
