"""Incident rework rate (delivery/rework.py): hand-computed on a small case, through the
metric registry over a lake landed by the CSV sources, and judged at an as-of instant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.context import App
from leadline.delivery.rework import incident_rework
from leadline.lake.engines import duckdb_backend
from leadline.periods import Window
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from tests.delivery.support_metrics import (
    DEPLOYMENTS_HEADER,
    INCIDENTS_HEADER,
    PROD,
    datasets,
    dep,
    inc,
    ingest,
    memtables,
    services_table,
    t,
    write_csv,
)

# Window 1 to 15 March 2026. api (team t1):
#   a1 2 Mar planned                                    -> not rework (planned)
#   a2 3 Mar 12:00 hotfix; i1 3 Mar 10:00-11:00          -> rework (1 h after i1's resolution)
#   a3 6 Mar hotfix; nothing within 24 h                -> not rework (remediation only)
#   a0 7 Mar 12:00 planned while i2 (7 Mar - 8 Mar 06:00) is open -> not rework (planned)
#   a4 8 Mar 00:00 rollback while i2 is open            -> rework
#   a5 9 Mar 12:00 hotfix, 30 h after i2; web's i3 open -> not rework (other service)
#   a6 10 Mar hotfix on staging                         -> not counted at all
#   a7 11 Mar 00:00 hotfix; i5 starts later (11 Mar 12:00) -> not rework
#   a8 13 Mar 00:00 hotfix, exactly 24 h after i5 resolved -> rework (the edge is inside)
#   a9 16 Mar hotfix                                    -> after the window
# api: 8 deployments, 3 incident rework: 3/8. web (team t2): w1 planned: 0/1.
DEPLOYMENTS = [
    dep("a1", "api", "2026-03-02T00:00:00Z", change_type="planned"),
    dep("a2", "api", "2026-03-03T12:00:00Z", change_type="hotfix"),
    dep("a3", "api", "2026-03-06T00:00:00Z", change_type="hotfix"),
    dep("a0", "api", "2026-03-07T12:00:00Z"),
    dep("a4", "api", "2026-03-08T00:00:00Z", change_type="rollback"),
    dep("a5", "api", "2026-03-09T12:00:00Z", change_type="hotfix"),
    dep("a6", "api", "2026-03-10T00:00:00Z", change_type="hotfix", environment="staging"),
    dep("a7", "api", "2026-03-11T00:00:00Z", change_type="hotfix"),
    dep("a8", "api", "2026-03-13T00:00:00Z", change_type="hotfix"),
    dep("a9", "api", "2026-03-16T00:00:00Z", change_type="hotfix"),
    dep("w1", "web", "2026-03-04T00:00:00Z"),
]
INCIDENTS = [
    inc("i1", "api", "2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z"),
    inc("i2", "api", "2026-03-07T00:00:00Z", "2026-03-08T06:00:00Z"),
    inc("i3", "web", "2026-03-09T00:00:00Z"),
    inc("i5", "api", "2026-03-11T12:00:00Z", "2026-03-12T00:00:00Z"),
]
SINCE, UNTIL = t("2026-03-01"), t("2026-03-15")


def rework(until: Any = UNTIL, observed: Any = None, **services: str) -> dict[str, Any]:
    deployments, _, incidents = memtables(DEPLOYMENTS, [], INCIDENTS)
    expr = incident_rework(
        deployments,
        incidents,
        services_table(services),
        since=ibis.literal(SINCE, "timestamp(6)"),
        until=ibis.literal(until, "timestamp(6)"),
        production_environments=["production"],
        observed_until=None if observed is None else ibis.literal(observed, "timestamp(6)"),
    )
    rows = duckdb_backend().to_pyarrow(expr).to_pylist()
    return {r["key"]: r for r in rows}


def test_incident_rework_by_hand() -> None:
    rows = rework(api="t1", web="t2")
    assert rows == {
        "t1": {
            "key": "t1",
            "deployments": 8,
            "incident_rework_deployments": 3,
            "incident_rework_rate": pytest.approx(3 / 8),
        },
        "t2": {
            "key": "t2",
            "deployments": 1,
            "incident_rework_deployments": 0,
            "incident_rework_rate": 0.0,
        },
    }
    # services outside the mapping keep their own name
    assert set(rework()) == {"api", "web"}


def test_incident_rework_as_of() -> None:
    """Judged on 8 March at 00:30: i2's resolution is not known, a3..a0 and a4 are; a4
    rolls back while i2 is open (rework). Window to 8 March 00:30: a1, a2, a3, a0, a4: 2/5.
    Judged on 3 March 11:30, before a2: i1 known (resolved), a1 only: 0/1."""
    later = rework(until=t("2026-03-08T00:30:00Z"), api="t1")["t1"]
    assert (later["deployments"], later["incident_rework_deployments"]) == (5, 2)
    early = rework(until=t("2026-03-09"), observed=t("2026-03-03T11:30:00Z"), api="t1")["t1"]
    assert (early["deployments"], early["incident_rework_deployments"]) == (1, 0)


def _csv_rows(facts: list[dict[str, Any]], columns: list[str]) -> list[str]:
    def cell(value: Any) -> str:
        return "" if value is None else value.isoformat() + "Z" if hasattr(value, "year") else value

    return [",".join(cell(f.get(c)) for c in columns) for f in facts]


def test_the_registered_metric_reads_the_lake(app: App, tmp_path: Path) -> None:
    """``dora.incident_rework_rate`` per service over the window, in percent, from facts
    landed by the CSV sources: api 37.5 %, web 0 %."""
    deployments = write_csv(
        tmp_path / "d.csv",
        DEPLOYMENTS_HEADER,
        _csv_rows(DEPLOYMENTS, DEPLOYMENTS_HEADER.split(",")),
    )
    incidents = write_csv(
        tmp_path / "i.csv",
        INCIDENTS_HEADER,
        _csv_rows(INCIDENTS, INCIDENTS_HEADER.split(",")),
    )
    for source, path in (("deployments-csv", deployments), ("incidents-csv", incidents)):
        assert ingest(app, source, path).totals()["rows_rejected"] == 0
    metric = registry.get("dora.incident_rework_rate")
    assert (metric.unit, metric.direction, metric.anchor) == (
        "percent",
        "lower",
        "incident-rework-rate",
    )
    ev = Evaluation(app, now=t("2026-04-01"))
    [values] = ev.values("dora.incident_rework_rate", "service", [Window(SINCE, UNTIL)])
    assert values == {"api": pytest.approx(37.5), "web": 0.0}
    # before deployments were tracked: no value, not zero
    [before] = ev.values(
        "dora.incident_rework_rate", "service", [Window.parse("2025-01-01", "2025-02-01")]
    )
    assert before == {}


@settings(max_examples=6, deadline=None, derandomize=True)
@given(data=datasets(st))
def test_incident_rework_is_bounded_and_grows_with_the_window(data: Any) -> None:
    """For random facts: 0 <= incident rework <= deployments; a longer incident window never
    finds fewer; without incidents there is none."""
    deployments, _, incidents, mapping, since, until, options = data
    con = duckdb_backend()

    tables = memtables(deployments, [], incidents)
    no_incidents = memtables([], [], [])[2]
    observed = options["observed_until"]
    cases = [("0.5", 0.5, True), ("24", 24.0, True), ("ever", 1e6, True), ("none", 1e6, False)]
    exprs = [
        incident_rework(
            tables[0],
            tables[2] if with_incidents else no_incidents,
            services_table(mapping),
            since=ibis.literal(since, "timestamp(6)"),
            until=ibis.literal(until, "timestamp(6)"),
            production_environments=PROD,
            incident_window_hours=hours,
            observed_until=None if observed is None else ibis.literal(observed, "timestamp(6)"),
            unmapped_key=options["unmapped_key"],
        ).mutate(case=ibis.literal(name))
        for name, hours, with_incidents in cases
    ]
    found: dict[str, dict[str, tuple[int, int]]] = {name: {} for name, _, _ in cases}
    for r in con.to_pyarrow(ibis.union(*exprs, distinct=False)).to_pylist():
        found[r["case"]][r["key"]] = (r["deployments"], r["incident_rework_deployments"])
    short, day, ever = found["0.5"], found["24"], found["ever"]
    assert set(short) == set(day) == set(ever)
    for key, (total, rework_ever) in ever.items():
        assert 0 <= short[key][1] <= day[key][1] <= rework_ever <= total
        assert short[key][0] == day[key][0] == total
    assert all(rework == 0 for _, rework in found["none"].values())
