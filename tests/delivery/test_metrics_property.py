"""Property test: ``four_keys`` on DuckDB equals the plain-Python reference implementation
(tests/delivery/reference.py) on random small datasets, for totals and weekly, monthly and
quarterly series."""

from __future__ import annotations

from typing import Any

import ibis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from leadline.delivery.metrics import change_attributions, shipped_deployments
from leadline.lake.engines import duckdb_backend
from tests.delivery import reference
from tests.delivery.support_metrics import (
    PROD,
    TableFactory,
    chg,
    datasets,
    dep,
    differences,
    memtables,
    run,
    t,
)

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


ISSUE_17_CASE = (
    [dep("d1", "s", "2026-03-02T00:00:00Z"), dep("d2", "s", "2026-03-05T00:00:00Z")],
    [chg("c1", "s", "2026-03-01T00:00:00Z", merged_at="2026-03-03T00:00:00Z")],
    [],
    {},
    t("2026-03-01T00:00:00Z"),
    t("2026-03-09T00:00:00Z"),
    {},
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(st, deployment_ties=True))
@example(data=ISSUE_17_CASE)
def test_attribution_does_not_depend_on_the_lead_time_mode(data: tuple[Any, ...]) -> None:
    """Issue 17: for any small dataset, each change is shipped by the same deployment (same
    finish, same explicit-or-by-time link) whether lead time runs from commit or merge, and
    that deployment never finished before the change was merged."""
    deployments, changes, _, _, _, until, _ = data
    shipped = shipped_deployments(memtables(deployments, [], [])[0], PROD)
    facts = memtables([], changes, [])[1]
    end = ibis.literal(until, "timestamp(6)")
    found = {}
    for mode in ("commit", "merge"):
        rows = BACKEND.to_pyarrow(
            change_attributions(facts, shipped, end, mode, keep_ref=True)  # type: ignore[arg-type]
        ).to_pylist()
        found[mode] = {r["ref"]: (r["deployed_at"], r["explicit"]) for r in rows}
    assert found["commit"] == found["merge"]
    merged = {c["change_id"]: c["merged_at"] or c["committed_at"] for c in changes}
    for ref, (deployed_at, _) in found["commit"].items():
        assert deployed_at is None or deployed_at >= merged[ref]
