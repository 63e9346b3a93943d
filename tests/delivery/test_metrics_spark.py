"""Engine conformance of the DORA metrics: DuckDB and Spark give identical answers over the same
lake (landed through the CSV sources), for ``four_keys`` and each building block, and Spark
agrees with the reference implementation on a few random datasets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.config import Settings
from leadline.context import App
from leadline.delivery.metrics import (
    change_lead_times,
    deployment_failures,
    production_deployments,
    restore_times,
    shipped_deployments,
)
from leadline.lake.conformance import assert_engines_agree, compare
from leadline.lake.engines import duckdb_backend, spark_backend, spark_session
from tests.conftest import make_settings
from tests.delivery.support_metrics import (
    CHANGES_HEADER,
    DEPLOYMENTS_HEADER,
    INCIDENTS_HEADER,
    PROD,
    chg,
    datasets,
    dep,
    four_keys_expr,
    ingest,
    memtables,
    run,
    spark_tables,
    t,
    write_csv,
)
from tests.delivery.test_metrics import (
    REGION_CHANGES,
    REGION_DEPLOYMENTS,
    REGION_INCIDENTS,
    REGIONS,
)
from tests.delivery.test_metrics_property import check

pytestmark = pytest.mark.spark

SINCE, UNTIL = t("2026-01-20"), t("2026-03-16")
INPUTS = {"deployments": "deployments", "changes": "changes", "incidents": "incidents"}
# Three services over two months: retries, staging, rollbacks (derived and labelled), hotfixes,
# explicit and attributed links, offsets and fractional seconds, open and unlinked incidents.
# Fractional seconds (floored to whole seconds) and odd durations check that both engines
# compute hours identically.
DEPLOYMENTS = [
    "d01,api,production,success,2026-01-19T12:00:00Z,a,",
    "d02,api,production,failure,2026-01-21T10:00:00Z,b,",
    "d03,api,Production,success,2026-01-21T11:00:00.750Z,b,",
    "d04,api,production,success,2026-02-02T09:00:00+01:00,c,",
    "d05,api,production,success,2026-02-03T08:00:00Z,b,",
    "d06,api,staging,success,2026-02-04T08:00:00Z,d,hotfix",
    "d07,api,prod,success,2026-02-10T17:00:00-05:00,d,",
    "d08,api,production,success,2026-02-11T08:00:00Z,e,hotfix",
    "d09,web,live,success,2026-01-25T08:00:00Z,w1,",
    "d10,web,production,success,2026-02-26T23:30:00Z,w2,rollback",
    "d11,web,production,pending,2026-03-01T08:00:00Z,w3,",
    "d12,web,production,success,2026-03-02T00:00:00Z,w3,planned",
    "d13,ops,production,success,2026-03-15T23:59:24.999Z,o1,",
]
CHANGES = [
    "c01,api,a,2026-01-18T09:00:00Z,,",
    "c02,api,b,2026-01-20T09:00:00.999Z,2026-01-20T15:00:00Z,d02",
    "c03,api,c,2026-01-30T12:00:00+02:00,,",
    "c04,api,d,2026-02-09T08:00:00Z,2026-02-10T08:00:00Z,d08",
    "c05,api,e,2026-02-10T23:00:00Z,,",
    "c06,web,w1,2026-01-25T08:00:00Z,,",
    "c07,web,w2,2026-02-20T10:00:00-05:00,2026-02-21T10:00:00Z,",
    "c08,web,w3,2026-02-28T10:00:00Z,,d12",
    "c09,ops,o1,2026-03-10T10:00:00Z,,",
    "c10,ops,o2,2026-03-16T10:00:00Z,,",
]
INCIDENTS = [
    "i01,api,SEV1,2026-01-21T12:00:00Z,2026-01-21T13:30:00Z,",
    "i02,api,SEV2,2026-02-03T09:00:00.5Z,2026-02-03T12:00:00Z,d04",
    "i03,api,SEV2,2026-02-12T09:00:00Z,,",
    "i04,web,SEV3,2026-01-26T08:00:01Z,2026-01-26T09:00:37Z,",
    "i05,web,SEV3,2026-03-02T00:00:00Z,2026-03-02T08:00:00Z,",
    "i06,ops,SEV2,2026-02-01T00:00:00Z,2026-02-02T00:00:00Z,",
    "i07,billing,SEV2,2026-03-05T00:00:00Z,2026-03-05T04:00:00Z,",
]
SERVICES = {"api": "payments", "web": "payments", "ops": "platform", "idle": "quiet"}


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """An app of its own (the Spark session is shared) with the facts above landed through
    the CSV sources."""
    home = tmp_path_factory.mktemp("dora-conformance")
    app = App(make_settings(home / "home"))
    files: list[tuple[str, Path]] = [
        ("deployments-csv", write_csv(home / "d.csv", DEPLOYMENTS_HEADER, DEPLOYMENTS)),
        ("changes-csv", write_csv(home / "c.csv", CHANGES_HEADER, CHANGES)),
        ("incidents-csv", write_csv(home / "i.csv", INCIDENTS_HEADER, INCIDENTS)),
    ]
    for source, path in files:
        report = ingest(app, source, path)
        assert report.totals()["rows_rejected"] == 0
    yield app
    app.close()


def agree(app: App, metric: Callable[..., ibis.Table], inputs: dict[str, str]) -> list[Any]:
    result = assert_engines_agree(metric, inputs, settings=app.settings, store=app.store)
    return result.to_pylist()


@pytest.mark.parametrize("period", [None, "week", "month", "quarter"])
def test_four_keys_engines_agree(lake_app: App, period: str | None) -> None:
    """``four_keys`` over the window, per week, month and quarter: identical on DuckDB and Spark
    (and not trivially: every group has rows, api has deployments, lead times, failures)."""

    def metric(deployments: ibis.Table, changes: ibis.Table, incidents: ibis.Table) -> Any:
        return four_keys_expr(
            deployments, changes, incidents, SERVICES, since=SINCE, until=UNTIL, period=period
        )

    rows = agree(lake_app, metric, INPUTS)
    assert {r["key"] for r in rows} == {"payments", "platform", "quiet", "billing"}
    payments = [r for r in rows if r["key"] == "payments"]
    assert sum(r["deployments"] for r in payments) == 8
    assert sum(r["failed_deployments"] for r in payments) >= 3


CUT = t("2026-02-11")  # d07 (10 Feb 22:00) is before it; d08, the hotfix remediating it, after


# (case, until, as-of instant, period): judged after the window's end, at it, and inside it
# (the last also by year, the one grain the test above leaves out).
AS_OF_CASES = (
    ("after", CUT, UNTIL, None),
    ("at-end", CUT, CUT, "month"),
    ("inside", UNTIL, t("2026-02-05"), "year"),
)


def test_four_keys_as_of_engines_agree(lake_app: App) -> None:
    """``four_keys`` judged at an as-of instant after the window's end, at it, or inside the
    window (one query for the three): identical on DuckDB and Spark. Judged at ``UNTIL``, the
    window to 11 February counts d07 and d09 as failed (the 11 February hotfix d08 remediates
    d07, the 26 February rollback d10 remediates d09); judged at its end, neither."""

    def metric(deployments: ibis.Table, changes: ibis.Table, incidents: ibis.Table) -> Any:
        cases = [
            four_keys_expr(
                deployments,
                changes,
                incidents,
                SERVICES,
                since=SINCE,
                until=until,
                period=period,
                observed_until=observed,
            ).mutate(case=ibis.literal(case))
            for case, until, observed, period in AS_OF_CASES
        ]
        return ibis.union(*cases, distinct=False)

    rows = agree(lake_app, metric, INPUTS)
    payments = {
        case: [r for r in rows if r["key"] == "payments" and r["case"] == case]
        for case, *_ in AS_OF_CASES
    }
    failed = {case: sum(r["failed_deployments"] for r in found) for case, found in payments.items()}
    deployed = {case: sum(r["deployments"] for r in found) for case, found in payments.items()}
    # api d03, d04, d05, d07 and web d09 in the window to 11 February; d03 (i01) and d04 (i02)
    # failed whenever judged, d07 and d09 once their remediations d08 and d10 are known. As of
    # 5 February only d03, d04, d05 and d09 are known.
    assert (deployed["after"], failed["after"]) == (5, 4)
    assert (deployed["at-end"], failed["at-end"]) == (5, 2)
    assert deployed["inside"] == 4


def test_production_deployments_engines_agree(lake_app: App) -> None:
    """The counted deployments with their remediation flags agree (10 successful production
    deployments before ``until``; d05 is a derived rollback, d08 a hotfix, d10 a labelled
    rollback)."""

    def metric(deployments: ibis.Table) -> ibis.Table:
        return production_deployments(shipped_deployments(deployments, PROD))

    rows = agree(lake_app, metric, {"deployments": "deployments"})
    assert len(rows) == 10
    assert sorted(r["deployment_id"] for r in rows if r["remediation"]) == ["d05", "d08", "d10"]


def test_change_lead_times_engines_agree(lake_app: App) -> None:
    """Lead times per change agree, from commit and from merge, fractional seconds floored."""

    def metric(deployments: ibis.Table, changes: ibis.Table) -> ibis.Table:
        shipped = shipped_deployments(deployments, PROD)
        commit = change_lead_times(changes, shipped, ibis.literal(UNTIL, "timestamp(6)"))
        merge = change_lead_times(changes, shipped, ibis.literal(UNTIL, "timestamp(6)"), "merge")
        return commit.mutate(kind=ibis.literal("commit")).union(
            merge.mutate(kind=ibis.literal("merge"))
        )

    rows = agree(lake_app, metric, {"deployments": "deployments", "changes": "changes"})
    assert len(rows) == 18  # 9 shipped changes (c10 is after until), twice


def test_deployment_failures_engines_agree(lake_app: App) -> None:
    """Failed flags per deployment agree (explicit, time-linked and remediated)."""

    def metric(deployments: ibis.Table, incidents: ibis.Table) -> ibis.Table:
        shipped = shipped_deployments(deployments, PROD)
        return deployment_failures(shipped, production_deployments(shipped), incidents, 24.0)

    rows = agree(lake_app, metric, {"deployments": "deployments", "incidents": "incidents"})
    assert {r["deployment_id"] for r in rows if r["failed"]} >= {"d03", "d04", "d07", "d09"}


def test_restore_times_engines_agree(lake_app: App) -> None:
    """Restore hours per incident agree; the open one is unresolved."""
    rows = agree(lake_app, restore_times, {"incidents": "incidents"})
    assert len(rows) == 7 and sum(not r["resolved"] for r in rows) == 1


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=datasets(st, deployment_ties=True))
def test_four_keys_on_spark_equals_reference(spark_settings: Settings, data: Any) -> None:
    """On a few random datasets (odd durations, deployments tied in time), ``four_keys`` on
    Spark gives the reference's rows, over the window and per week."""
    backend = spark_backend(spark_settings)
    make = spark_tables(backend, spark_session(spark_settings))
    check(backend, data, None, make)
    check(backend, data, "week", make)


def test_fractional_seconds_are_floored_in_lead_times(lake_app: App) -> None:
    """A spot check of the conformance data on DuckDB: c02, committed 20 January
    09:00:00.999 (floor 09:00:00), names the failed d02, so it ships with the retry d03 at
    21 January 11:00:00.750 (floor 11:00:00): 26 h exactly, the only change of d03."""

    def metric(deployments: ibis.Table, changes: ibis.Table) -> ibis.Table:
        shipped = shipped_deployments(deployments, PROD)
        return change_lead_times(changes, shipped, ibis.literal(UNTIL, "timestamp(6)"))

    rows = assert_engines_agree(
        metric,
        {"deployments": "deployments", "changes": "changes"},
        settings=lake_app.settings,
        store=lake_app.store,
        engines=("duckdb",),
    ).to_pylist()
    deployed = dt.datetime(2026, 1, 21, 11, 0, 0, 750000)
    assert [r["lead_time_hours"] for r in rows if r["deployed_at"] == deployed] == [26.0]


def test_hours_are_not_rounded_on_spark(spark_settings: Settings) -> None:
    """One second is 1/3600 h = 0.000277777... h on every engine; Spark gives 0.000278 h. A
    change committed 1 s before its deployment: DuckDB and Spark must agree to 1e-12."""
    backend = spark_backend(spark_settings)
    make = spark_tables(backend, spark_session(spark_settings))
    deployments = [dep("d1", "api", "2026-03-03T12:00:01Z")]
    changes = [chg("c1", "api", "2026-03-03T12:00:00Z")]
    duck = run(duckdb_backend(), deployments, changes, [], {}, since=SINCE, until=UNTIL)
    spark = run(backend, deployments, changes, [], {}, since=SINCE, until=UNTIL, make=make)
    assert duck[0]["lead_time_p50_hours"] == pytest.approx(1 / 3600, rel=1e-12)
    compare(pa.Table.from_pylist(duck), pa.Table.from_pylist(spark), names=("duckdb", "spark"))


def test_attribution_options_agree_on_spark(spark_settings: Settings) -> None:
    """Issue 17's options on DuckDB and Spark: the regions case of test_metrics.py
    (promotions, a per-environment rollback, an explicit link to a promotion) counted per
    environment, with a service's own incident window (api: 2 h); identical rows and the
    hand-computed counts: 7 deployments, 3 failed (e3 remediated by e4; u2, 1 h before i1,
    inside the 2 h window; u3, named by i2). Per service is every other test's default."""
    backend = spark_backend(spark_settings)
    make = spark_tables(backend, spark_session(spark_settings))

    def case(factory: Any) -> ibis.Table:
        tables = memtables(REGION_DEPLOYMENTS, REGION_CHANGES, REGION_INCIDENTS, factory)
        return four_keys_expr(
            *tables,
            {},
            since=t("2026-03-02"),
            until=t("2026-03-16"),
            make=factory,
            production_environments=REGIONS,
            release_scope="environment",
            incident_windows={"api": 2.0},
        )

    duck = duckdb_backend().to_pyarrow(case(ibis.memtable)).to_pylist()
    spark = backend.to_pyarrow(case(make)).to_pylist()
    compare(pa.Table.from_pylist(duck), pa.Table.from_pylist(spark), names=("duckdb", "spark"))
    assert [(r["deployments"], r["failed_deployments"], r["changes"]) for r in duck] == [(7, 3, 3)]
