"""SLO specifications (OpenSLO v1) and 90 days of SLI samples for the demo organisation.

Tier-1 services get an availability and a latency SLO, the first tier-2 services an availability
SLO. Samples are five-minute counts with daily traffic cycles; they degrade during the same
incidents the demo's PagerDuty history reports, so SLOs, burn-rate alerts and DORA agree.

The samples run up to the demo's as-of instant (``as_of_instant``: now, to the five minutes,
when the demo is built for today; the end of the as-of day when it is built for a past day), so
every burn-rate window, down to the five-minute one, has data; an incident still open then
burns at 3-8 % errors (a burn rate of 30-80 on a 99.9 % SLO), so the short-window alert fires.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from leadline.demo.generator import OrganisationBuilder
from leadline.ingest.files import dump_yaml

STEP = 300
DAYS = 90
TIER2_SLOS = 8
DATASOURCE = "prometheus"
LATENCY = "http_request_duration_seconds"
SLI_SCHEMA = pa.schema(
    [
        ("slo", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("good", pa.float64()),
        ("total", pa.float64()),
        ("step_seconds", pa.int64()),
    ]
)


@dataclass(frozen=True)
class DemoSlo:
    name: str
    service: str
    kind: str  # availability | latency
    objective: float


def demo_slos(org: OrganisationBuilder) -> list[DemoSlo]:
    production = sorted(s for s, i in org.services.items() if i["lifecycle"] == "production")
    tier1 = [s for s in production if org.services[s]["tier"] == "1"]
    tier2 = [s for s in production if org.services[s]["tier"] == "2"][:TIER2_SLOS]
    out = []
    for service in tier1:
        out.append(DemoSlo(f"{service}-availability", service, "availability", 0.999))
        out.append(DemoSlo(f"{service}-latency", service, "latency", 0.99))
    out += [DemoSlo(f"{service}-availability", service, "availability", 0.995) for service in tier2]
    return out


def openslo_documents(slos: list[DemoSlo]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "openslo/v1",
            "kind": "DataSource",
            "metadata": {"name": DATASOURCE},
            "spec": {
                "type": "Prometheus",
                "connectionDetails": [{"url": "http://prometheus.northwind.example:9090"}],
            },
        }
    ]
    for slo in slos:
        job = f'job="{slo.service}"'
        if slo.kind == "availability":
            indicator = {
                "ratioMetric": {
                    "counter": True,
                    "good": _source(f'http_requests_total{{{job},code!~"5.."}}'),
                    "total": _source(f"http_requests_total{{{job}}}"),
                }
            }
            objective = {"displayName": "Requests served", "target": slo.objective}
            method: dict[str, Any] = {"budgetingMethod": "Occurrences"}
        else:
            indicator = {
                "ratioMetric": {
                    "counter": True,
                    "good": _source(f'{LATENCY}_bucket{{{job},le="0.3"}}'),
                    "total": _source(f"{LATENCY}_count{{{job}}}"),
                }
            }
            objective = {
                "displayName": "Requests under 300 ms",
                "target": slo.objective,
                "timeSliceTarget": 0.95,
                "timeSliceWindow": "5m",
            }
            method = {"budgetingMethod": "Timeslices"}
        docs.append(
            {
                "apiVersion": "openslo/v1",
                "kind": "SLO",
                "metadata": {"name": slo.name},
                "spec": {
                    "description": f"{slo.service} {slo.kind}",
                    "service": slo.service,
                    "indicator": {"metadata": {"name": f"{slo.name}-sli"}, "spec": indicator},
                    "timeWindow": [{"duration": "28d", "isRolling": True}],
                    **method,
                    "objectives": [objective],
                },
            }
        )
    return docs


def _source(query: str) -> dict[str, Any]:
    return {
        "metricSource": {
            "metricSourceRef": DATASOURCE,
            "type": "Prometheus",
            "spec": {"query": query},
        }
    }


def as_of_instant(as_of: dt.date, now: dt.datetime | None = None) -> dt.datetime:
    """Where the demo's samples end: ``now`` (UTC, down to the five-minute step) within the
    as-of day; the day's end when ``now`` is past it, its start when ``now`` is before it."""
    now = now or dt.datetime.now(dt.UTC)
    start = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1)
    moment = now.astimezone(dt.UTC)
    moment = moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)
    return min(max(moment, start), end)


def sli_parts(
    slos: list[DemoSlo],
    incidents: list[tuple[str, dt.datetime, dt.datetime | None]],
    end: dt.datetime,
    seed: int,
) -> Iterator[pa.Table]:
    """Five-minute good/total counts over the last 90 days before ``end``, one SLO at a time
    (the large demo has millions: they are written as they come, never held together)."""
    slots = _slots(end)
    hours = (slots // 3600) % 24
    daily = 0.35 + 0.65 * np.clip(np.sin((hours - 6) / 24 * 2 * np.pi) + 0.3, 0, None)
    by_service: dict[str, list[tuple[int, int]]] = {}
    low: dict[tuple[str, int], float] = {}  # an incident still open burns fast
    for service, began, ended in incidents:
        stop = ended or end
        by_service.setdefault(service, []).append((int(began.timestamp()), int(stop.timestamp())))
        low[(service, int(began.timestamp()))] = 0.005 if ended else 0.03
    for index, slo in enumerate(slos):
        rng = np.random.default_rng(seed * 1000 + index)
        traffic = rng.poisson(400 * daily + 20).astype(np.float64)
        base = (1 - slo.objective) * 0.3
        error_rate = np.full(len(slots), base)
        for first, last in by_service.get(slo.service, []):
            hit = (slots >= first) & (slots < last)
            floor = low[(slo.service, first)]
            error_rate[hit] = random.Random(f"{slo.name}{first}").uniform(floor, 0.08)
        bad = rng.binomial(traffic.astype(np.int64), np.clip(error_rate, 0, 1)).astype(np.float64)
        if slo.kind == "latency":  # latency SLOs: a good slice needs 95% of requests fast
            bad = np.minimum(traffic, bad + rng.binomial(traffic.astype(np.int64), 0.002))
        keep = rng.random(len(slots)) > 0.002  # scrapes sometimes miss: gaps
        yield pa.table(
            {
                "slo": pa.array([slo.name] * int(keep.sum())),
                "timestamp": pa.array(slots[keep] * 1_000_000, pa.timestamp("us", tz="UTC")),
                "good": traffic[keep] - bad[keep],
                "total": traffic[keep],
                "step_seconds": pa.array(np.full(int(keep.sum()), STEP), pa.int64()),
            },
            schema=SLI_SCHEMA,
        )


def _slots(end: dt.datetime) -> np.ndarray:
    """Start (epoch seconds) of every five-minute interval of the 90 days before ``end``."""
    start = end - dt.timedelta(days=DAYS)
    return np.arange(int(start.timestamp()), int(end.timestamp()), STEP, dtype=np.int64)


def _times_as_text(parts: Iterator[pa.Table], end: dt.datetime) -> Iterator[pa.Table]:
    """The parts with their timestamps as the text the CSV writer gives them, formatted once
    for the 90-day grid: formatting instants was most of the time of writing the samples."""
    grid = _slots(end) * 1_000_000
    text = pc.cast(pa.array(grid, SLI_SCHEMA.field("timestamp").type), pa.string())
    for part in parts:
        micros = part.column("timestamp").cast(pa.int64()).to_numpy()
        position = (micros - grid[0]) // (STEP * 1_000_000)
        yield part.set_column(1, "timestamp", text.take(position))


def write_reliability(
    org: OrganisationBuilder,
    incidents: list[tuple[str, dt.datetime, dt.datetime | None]],
    root: Path,
    seed: int,
    until: dt.datetime | None = None,
) -> list[tuple[str, list[Path]]]:
    """Write the specs and samples up to ``until`` (default: the as-of instant, see
    ``as_of_instant``); return (source, files) in ingest order."""
    root.mkdir(parents=True, exist_ok=True)
    slos = demo_slos(org)
    specs = root / "slos.yaml"
    specs.write_text(dump_yaml(openslo_documents(slos)), encoding="utf-8")
    end = until or as_of_instant(org.as_of)
    samples = root / "sli.csv"
    options = pacsv.WriteOptions(include_header=True, quoting_style="none")
    schema = SLI_SCHEMA.set(1, pa.field("timestamp", pa.string()))
    with pacsv.CSVWriter(samples, schema, write_options=options) as writer:
        for part in _times_as_text(sli_parts(slos, incidents, end, seed), end):
            writer.write_table(part)
    return [("openslo", [specs]), ("sli-csv", [samples])]
