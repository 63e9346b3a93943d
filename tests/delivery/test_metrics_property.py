"""Property test: ``four_keys`` on DuckDB equals the plain-Python reference implementation
(tests/delivery/reference.py) on random small datasets, for totals and weekly, monthly and
quarterly series."""

from __future__ import annotations

from typing import Any

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.lake.engines import duckdb_backend
from tests.delivery import reference
from tests.delivery.support_metrics import PROD, TableFactory, datasets, differences, run

BACKEND = duckdb_backend()


def check(
    backend: Any, data: tuple[Any, ...], period: str | None, make: TableFactory = ibis.memtable
) -> None:
    """Assert ``four_keys`` on ``backend`` gives the reference's rows for ``data``."""
    deployments, changes, incidents, mapping, since, until, options = data
    window = {"since": since, "until": until, "period": period}
    got = run(backend, deployments, changes, incidents, mapping, **window, make=make, **options)
    expected = reference.four_keys(
        deployments,
        changes,
        incidents,
        mapping,
        **window,
        production_environments=PROD,
        **options,
    )
    assert differences(got, expected) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(st, deployment_ties=True))
def test_four_keys_equals_reference_totals_and_weeks(data: tuple[Any, ...]) -> None:
    """For any small dataset (instants shared by changes, incidents and deployments, whole
    second flooring, explicit and attributed links, remediation, several environments and
    statuses, window bounds on event instants), the Ibis metric on DuckDB gives the
    reference's rows over the window and per week: same keys and buckets, equal counts,
    floats within a relative 1e-9."""
    check(BACKEND, data, None)
    check(BACKEND, data, "week")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(st, deployment_ties=True))
def test_four_keys_equals_reference_months(data: tuple[Any, ...]) -> None:
    """The same agreement per calendar month (partial first and last months)."""
    check(BACKEND, data, "month")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(st, deployment_ties=True))
def test_four_keys_equals_reference_quarters(data: tuple[Any, ...]) -> None:
    """The same agreement per calendar quarter (the scorecard's buckets)."""
    check(BACKEND, data, "quarter")
