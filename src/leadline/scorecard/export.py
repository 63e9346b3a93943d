"""Scorecard exports: CSV and Parquet files of the flat rows (one per scope and KPI), and the
Prometheus text exposition of the KPIs as labelled gauges (``/metrics`` and textfile
collectors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from leadline.context import App
from leadline.present.render import to_csv
from leadline.scorecard.core import ROW_COLUMNS, rows, scorecard
from leadline.scorecard.definitions import SCOPE_KINDS
from leadline.scorecard.tables import scorecard_report
from leadline.semantic.evaluation import Evaluation

SCHEMA = pa.schema(
    [
        (c, pa.float64() if c in ("value", "target", "previous") else pa.string())
        for c in ROW_COLUMNS
    ]
)
RAG_CODE = {"green": 0, "amber": 1, "red": 2}


def csv_text(document: dict[str, Any]) -> str:
    """The scorecard's report as CSV (``scorecard.tables``: the CLI's, the API's and the home
    page's download)."""
    return to_csv(scorecard_report(document))


def arrow_table(document: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist(rows(document), schema=SCHEMA)


def parquet_bytes(document: dict[str, Any]) -> bytes:
    """The rows as a Parquet file in memory (the web app's download)."""
    sink = pa.BufferOutputStream()
    pq.write_table(arrow_table(document), sink)
    return bytes(sink.getvalue().to_pybytes())


def write(document: dict[str, Any], path: Path, fmt: str) -> None:
    """Write the scorecard's rows to ``path`` as ``csv`` or ``parquet``."""
    if fmt == "parquet":
        pq.write_table(arrow_table(document), path)
    else:
        path.write_text(csv_text(document), encoding="utf-8")


def exposition(documents: list[dict[str, Any]]) -> bytes:
    """Prometheus text format: ``leadline_kpi_value``, ``leadline_kpi_target``,
    ``leadline_kpi_previous_value`` and ``leadline_kpi_rag`` (0 green, 1 amber, 2 red; absent
    when grey), labelled by kpi, group, scope_kind, scope and period."""
    registry = CollectorRegistry()
    labels = ("kpi", "group", "scope_kind", "scope", "period")
    value = Gauge("leadline_kpi_value", "KPI value in the period", labels, registry=registry)
    target = Gauge("leadline_kpi_target", "KPI target", labels, registry=registry)
    previous = Gauge(
        "leadline_kpi_previous_value", "KPI value in the previous period", labels, registry=registry
    )
    rag = Gauge(
        "leadline_kpi_rag", "KPI status: 0 green, 1 amber, 2 red", labels, registry=registry
    )
    for document in documents:
        for scope in document["scopes"]:
            for kpi in scope["kpis"]:
                key = (kpi["kpi"], kpi["group"], scope["scope_kind"], scope["scope"])
                label = dict(zip(labels, (*key, document["period"]), strict=True))
                for gauge, number in (
                    (value, kpi["value"]),
                    (target, kpi["target"]),
                    (previous, kpi["previous"]),
                    (rag, RAG_CODE.get(kpi["status"])),
                ):
                    if number is not None:
                        gauge.labels(**label).set(number)
    return generate_latest(registry)


def metrics_text(
    app: App,
    *,
    kinds: tuple[str, ...] = SCOPE_KINDS,
    period: str | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The exposition for the web app's ``/metrics``: the current quarter's scorecard for
    every scope kind (the pillars' results shared between them), judged at ``now``."""
    ev = Evaluation(app, now=now) if now else Evaluation(app)
    return exposition([scorecard(app, by=k, period=period, evaluation=ev) for k in kinds])
