"""Property tests: the SLO metrics on DuckDB equal the plain-Python reference
(tests/reliability/slo_reference.py) on random scenarios, for the status at an instant, the
burn-rate history, alert states and episodes, and monthly attainment.

All samples of one SLO share ``step_seconds`` = 60: the metrics never read a sample's own
``step_seconds`` (coverage divides by the specification's step, which ``report.slo_table``
takes from the settings), so mixed steps are outside what they claim to handle.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.lake.engines import duckdb_backend
from tests.reliability.support_slo import check_all, scenarios

BACKEND = duckdb_backend()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(st))
def test_slo_metrics_equal_reference(scenario: dict[str, Any]) -> None:
    """For any small scenario (gaps, odd-second samples, overlapping runs, zero-event samples,
    window starts and instants on sample starts, occurrences and time slices, the workbook's or
    tighter rules, data over a month end), every SLO metric on DuckDB gives the reference's
    rows: status (events, slices, SLI, budget, coverage, seven burn rates), burn-rate history,
    alert states, alert episodes and monthly attainment; floats within a relative 1e-9."""
    check_all(BACKEND, scenario)
