"""Deterministic SLI data for the SLO benchmark, written into a leadline lake.

At scale 1.0: 1,000 SLOs with 30 days of one-minute good/total samples each (~43M rows), landed
through ``LakeWriter.append`` in one batch as an ingest would, with the SLO specifications in
the store. The lake is cached in ``benchmarks/output/`` keyed by its parameters, so only the
first run pays for generation. Scale multiplies the number of SLOs (the 30 days stay), and SLO
number ``i`` gets the same specification and series at every scale.

The data exercises every branch of the definitions in ``leadline.reliability.metrics``:

- objectives 99%, 99.5%, 99.9%, 99.95%; rolling 28-day and 30-day windows and calendar months
  (whose window starts mid-way through the data); ~10% time-slice budgeting with 1-minute and
  5-minute slices and targets 0.95/0.99/0.999;
- diurnal and weekly traffic from ~1 event a minute (minutes and 5-minute windows without
  events: burn rates null) to ~20k a minute;
- incidents of four severities sized so that each SRE-workbook rule fires somewhere (outages
  for the 1h/5m page, majors for the 6h/30m page, degradations for the 1d/2h ticket, slow burns
  for the 3d/6h ticket), and total outages (every event bad);
- gaps of minutes to days in ~10% of the SLOs, one gap longer than the longest window, samples
  offset from the minute (15 s) in a few SLOs, an SLO with no samples at all, an SLO whose burn
  rate is exactly 1.0 everywhere (objective 0.75, a quarter of events bad: the strict ``>``
  never fires the factor-1 rule), and samples of an SLO no specification names.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from leadline.config import load_settings
from leadline.ingest.models import Batch
from leadline.lake.writer import LakeWriter
from leadline.reliability.models import Slo
from leadline.reliability.schemas import SLI_SAMPLES
from leadline.store import Store
from leadline.store.base import utcnow

GENERATOR_VERSION = 1
OUTPUT = Path(__file__).resolve().parent / "output"
START = dt.datetime(2025, 4, 16)  # naive UTC; the data spans [START, END)
DAYS = 30
END = START + dt.timedelta(days=DAYS)  # status instant; a calendar month starts on May 1st
STEP = 60
MINUTES = DAYS * 1440
FULL_SLOS = 1000
CHUNK = 50  # SLOs per LakeWriter.append (each lands one file per month)
EXACT_BURN, NO_DATA, UNKNOWN = "slo-exact-burn", "slo-no-data", "slo-not-specified"
US = 1_000_000


@dataclass(frozen=True)
class Spec:
    name: str
    service: str
    objective: float
    window_kind: str  # rolling | calendar
    window_days: int | None
    budgeting: str  # occurrences | timeslices
    timeslice_target: float | None
    timeslice_seconds: int | None


def lake_home(scale: float, seed: int) -> Path:
    return OUTPUT / f"slo-lake-s{scale:g}-seed{seed}-v{GENERATOR_VERSION}"


def slo_count(scale: float) -> int:
    return max(4, round(FULL_SLOS * scale))


def _spec(i: int, count: int, rng: np.random.Generator) -> Spec:
    if i == count - 1:
        return Spec(NO_DATA, "service-nodata", 0.999, "rolling", 28, "occurrences", None, None)
    if i == count - 2:
        return Spec(EXACT_BURN, "service-exact", 0.75, "rolling", 30, "occurrences", None, None)
    objective = float(rng.choice([0.99, 0.995, 0.999, 0.9995], p=[0.25, 0.25, 0.35, 0.15]))
    u = rng.random()
    kind, days = ("calendar", None) if u < 0.05 else ("rolling", 28 if u < 0.65 else 30)
    if i % 10 == 3:  # ~10% time slices
        target = float(rng.choice([0.95, 0.99, 0.999]))
        size = int(rng.choice([60, 300]))
        return Spec(
            f"slo-{i:04d}", f"service-{i // 3:03d}", objective, kind, days, "timeslices",
            target, size,
        )  # fmt: skip
    return Spec(
        f"slo-{i:04d}", f"service-{i // 3:03d}", objective, kind, days, "occurrences", None, None
    )


def _incidents(i: int, rng: np.random.Generator) -> list[tuple[int, int, float]]:
    """(start minute, duration in minutes, error rate as a multiple of the budget)."""
    out = []

    def at(duration: int) -> int:
        return int(rng.integers(0, max(1, MINUTES - duration // 2)))

    # Each severity somewhere at every scale (fixed residues), more at random.
    if i % 3 == 0 or rng.random() < 0.3:  # outage: 1h/5m page (14.4x)
        for _ in range(int(rng.integers(1, 4))):
            duration = int(rng.integers(5, 46))
            out.append((at(duration), duration, float(rng.uniform(20, 400))))
    if i % 5 == 1 or rng.random() < 0.1:  # major: 6h/30m page (6x)
        duration = int(rng.integers(180, 480))
        out.append((at(duration), duration, float(rng.uniform(7, 12))))
    if i % 7 == 2 or rng.random() < 0.1:  # degradation: 1d/2h ticket (3x)
        duration = int(rng.integers(20 * 60, 36 * 60))
        out.append((at(duration), duration, float(rng.uniform(3.5, 5.0))))
    if i % 4 == 0 or rng.random() < 0.1:  # slow burn: 3d/6h ticket (1x)
        duration = int(rng.integers(3 * 1440, 5 * 1440))
        out.append((at(duration), duration, float(rng.uniform(1.3, 2.0))))
    if i % 37 == 5:  # total outage: every event bad
        duration = int(rng.integers(3, 30))
        out.append((at(duration), duration, float("inf")))
    return out


def _series(
    i: int, spec: Spec, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample starts (epoch seconds), good and total events of one SLO."""
    start = int(START.replace(tzinfo=dt.UTC).timestamp())
    minute = np.arange(MINUTES)
    offset = 15 if i % 50 == 7 else 0  # a few series sampled off the minute
    seconds = start + minute * STEP + offset
    day = minute / 1440.0
    weekday = (START.weekday() + minute // 1440) % 7
    if spec.name == EXACT_BURN:
        total = 4.0 * rng.integers(1, 50, MINUTES)
        return seconds, total * 0.75, total
    low_traffic = i % 25 == 11
    base = float(rng.uniform(0.3, 2.0)) if low_traffic else float(rng.lognormal(5.5, 1.4))
    base = min(base, 20_000.0)
    diurnal = 1 + rng.uniform(0.3, 0.8) * np.sin(2 * np.pi * (day - rng.random()))
    rate = base * diurnal * np.where(weekday >= 5, 0.6, 1.0)
    total = rng.poisson(rate).astype(np.float64)
    budget = 1.0 - spec.objective
    error = np.full(MINUTES, budget * rng.uniform(0.05, 0.6))
    for first, duration, multiple in _incidents(i, rng):
        error[first : first + duration] = np.maximum(
            error[first : first + duration], min(1.0, multiple * budget)
        )
    bad = rng.binomial(total.astype(np.int64), error).astype(np.float64)
    keep = np.ones(MINUTES, dtype=bool)
    if i % 10 == 6:  # gaps of minutes to hours
        for _ in range(int(rng.integers(1, 4))):
            length = int(rng.integers(10, 6 * 60))
            first = int(rng.integers(0, MINUTES - length))
            keep[first : first + length] = False
    if i % 100 == 9:  # a gap longer than the longest window (3 days)
        first = int(rng.integers(0, MINUTES - 5 * 1440))
        keep[first : first + 4 * 1440] = False
    return seconds[keep], (total - bad)[keep], total[keep]


def generate(scale: float, seed: int) -> tuple[list[Spec], list[pa.Table]]:
    """The specifications and the samples, one table per ``CHUNK`` SLOs, in time order."""
    count = slo_count(scale)
    specs = []
    chunks = []
    names: list[str] = []
    stamps: list[np.ndarray] = []
    goods: list[np.ndarray] = []
    totals: list[np.ndarray] = []

    def flush() -> None:
        if not names:
            return
        code = np.concatenate([np.full(len(s), k, np.int32) for k, s in enumerate(stamps)])
        second = np.concatenate(stamps)
        order = np.lexsort((code, second))  # as pulls land: by time, then SLO
        slo = pa.DictionaryArray.from_arrays(pa.array(code[order]), pa.array(names))
        chunks.append(
            pa.table(
                {
                    "slo": slo.cast(pa.string()),
                    "timestamp": pa.array((second[order] * US).astype("datetime64[us]")).cast(
                        pa.timestamp("us", tz="UTC")
                    ),
                    "step_seconds": pa.array(np.full(len(second), STEP, np.int32)),
                    "good": pa.array(np.concatenate(goods)[order]),
                    "total": pa.array(np.concatenate(totals)[order]),
                    "source": pa.array(["bench"] * len(second)),
                    "updated_at": pa.array(
                        (second[order] * US + STEP * US).astype("datetime64[us]")
                    ).cast(pa.timestamp("us", tz="UTC")),
                }
            )
        )
        for part in (names, stamps, goods, totals):
            part.clear()

    for i in range(count):
        rng = np.random.default_rng([seed, i])
        spec = _spec(i, count, rng)
        specs.append(spec)
        if spec.name == NO_DATA:
            continue
        second, good, total = _series(i, spec, rng)
        names.append(spec.name)
        stamps.append(second)
        goods.append(good)
        totals.append(total)
        if len(names) == CHUNK:
            flush()
    # Samples of an SLO no specification names (the metrics' inner join drops them).
    rng = np.random.default_rng([seed, 10**6])
    second = np.arange(MINUTES) * STEP + int(START.replace(tzinfo=dt.UTC).timestamp())
    total = rng.poisson(50, MINUTES).astype(np.float64)
    names.append(UNKNOWN)
    stamps.append(second)
    goods.append(total)
    totals.append(total)
    flush()
    return specs, chunks


def _slo_row(spec: Spec, batch_id: int) -> Slo:
    return Slo(
        name=spec.name,
        service=spec.service,
        objective=spec.objective,
        window_kind=spec.window_kind,
        window_days=spec.window_days,
        calendar_unit="month" if spec.window_kind == "calendar" else None,
        budgeting=spec.budgeting,
        timeslice_target=spec.timeslice_target,
        timeslice_seconds=spec.timeslice_seconds,
        sli_kind="ratio",
        indicator={},
        alerting=[],
        document={},
        source_format=None,
        batch_id=batch_id,
    )


def ensure_lake(scale: float, seed: int = 1) -> tuple[Path, dict[str, object]]:
    """The cached lake's home and its metadata (generation time, row counts); generated on
    first use."""
    home = lake_home(scale, seed)
    meta_path = home / "meta.json"
    if meta_path.exists():
        return home, json.loads(meta_path.read_text())
    shutil.rmtree(home, ignore_errors=True)
    started = time.perf_counter()
    specs, chunks = generate(scale, seed)
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    rows = 0
    with store.session() as session:
        batch = Batch(
            source="bench-slo",
            file_name="generated",
            content_hash=f"slo-{scale}-{seed}",
            options={},
            status="landed",
            started_at=utcnow(),
            finished_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        session.add_all([_slo_row(s, batch.id) for s in specs])
        writer = LakeWriter(settings.lake_path, session, batch.id)
        for chunk in chunks:
            rows += writer.append(SLI_SAMPLES, chunk)
        writer.publish()
    writer.cleanup()
    store.dispose()
    meta = {
        "scale": scale,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "slos": len(specs),
        "rows": rows,
        "start": START.isoformat(),
        "end": END.isoformat(),
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    meta_path.write_text(json.dumps(meta))
    return home, meta
