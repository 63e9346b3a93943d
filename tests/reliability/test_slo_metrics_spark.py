"""Engine conformance of the SLO metrics: DuckDB and Spark give identical answers over the same
lake (landed through the sli-csv source) for ``slo_status``, ``burn_rate_history``,
``alert_states``, ``alert_episodes`` and ``monthly_attainment``, and those answers are the
reference's; Spark also agrees with the reference on a few random scenarios."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.config import Settings
from leadline.context import App
from leadline.lake.conformance import assert_engines_agree
from leadline.lake.engines import spark_backend, spark_session
from leadline.reliability import metrics
from tests.conftest import make_settings
from tests.delivery.support_metrics import spark_tables
from tests.reliability import slo_reference as ref
from tests.reliability.slo_reference import Spec
from tests.reliability.support_slo import (
    HISTORY_WINDOWS,
    MINUTE,
    WORKBOOK,
    add_slo,
    check_all,
    differences,
    history_expr,
    ingest_samples,
    literal,
    scenarios,
    smp,
    specs_arrow,
    t,
    to_rules,
    write_samples,
)

pytestmark = pytest.mark.spark

AT = t("2026-04-01T03:00:00Z")
START = t("2026-03-30T20:00:00Z")
SINCE, UNTIL = t("2026-03-31T00:00:00Z"), t("2026-04-01T06:00:00Z")
SPECS = [
    Spec("avail", 0.999, AT - dt.timedelta(days=28)),
    Spec("latency", 0.9, t("2026-04-01T00:00:00Z"), "timeslices", 0.95, 300),
    Spec("errors", 0.99, AT - dt.timedelta(days=7)),
    Spec("idle", 0.99, AT - dt.timedelta(days=7)),
]


def _samples() -> list[dict[str, Any]]:
    """31 hours of one-minute samples over the March/April month end, with gaps (every 7th
    minute of "latency" missing, a 3-hour hole in "errors"), bursts of bad events that fire
    pages and tickets; "latency" at 20 s past every minute, "errors" at 13 s past before its
    hole and 43 s past after it."""
    rows = []
    for i in range(31 * 60):
        moment = START + MINUTE * i
        hour = i // 60
        bad = 300 if 20 <= hour < 21 else (20 if 26 <= hour < 28 else 0)
        rows.append(smp("avail", moment, 1000 - bad, 1000))
        if i % 7:
            rows.append(smp("latency", moment + dt.timedelta(seconds=20), 100 - (i % 11), 100))
        if not 10 <= hour < 13:
            wrong = 5 if hour % 5 == 0 else 0
            past = dt.timedelta(seconds=13 if hour < 10 else 43)
            rows.append(smp("errors", moment + past, 100 - wrong, 100))
    return rows


SAMPLES = _samples()


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """An app of its own (the Spark session is shared) with the samples landed by sli-csv."""
    home = tmp_path_factory.mktemp("slo-conformance")
    app = App(make_settings(home / "home"))
    for spec in SPECS:
        add_slo(app, spec.slo, "api", spec.objective)
    result = ingest_samples(app, write_samples(home / "sli.csv", SAMPLES))
    assert result.totals()["rows_rejected"] == 0
    yield app
    app.close()


def agree(app: App, metric: Callable[..., ibis.Table]) -> list[dict[str, Any]]:
    """The metric over the lake's samples (and the specifications as a memtable) on both
    engines, which must agree; DuckDB's rows."""
    result = assert_engines_agree(
        metric, {"samples": "sli_samples"}, settings=app.settings, store=app.store
    )
    return result.to_pylist()


def _specs(samples: ibis.Table) -> ibis.Table:
    """The specifications on the samples' engine: a Spark temp view made straight from Arrow
    (much faster than a memtable there), a memtable on DuckDB."""
    backend = samples.get_backend()
    if backend.name == "pyspark":
        return spark_tables(backend, backend._session)(specs_arrow(SPECS))
    return ibis.memtable(specs_arrow(SPECS))


def _by(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(r[k] for k in keys))


def test_slo_status_engines_agree(lake_app: App) -> None:
    """The status at 1 April 03:00 agrees, and is the reference's (every SLO non-trivial but
    the idle one)."""
    rows = agree(
        lake_app, lambda samples: metrics.slo_status(samples, _specs(samples), literal(AT))
    )
    expected = ref.status(SAMPLES, SPECS, AT, metrics.STATUS_WINDOWS)
    assert differences(_by(rows, "slo"), expected) == []
    assert sum(r["sli"] is not None for r in rows) == 3


def test_burn_rate_history_and_alerts_engines_agree(lake_app: App) -> None:
    """History, alert states and episodes (workbook rules, and ``alert_history``'s one pass)
    agree and are the reference's; the data fires both pages and tickets. "avail" (on the
    minute) and "latency" (with gaps, 20 s past the minute) are each on their own grid and take
    the running sums of ``burn_history``; "errors" (samples at two different seconds past the
    minute) the RANGE frames."""
    assert {(s["slo"], s["timestamp"].second) for s in SAMPLES} == {
        ("avail", 0),
        ("latency", 20),
        ("errors", 13),
        ("errors", 43),
    }

    def history(samples: ibis.Table) -> ibis.Table:
        return history_expr(samples, _specs(samples), SINCE, UNTIL)

    def states(samples: ibis.Table) -> ibis.Table:
        return metrics.alert_states(history(samples), to_rules(WORKBOOK))

    def episodes(samples: ibis.Table) -> ibis.Table:
        return metrics.alert_episodes(states(samples))

    def one_pass(samples: ibis.Table) -> ibis.Table:
        since, until = ibis.literal(SINCE, "timestamp(6)"), ibis.literal(UNTIL, "timestamp(6)")
        return metrics.alert_history(samples, _specs(samples), since, until, to_rules(WORKBOOK))

    expected_history = ref.burn_rate_history(SAMPLES, SPECS, SINCE, UNTIL, HISTORY_WINDOWS)
    expected_states = ref.alert_states(expected_history, WORKBOOK)
    expected_episodes = ref.alert_episodes(expected_states)
    got = _by(agree(lake_app, history), "slo", "timestamp")
    assert differences(got, expected_history) == []
    got = _by(agree(lake_app, states), "slo", "timestamp")
    assert differences(got, expected_states) == []
    got = _by(agree(lake_app, episodes), "slo", "started_at")
    assert differences(got, expected_episodes) == []
    got = _by(agree(lake_app, one_pass), "slo", "started_at")
    assert differences(got, expected_episodes) == []
    assert {e["severity"] for e in expected_episodes} == {"page", "ticket"}


def test_monthly_attainment_engines_agree(lake_app: App) -> None:
    """Monthly attainment (March and April) agrees and is the reference's."""
    rows = agree(lake_app, lambda samples: metrics.monthly_attainment(samples, _specs(samples)))
    expected = ref.monthly_attainment(SAMPLES, SPECS)
    assert differences(_by(rows, "slo", "month"), expected) == []
    assert len(expected) == 6


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios(st))
def test_slo_metrics_on_spark_equal_reference(spark_settings: Settings, scenario: Any) -> None:
    """On a few random scenarios every SLO metric on Spark (tables made straight from Arrow)
    gives the reference's rows."""
    backend = spark_backend(spark_settings)
    check_all(backend, scenario, spark_tables(backend, spark_session(spark_settings)))
