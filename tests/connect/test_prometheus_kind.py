"""The prometheus connection: the existing ``prometheus`` source (its queries, retries and
watermarks) run by ``leadline sync`` against a real Prometheus (tests/support/prometheus.py),
landing exactly what ``leadline ingest prometheus`` lands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from leadline.connect.manage import add_connection
from leadline.connect.sync import sync_connection
from leadline.ingest.runner import run_ingest
from leadline.reliability.models import SliWatermark
from tests.reliability.test_prometheus import (  # the reliability tests' helpers and fixtures
    ORIGIN,
    add_slos,
    app_with,
    clock,
    expected,
    iso,
    samples,
)
from tests.support import prometheus as support
from tests.support.prometheus import END, PrometheusServer

prometheus_server = support.prometheus_server  # the session fixture, for pytest
__all__ = ["clock"]  # a fixture this module uses


def test_a_prometheus_connection_pulls_what_ingest_pulls(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    synced, ingested = app_with(tmp_path / "a", step=300), app_with(tmp_path / "b", step=300)
    for app in (synced, ingested):
        add_slos(app, "checkout-availability", "search-availability")
    with synced.store.session() as session:
        add_connection(
            session,
            "prometheus",
            "prom",
            {"url": prometheus_server.url, "slo": ["checkout-availability"]},
            token_env=None,
            token_file=None,
            schedule="*/5 * * * *",
            actor="test",
        )
    first = sync_connection(
        "prom", settings=synced.settings, store=synced.store, since=_utc(ORIGIN)
    )
    assert first.status == "ok" and first.batches == 1, first.error
    run_ingest(
        "prometheus",
        [Path(prometheus_server.url)],
        settings=ingested.settings,
        store=ingested.store,
        options={"slo": "checkout-availability", "since": iso(ORIGIN)},
    )
    assert samples(synced) == samples(ingested)
    assert samples(synced) == {
        "checkout-availability": expected("checkout-availability", 300, ORIGIN)
    }
    with synced.store.session() as session:
        marks = {m.slo: m.pulled_until for m in session.scalars(select(SliWatermark))}
    assert {k: int(v.timestamp()) for k, v in marks.items()} == {"checkout-availability": END}
    # From the watermark: nothing new (the data end at END); the same request again in the
    # same minute is the same batch, already landed.
    second = sync_connection("prom", settings=synced.settings, store=synced.store)
    assert second.status == "ok" and second.facts_landed == 0
    assert "checkout-availability: up to date" in (second.results[0].message or "")
    assert sync_connection("prom", settings=synced.settings, store=synced.store).unchanged == 1
    for app in (synced, ingested):
        app.close()


def _utc(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)
