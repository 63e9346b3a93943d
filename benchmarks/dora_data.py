"""Deterministic delivery data for the DORA benchmark, written into a leadline lake.

At scale 1.0: 1M deployments, 10M changes and 50k incidents of 500 services (owned by 100 teams,
plus a few services no team owns and one team with no activity) over two years, landed through
``LakeWriter`` in one batch, as an ingest would. The lake is cached in ``benchmarks/output/``
keyed by its parameters, so only the first run pays for generation.

The data exercises every branch of the definitions in ``leadline.delivery.metrics``: mixed-case
environment names, failed and staging deployments, deployments finishing at the same instant,
hotfixes, labelled rollbacks and redeploys of older commits, null commits, changes committed
exactly at a deployment, explicit change links to failed/staging/earlier/unknown deployments
(which fall back to time attribution), incidents exactly 24 h after a deployment, explicit
incident links to unknown or non-production deployments, open incidents and incidents
"resolved" before they started, and facts before ``SINCE`` and after ``UNTIL``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.config import load_settings
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS, INCIDENTS
from leadline.ingest.models import Batch
from leadline.lake.writer import LakeWriter
from leadline.store import Store
from leadline.store.base import utcnow

GENERATOR_VERSION = 1
OUTPUT = Path(__file__).resolve().parent / "output"
SINCE = dt.datetime(2024, 1, 1)  # naive UTC, a Monday
UNTIL = dt.datetime(2026, 1, 1)
MARGIN = dt.timedelta(days=14)  # facts also before SINCE and after UNTIL
SERVICES, TEAMS, UNOWNED = 500, 100, 5
IDLE_SERVICE, IDLE_TEAM = "service-idle", "team-idle"  # owned, never deploys
UNMAPPED_KEY = "(none)"
FULL = {"deployments": 1_000_000, "changes": 10_000_000, "incidents": 50_000}
US = 1_000_000
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def lake_home(scale: float, seed: int) -> Path:
    return OUTPUT / f"dora-lake-s{scale:g}-seed{seed}-v{GENERATOR_VERSION}"


def service_names() -> list[str]:
    return [f"service-{i:03d}" for i in range(SERVICES)]


def service_teams(seed: int) -> tuple[list[str], list[str]]:
    """(service, team) pairs of the catalog: every team owns at least one service; the last
    ``UNOWNED`` services are in no team's catalog (keyed ``UNMAPPED_KEY``)."""
    rng = np.random.default_rng([seed, 0])
    owned = SERVICES - UNOWNED
    team_of = np.concatenate([np.arange(TEAMS), rng.integers(0, TEAMS, owned - TEAMS)])
    rng.shuffle(team_of)
    names = [*service_names()[:owned], IDLE_SERVICE]
    teams = [*(f"team-{t:03d}" for t in team_of), IDLE_TEAM]
    return names, teams


def _micros(value: dt.datetime) -> int:
    return int(value.replace(tzinfo=dt.UTC).timestamp()) * US


def _timestamps(micros: np.ndarray) -> pa.Array:
    return pa.array(micros.astype("datetime64[us]")).cast(pa.timestamp("us", tz="UTC"))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _hex_strings(rng: np.random.Generator, n: int, chars: int = 40) -> pa.Array:
    """``n`` random lowercase hex strings (commit shas), built without Python objects."""
    nibbles = rng.integers(0, 16, size=(n, chars), dtype=np.uint8)
    data = HEX[nibbles].reshape(-1)
    offsets = np.arange(0, (n + 1) * chars, chars, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _pick(rng: np.random.Generator, n: int, choices: list[str], weights: list[float]) -> pa.Array:
    codes = rng.choice(len(choices), size=n, p=np.asarray(weights) / sum(weights))
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), choices).cast(pa.string())


def _with_nulls(values: pa.Array, null: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(null), pa.nulls(len(values), values.type), values)


def generate_deployments(
    rng: np.random.Generator, n: int
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    start, end = _micros(SINCE - MARGIN), _micros(UNTIL + MARGIN)
    weights = rng.lognormal(0.0, 0.8, SERVICES - UNOWNED)
    weights = np.concatenate([weights, np.full(UNOWNED, weights.mean())])
    service = np.sort(rng.choice(SERVICES, size=n, p=weights / weights.sum()))
    finished = rng.integers(start, end, size=n)
    order = np.lexsort((finished, service))
    service, finished = service[order], finished[order]
    same_service = np.r_[False, service[1:] == service[:-1]]
    tie = same_service & (rng.random(n) < 0.002)  # finished at the same instant as the previous
    for _ in range(3):  # ties may chain
        finished = np.where(tie, np.r_[finished[:1], finished[:-1]], finished)
    # Ids in random order, so ties are broken by an id unrelated to position.
    numbers = rng.permutation(n)
    production = rng.random(n) < 0.85
    success = rng.random(n) < 0.90
    # Commits: a new one usually; some deployments redeploy the previous deployment's commit
    # (retries, promotions) and some an older commit of the service (derived rollbacks).
    source = np.arange(n)
    back = np.where(rng.random(n) < 0.015, rng.integers(2, 21, n), 0)
    back = np.where((back == 0) & (rng.random(n) < 0.01), 1, back)
    candidate = source - back
    ok = (back > 0) & (candidate >= 0)
    ok &= service[np.clip(candidate, 0, None)] == service
    source = np.where(ok, candidate, source)
    for _ in range(50):  # resolve chains of redeploys
        nxt = source[source]
        if np.array_equal(nxt, source):
            break
        source = nxt
    shas = _hex_strings(rng, n).take(pa.array(source))
    shas = _with_nulls(shas, rng.random(n) < 0.005)
    u = rng.random(n)
    change_type = np.select(
        [u < 0.03, u < 0.04, u < 0.44], ["hotfix", "rollback", "planned"], default=""
    )
    change_types = _with_nulls(pa.array(change_type), change_type == "")
    envs = pc.if_else(
        pa.array(production),
        _pick(rng, n, ["production", "Production", "PROD", "prod"], [82, 8, 6, 4]),
        _pick(rng, n, ["staging", "Staging"], [9, 1]),
    )
    table = pa.table(
        {
            "deployment_id": _ids("dep-", numbers, 8),
            "service": pa.array(np.array(service_names()))
            .take(pa.array(service))
            .cast(pa.string()),
            "environment": envs,
            "status": pc.if_else(pa.array(success), "success", "failure"),
            "created_at": _timestamps(finished - rng.integers(60 * US, 1800 * US, n)),
            "finished_at": _timestamps(finished),
            "commit_sha": shas,
            "change_type": change_types,
            "source": pa.array(["bench"] * n),
            "updated_at": _timestamps(finished),
        }
    )
    facts = {
        "service": service,
        "finished": finished,
        "numbers": numbers,
        "good": production & success,
    }
    return table, facts


def generate_changes(rng: np.random.Generator, n: int, dep: dict[str, np.ndarray]) -> pa.Table:
    good = np.flatnonzero(dep["good"])
    count = len(dep["service"])
    # Most changes ship in a successful production deployment; some are aimed at a failed or
    # staging one (their explicit link is invalid and they fall back to time attribution).
    target = np.where(
        rng.random(n) < 0.9, good[rng.integers(0, len(good), n)], rng.integers(0, count, n)
    )
    lead = np.exp(rng.normal(np.log(18 * 3600), 1.3, n)) * US
    lead = np.where(rng.random(n) < 0.002, 0, lead).astype(np.int64)  # committed at deployment
    committed = dep["finished"][target] - lead
    service = dep["service"][target]
    u = rng.random(n)
    explicit = u < 0.70
    link = dep["numbers"][target]
    earlier = np.clip(target - rng.integers(1, 4, n), 0, None)  # often finished before commit
    link = np.where(explicit & (u < 0.02), dep["numbers"][earlier], link)
    deployment_ids = _ids("dep-", link, 8)
    deployment_ids = pc.if_else(
        pa.array(explicit & (u > 0.695)), _ids("dep-missing-", np.arange(n), 8), deployment_ids
    )
    deployment_ids = _with_nulls(deployment_ids, ~explicit)
    order = np.argsort(committed, kind="stable")
    committed = committed[order]
    merged = committed + (lead[order] * rng.uniform(0.2, 0.8, n)).astype(np.int64)
    return pa.table(
        {
            "change_id": _ids("chg-", np.arange(n), 9),
            "service": pa.array(np.array(service_names()))
            .take(pa.array(service[order]))
            .cast(pa.string()),
            "commit_sha": _hex_strings(rng, n),
            "committed_at": _timestamps(committed),
            "merged_at": _timestamps(merged),
            "deployment_id": deployment_ids.take(pa.array(order)),
            "source": pa.array(["bench"] * n),
            "updated_at": _timestamps(merged),
        }
    )


def generate_incidents(rng: np.random.Generator, n: int, dep: dict[str, np.ndarray]) -> pa.Table:
    good = np.flatnonzero(dep["good"])
    bad = np.flatnonzero(~dep["good"])
    count = len(dep["service"])
    cause = good[rng.integers(0, len(good), n)]
    after = np.exp(rng.normal(np.log(4 * 3600), 1.2, n)) * US
    after = np.where(rng.random(n) < 0.03, 24 * 3600 * US + rng.integers(0, US, n), after)
    started = dep["finished"][cause] + after.astype(np.int64)
    service = dep["service"][cause]
    background = rng.random(n) < 0.15  # not caused by a deployment
    started = np.where(
        background, rng.integers(_micros(SINCE - MARGIN), _micros(UNTIL + MARGIN), n), started
    )
    service = np.where(background, rng.integers(0, SERVICES, n), service)
    u = rng.random(n)
    explicit = u < 0.60
    link = np.where(
        u < 0.04, dep["numbers"][bad[rng.integers(0, len(bad), n)]], dep["numbers"][cause]
    )
    link = np.where(background & explicit, dep["numbers"][rng.integers(0, count, n)], link)
    deployment_ids = _ids("dep-", link, 8)
    deployment_ids = pc.if_else(
        pa.array(u > 0.58), _ids("dep-missing-", np.arange(n), 8), deployment_ids
    )
    deployment_ids = _with_nulls(deployment_ids, ~explicit)
    v = rng.random(n)
    duration = np.exp(rng.normal(np.log(2 * 3600), 1.0, n)) * US
    resolved = started + np.where(v < 0.02, -rng.integers(US, 3600 * US, n), duration).astype(
        np.int64
    )
    order = np.argsort(started, kind="stable")
    return pa.table(
        {
            "incident_id": _ids("inc-", np.arange(n), 7),
            "service": pa.array(np.array(service_names()))
            .take(pa.array(service[order]))
            .cast(pa.string()),
            "severity": _pick(rng, n, ["SEV1", "SEV2", "SEV3", "SEV4"], [1, 3, 4, 2]),
            "started_at": _timestamps(started[order]),
            "resolved_at": _with_nulls(_timestamps(resolved[order]), (v > 0.90)[order]),
            "deployment_id": deployment_ids.take(pa.array(order)),
            "title": pa.array(["Elevated error rate"] * n),
            "source": pa.array(["bench"] * n),
            "updated_at": _timestamps(started[order]),
        }
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
    rng = np.random.default_rng(seed)
    sizes = {name: max(1, round(rows * scale)) for name, rows in FULL.items()}
    deployments, facts = generate_deployments(rng, sizes["deployments"])
    changes = generate_changes(rng, sizes["changes"], facts)
    incidents = generate_incidents(rng, sizes["incidents"], facts)
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    with store.session() as session:
        batch = Batch(
            source="bench-dora",
            file_name="generated",
            content_hash=f"dora-{scale}-{seed}",
            options={},
            status="landed",
            started_at=utcnow(),
            finished_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        writer = LakeWriter(settings.lake_path, session, batch.id)
        writer.append(DEPLOYMENTS, deployments)
        writer.append(CHANGES, changes)
        writer.append(INCIDENTS, incidents)
        writer.publish()
    writer.cleanup()
    store.dispose()
    meta = {
        "scale": scale,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "rows": sizes,
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    meta_path.write_text(json.dumps(meta))
    return home, meta
